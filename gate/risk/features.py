"""Just-in-time defect prediction features (Kamei et al., TSE 2013) plus the operational ones SREs name.

One `HistoryIndex` serves both uses: fed every commit oldest-first, it yields each commit's features
from the state before it (calibration); fed the recent history of a change's files, it yields the
change's features (`gate check`).
"""

from __future__ import annotations

import datetime as dt
import math
import posixpath
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from gate.risk.history import Commit, FileChange, is_fix_message
from gate.risk.patch import EMPTY_PATCH, Patch

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
# window, new files, what the added lines are (new code in tokens rather than blank lines, comments
# and moved lines; decision points), and the lines moved rather than written.
EXTENDED = ("rel_churn", "file_fixes", "new_files", "added_code", "decisions", "moved")
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
_COMMENT = ("//", "/*", "*", "#", "--", "<!--")
_PREPROCESSOR = re.compile(
    r"#\s*(include|define|undef|if|ifdef|ifndef|elif|else|endif|pragma|import)\b"
)
_BLOCK = re.compile(r"/\*.*?\*/")
_TOKEN = re.compile(r"\w+|[^\w\s;]")  # a ";" separates statements: joining lines adds none
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


@dataclass(frozen=True)
class Change:
    """What the features need to know about one change (a commit, or a pull request's commits)."""

    author: str
    time: int
    files: tuple[FileChange, ...]
    message: str = ""
    tier: int = 2
    in_freeze: bool = False


def change_features(
    index: HistoryIndex,
    change: Change,
    lines_before: dict[str, int] | None,
    patch: Patch,
    window: int | None = None,
) -> dict[str, float]:
    """A change's features: the one computation `gate check`, `gate risk calibrate`, `gate risk
    evaluate` and the quality harness share. From the history before it (`index`; `window`
    seconds of it when given), its files' sizes before it (None: the sizes the index counted)
    and the text it adds and deletes."""
    return index.features(change, lines_before, patch, window)


def judged_at(today: dt.date) -> int:
    """The moment a change is judged at: the end of the check's own day (UTC). Never the commit's
    dates, which its author writes: dated in the future, the past or just after the base, a change
    would move the history window away from its files' history or make them look older or newer."""
    return int(dt.datetime.combine(today, dt.time(23, 59, 59), dt.timezone.utc).timestamp())


def day_of(time: int) -> dt.date:
    return dt.datetime.fromtimestamp(time, dt.timezone.utc).date()


class _FileState:
    """One file's history: (time, author, failed) per commit touching it, and its running size."""

    __slots__ = ("events", "lines")

    def __init__(self) -> None:
        self.events: list[tuple[int, str, bool]] = []
        self.lines = 0


