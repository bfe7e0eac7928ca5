"""Just-in-time defect prediction features (Kamei et al., TSE 2013) plus the operational ones SREs name.

One `HistoryIndex` serves both uses: fed every commit oldest-first, it yields each commit's features
from the state before it (calibration); fed the recent history of a change's files, it yields the
change's features (`gate check`).
"""

from __future__ import annotations

import math
import posixpath
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from gate.risk.history import Commit, FileChange, is_fix_message

DAY = 86400
YEAR = 365.25 * DAY
RECENT = 90 * DAY  # window for "recently fixed or reverted"

KAMEI = (
    "ns",
    "nd",
    "nf",
    "entropy",
    "la",
    "ld",
    "lt",
    "fix",
    "ndev",
    "age",
    "nuc",
    "exp",
    "rexp",
    "sexp",
)
OPERATIONAL = (
    "migrations",
    "infrastructure",
    "deploy_config",
    "dependencies",
    "auth",
    "feature_flags",
    "test_ratio",
    "tier",
    "recent_failures",
    "freeze",
)
# Beyond Kamei: relative churn (Nagappan & Ball 2005), the files' own fix history over the whole
# window, new files, and what the added lines are (code rather than blank lines, comments and
# imports; decision points) -- the added text is read by `gate check` from its own diff.
EXTENDED = ("rel_churn", "file_fixes", "new_files", "added_code", "decisions")
FEATURES = KAMEI + OPERATIONAL + EXTENDED

_KINDS = {
    "migrations": re.compile(
        r"(^|/)(migrations?|migrate|alembic|flyway|liquibase|db/migrate|schema)(/|$)|\.sql$", re.I
    ),
    "infrastructure": re.compile(
        r"\.(tf|tfvars|hcl)$|(^|/)(terraform|pulumi|cloudformation|ansible|helm|charts|k8s|kubernetes|kustomize)(/|$)",
        re.I,
    ),
    "deploy_config": re.compile(
        r"(^|/)(Dockerfile|docker-compose[^/]*|Jenkinsfile|Procfile|values[^/]*\.ya?ml|[^/]*\.env)$|(^|/)(deploy|deployment|config|conf|\.github/workflows)(/|$)",
        re.I,
    ),
    "dependencies": re.compile(
        r"(^|/)(requirements[^/]*\.txt|setup\.py|setup\.cfg|pyproject\.toml|poetry\.lock|Pipfile(\.lock)?|uv\.lock|package(-lock)?\.json|yarn\.lock|pnpm-lock\.yaml|go\.(mod|sum)|Cargo\.(toml|lock)|Gemfile(\.lock)?|pom\.xml|build\.gradle(\.kts)?|composer\.(json|lock))$",
        re.I,
    ),
    "auth": re.compile(
        r"(auth|security|crypt|permission|rbac|iam|oauth|login|session|token|secret|password|credential|tls|ssl|cert)",
        re.I,
    ),
    # Flag systems' files: flagd (flagd.json, *.flagd.json), OpenFeature, LaunchDarkly (ld-flags), Unleash, Flagsmith,
    # GO Feature Flag, GrowthBook, ConfigCat, Flipper; and generic flags/ or toggles/ directories and files.
    "feature_flags": re.compile(
        r"(feature[-_]?(flags?|toggles?)|(^|/)(flags?|toggles?)(/|\.)|(^|/|[-_.])flagd([-_./]|$)|openfeature|launchdarkly|"
        r"(^|/)ld[-_]flags|unleash|flagsmith|go[-_]feature[-_]flag|growthbook|configcat|flipper)",
        re.I,
    ),
}
_COMMENT = ("//", "/*", "*", "#", "--", "import ", "package ", "from ", "using ", "#include")
_DECISION = re.compile(r"\b(if|for|while|case|catch|elif|except|switch)\b|&&|\|\||\?[^?:]*:")
_TEST = re.compile(
    r"(^|/)(tests?|spec|__tests__)(/|$)|(_test|_spec|\.test|\.spec)\.[a-z]+$|(^|/)test_[^/]*$", re.I
)


