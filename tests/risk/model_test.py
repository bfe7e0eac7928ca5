"""gate.risk.model: the logistic model, its file format and its levels."""

from __future__ import annotations

import json
import math

import pytest

from gate.errors import FatalError
from gate.risk.model import DEFAULT_MODEL, SCHEMA, Model, auc, level, load, transform


def test_a_model_round_trips_through_its_file() -> None:
    model = Model(
        {"la": 0.8, "exp": -0.3}, -1.5, {"la": 2.0}, {"la": 1.5}, {"trained": "2026-11-01"}
    )
    assert load(model.to_json().encode(), "m.json") == model
    assert json.loads(model.to_json())["schema"] == SCHEMA


def test_score_is_a_bounded_logistic_of_the_weighted_features() -> None:
    model = Model({"la": 1.0}, 0.0)
    assert model.score({}) == pytest.approx(50.0)  # log1p(0) = 0: the intercept alone
    assert model.score({"la": math.e - 1}) == pytest.approx(100 / (1 + math.exp(-1)))
    assert (
        model.score({"la": 1e300}) <= 100.0 and Model({"la": -1.0}, 0.0).score({"la": 1e300}) >= 0.0
    )
    assert (
        transform("entropy", 0.5) == 0.5 and transform("la", -3) == 0.0
    )  # raw features; counts never below zero


def test_contributions_name_what_pushed_the_score_up_first() -> None:
    model = Model({"la": 1.0, "exp": -1.0, "nf": 0.1}, 0.0)
    names = [n for n, _ in model.contributions({"la": 100, "exp": 50, "nf": 3})]
    assert names[0] == "la" and names[-1] == "exp"


def test_levels_cover_every_score() -> None:
    assert [level(s) for s in (0.0, 49.99, 50.0, 90.0, 98.0, 100.0)] == [
        "low",
        "low",
        "medium",
        "high",
        "critical",
        "critical",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b'{"schema": "gate.risk-model/v1", "weights": {"la": NaN}}',
        b'{"schema": "gate.risk-model/v1", "weights": {"la": 1}, "intercept": Infinity}',
        b'{"schema": "gate.risk-model/v1", "weights": {"la": 1}, "scales": {"la": -Infinity}}',
    ],
)
def test_a_model_file_with_nan_or_infinity_is_refused(raw: bytes) -> None:
    """JSON parsers accept NaN and Infinity; a NaN weight would score every change 100 (critical)."""
    with pytest.raises(FatalError, match="m.json: risk model numbers must be finite"):
        load(raw, "m.json")


def test_weights_that_are_not_numbers_are_one_clear_error() -> None:
    with pytest.raises(FatalError, match="weights must be numbers"):
        load(b'{"schema": "gate.risk-model/v1", "weights": {"la": "big"}}', "m.json")


def test_auc() -> None:
    assert auc([0.9, 0.8, 0.1], [1, 1, 0]) == 1.0
    assert auc([0.1, 0.2], [1, 0]) == 0.0
    assert auc([0.5, 0.5], [1, 0]) == 0.5
    assert auc([0.3, 0.4], [0, 0]) is None


def test_the_shipped_model_loads_and_ranks_a_bigger_change_higher() -> None:
    assert DEFAULT_MODEL.weights and DEFAULT_MODEL.score(
        {"la": 2000, "added_code": 1500, "nf": 40}
    ) > DEFAULT_MODEL.score({"la": 2, "added_code": 2})
