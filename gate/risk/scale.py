"""One scale with a meaning: where a change's risk stands among this repository's own recent changes.

The model gives a probability; the score people act on is its percentile among the newest RECENT
non-merge commits reachable from the trusted tip, each scored by the check's own feature
computation (`change_features`: the history window before it, its files' sizes before it, its own
patch). So "warn at 90" means "riskier than 90% of this repository's recent changes" on any
repository. The scale is drawn once per trusted tip and model and kept in the git directory's
cache; a later tip reuses an ancestor's scale while it is under STALE commits behind, so the
pre-commit hook does not redraw it after every commit. A repository with fewer than MIN_CHANGES
commits is placed on the reference scale shipped with the model (public projects' changes).

Where caches are off (CI) the scale is drawn on every run, so what it reads is bounded: at most
WALK commits of history behind the tip. A repository busier than that gets a shorter history
window for its scale (`Scale.window`), and the check ranks its change with the same window, so
the percentile compares like with like; the probability shown beside it keeps the full window.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gate.cache import Store
from gate.git import GitError, LogFormat, Repo, Stream
from gate.risk.features import DAY, Change, HistoryIndex, change_features, day_of, judged_at
from gate.risk.history import Commit, stream
from gate.risk.model import Model
from gate.risk.patch import ADDED_LIMIT, Patch
from gate.risk.patch import parse as parse_patch

RECENT = 100  # the recent changes a scale is drawn from
WALK = 400  # commits of history (samples included) read to feature them, at most
MIN_CHANGES = 30  # fewer than this: the model's reference scale
STALE = 100  # commits a cached scale may be behind the tip before it is drawn again
NEUTRAL_TIER = 2.0  # the scale ranks changes, not services: the tier's thresholds carry the tier


@dataclass(frozen=True)
class Scale:
    """The tier-neutral probabilities (0-100) of the recent changes, sorted, and where they come from."""

    points: tuple[float, ...]
    source: str  # "repository" (its own recent changes) or "reference" (the model's)
    window: int | None = None  # seconds of history its changes were featured with (None: full)

    def describe(self, probability: float) -> str:
        whose = (
            f"this repository's {len(self.points)} recent changes"
            if self.source == "repository"
            else f"the model's {len(self.points)} reference changes, too few of its own"
        )
        if self.window is not None and self.source == "repository":
            whose += f", their files' history over {self.window // DAY} days"  # a busy repository's
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


def scale_for(
    repo: Repo, tip: str, model: Model, window_days: int, window: int | None | bool = False
) -> Scale | None:
    """This repository's scale at the trusted tip `tip` (cached), or the model's reference scale.

    Its changes are featured with `bounded_window`'s history unless `window` names one (seconds;
    None: the full `window_days`), which a scale reused from the cache must then have too."""
    identity = hashlib.sha256((model.to_json() + str(window_days)).encode()).hexdigest()[:16]
    store = _store(repo)
    reused = _reusable(repo, store, tip, identity) if store else None
    if reused is not None and (window is False or reused[1] == window):
        points, seconds = reused
    else:
        try:
            drawn, seconds = probabilities(repo, tip, model, window_days, window=window)
            points = list(drawn.values())
        except GitError:  # a damaged or partial clone: the reference scale (the check says so)
            return reference(model)
        if store:
            doc = {"tip": tip, "model": identity, "points": points, "window": seconds}
            store.put(f"{identity}-{tip}", doc)
    if len(points) >= MIN_CHANGES:
        return Scale(tuple(sorted(points)), "repository", seconds)
    return reference(model)


def bounded_window(repo: Repo, tip: str, window_days: int, recent: int = RECENT) -> int | None:
    """The history window (seconds) a scale features its changes with: None (the full
    `window_days`) when the newest `recent` non-merge commits and that much history before them
    fit in the newest WALK commits, else the history that does fit (a day at least)."""
    return _fit(repo.newest_commits(tip, WALK), window_days, recent)


def _fit(walked: Sequence[tuple[int, bool]], window_days: int, recent: int) -> int | None:
    """`bounded_window` from the walked commits' (time, is a merge), newest first."""
    if len(walked) < WALK:
        return None  # the whole history is under WALK commits: nothing to bound
    samples = [t for t, merge in walked if not merge][:recent]
    oldest = judged_at(day_of(min(samples))) if samples else walked[-1][0]
    fits = oldest - min(t for t, _ in walked)
    return None if fits >= window_days * DAY else max(DAY, fits)


def _store(repo: Repo) -> Store | None:
    try:
        return Store(repo.git_dir, "risk-scale", keep=16)
    except Exception:
        return None


def _reusable(
    repo: Repo, store: Store, tip: str, identity: str
) -> tuple[list[float], int | None] | None:
    exact = store.get(f"{identity}-{tip}")
    if _valid(exact, identity):
        return list(exact["points"]), exact.get("window")
    newest = store.newest()
    if newest is None or not _valid(newest[1], identity):
        return None
    old = str(newest[1]["tip"])
    if not repo.is_ancestor(old, tip) or repo.count_commits(f"{old}..{tip}") > STALE:
        return None
    return list(newest[1]["points"]), newest[1].get("window")


