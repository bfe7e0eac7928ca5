from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gate.budget import openslo
from gate.budget.math import (
    BURN_WINDOWS,
    CALENDAR_UNITS,
    DAY,
    HOUR,
    budget_remaining,
    burn_rate,
    burn_state,
    count_fault,
    error_budget_ratio,
    parse_duration,
    timeslices_remaining,
    windows_for,
)
from gate.budget.records import Calendar
from gate.settings import BudgetSettings


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
    assert (
        budget_remaining(11, 10, 0.99) is None
    )  # good > total: a broken query or a counter reset mid-window
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


def test_workbook_factors_for_30_and_28_days_are_sloths_to_the_last_bit() -> None:
    # the factors in the rules Sloth generates for its google-30d and google-28d windows (out-base*.yaml.tpl)
    assert [b.factor(30 * DAY) for b in BURN_WINDOWS] == [14.4, 6.0, 3.0, 1.0]
    assert [b.factor(28 * DAY) for b in windows_for(28 * DAY, None, None).windows] == [
        13.44,
        5.6000000000000005,
        2.8000000000000003,
        0.9333333333333333,
    ]
    assert error_budget_ratio(0.999) == 0.0009999999999999432  # Sloth's (100 - 99.9) / 100


SEVEN_DAYS: dict[str, Any] = {  # the shape of a Sloth AlertWindows spec for a 7-day SLO period
    "apiVersion": "sloth.slok.dev/v1",
    "kind": "AlertWindows",
    "spec": {
        "sloPeriod": "7d",
        "page": {
            "quick": {"errorBudgetPercent": 8, "shortWindow": "5m", "longWindow": "1h"},
            "slow": {"errorBudgetPercent": 12.5, "shortWindow": "30m", "longWindow": "6h"},
        },
        "ticket": {
            "quick": {"errorBudgetPercent": 20, "shortWindow": "2h", "longWindow": "1d"},
            "slow": {"errorBudgetPercent": 42, "shortWindow": "6h", "longWindow": "3d"},
        },
    },
}


def test_alert_windows_from_configuration_per_repository_and_tier() -> None:
    budgets = BudgetSettings.parse({"alert_windows": [SEVEN_DAYS]})
    assert [b.factor(7 * DAY) for b in windows_for(7 * DAY, 1, budgets).windows] == [
        13.44,
        3.5,
        1.4000000000000001,
        0.98,
    ]
    # unconfigured 7d keeps the workbook's percentages: 2% of a week's budget in an hour is 3.36x
    assert windows_for(7 * DAY, 1, None).windows[0].factor(7 * DAY) == pytest.approx(3.36)
    # a tier's own windows win over the repository's; other tiers keep the repository's
    tier0 = {
        **SEVEN_DAYS["spec"],
        "page": {
            **SEVEN_DAYS["spec"]["page"],
            "quick": {"errorBudgetPercent": 4, "shortWindow": "5m", "longWindow": "1h"},
        },
    }
    budgets = BudgetSettings.parse(
        {"alert_windows": [SEVEN_DAYS], "alert_windows_by_tier": {"0": [tier0]}}
    )
    assert windows_for(7 * DAY, 0, budgets).windows[0].factor(7 * DAY) == pytest.approx(6.72)
    assert windows_for(7 * DAY, 2, budgets).windows[0].factor(7 * DAY) == 13.44
    assert (
        windows_for(30 * DAY, 0, budgets).windows[0].factor(30 * DAY) == 14.4
    )  # a period nobody configured: workbook


def test_burn_states_need_both_windows() -> None:
    window = 30 * DAY
    fast = {HOUR: 0.015, 300: 0.015, 6 * HOUR: 0.001, 1800: 0.001}
    assert burn_state(fast, window, 0.999).state == "fast-burn"
    assert burn_state(fast, window, 0.999).condition == "14.4x over 1h and 5m"
    recovered = {HOUR: 0.015, 300: 0.0005}
    assert burn_state(recovered, window, 0.999).state == "ok"  # the short window resets the alert
    slow = {DAY: 0.0035, 2 * HOUR: 0.0035}
    assert burn_state(slow, window, 0.999).state == "slow-burn"
    assert burn_state({HOUR: None, 300: 0.1}, window, 0.999).state == "ok"
    assert (
        burn_state(slow, window, 0.999, alerts=("page",)).state == "ok"
    )  # a Sloth spec that disables ticket alerts


