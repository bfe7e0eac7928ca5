from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.budget.math import (
    BURN_WINDOWS, DAY, HOUR, budget_remaining, burn_rate, burn_state, parse_duration, timeslices_remaining,
)


def test_budget_remaining_exact() -> None:
    assert budget_remaining(999_000, 1_000_000, 0.999) == pytest.approx(0.0)
    assert budget_remaining(999_500, 1_000_000, 0.999) == pytest.approx(0.5)
    assert budget_remaining(998_000, 1_000_000, 0.999) == pytest.approx(-1.0)
    assert budget_remaining(1_000_000, 1_000_000, 0.999) == 1.0


def test_no_traffic_is_no_data_never_all_good() -> None:
    assert budget_remaining(0, 0, 0.999) is None
    assert burn_rate(0, 0, 0.999) is None
    assert budget_remaining(float("nan"), 10, 0.999) is None
    assert budget_remaining(5, float("inf"), 0.999) is None


def test_inconsistent_counts_are_no_data() -> None:
    assert budget_remaining(11, 10, 0.99) is None  # good > total: a broken query or a counter reset mid-window
    assert budget_remaining(-1, 10, 0.99) is None


def test_objective_100_has_no_budget() -> None:
    assert budget_remaining(10, 10, 1.0) == 0.0
    assert budget_remaining(9, 10, 1.0) == -math.inf
    assert burn_rate(10, 10, 1.0) == 0.0
    assert burn_rate(9, 10, 1.0) == math.inf


def test_timeslices() -> None:
    assert timeslices_remaining(0, 40320, 0.999) == 1.0
    assert timeslices_remaining(40.32, 40320, 0.999) == pytest.approx(0.0)
    assert timeslices_remaining(20.16, 40320, 0.999) == pytest.approx(0.5)
    assert timeslices_remaining(1, 0, 0.999) is None


def test_burn_rate_exact() -> None:
    assert burn_rate(999, 1000, 0.999) == pytest.approx(1.0)
    assert burn_rate(950, 1000, 0.999) == pytest.approx(50.0)


def test_workbook_factors_for_30_and_28_days() -> None:
    assert [round(b.factor(30 * DAY), 2) for b in BURN_WINDOWS] == [14.4, 6.0, 3.0, 1.0]
    assert [round(b.factor(28 * DAY), 3) for b in BURN_WINDOWS] == [13.44, 5.6, 2.8, 0.933]


def test_burn_states_need_both_windows() -> None:
    window = 30 * DAY
    fast = {HOUR: 15.0, 300: 15.0, 6 * HOUR: 1.0, 1800: 1.0}
    assert burn_state(fast, window).state == "fast-burn"
    assert burn_state(fast, window).condition == "14.4x over 1h and 5m"
    recovered = {HOUR: 15.0, 300: 0.5}
    assert burn_state(recovered, window).state == "ok"  # the short window resets the alert
    slow = {DAY: 3.5, 2 * HOUR: 3.5}
    assert burn_state(slow, window).state == "slow-burn"
    assert burn_state({HOUR: None, 300: 100.0}, window).state == "ok"


def test_parse_duration() -> None:
    assert parse_duration("28d") == 28 * DAY
    assert parse_duration("4w") == 28 * DAY
    assert parse_duration("5m") == 300
    for bad in ("", "d", "1.5d", "-1d", "0d", "1y", None, 28):
        assert parse_duration(bad) is None


finite = st.floats(min_value=0, max_value=1e12, allow_nan=False)
objectives = st.floats(min_value=0.5, max_value=0.99999)


@given(finite, finite, objectives)
def test_budget_properties(good: float, total: float, objective: float) -> None:
    remaining = budget_remaining(good, total, objective)
    if total <= 0 or good > total * (1 + 1e-9):
        assert remaining is None
        return
    assert remaining is not None and remaining <= 1.0
    rate = burn_rate(good, total, objective)
    assert rate is not None and rate >= 0
    assert remaining == pytest.approx(1 - rate, abs=1e-6)  # over the SLO window, remaining = 1 - burn


@given(st.floats(allow_nan=True, allow_infinity=True), st.floats(allow_nan=True, allow_infinity=True), objectives)
def test_never_raises(good: float, total: float, objective: float) -> None:
    budget_remaining(good, total, objective)
    burn_rate(good, total, objective)
    timeslices_remaining(good, total, objective)
