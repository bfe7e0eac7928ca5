"""`gate explain openslo|sloth|alert-windows`: the examples it prints are ones gate reads."""

from __future__ import annotations

import textwrap
from typing import Any

import yaml

from gate.budget import guide, sloth
from gate.budget.math import DAY, windows_for
from gate.resources import errors_for
from gate.settings import BudgetSettings


def _block(text: str, first: str, last: str) -> str:
    start = text.index(first)
    end = text.index(last, start) + len(last)
    line_start = text.rindex("\n", 0, start) + 1
    return textwrap.dedent(text[line_start:end])


def test_explain_prints_the_topics(gate_cli: Any) -> None:
    for topic, words in (
        ("openslo", "thresholdMetric (with Timeslices)"),
        ("sloth", "PrometheusServiceLevel"),
        ("alert-windows", "14.4x"),
    ):
        code, out, _ = gate_cli("explain", topic)
        assert code == 0 and words in out
    code, _, err = gate_cli("explain", "no-such-topic")
    assert code == 2 and "topics: alert-windows, openslo, sloth" in err


def test_the_alert_windows_example_is_valid_configuration_and_means_what_it_says() -> None:
    budgets = yaml.safe_load(_block(guide.ALERT_WINDOWS, "budgets:", "longWindow: 3d}"))["budgets"]
    assert errors_for("config", {"version": 1, "budgets": budgets}) == []
    assert (
        windows_for(7 * DAY, 1, BudgetSettings.parse(budgets)).windows[0].factor(7 * DAY) == 13.44
    )


def test_the_sloth_example_is_read() -> None:
    spec = _block(
        guide.SLOTH, "version: prometheus/v1\n  version", "ticket_alert: {disable: true}"
    ).split("\n", 1)[1]
    (slo,), problems = sloth.slos_from("checkout", "x.yaml", textwrap.dedent(spec).encode(), "28d")
    assert problems == [] and slo.alerts == ("page",) and slo.objective == 0.999


def test_the_documented_budgets_example_is_valid_configuration() -> None:
    import os

    section = open(os.path.join(os.path.dirname(__file__), "..", "..", "docs", "slo.md")).read()
    block = section[
        section.index("```yaml\n") + 8 : section.index("```\n", section.index("```yaml\n") + 8)
    ]
    config = {"version": 1, **yaml.safe_load(block)}
    assert errors_for("config", config) == []
    assert (
        windows_for(7 * DAY, 1, BudgetSettings.parse(config["budgets"])).windows[0].factor(7 * DAY)
        == 13.44
    )
