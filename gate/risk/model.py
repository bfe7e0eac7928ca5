"""The risk model: logistic regression over transformed features, a default that needs no training,
fitting (Newton's method, L2-regularised, pure Python) and ROC AUC."""

from __future__ import annotations

import json
import math
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from gate.risk.features import FEATURES

SCHEMA = "gate.risk-model/v1"
# Levels on the percentile scale: the riskiest 2% critical, the next 8% high, the next 40% medium.
LEVELS = ((98, "critical"), (90, "high"), (50, "medium"), (0, "low"))

# Features whose weight may never be negative: everything the change's author controls only grows
# with more of the change (more lines, files, directories, dependencies, touched history), so with
# these weights adding to a change never lowers its score. The author cannot reshape them either:
# `added_code` counts tokens, not lines. Not here, and so never in a shipped model: `la` (physical
# lines: joining them would lower it), `entropy`, `rel_churn` and `test_ratio` (ratios, which one
# more file or line can move either way) and `fix` (a word in the message).
MONOTONE = (
    "ns",
    "nd",
    "nf",
    "ld",
    "lt",
    "ndev",
    "age",
    "nuc",
    "migrations",
    "infrastructure",
    "deploy_config",
    "dependencies",
    "auth",
    "feature_flags",
    "recent_failures",
    "file_fixes",
    "new_files",
    "added_code",
    "decisions",
    "moved",
)
# Features whose weight may never be positive: the author's experience. Who the author is is the
# pull request's claim; being (or posing as) a newcomer must never lower the score.
ANTITONE = ("exp", "rexp", "sexp")
RAW = {
    "entropy",
    "fix",
    "test_ratio",
    "tier",
    "freeze",
    "rel_churn",
}  # already on a small scale: no log


def transform(name: str, value: float) -> float:
    return float(value) if name in RAW else math.log1p(max(0.0, float(value)))


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    intercept: float
    means: dict[str, float] = field(default_factory=dict)
    scales: dict[str, float] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def z(self, name: str, value: float) -> float:
        return (transform(name, value) - self.means.get(name, 0.0)) / (
            self.scales.get(name, 1.0) or 1.0
        )

    def logit(self, features: Mapping[str, float]) -> float:
        return self.intercept + sum(
            w * self.z(n, features.get(n, 0.0)) for n, w in self.weights.items()
        )

    def score(self, features: Mapping[str, float]) -> float:
        return 100.0 / (1.0 + math.exp(-max(-50.0, min(50.0, self.logit(features)))))

    def contributions(self, features: dict[str, float]) -> list[tuple[str, float]]:
        """Each feature's push on the logit relative to a typical change (z = 0 or zero-valued)."""
        baseline = {n: (0.0 if self.means else transform(n, 0.0)) for n in self.weights}
        out = [
            (n, w * (self.z(n, features.get(n, 0.0)) - (0.0 if self.means else baseline[n])))
            for n, w in self.weights.items()
        ]
        return sorted(out, key=lambda item: -item[1])

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "schema": SCHEMA,
                    "weights": self.weights,
                    "intercept": self.intercept,
                    "means": self.means,
                    "scales": self.scales,
                    "meta": self.meta,
                },
                indent=2,
                sort_keys=True,
            )
            + "\n"
        )


DEFAULT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "default_model.json")


def load(raw: bytes, path: str) -> Model:
    from gate.errors import FatalError

    try:
        doc = json.loads(raw)
    except ValueError as e:
        raise FatalError(f"risk model is not JSON ({e})", path) from None
    if (
        not isinstance(doc, dict)
        or doc.get("schema") != SCHEMA
        or not isinstance(doc.get("weights"), dict)
    ):
        raise FatalError(
            f'not a risk model (expected "schema": "{SCHEMA}"; write one with `gate risk calibrate`)',
            path,
        )
    unknown = sorted(set(doc["weights"]) - set(FEATURES))
    if unknown:
        raise FatalError(f"risk model names unknown features: {', '.join(unknown)}", path)
    try:
        model = Model(
            {k: float(v) for k, v in doc["weights"].items()},
            float(doc.get("intercept", 0.0)),
            {k: float(v) for k, v in doc.get("means", {}).items()},
            {k: float(v) for k, v in doc.get("scales", {}).items()},
            dict(doc.get("meta", {})),
        )
    except (TypeError, ValueError):
        raise FatalError("risk model weights must be numbers", path) from None
    numbers = [
        model.intercept,
        *model.weights.values(),
        *model.means.values(),
        *model.scales.values(),
    ]
    if not all(
        math.isfinite(n) for n in numbers
    ):  # JSON's NaN and Infinity: every change would score 100
        raise FatalError("risk model numbers must be finite (no NaN or Infinity)", path)
    return model


with open(DEFAULT_PATH, "rb") as _f:
    # Fitted on public labels by bench/risk_quality.py --fit; its provenance is in meta.
    DEFAULT_MODEL = load(_f.read(), DEFAULT_PATH)


