"""One scale with a meaning: where a change's risk stands among this repository's own recent changes.

The model gives a probability; the score people act on is its percentile among the newest RECENT
non-merge commits reachable from the trusted tip, each scored by the check's own feature
computation (`change_features`: the history window before it, its files' sizes before it, its own
patch). So "warn at 90" means "riskier than 90% of this repository's recent changes" on any
repository. The scale is drawn once per trusted tip and model and kept in the git directory's
cache; a later tip reuses an ancestor's scale while it is under STALE commits behind, so the
pre-commit hook does not redraw it after every commit. A repository with fewer than MIN_CHANGES
commits is placed on the reference scale shipped with the model (public projects' changes).
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gate.cache import Store
from gate.git import GitError, LogFormat, Repo
from gate.risk.features import DAY, Change, HistoryIndex, change_features, day_of, judged_at
from gate.risk.history import Commit, stream
from gate.risk.model import Model
from gate.risk.patch import ADDED_LIMIT, Patch
from gate.risk.patch import parse as parse_patch

RECENT = 200  # the recent changes a scale is drawn from
MIN_CHANGES = 30  # fewer than this: the model's reference scale
STALE = 100  # commits a cached scale may be behind the tip before it is drawn again
NEUTRAL_TIER = 2.0  # the scale ranks changes, not services: the tier's thresholds carry the tier


@dataclass(frozen=True)
class Scale:
    """The tier-neutral probabilities (0-100) of the recent changes, sorted, and where they come from."""

    points: tuple[float, ...]
    source: str  # "repository" (its own recent changes) or "reference" (the model's)

    def describe(self, probability: float) -> str:
        whose = (
            f"this repository's {len(self.points)} recent changes"
            if self.source == "repository"
            else f"the model's {len(self.points)} reference changes, too few of its own"
        )
        return f"percentile among {whose}; model probability {probability:.0f}%"

    def percentile(self, probability: float) -> float:
        """The share of the scale's changes below `probability`, ties counted half (0-100)."""
        below = bisect.bisect_left(self.points, probability)
        upto = bisect.bisect_right(self.points, probability)
        return 100.0 * (below + 0.5 * (upto - below)) / len(self.points)


def neutral(model: Model, features: Mapping[str, float]) -> float:
    """The model's probability for a change as if made to a tier-2 service."""
    return model.score({**features, "tier": NEUTRAL_TIER})


def reference(model: Model) -> Scale | None:
    """The scale the model ships with (its training changes' probabilities), if any."""
    points = model.meta.get("reference_scale")
    if isinstance(points, list) and len(points) >= MIN_CHANGES:
        return Scale(tuple(sorted(float(p) for p in points)), "reference")
    return None


def scale_for(repo: Repo, tip: str, model: Model, window_days: int) -> Scale | None:
    """This repository's scale at the trusted tip `tip` (cached), or the model's reference scale."""
    identity = hashlib.sha256((model.to_json() + str(window_days)).encode()).hexdigest()[:16]
    store = _store(repo)
    reused = _reusable(repo, store, tip, identity) if store else None
    if reused is not None:
        points = reused
    else:
        try:
            points = draw(repo, tip, model, window_days)
        except GitError:  # a damaged or partial clone: the reference scale (the check says so)
            return reference(model)
        if store:
            store.put(f"{identity}-{tip}", {"tip": tip, "model": identity, "points": points})
    if len(points) >= MIN_CHANGES:
        return Scale(tuple(sorted(points)), "repository")
    return reference(model)


def _store(repo: Repo) -> Store | None:
    try:
        return Store(repo.git_dir, "risk-scale", keep=16)
    except Exception:
        return None


def _reusable(repo: Repo, store: Store, tip: str, identity: str) -> list[float] | None:
    exact = store.get(f"{identity}-{tip}")
    if _valid(exact, identity):
        return list(exact["points"])
    newest = store.newest()
    if newest is None or not _valid(newest[1], identity):
        return None
    old = str(newest[1]["tip"])
    if not repo.is_ancestor(old, tip) or repo.count_commits(f"{old}..{tip}") > STALE:
        return None
    return list(newest[1]["points"])


def _valid(doc: object, identity: str) -> bool:
    return (
        isinstance(doc, dict)
        and doc.get("model") == identity
        and isinstance(doc.get("tip"), str)
        and isinstance(doc.get("points"), list)
        and all(isinstance(p, (int, float)) for p in doc["points"])
    )


def draw(repo: Repo, tip: str, model: Model, window_days: int) -> list[float]:
    """The tier-neutral probabilities of the newest RECENT non-merge commits reachable from `tip`,
    each featured as `gate check` run on the day of the commit would feature it."""
    return list(probabilities(repo, tip, model, window_days).values())


def probabilities(
    repo: Repo, tip: str, model: Model, window_days: int, recent: int = RECENT
) -> dict[str, float]:
    """Each of the newest `recent` non-merge commits' tier-neutral probability, by commit id."""
    patches = _recent_patches(repo, tip, recent)
    if not patches:
        return {}
    oldest = min(time for time, _ in patches.values())
    # who touched what, and when (names only, as the check mines it: sizes come from the blobs)
    since = f"--since=@{oldest - window_days * DAY - DAY}"
    commits = list(stream(repo, "--reverse", "--topo-order", since, tip, lines=False))
    # the recent changes' own files with their line counts, as the check's diff counts them
    counted = {c.sha: c for c in stream(repo, "--no-merges", f"--max-count={recent}", tip)}
    sizes = _sizes_before(repo, [c for c in counted.values() if c.files])
    index = HistoryIndex(window_days * DAY)
    points = {}
    for commit in commits:
        own = counted.get(commit.sha)
        if own is not None and own.files and commit.sha in patches:
            change = Change(own.author, judged_at(day_of(own.time)), own.files, own.message)
            features = change_features(index, change, sizes[commit.sha], patches[commit.sha][1])
            points[commit.sha] = round(neutral(model, features), 6)
        index.add(commit)
    return points


def _recent_patches(repo: Repo, tip: str, recent: int) -> dict[str, tuple[int, Patch]]:
    log = LogFormat("%H", "%at")
    out: dict[str, tuple[int, Patch]] = {}
    args = ("--no-merges", f"--max-count={recent}")
    for record in log.stream(repo.log_patches(tip, log.format, *args)):
        (sha, time), tail = log.split(record)
        patch = parse_patch(tail[:ADDED_LIMIT], cut=len(tail) > ADDED_LIMIT)
        out[sha.decode()] = (int(time or 0), patch)
    return out


def _sizes_before(repo: Repo, commits: Sequence[Commit]) -> dict[str, dict[str, int]]:
    """Each commit's files' line counts in its first parent, read in one round trip."""
    names = {
        c.sha: {p: f"{c.parents[0]}:{p}" if c.parents else "" for p in _before(c)} for c in commits
    }
    found = repo.objects.read_many(
        [n for paths in names.values() for n in paths.values() if n], blobs_only=True
    )
    return {
        sha: {p: found[n].count(b"\n") if n in found else 0 for p, n in paths.items()}
        for sha, paths in names.items()
    }


def _before(commit: Commit) -> list[str]:
    # a name cat-file cannot be asked for (a newline in it) counts as a new file
    return [p for f in commit.files if "\n" not in (p := f.old_path or f.path)]