def _valid(doc: object, identity: str) -> bool:
    return (
        isinstance(doc, dict)
        and doc.get("model") == identity
        and isinstance(doc.get("tip"), str)
        and isinstance(doc.get("points"), list)
        and all(isinstance(p, (int, float)) for p in doc["points"])
        and (doc.get("window") is None or type(doc.get("window")) is int)
    )


def draw(repo: Repo, tip: str, model: Model, window_days: int) -> list[float]:
    """The tier-neutral probabilities of the newest RECENT non-merge commits reachable from `tip`,
    each featured as `gate check` run on the day of the commit would feature it."""
    return list(probabilities(repo, tip, model, window_days)[0].values())


def probabilities(
    repo: Repo,
    tip: str,
    model: Model,
    window_days: int,
    recent: int = RECENT,
    window: int | None | bool = False,
    featured: dict[str, dict[str, float]] | None = None,
) -> tuple[dict[str, float], int | None]:
    """Each of the newest `recent` non-merge commits' tier-neutral probability, by commit id,
    featured from the newest WALK commits (more when `recent` is more) with `window` seconds of
    history (None: `window_days`; False: `bounded_window`'s), and that window; each one's
    features go into `featured` when given. The three git questions run at once."""
    # who touched what, and when (names only, as the check mines it; renames found)
    walk = stream(repo, f"--max-count={max(WALK, 2 * recent)}", tip, lines=False)
    process = repo.log_patches(tip, PATCH_LOG.format, "--no-merges", f"--max-count={recent}")
    commits = list(walk)
    patches = _recent_patches(process)
    counted = _counted(repo, tip, recent, model, commits, patches)
    sizes = _sizes_before(repo, [c for c in counted.values() if c.files], model, patches)
    if window is False:
        window = _fit([(c.time, c.is_merge) for c in commits], window_days, recent)
    index = HistoryIndex(window_days * DAY if window is None else min(window, window_days * DAY))
    points = {}
    for commit in reversed(commits):
        own = counted.get(commit.sha)
        if own is not None and own.files and commit.sha in patches:
            change = Change(own.author, judged_at(day_of(own.time)), own.files, own.message)
            features = change_features(index, change, sizes[commit.sha], patches[commit.sha][1])
            points[commit.sha] = round(neutral(model, features), 6)
            if featured is not None:
                featured[commit.sha] = features
        index.add(commit)
    return points, window


PATCH_LOG = LogFormat("%H", "%at")


def _recent_patches(process: Stream) -> dict[str, tuple[int, Patch]]:
    """Each recent change's time and patch (`log_patches` with PATCH_LOG); a patch past
    ADDED_LIMIT is cut as the check cuts its own (and counts no lines then: git counts them)."""
    out: dict[str, tuple[int, Patch]] = {}
    for record in PATCH_LOG.stream(process):
        (sha, time), tail = PATCH_LOG.split(record)
        cut = len(tail) > ADDED_LIMIT
        patch = parse_patch(tail[:ADDED_LIMIT], cut=cut)
        out[sha.decode()] = (int(time or 0), patch._replace(counts={}) if cut else patch)
    return out


# The features that read a change's per-file line counts (beyond its patch text).
LINED = ("la", "ld", "entropy", "rel_churn", "test_ratio")


def _lined(model: Model) -> bool:
    return any(model.weights.get(name) for name in LINED)


def _counted(
    repo: Repo,
    tip: str,
    recent: int,
    model: Model,
    walked: Sequence[Commit],
    patches: Mapping[str, tuple[int, Patch]],
) -> dict[str, Commit]:
    """The recent changes' own files (renames found, as the check's diff finds them) with their
    line counts: the walk's files with the patches' counts, which count a renamed file whole
    (`la`, `ld`: a model weighing neither); git's numstat when the model weighs line counts or a
    patch was cut."""
    cut = any(not p.counts and (p.added or p.deleted) for _, p in patches.values())
    if _lined(model) or cut:
        return {c.sha: c for c in stream(repo, "--no-merges", f"--max-count={recent}", tip)}
    counted = {}
    for c in walked:
        if c.sha in patches:
            counts = patches[c.sha][1].counts
            files = tuple(
                f._replace(
                    added=counts.get(f.path, (0, 0))[0],
                    deleted=counts.get(f.old_path or f.path, (0, 0))[1],
                )
                for f in c.files
            )
            counted[c.sha] = c._replace(files=files)
    return counted


# The features that read the files' line counts before a change (beyond whether a file is new).
SIZED = ("lt", "rel_churn")


def _sizes_before(
    repo: Repo,
    commits: Sequence[Commit],
    model: Model,
    patches: Mapping[str, tuple[int, Patch]],
) -> dict[str, dict[str, int]]:
    """Each commit's files' line counts in its first parent, read in one round trip; when the model
    weighs no size, only whether each file was there before (its patch has an old side), which
    is all `new_files` reads, and no file is read."""
    if not any(model.weights.get(name) for name in SIZED):
        return {
            c.sha: {
                p: int(p in patches[c.sha][1].deleted) if c.sha in patches else 0
                for p in _before(c)
            }
            for c in commits
        }
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