class HistoryIndex:
    """The history before a change, as the features read it: every file's and author's commits.

    Features count only the commits in the `window` seconds before the change (None: all), so an
    index fed the whole history (calibration) and one fed only the window (`gate check`) give the
    same features for the same change.
    """

    def __init__(self, window: int | None = None) -> None:
        self.window = window
        self.files: dict[str, _FileState] = defaultdict(_FileState)
        self.authors: dict[str, list[tuple[int, frozenset[str]]]] = defaultdict(list)
        self.seen: set[str] = set()

    def add(self, commit: Commit) -> None:
        if commit.sha in self.seen:
            return
        self.seen.add(commit.sha)
        failure = commit.is_fix
        for f in commit.files:
            # A rename is an event of both paths, as `git log -- PATH` shows it for either one (the
            # check asks for the change's paths only); the file's size moves to its new name.
            state = self.files[f.path]
            lines = state.lines
            if f.old_path:
                moved_from = self.files[f.old_path]
                moved_from.events.append((commit.time, commit.author, failure))
                lines, moved_from.lines = moved_from.lines, 0
            state.events.append((commit.time, commit.author, failure))
            state.lines = max(0, lines + f.added - f.deleted)
        self.authors[commit.author].append(
            (commit.time, frozenset(subsystem(f.path) for f in commit.files))
        )

    def _since(self, time: int, window: int | None) -> int:
        narrowest = self.window if window is None else min(window, self.window or window)
        return time - narrowest if narrowest is not None else -(1 << 62)

    def features(
        self,
        change: Change,
        lines_before: dict[str, int] | None = None,
        patch: Patch | None = None,
        window: int | None = None,
    ) -> dict[str, float]:
        """The change's features from the history added so far (which must precede the change),
        `window` seconds of it when given. `patch` is the text the whole change adds and deletes
        per file (`code_size`); without it every added line counts as code and a decision point."""
        files = list(change.files)
        paths = [f.path for f in files]
        la = sum(f.added for f in files)
        ld = sum(f.deleted for f in files)
        since = self._since(change.time, window)
        known = [self.files[p] for f in files if (p := f.old_path or f.path) in self.files]
        events = [e for s in known for e in s.events if since <= e[0] <= change.time]
        before = [
            lines_before.get(f.old_path or f.path, 0)
            if lines_before is not None
            else self.files[f.old_path or f.path].lines
            if (f.old_path or f.path) in self.files
            else 0
            for f in files
        ]
        lt = sum(before)
        last = [
            max(t for t, _, _ in s.events if since <= t <= change.time)
            for s in known
            if any(since <= t <= change.time for t, _, _ in s.events)
        ]
        mine = [
            (t, names)
            for t, names in self.authors.get(change.author, ())
            if since <= t <= change.time
        ]
        subsystems = {subsystem(p) for p in paths}
        kinds = kind_counts(paths)
        tests = sum(f.added for f in files if _classify(f.path)[1])
        failures = [t for t, _, failed in events if failed]
        code, decisions, moved = code_size(files, patch or EMPTY_PATCH)
        return {
            "ns": len(subsystems),
            "nd": len({posixpath.dirname(p) for p in paths}),
            "nf": len(files),
            "entropy": _entropy([f.added + f.deleted for f in files]),
            "la": la,
            "ld": ld,
            "lt": lt,
            "fix": 1.0 if is_fix_message(change.message) else 0.0,
            "ndev": len({a for _, a, _ in events}),
            # the oldest touched file's age: touching one more file never makes a change look newer
            "age": max((change.time - t) / DAY for t in last) if last else 0.0,
            "nuc": len(events),
            "exp": len(mine),
            "rexp": sum(1.0 / ((change.time - t) / YEAR + 1.0) for t, _ in mine),
            "sexp": sum(len(names & subsystems) for _, names in mine),
            **{k: float(v) for k, v in kinds.items()},
            "test_ratio": tests / la if la else 0.0,
            "tier": float(change.tier),
            "recent_failures": sum(1 for t in failures if 0 <= change.time - t <= RECENT),
            "freeze": 1.0 if change.in_freeze else 0.0,
            "rel_churn": la / (la + lt) if la else 0.0,
            "file_fixes": len(failures),
            "new_files": sum(1 for n in before if not n),  # no lines before: new (or empty)
            "added_code": code,
            "decisions": decisions,
            "moved": moved,
        }


def _entropy(churn: list[int]) -> float:
    total = sum(churn)
    if not total or len(churn) < 2:
        return 0.0
    return -sum((c / total) * math.log2(c / total) for c in churn if c) / math.log2(len(churn))


# Size is counted in tokens, not lines: joining lines (with or without a ";", which is no token),
# splitting them or re-indenting leaves the count as it was, and an `import x;` prefix is counted. Reported in lines' worth (TOKENS_PER_LINE, about a line of
# Java or Python) so the figure reads as lines of code.
TOKENS_PER_LINE = 8


def code_size(files: Iterable[FileChange], patch: Patch) -> tuple[int, int, int]:
    """The change's new code in lines' worth of tokens, its decision points, and its moved lines.

    A line added that the change deletes elsewhere (whitespace aside) is moved, not new: a file
    split or a rename adds no code. Blank and comment lines are not code; imports are. A file whose
    text was not read counts each added line as a full line of code and a decision point."""
    pool = Counter(
        n for text in patch.deleted.values() for line in text.split("\n") if (n := _normal(line))
    )
    tokens = decisions = moved = 0
    for f in files:
        text = patch.added.get(f.path)
        if text is None:
            tokens += f.added * TOKENS_PER_LINE
            decisions += f.added
            continue
        for line in text.split("\n"):
            normal = _normal(line)
            if pool[normal] > 0:
                pool[normal] -= 1
                moved += 1
                continue
            code = _code(normal)
            if code:
                tokens += len(_TOKEN.findall(code))
                decisions += len(_DECISION.findall(code))
    return -(-tokens // TOKENS_PER_LINE), decisions, moved


def _normal(line: str) -> str:
    return " ".join(line.split())


def _code(line: str) -> str:
    """The line without its comments ("" for a comment line): closed /* */ spans go, and a line
    starting with a comment marker is a comment (a C preprocessor line is code)."""
    if "/*" in line:
        line = _BLOCK.sub(" ", line).strip()
    if line.startswith(_COMMENT) and not _PREPROCESSOR.match(line):
        return ""
    return line
