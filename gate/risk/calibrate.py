"""`gate risk calibrate` and `gate risk evaluate`: learn weights from the repository's own history,
and show on a time-ordered split whether the score beats the lines-added-only rule."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from gate import config as gate_config
from gate.cache import Store
from gate.git import GitError, LogFormat, Repo
from gate.incidents.book import Book, place_of
from gate.incidents.labels import failures as incident_failures
from gate.incidents.record import Incident
from gate.risk import labels as risk_labels
from gate.risk.features import DAY, Change, HistoryIndex, change_features, day_of, judged_at
from gate.risk.history import Commit, stream
from gate.risk.model import ANTITONE, DEFAULT_MODEL, MONOTONE, Model, auc, auc_interval, fit
from gate.risk.patch import ADDED_LIMIT, EMPTY_PATCH, Patch
from gate.risk.patch import parse as parse_patch
from gate.snapshot import Snapshot

CACHE_VERSION = 4
SETTLE_DAYS = (
    90  # an external label without a `known` date is taken as known this long after the change
)


@dataclass(frozen=True)
class Sample:
    sha: str
    time: int
    features: dict[str, float]
    failed: int
    known: int = 0  # when the failure became known (the first fix or revert); 0 when not failed


def as_of(samples: list[Sample], cutoff: int) -> list[Sample]:
    """The leakage rule: at `cutoff` only the failures known by then are labels. A change whose
    fix (or revert) landed later looked good at the cutoff, and is counted so."""
    return [
        s if not s.failed or s.known <= cutoff else replace(s, failed=0, known=0) for s in samples
    ]


def relabel(
    samples: list[Sample], labels: Mapping[str, tuple[int, int | None]], unlisted: str = "good"
) -> list[Sample]:
    """Labels from a file (see `labels.read_file`) instead of SZZ. Commits the file does not list
    count as good (`unlisted="good"`, for records that list failures) or are left out ("skip")."""
    out = []
    for s in samples:
        if s.sha in labels:
            failed, known = labels[s.sha]
            out.append(
                replace(
                    s,
                    failed=failed,
                    known=(known if known is not None else s.time + SETTLE_DAYS * DAY)
                    if failed
                    else 0,
                )
            )
        elif unlisted == "good":
            out.append(replace(s, failed=0, known=0))
    return out


def dataset(
    repo: Repo,
    rev: str = "HEAD",
    tier: int = 2,
    progress: Callable[[int], Any] | None = None,
    szz: bool = True,
    window_days: int | None = None,
    incidents: Sequence[Incident] = (),
) -> list[Sample]:
    """Every non-merge commit reachable from `rev`, oldest first, with features and a failed label
    (reverted, SZZ, or shown failed by `incidents`: gate.incidents.labels; without `szz` every
    label is 0, for labels read from a file), featured with `window_days` of history (None: the
    `risk.history_days` the check reads, at `rev`).

    Cached in the git directory (gate.cache, with its off-switch), keyed by the commit id of `rev`.
    """
    head = repo.resolve(rev)
    if window_days is None:
        window_days = gate_config.load(Snapshot(repo, head)).risk.history_days
    store = _store(repo)
    key = f"{head}-{window_days}" + ("" if szz else "-unlabelled") + _incidents_key(incidents)
    cached = _cached(store.get(key)) if store else None
    if cached is not None:
        return cached
    commits: list[Commit] = list(stream(repo, "--reverse", "--topo-order", head))
    rows = _features(repo, head, commits, tier, window_days)
    ticks = iter(range(len(commits)))

    def tick() -> None:
        if progress is not None:
            progress(next(ticks))

    failed: dict[str, int] = {}
    if szz:
        failed = risk_labels.fix_inducing(repo, commits, tick=tick)
        learned = incident_failures(incidents, commits).items() if incidents else ()
        for sha, when in (*risk_labels.reverted(commits).items(), *learned):
            failed[sha] = min(when, failed.get(sha, when))
    samples = [
        Sample(c.sha, c.time, f, int(c.sha in failed), failed.get(c.sha, 0)) for c, f in rows
    ]
    if store:
        store.put(
            key, {"version": CACHE_VERSION, "head": head, "samples": [asdict(s) for s in samples]}
        )
    return samples


def _incidents_key(incidents: Sequence[Incident]) -> str:
    """The incidents' part of the cache key: a changed export relabels."""
    if not incidents:
        return ""
    text = repr(
        sorted(
            (i.id, i.started, i.resolved, i.caused_by_commits, i.caused_by_pull_requests)
            for i in incidents
        )
    )
    return "-incidents-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def incidents_at(repo: Repo, rev: str) -> tuple[tuple[Incident, ...], str | None]:
    """The incidents the revision's `.gate.yaml` names (its incident source), and why there are
    none when its source could not answer."""
    snap = Snapshot(repo, repo.resolve(rev))
    config = gate_config.load(snap, gate_config.CONFIG_FILE, required=False)
    book = Book(config.incidents, place_of(snap, snap))
    loaded = book.loaded
    if loaded.problem:
        return (), f"incidents not read ({loaded.problem}): labels from git alone"
    return loaded.incidents, None


