"""Risk as the gate judges it: a change's score for one service, and the findings its tier's policy draws from it."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from gate.builtin_rules import builtin_finding
from gate.settings import RiskSettings
from gate.verdict import Finding, RiskResult

if TYPE_CHECKING:
    from gate.catalog import Service
    from gate.risk.score import RiskScorer


def assess(
    scorer: RiskScorer,
    service: Service,
    changed: tuple[str, ...],
    settings: RiskSettings,
    today: dt.date,
) -> tuple[RiskResult, list[Finding]]:
    """Score the change to one service and judge the score by its tier's thresholds."""
    risk = RiskResult.of(scorer.score(changed, service.tier))
    return risk, risk_findings(risk, service, settings, today)


def risk_findings(
    risk: RiskResult, service: Service, settings: RiskSettings, today: dt.date
) -> list[Finding]:
    """A score over the tier's threshold warns or blocks; a high-risk change needs a tested rollback."""
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
        tested = service.get("rollback", "last_tested")
        try:
            age = (today - dt.date.fromisoformat(str(tested))).days if tested else None
        except ValueError:
            age = None
        if age is None or age > days:
            when = f"last tested {tested}" if tested else "never recorded as tested"
            findings.append(
                builtin_finding(
                    "risk-rollback-untested",
                    "error",
                    f"{risk.level} risk change ({risk.score}/100: {why}) to a tier-{service.tier} service whose rollback was {when}; it needs a drill within {days} days",
                    service.manifest,
                    service.line("rollback"),
                )
            )
    return findings
