"""`gate risk calibrate` and `gate risk evaluate`: learn weights from the repository's own history,
and show on a time-ordered split whether the score beats the lines-added-only rule."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Callable

from gate.git import Repo
from gate.risk import labels as risk_labels
from gate.risk.features import DAY, FEATURES, Change, HistoryIndex
from gate.risk.history import Commit, stream
from gate.risk.model import DEFAULT_MODEL, Model, auc, fit

CACHE_VERSION = 2


@dataclass(frozen=True)
class Sample:
    sha: str
    time: int
    features: dict[str, float]
    failed: int


def dataset(repo: Repo, rev: str = "HEAD", tier: int = 2, progress: Callable[[int], Any] | None = None) -> list[Sample]:
    """Every non-merge commit reachable from `rev`, oldest first, with features and a failed label.

    Cached in the git directory, keyed by the commit id of `rev`.
    """
    head = repo.resolve(rev)
    cache = _cache_path(repo, head)
    if cache and os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            doc = json.load(f)
        if doc.get("version") == CACHE_VERSION:
            return [Sample(**s) for s in doc["samples"]]
    commits: list[Commit] = list(stream(repo, "--reverse", "--topo-order", head))
    index = HistoryIndex()
    rows: list[tuple[Commit, dict[str, float]]] = []
    for commit in commits:
        if not commit.is_merge and commit.files:
            rows.append((commit, index.features(Change(commit.author, commit.time, commit.files, commit.message, tier))))
        index.add(commit)
    ticks = iter(range(len(commits)))

    def tick() -> None:
        if progress is not None:
            progress(next(ticks))

    failed = risk_labels.reverted(commits) | risk_labels.fix_inducing(repo, commits, tick=tick)
    samples = [Sample(c.sha, c.time, f, int(c.sha in failed)) for c, f in rows]
    if cache:
        os.makedirs(os.path.dirname(cache), exist_ok=True)
        with open(cache, "w", encoding="utf-8") as f:
            json.dump({"version": CACHE_VERSION, "head": head, "samples": [s.__dict__ for s in samples]}, f)
    return samples


def _cache_path(repo: Repo, head: str) -> str | None:
    try:
        git_dir = repo.git_dir
    except Exception:
        return None
    return os.path.join(git_dir, "gate", f"risk-dataset-{head}.json")


def split(samples: list[Sample], test_share: float = 0.3, train_days: int = 730, settle_days: int = 90) -> tuple[list[Sample], list[Sample]]:
    """Train on the recent past, test on what came after; the newest `settle_days` are left out
    because their failures may not have been found yet."""
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
    return train, usable[cut:]


# Candidate models, from the lines-added rule up to every feature; calibration keeps the one that
# predicts the newest part of the training history best, so it never does worse than the rule there.
SIZE = ("la", "ld", "nf", "entropy", "lt")
HISTORY = SIZE + ("nuc", "ndev", "age", "exp", "sexp", "fix")
CANDIDATES = (("la",), SIZE, HISTORY, FEATURES)
PENALTIES = (1.0, 30.0, 300.0)
MARGIN = 0.02  # a richer model must beat a simpler one by this much on validation to be chosen


def select(train: list[Sample], validation_share: float = 0.25) -> tuple[Model, dict[str, Any]]:
    """Pick features and regularisation on a time-ordered validation slice, then refit on all of `train`."""
    ordered = sorted(train, key=lambda s: s.time)
    cut = int(len(ordered) * (1 - validation_share))
    fit_part, check_part = ordered[:cut], ordered[cut:]
    labels = [s.failed for s in check_part]
    best: tuple[float, tuple[str, ...], float] = (-1.0, ("la",), PENALTIES[0])
    candidates: tuple[tuple[str, ...], ...] = CANDIDATES
    if any(s.failed for s in fit_part) and 0 < sum(labels) < len(labels):
        for names in candidates:
            for l2 in PENALTIES:
                model = fit([s.features for s in fit_part], [s.failed for s in fit_part], names, l2=l2)
                score = auc([model.score(s.features) for s in check_part], labels) or 0.0
                simpler = len(names) <= len(best[1])
                if score > best[0] + (1e-9 if simpler else MARGIN):
                    best = (score, names, l2)
    _, names, l2 = best
    model = fit([s.features for s in ordered], [s.failed for s in ordered], names, l2=l2)
    return model, {"features": list(names), "l2": l2, "validation_auc": round(best[0], 4) if best[0] >= 0 else None}


def calibrate(samples: list[Sample], train_days: int = 730) -> Model:
    """Fit on the most recent `train_days` of settled history (models decay after about a year)."""
    train, rest = split(samples, test_share=1e-9, train_days=train_days)
    train = train + rest
    model, chosen = select(train)
    return Model(model.weights, model.intercept, model.means, model.scales, {
        "name": "calibrated", "trained": True, "samples": len(train), "failed": sum(s.failed for s in train),
        "from": min((s.time for s in train), default=0), "to": max((s.time for s in train), default=0), **chosen,
    })


def evaluate(samples: list[Sample], test_share: float = 0.3, train_days: int = 730) -> dict[str, Any]:
    train, test = split(samples, test_share, train_days)
    labels = [s.failed for s in test]
    result: dict[str, Any] = {
        "commits": len(samples), "train": len(train), "test": len(test),
        "train_failed": sum(s.failed for s in train), "test_failed": sum(labels),
    }
    if not train or not test or not any(labels) or all(labels) or not any(s.failed for s in train):
        result["error"] = "not enough labelled history on both sides of the split"
        return result
    model, chosen = select(train)
    result["model"] = chosen
    result["auc_model"] = auc([model.score(s.features) for s in test], labels)
    result["auc_default_model"] = auc([DEFAULT_MODEL.score(s.features) for s in test], labels)
    result["auc_lines_added"] = auc([s.features["la"] for s in test], labels)
    result["beats_baseline_by"] = (result["auc_model"] or 0) - (result["auc_lines_added"] or 0)
    return result