def _features(
    repo: Repo, head: str, commits: list[Commit], tier: int, window_days: int
) -> list[tuple[Commit, dict[str, float]]]:
    """Every non-merge commit's features as `gate check` computes them for that commit as a change:
    the same function, the history of the `window_days` before it, the files' sizes before it and
    the text of its own patch (read in the same order as `commits`, oldest first)."""
    index = HistoryIndex(window_days * DAY)
    patches = _patches(repo, head)
    rows: list[tuple[Commit, dict[str, float]]] = []
    for commit in commits:
        sha, patch = next(patches, ("", EMPTY_PATCH))
        if sha != commit.sha:  # the two logs disagree: never pair a commit with another's text
            raise GitError(f"git log listed {sha or 'nothing'} where {commit.sha} was expected")
        if not commit.is_merge and commit.files:
            # judged as a check run on the day of the commit would judge it
            at = judged_at(day_of(commit.time))
            change = Change(commit.author, at, commit.files, commit.message, tier)
            rows.append((commit, change_features(index, change, None, patch)))
        index.add(commit)
    return rows


def _patches(repo: Repo, head: str) -> Iterator[tuple[str, Patch]]:
    """Each commit's id and patch text, oldest first; a patch past ADDED_LIMIT is cut as the
    check cuts its own diff (the rest counts as unread, never as fewer lines)."""
    log = LogFormat("%H")
    for record in log.stream(repo.log_patches(head, log.format, "--reverse", "--topo-order")):
        (sha,), tail = log.split(record)
        yield sha.decode(), parse_patch(tail[:ADDED_LIMIT], cut=len(tail) > ADDED_LIMIT)


def _store(repo: Repo) -> Store | None:
    try:
        return Store(repo.git_dir, "risk-dataset", keep=8)
    except Exception:
        return None


def _cached(doc: Any) -> list[Sample] | None:
    """The samples of a cached dataset, or None when the document is not one this version wrote."""
    if (
        not isinstance(doc, dict)
        or doc.get("version") != CACHE_VERSION
        or not isinstance(doc.get("samples"), list)
    ):
        return None
    try:
        samples = [Sample(**s) for s in doc["samples"]]
    except TypeError:
        return None
    return samples if all(isinstance(s.features, dict) for s in samples) else None


def split(
    samples: list[Sample], test_share: float = 0.3, train_days: int = 730, settle_days: int = 90
) -> tuple[list[Sample], list[Sample]]:
    """Train on the recent past, test on what came after; the newest `settle_days` are left out
    because their failures may not have been found yet. The training side keeps only the labels
    known when the test side begins (`as_of`); the test side is judged on every label known now."""
    ordered = sorted(samples, key=lambda s: s.time)
    if not ordered:
        return [], []
    end = ordered[-1].time - settle_days * DAY
    usable = [s for s in ordered if s.time <= end]
    cut = int(len(usable) * (1 - test_share))
    if cut <= 0 or cut >= len(usable):
        return usable, []
    boundary = usable[cut].time
    train = [s for s in usable[:cut] if s.time >= boundary - train_days * DAY]
    return as_of(train, boundary), usable[cut:]