def level(score: float) -> str:
    return next(name for floor, name in LEVELS if score >= floor)


def fit(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    names: Sequence[str] = FEATURES,
    l2: float = 1.0,
    iterations: int = 25,
    monotone: Sequence[str] = MONOTONE,
    antitone: Sequence[str] = ANTITONE,
) -> Model:
    """L2-regularised logistic regression on standardised, transformed features, with the
    features in `monotone` never weighted below zero and those in `antitone` never above: a fit
    that breaks either is redone without the worst offender until none is left."""
    names = list(names)
    while True:
        model = _fit(rows, labels, names, l2, iterations)
        wrong = {n: -model.weights[n] for n in monotone if model.weights.get(n, 0.0) < 0}
        wrong.update({n: model.weights[n] for n in antitone if model.weights.get(n, 0.0) > 0})
        if not wrong:
            return model
        names.remove(max(wrong, key=lambda n: wrong[n]))


def _fit(
    rows: Sequence[dict[str, float]],
    labels: Sequence[int],
    names: Sequence[str],
    l2: float,
    iterations: int,
) -> Model:
    """L2-regularised logistic regression by Newton's method on standardised, transformed features."""
    columns = {n: [transform(n, r.get(n, 0.0)) for r in rows] for n in names}
    means = {n: sum(c) / len(c) for n, c in columns.items()}
    scales = {
        n: (math.sqrt(sum((x - means[n]) ** 2 for x in c) / len(c)) or 1.0)
        for n, c in columns.items()
    }
    used = [n for n in names if scales[n] > 1e-9 and any(x != columns[n][0] for x in columns[n])]
    X = [[1.0] + [(columns[n][i] - means[n]) / scales[n] for n in used] for i in range(len(rows))]
    d = len(used) + 1
    beta = [0.0] * d
    positives = sum(labels)
    if 0 < positives < len(labels):
        beta[0] = math.log(positives / (len(labels) - positives))
    for _ in range(iterations):
        gradient = [0.0] * d
        hessian = [[0.0] * d for _ in range(d)]
        for x, y in zip(X, labels, strict=True):
            p = 1.0 / (
                1.0
                + math.exp(-max(-50.0, min(50.0, sum(b * v for b, v in zip(beta, x, strict=True)))))
            )
            residual = y - p
            weight = p * (1.0 - p)
            for j in range(d):
                gradient[j] += residual * x[j]
                wxj = weight * x[j]
                row = hessian[j]
                for k in range(j, d):
                    row[k] += wxj * x[k]
        for j in range(d):
            for k in range(j):
                hessian[j][k] = hessian[k][j]
            if j:
                gradient[j] -= l2 * beta[j]
                hessian[j][j] += l2
        step = _solve(hessian, gradient)
        beta = [b + s for b, s in zip(beta, step, strict=True)]
        if max(abs(s) for s in step) < 1e-6:
            break
    weights = {n: beta[i + 1] for i, n in enumerate(used)}
    return Model(weights, beta[0], {n: means[n] for n in used}, {n: scales[n] for n in used})


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (d is ~25)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12:
            continue
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            factor = m[r][col] / m[col][col]
            if factor:
                for c in range(col, n + 1):
                    m[r][c] -= factor * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(m[r][r]) < 1e-12:
            continue
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def auc(scores: Sequence[float], labels: Sequence[int]) -> float | None:
    """ROC AUC as the Mann-Whitney probability that a failed change outscores a good one (ties half)."""
    pairs = sorted(zip(scores, labels, strict=True))
    positives = sum(labels)
    negatives = len(labels) - positives
    if not positives or not negatives:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        average_rank = (i + j + 1) / 2.0  # ranks are 1-based
        rank_sum += average_rank * sum(label for _, label in pairs[i:j])
        i = j
    return (rank_sum - positives * (positives + 1) / 2.0) / (positives * negatives)


def auc_interval(
    labels: Sequence[int],
    scores: Sequence[float],
    baseline: Sequence[float] | None = None,
    rounds: int = 1000,
    seed: int = 1,
    level: float = 0.95,
) -> tuple[float, float] | None:
    """A bootstrap interval (percentile, `level`) of the ROC AUC of `scores`, or of its margin over
    `baseline` on the same changes (paired: both are scored on each resample). None when too few
    resamples hold both a failed and a good change."""
    rng = random.Random(seed)
    n = len(labels)
    values = []
    for _ in range(rounds):
        picked = [rng.randrange(n) for _ in range(n)]
        ys = [labels[i] for i in picked]
        a = auc([scores[i] for i in picked], ys)
        if a is None:
            continue
        b = auc([baseline[i] for i in picked], ys) if baseline is not None else 0.0
        values.append(a - (b or 0.0))
    if len(values) < rounds // 2:
        return None
    values.sort()
    tail = (1.0 - level) / 2.0
    return values[int(tail * (len(values) - 1))], values[int((1.0 - tail) * (len(values) - 1))]
