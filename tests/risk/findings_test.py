"""Risk as the gate judges it (gate/risk/findings.py): the record, and the findings a tier's policy draws from a score."""

from __future__ import annotations

import datetime as dt
import json

from gate.catalog import Service
from gate.report.json_report import risk as risk_json
from gate.resilience.record import Drill, Resilience
from gate.resilience.trust import Judged
from gate.risk.findings import risk_findings
from gate.settings import RiskSettings
from gate.verdict import RiskResult

TODAY = dt.date(2026, 11, 24)


def service(tier: int, last_tested: object = None) -> Service:
    data = (
        {"tier": tier, "rollback": {"last_tested": last_tested}}
        if last_tested is not None
        else {"tier": tier}
    )
    return Service("s", "s/", "s/service.yaml", tier, data, None)


def test_the_scorers_answer_becomes_a_record_and_its_json_is_unchanged() -> None:
    scored = {
        "history": "incomplete: shallow clone",
        "score": 71,
        "level": "high",
        "factors": ["a", "b"],
        "model": "default",
        "features": {"la": 12.0},
    }
    risk = RiskResult.of(scored)
    assert (risk.score, risk.level, risk.factors, risk.history) == (
        71,
        "high",
        ("a", "b"),
        "incomplete: shallow clone",
    )
    assert json.dumps(risk_json(risk)) == json.dumps(scored)  # same keys, same order
    complete = RiskResult.of({k: v for k, v in scored.items() if k != "history"})
    assert "history" not in risk_json(complete)


def test_the_tiers_thresholds_block_then_warn() -> None:
    high = RiskResult(98, "critical", ("adds 900 lines",), "default")
    (block, untested) = risk_findings(high, service(0), RiskSettings.parse({}), TODAY)
    assert (block.rule, block.severity) == (
        "risk-high",
        "error",
    ) and "adds 900 lines" in block.message
    assert (
        untested.rule == "risk-rollback-untested" and "never recorded as tested" in untested.message
    )
    (warn,) = risk_findings(
        RiskResult(98, "critical", (), "default"),
        service(3),
        RiskSettings.parse({"thresholds": {3: {"warn": 80}}}),
        TODAY,
    )
    assert (warn.rule, warn.severity) == (
        "risk-high",
        "warning",
    ) and "no single dominant factor" in warn.message
    assert (
        risk_findings(
            RiskResult(10, "low", (), "default"), service(0), RiskSettings.parse({}), TODAY
        )
        == []
    )


def test_a_rollback_date_the_head_makes_up_is_not_a_tested_rollback() -> None:
    """Attack: write a date that is no date (or one from the future's past) to skip the rollback drill."""
    high = RiskResult(70, "high", (), "default")
    for claimed in ("yesterday", "2026-13-45", "2020-01-01"):
        rules = [
            f.rule
            for f in risk_findings(
                high, service(1, claimed), RiskSettings.parse({"thresholds": {1: {}}}), TODAY
            )
        ]
        assert rules == ["risk-rollback-untested"], claimed
    assert (
        risk_findings(
            high, service(1, "2026-11-20"), RiskSettings.parse({"thresholds": {1: {}}}), TODAY
        )
        == []
    )


def test_a_stale_restore_escalates_a_high_risk_change_to_a_stateful_service() -> None:
    """The drill record comes from the caller (the trusted one): the manifest's own dates do not decide."""
    high = RiskResult(85, "high", ("migration",), "default")
    fresh = Drill("rollback", "2026-11-01", "pass", None, "s/service.yaml")
    old_restore = Drill("restore", "2026-01-01", "pass", "https://x.example/r", "s/service.yaml")
    trusted = Resilience(stateful=True, drills=(fresh, old_restore))
    found = risk_findings(high, service(1, "2026-11-20"), RiskSettings(), TODAY, Judged(trusted))
    assert [f.message.split(" was ")[1] for f in found if f.rule == "risk-rollback-untested"] == [
        "last tested 2026-01-01; it needs a drill within 90 days"
    ]
    assert "restore from backup" in found[-1].message
    stale = Resilience(drills=(fresh._replace(written="2026-01-01"),))
    found = risk_findings(high, service(1, "2026-11-20"), RiskSettings(), TODAY, Judged(stale))
    assert any("rollback was last tested 2026-01-01" in f.message for f in found)
    assert not [
        f
        for f in risk_findings(
            high, service(1), RiskSettings(), TODAY, Judged(Resilience(drills=(fresh,)))
        )
        if f.rule == "risk-rollback-untested"
    ]