# Candidate models, from the lines-added rule up to every feature; calibration keeps the one that
# predicts the newest part of the training history best, so it never does worse than the rule there.
# The default model's features and regularisation, chosen with bench/risk_quality.py
# (leave-one-project-out on public labels; see the model card in README.md): every feature whose
# weight is held to one sign (MONOTONE, ANTITONE), so no author can lower a score by adding to a
# change or reshaping it.
DEFAULT_FEATURES: tuple[str, ...] = MONOTONE + ANTITONE
# Every candidate holds only features of one sign (MONOTONE, ANTITONE), as the default does.
SIZE = ("added_code", "ld", "nf", "lt")
HISTORY = SIZE + ("nuc", "ndev", "age", "exp", "sexp")
CANDIDATES = (("added_code",), SIZE, HISTORY, DEFAULT_FEATURES)
PENALTIES = (1.0, 30.0, 300.0)
MARGIN = 0.02  # a richer model must beat a simpler one by this much on validation to be chosen


def select(train: list[Sample], validation_share: float = 0.25) -> tuple[Model, dict[str, Any]]:
    """Pick features and regularisation on a time-ordered validation slice, then refit on all of `train`."""
    ordered = sorted(train, key=lambda s: s.time)
    cut = int(len(ordered) * (1 - validation_share))
    fit_part, check_part = ordered[:cut], ordered[cut:]
    if check_part:
        fit_part = as_of(fit_part, check_part[0].time)
    labels = [s.failed for s in check_part]
    best: tuple[float, tuple[str, ...], float] = (-1.0, ("la",), PENALTIES[0])
    candidates: tuple[tuple[str, ...], ...] = CANDIDATES
    if any(s.failed for s in fit_part) and 0 < sum(labels) < len(labels):
        for names in candidates:
            for l2 in PENALTIES:
                model = fit(
                    [s.features for s in fit_part], [s.failed for s in fit_part], names, l2=l2
                )
                score = auc([model.score(s.features) for s in check_part], labels) or 0.0
                simpler = len(names) <= len(best[1])
                if score > best[0] + (1e-9 if simpler else MARGIN):
                    best = (score, names, l2)
    _, names, l2 = best
    model = fit([s.features for s in ordered], [s.failed for s in ordered], names, l2=l2)
    return model, {
        "features": list(names),
        "l2": l2,
        "validation_auc": round(best[0], 4) if best[0] >= 0 else None,
    }


def not_enough(samples: list[Sample], need: str) -> str:
    """The one message `gate risk calibrate` and `gate risk evaluate` give when the history cannot support them."""
    failed = sum(s.failed for s in samples)
    return f"not enough labelled history ({len(samples)} changes, {failed} failed; need {need})"


EVALUATE_NEEDS = (
    "failed and unfailed changes on both sides of a time-ordered split of the settled history"
)


def evaluate(
    samples: list[Sample],
    test_share: float = 0.3,
    train_days: int = 730,
    default: Model | None = None,
) -> dict[str, Any]:
    """Fit on the older part (labels known at the cutoff), judge on the newest `test_share`:
    the calibrated model, the default model and the lines-added rule."""
    default = default or DEFAULT_MODEL
    train, test = split(samples, test_share, train_days)
    labels = [s.failed for s in test]
    result: dict[str, Any] = {
        "commits": len(samples),
        "train": len(train),
        "test": len(test),
        "train_failed": sum(s.failed for s in train),
        "test_failed": sum(labels),
    }
    if not train or not test or not any(labels) or all(labels) or not any(s.failed for s in train):
        result["error"] = not_enough(samples, EVALUATE_NEEDS)
        return result
    model, chosen = select(train)
    result["model"] = chosen
    fitted = [model.score(s.features) for s in test]
    defaults = [default.score(s.features) for s in test]
    result["auc_model"] = auc(fitted, labels)
    result["auc_default_model"] = auc(defaults, labels)
    # the margin's 95% bootstrap interval: a calibration is kept only when it excludes zero
    interval = auc_interval(labels, fitted, defaults)
    result["beats_default_interval"] = [round(x, 4) for x in interval] if interval else None
    result["auc_lines_added"] = auc([s.features["la"] for s in test], labels)
    result["beats_baseline_by"] = (result["auc_model"] or 0) - (result["auc_lines_added"] or 0)
    result["beats_default_by"] = (result["auc_model"] or 0) - (result["auc_default_model"] or 0)
    return result


def beyond_noise(result: Mapping[str, Any]) -> bool:
    """The calibrated model beats the default on the held-out slice by more than noise: the 95%
    bootstrap interval of its AUC margin lies above zero."""
    interval = result.get("beats_default_interval")
    return interval is not None and interval[0] > 0