def test_exactly_14_4x_agrees_with_sloths_rule() -> None:
    # Sloth's rule: ratio > (14.4 * 0.0009999999999999432); 144 errors in 10,000 is 0.0144, just above it
    at_boundary = {HOUR: 144 / 10_000, 300: 144 / 10_000}
    assert 144 / 10_000 > 14.4 * 0.0009999999999999432
    assert burn_state(at_boundary, 30 * DAY, 0.999).state == "fast-burn"
    # and with 99%: Sloth's rule is ratio > (14.4 * 0.01)
    assert burn_state({HOUR: 0.144, 300: 0.144}, 30 * DAY, 0.99).state == (
        "fast-burn" if 0.144 > (14.4 * 0.01) else "ok"
    )
    seven = windows_for(7 * DAY, None, BudgetSettings.parse({"alert_windows": [SEVEN_DAYS]}))
    assert burn_state({HOUR: 0.01344, 300: 0.01344}, 7 * DAY, 0.999, seven).state == (
        "fast-burn" if 0.01344 > 13.44 * 0.0009999999999999432 else "ok"
    )
    assert (
        burn_state({HOUR: 0.013, 300: 0.013}, 7 * DAY, 0.999, seven).state == "ok"
    )  # 13x: the workbook scaled to 7d (3.36x) would page


def test_parse_duration() -> None:
    assert parse_duration("28d") == 28 * DAY
    assert parse_duration("4w") == 28 * DAY
    assert parse_duration("5m") == 300
    for bad in ("", "d", "1.5d", "-1d", "0d", "1y", None, 28):
        assert parse_duration(bad) is None


@pytest.mark.parametrize(
    "text",
    [
        "\u00b2d",  # a superscript two: str.isdigit() says yes, int() raises
        "\u0663d",  # an Arabic-Indic three: str.isdigit() says yes, int() reads 3
        "028d",
        "28d\n",
        " 28d",
        "28D",
        "28dd",
        "1e3s",
        "+5m",
        True,
    ],
)
def test_only_the_schemas_duration_grammar_parses(text: object) -> None:
    """`^[1-9][0-9]*[smhdw]$`, as the schemas say: anything else is no duration, never an exception."""
    assert parse_duration(text) is None


def test_one_duration_grammar_for_every_format() -> None:
    from gate.budget.openslo import _WINDOW_UNITS
    from gate.policy.kinds import window_minutes

    assert parse_duration("1M", _WINDOW_UNITS) == 30 * DAY and parse_duration("1M") is None
    assert parse_duration("30s", {"m": 60}) is None
    assert window_minutes(" 28d ") == 28 * 1440 and window_minutes("1h") == 60
    for bad in ("30s", "028d", "\u0663d", "28d\nx"):
        assert window_minutes(bad) is None, bad


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
    assert remaining == pytest.approx(
        1 - rate, abs=1e-6
    )  # over the SLO window, remaining = 1 - burn


@given(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(allow_nan=True, allow_infinity=True),
    objectives,
)
def test_never_raises(good: float, total: float, objective: float) -> None:
    budget_remaining(good, total, objective)
    burn_rate(good, total, objective)
    timeslices_remaining(good, total, objective)


@pytest.mark.parametrize(
    "good,total,words",
    [
        (math.nan, 1.0, "good is nan"),
        (1.0, math.inf, "total is inf"),
        (-1.0, 1.0, "good is negative"),
        (1.0, -0.5, "total is negative"),
        (1e300, 1e300, "beyond any count"),
        (3.0, 1.0, "exceeds total"),
    ],
)
def test_a_value_that_is_no_measurement_says_why(good: float, total: float, words: str) -> None:
    assert words in (count_fault(good, total) or "")


def test_measurements_no_traffic_and_two_queries_a_scrape_apart_are_no_fault() -> None:
    assert count_fault(990.0, 1000.0) is None
    assert count_fault(0.0, 0.0) is None  # no traffic: no data, decided by the math
    assert count_fault(1000.0001, 1000.0) is None  # good asked a hair after total
    assert count_fault(2.0**53, 2.0**53) is None


def test_one_table_of_calendar_units() -> None:
    """A quarter is one length everywhere: an OpenSLO window and a calendar period agree (they
    said 90 and 91 days)."""
    for unit in "MQY":
        period = Calendar("2026-01-01 00:00:00", "UTC", 1, unit).nominal_seconds()
        assert period == CALENDAR_UNITS[unit] == openslo._WINDOW_UNITS[unit]
    assert CALENDAR_UNITS["Q"] == 91 * 86400
