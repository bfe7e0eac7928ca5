"""gate.budget.records: the SLO records' calendar windows, and how a user's value is quoted."""

from __future__ import annotations

import datetime as dt

from gate.budget.records import SLO, Calendar, say

UTC = dt.timezone.utc


def _at(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_a_monthly_period_holds_now_and_clamps_short_months() -> None:
    month = Calendar("2026-01-31 00:00:00", "UTC", 1, "M")
    assert month.period(_at("2026-03-15 12:00:00")) == (
        _at("2026-02-28 00:00:00"),
        _at("2026-03-31 00:00:00"),
    )
    assert month.nominal_seconds() == 30 * 86400


def test_a_weekly_period_steps_from_its_start() -> None:
    week = Calendar("2026-11-02 00:00:00", "UTC", 1, "w")
    assert week.period(_at("2026-11-20 08:00:00")) == (
        _at("2026-11-16 00:00:00"),
        _at("2026-11-23 00:00:00"),
    )
    assert Calendar("2026-01-01 00:00:00", "UTC", 2, "Q").nominal_seconds() == 2 * 91 * 86400


def test_values_are_quoted_as_yaml_writes_them() -> None:
    assert [say(v) for v in (None, True, "x", 3, 99.5, [1], {"a": 1})] == [
        "(missing)",
        "true",
        "'x'",
        "3",
        "99.5",
        "a list",
        "a mapping",
    ]
    assert say("y" * 100) == "'" + "y" * 77 + "...'"


def test_templates_name_each_query_an_slo_is_measured_with() -> None:
    slo = SLO(
        service="s",
        name="n",
        objective=0.99,
        window=86400,
        window_text="1d",
        budgeting="occurrences",
        source=None,
        bad="sum(rate(e_total[{{window}}]))",
        total="sum(rate(r_total[{{window}}]))",
    )
    assert slo.templates == (
        ("total", "sum(rate(r_total[{{window}}]))"),
        ("bad", "sum(rate(e_total[{{window}}]))"),
    )
