"""gate.budget.status: a budget's state from counts, the findings each state gives per tier, and a service's worst state."""

from __future__ import annotations

import math

import pytest

from gate.budget.records import SLO
from gate.budget.status import SLOStatus, assess_counts, checked, findings_for, result
from gate.httpclient import Unavailable
from gate.settings import BudgetSettings

WINDOW = 28 * 86400
SLO_ = SLO(
    "cart",
    "availability",
    0.99,
    WINDOW,
    "28d",
    "occurrences",
    "file",
    origin="svc/service.yaml",
    line=7,
)


def test_counts_give_the_remaining_budget_and_its_state() -> None:
    healthy = assess_counts(SLO_, {WINDOW: (9_950.0, 10_000.0)}, "slo-status.json")
    assert (
        healthy.state == "ok"
        and round(healthy.remaining or 0, 6) == 0.5
        and healthy.events == 10_000.0
    )
    spent = assess_counts(SLO_, {WINDOW: (9_800.0, 10_000.0)}, "slo-status.json")
    assert spent.state == "exhausted" and (spent.remaining or 0) < 0
    assert "budget remaining -100.0%" in spent.summary() and spent.to_json()["state"] == "exhausted"
    empty = assess_counts(SLO_, {WINDOW: None}, "slo-status.json")
    assert (
        empty.state == "no-data" and empty.remaining is None and "no traffic" in str(empty.reason)
    )


def test_an_exhausted_budget_blocks_at_tier_1_warns_at_tier_2_and_an_exemption_says_so() -> None:
    spent = assess_counts(SLO_, {WINDOW: (9_800.0, 10_000.0)}, "slo-status.json")
    (block,) = findings_for([spent], 1, BudgetSettings.parse({}), None, "svc/service.yaml")
    assert (block.rule, block.severity, block.file, block.line) == (
        "error-budget",
        "error",
        "svc/service.yaml",
        7,
    )
    assert [f.severity for f in findings_for([spent], 2, BudgetSettings.parse({}), None, "m")] == [
        "warning"
    ]
    assert (
        findings_for([spent], 1, BudgetSettings.parse({"on_exhausted": {1: "off"}}), None, "m")
        == []
    )
    (exempt,) = findings_for([spent], 0, BudgetSettings.parse({}), "verified revert of abc", "m")
    assert exempt.severity == "info" and "exempt (verified revert of abc)" in exempt.message


def test_no_data_and_an_unavailable_source_follow_their_settings() -> None:
    down = SLOStatus(SLO_, "unavailable", reason="connection refused")
    (closed,) = findings_for([down], 0, BudgetSettings.parse({}), None, "m")
    assert closed.severity == "error" and "failing closed for tier 0" in closed.message
    (opened,) = findings_for([down], 0, BudgetSettings.parse({"on_unavailable": "warn"}), None, "m")
    assert opened.severity == "warning" and "failing open" in opened.message
    assert [
        f.severity
        for f in findings_for([SLOStatus(SLO_, "no-data")], 3, BudgetSettings.parse({}), None, "m")
    ] == ["info"]


def test_a_service_is_as_bad_as_its_worst_slo() -> None:
    states = [SLOStatus(SLO_, "ok"), SLOStatus(SLO_, "exhausted"), SLOStatus(SLO_, "no-data")]
    assert result(states, [], None).state == "exhausted"
    assert result([], [], None).state == "no-slos"


def test_every_sources_counts_are_checked_once_faults_raise_and_no_data_stays() -> None:
    assert checked({WINDOW: (9_950.0, 10_000.0), 3600: None}) == {
        WINDOW: (9_950.0, 10_000.0),
        3600: None,
    }
    assert checked({WINDOW: (10_000.5, 10_000.0)}) == {WINDOW: (10_000.0, 10_000.0)}  # clamped
    with pytest.raises(Unavailable, match="no measurement over 28d: good is nan"):
        checked({WINDOW: (math.nan, 10_000.0)})