def calibrate(
    samples: list[Sample],
    train_days: int = 730,
    test_share: float = 0.3,
    default: Model | None = None,
    now: int | None = None,
) -> tuple[Model | None, dict[str, Any]]:
    """Fit on the repository's own history, if that beats the default model on the newest slice
    beyond noise (`beyond_noise`).

    First the validation: `evaluate` fits on the older part with the labels known at its cutoff
    and judges on the newest slice. Only when the fitted model beats the default there is it
    refitted on the most recent `train_days` of settled history (every label known by `now`),
    with the features and regularisation chosen there, and returned; otherwise None (keep the
    default), and the result says by how much it fell short.
    """
    result = evaluate(samples, test_share, train_days, default)
    if "error" in result or not beyond_noise(result):
        return None, result
    now = now if now is not None else max(s.time for s in samples)
    end = max(s.time for s in samples) - 90 * DAY  # settled: as in `split`
    train = as_of([s for s in samples if end - train_days * DAY <= s.time <= end], now)
    chosen = result[
        "model"
    ]  # the features and regularisation that were validated, refitted on the newest history
    model = fit(
        [s.features for s in train], [s.failed for s in train], chosen["features"], l2=chosen["l2"]
    )
    return Model(
        model.weights,
        model.intercept,
        model.means,
        model.scales,
        {
            "name": "calibrated",
            "trained": True,
            "samples": len(train),
            "failed": sum(s.failed for s in train),
            "from": min((s.time for s in train), default=0),
            "to": max((s.time for s in train), default=0),
            **chosen,
            "validation": {
                k: result[k]
                for k in (
                    "auc_model",
                    "auc_default_model",
                    "auc_lines_added",
                    "train",
                    "test",
                    "test_failed",
                )
            },
        },
    ), result


DEFAULT_L2 = 30.0
MIN_SUPPORT = 30  # a feature non-zero in fewer training changes than this is not fitted
# What the public labels cannot teach: (almost) none of their changes touches a migration,
# infrastructure code or a feature flag, or has a tier or a freeze. A feature the data is silent
# on (under MIN_SUPPORT changes) gets the SRE practice's weight from here (on log1p of the count;
# tier and freeze as they are), not fitted, and the model's provenance lists it under "prior".
PRIOR_WEIGHTS = {
    "migrations": 1.1,
    "infrastructure": 0.8,
    "deploy_config": 0.6,
    "dependencies": 0.6,
    "auth": 0.5,
    "feature_flags": 0.3,
    "tier": -0.25,
    "freeze": 2.0,
}


def _teachable(samples: list[Sample], name: str) -> bool:
    """The data can teach a feature when at least MIN_SUPPORT changes differ from its most common
    value (a migration in 30 changes; not a tier every change shares)."""
    values = Counter(s.features.get(name, 0.0) for s in samples)
    return bool(values) and len(samples) - values.most_common(1)[0][1] >= MIN_SUPPORT


def fit_default(
    samples: list[Sample],
    names: tuple[str, ...] = DEFAULT_FEATURES,
    l2: float = DEFAULT_L2,
    prior: dict[str, float] | None = None,
) -> Model:
    """The default model's fit: a logistic regression on `names`, each feature held to its sign
    (MONOTONE, ANTITONE: a feature the data would weigh the other way is left out), plus the
    `prior` weights for what the data cannot teach (a feature non-zero in under MIN_SUPPORT
    changes, or zero in under that many: a tier every change shares). A feature the data did
    teach, and taught the wrong way, gets no prior."""
    prior = PRIOR_WEIGHTS if prior is None else prior
    supported = {n for n in set(names) | set(prior) if _teachable(samples, n)}
    model = fit(
        [s.features for s in samples],
        [s.failed for s in samples],
        tuple(n for n in names if n in supported),
        l2=l2,
    )
    given = {n: w for n, w in prior.items() if n not in supported}
    weights = {**model.weights, **given}
    means = {**model.means, **dict.fromkeys(given, 0.0)}
    scales = {**model.scales, **dict.fromkeys(given, 1.0)}
    # the tier prior is centred on tier 2 so that it moves tier-0/1 changes up, not every change down
    intercept = model.intercept - sum(w * 2.0 for n, w in given.items() if n == "tier")
    return Model(
        weights,
        intercept,
        means,
        scales,
        {
            "features": list(model.weights),
            "prior": given,
            "l2": l2,
            "samples": len(samples),
            "failed": sum(s.failed for s in samples),
        },
    )