def subsystem(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else "(root)"


@lru_cache(maxsize=1 << 16)
def _classify(path: str) -> tuple[tuple[str, ...], bool]:
    """A path's operational kinds and whether it is a test, worked out once per path (a history
    names the same files again and again); asked only of the files a change's features name."""
    kinds = tuple(kind for kind, pattern in _KINDS.items() if pattern.search(path))
    return kinds, _TEST.search(path) is not None


def kind_counts(paths: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(_KINDS, 0)
    for path in paths:
        for kind in _classify(path)[0]:
            counts[kind] += 1
    return counts


def _recent_experience(times: list[int], now: int) -> float:
    """Kamei's rexp: each earlier change weighted by 1 / (its age in years + 1), summed in the order
    given (C-level maps: the same floats, in the same order, as the plain loop)."""
    ages = map(YEAR.__rtruediv__, map(now.__sub__, times))
    weighted: float = sum(map((1.0).__truediv__, map((1.0).__add__, ages)))
    return weighted


@dataclass(frozen=True)
class Change:
    """What the features need to know about one change (a commit, or a pull request's commits)."""

    author: str
    time: int
    files: tuple[FileChange, ...]
    message: str = ""
    tier: int = 2
    in_freeze: bool = False


@dataclass
class _FileState:
    last_time: int = 0
    changes: int = 0
    authors: set[str] = field(default_factory=set)
    lines: int = 0
    failures: list[int] = field(default_factory=list)  # times of fix/revert commits touching it


class HistoryIndex:
    def __init__(self) -> None:
        self.files: dict[str, _FileState] = defaultdict(_FileState)
        self.author_times: dict[str, list[int]] = defaultdict(list)
        self._unsorted: set[str] = set()  # authors whose times were not added oldest first
        self.author_subsystems: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.seen: set[str] = set()

    def add(self, commit: Commit) -> None:
        if commit.sha in self.seen:
            return
        self.seen.add(commit.sha)
        failure = commit.is_fix
        for f in commit.files:
            if f.old_path and f.old_path in self.files:
                self.files[f.path] = self.files.pop(f.old_path)
            state = self.files[f.path]
            state.last_time = max(state.last_time, commit.time)
            state.changes += 1
            state.authors.add(commit.author)
            state.lines = max(0, state.lines + f.added - f.deleted)
            if failure:
                state.failures.append(commit.time)
        times = self.author_times[commit.author]
        if times and commit.time < times[-1]:
            self._unsorted.add(commit.author)
        times.append(commit.time)
        for name in {subsystem(f.path) for f in commit.files}:
            self.author_subsystems[commit.author][name] += 1

    def _times_until(self, author: str, now: int) -> list[int]:
        """The author's change times up to `now`, in the order added: a running list cut by bisection
        when it was added oldest first (every use but a hand-fed history), else filtered."""
        times = self.author_times.get(author, [])
        if author in self._unsorted:
            return [t for t in times if t <= now]
        end = bisect_right(times, now)
        return times if end == len(times) else times[:end]

    def features(
        self, change: Change, lines_before: dict[str, int] | None = None, added: str | None = None
    ) -> dict[str, float]:
        """The change's features from the history added so far (which must precede the change).

        `added` is the text of the added lines; without it (history mined with line counts only)
        `added_code` is the lines added and `decisions` is unknown (0)."""
        files = [f for f in change.files]
        paths = [f.path for f in files]
        la = sum(f.added for f in files)
        ld = sum(f.deleted for f in files)
        churn = [f.added + f.deleted for f in files]
        total = sum(churn)
        entropy = 0.0
        if total and len(files) > 1:
            entropy = -sum((c / total) * math.log2(c / total) for c in churn if c) / math.log2(
                len(files)
            )
        known = [
            self.files[f.old_path or f.path] for f in files if (f.old_path or f.path) in self.files
        ]
        lt = (
            sum(lines_before.get(f.old_path or f.path, 0) for f in files)
            if lines_before is not None
            else sum(s.lines for s in known)
        )
        authors: set[str] = set().union(*(s.authors for s in known)) if known else set()
        ages = [
            (change.time - s.last_time) / DAY
            for s in known
            if s.last_time and change.time >= s.last_time
        ]
        times = self._times_until(change.author, change.time)
        subsystems = {subsystem(p) for p in paths}
        by_subsystem = self.author_subsystems.get(change.author, {})
        kinds = kind_counts(paths)
        tests = sum(f.added for f in files if _classify(f.path)[1])
        recent = sum(1 for s in known for t in s.failures if 0 <= change.time - t <= RECENT)
        code, decisions = added_code(added) if added is not None else (la, 0)
        new = sum(
            1
            for f in files
            if (f.old_path or f.path) not in self.files
            and (lines_before is None or not lines_before.get(f.old_path or f.path))
        )
        return {
            "ns": len(subsystems),
            "nd": len({posixpath.dirname(p) for p in paths}),
            "nf": len(files),
            "entropy": entropy,
            "la": la,
            "ld": ld,
            "lt": lt,
            "fix": 1.0 if is_fix_message(change.message) else 0.0,
            "ndev": len(authors),
            "age": sum(ages) / len(ages) if ages else 0.0,
            "nuc": sum(s.changes for s in known),
            "exp": len(times),
            "rexp": _recent_experience(times, change.time),
            "sexp": sum(by_subsystem.get(name, 0) for name in subsystems),
            **{k: float(v) for k, v in kinds.items()},
            "test_ratio": tests / la if la else 0.0,
            "tier": float(change.tier),
            "recent_failures": recent,
            "freeze": 1.0 if change.in_freeze else 0.0,
            "rel_churn": la / (la + lt) if la else 0.0,
            "file_fixes": sum(len(s.failures) for s in known),
            "new_files": new,
            "added_code": code,
            "decisions": decisions,
        }


def added_code(text: str) -> tuple[int, int]:
    """Added lines that are code (not blank, a comment or an import), and decision points in them."""
    code = decisions = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith(_COMMENT):
            code += 1
            decisions += len(_DECISION.findall(stripped))
    return code, decisions
