"""Risk as the gate judges it: a change's score for one service, and the findings its tier's policy draws from it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gate.builtin_rules import builtin_finding
from gate.resilience.record import of
from gate.settings import RiskSettings
from gate.verdict import Finding, RiskResult

if TYPE_CHECKING:
    from gate.catalog import Service
    from gate.resilience.trust import Judged
    from gate.risk.score import RiskScorer


def assess(
    scorer: RiskScorer,
    service: Service,
    changed: tuple[str, ...],
    settings: RiskSettings,
    today: dt.date,
    drills: Judged | None = None,
) -> tuple[RiskResult, list[Finding]]:
    """Score the change to one service and judge the score by its tier's thresholds; `drills` is
    the trusted resilience record (gate.resilience.trust), None: the manifest's own."""
    risk = RiskResult.of(scorer.score(changed, service.tier))
    return risk, risk_findings(risk, service, settings, today, drills)


def risk_findings(
    risk: RiskResult,
    service: Service,
    settings: RiskSettings,
    today: dt.date,
    drills: Judged | None = None,
) -> list[Finding]:
    """A score over the tier's threshold warns or blocks; a high-risk change needs a tested rollback
    (and, for a stateful service, a tested restore), by the trusted drill record."""
    limits = settings.thresholds.for_tier(service.tier)
    why = "; ".join(risk.factors) or "no single dominant factor"
    findings = []
    for severity, key, limit in (
        ("error", "block", limits.block),
        ("warning", "warn", limits.warn),
    ):
        if limit is not None and risk.score >= limit:
            rule = (
                "risk-high" if risk.level in ("high", "critical") else "risk-threshold"
            )  # never "high" for a medium score
            findings.append(
                builtin_finding(
                    rule,
                    severity,
                    f"change risk {risk.score}/100 ({risk.level}) is at or over the tier-{service.tier} {key} threshold {limit:g}: {why}",
                    service.manifest,
                    1,
                )
            )
            break
    days = settings.rollback_tested_days.for_tier(service.tier)
    if days and risk.level in ("high", "critical"):
        findings += _untested(risk, service, days, today, why, drills)
    return findings


def _untested(
    risk: RiskResult,
    service: Service,
    days: int,
    today: dt.date,
    why: str,
    drills: Judged | None,
) -> list[Finding]:
    """A rollback (and for a stateful service, a restore) drill older than `days` escalates a high-risk change."""
    record = drills.record if drills is not None else of(service)
    findings = []
    for kind in ("rollback", "restore") if record.stateful else ("rollback",):
        held = [d for d in record.drills if d.kind == kind and d.result != "fail" and d.date]
        latest = max(held, key=lambda d: d.written, default=None)
        age = (today - latest.date).days if latest and latest.date else None
        if age is not None and age <= days:
            continue
        when = f"last tested {latest.written}" if latest else "never recorded as tested"
        what = "rollback" if kind == "rollback" else "restore from backup"
        findings.append(
            builtin_finding(
                "risk-rollback-untested",
                "error",
                f"{risk.level} risk change ({risk.score}/100: {why}) to a tier-{service.tier} service whose {what} was {when}; it needs a drill within {days} days{drills.because(kind) if drills else ''}",
                service.manifest,
                service.line("rollback") if kind == "rollback" else service.line("resilience"),
            )
        )
    return findings
