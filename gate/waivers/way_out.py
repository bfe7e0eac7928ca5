"""A way out of every block, named in the block: each blocking finding of a service says, after its
fix, the exact `gate exception add` line that would waive it and who may approve that at the
service's tier. Findings whose fix already names their approval route (the SLO route, a drill
record's reviewers) and the repository's own findings (which no exception waives) keep their fix.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from gate.settings import WaiverSettings
from gate.verdict import Finding, ServiceResult
from gate.waivers.trust import approvers_text

# Fixes that are themselves an approval route: an exception is not the way out they mean.
OWN_ROUTE = ("approve the pull request's head commit", "approve this pull request's head commit")


def exception_line(
    service: str, rule: str, tier: int, settings: WaiverSettings, pull_request: int | None
) -> str:
    """The `gate exception add` line that would waive `rule` for `service`, to fill in and run."""
    scope = f" --pr {pull_request}" if pull_request else ""
    return (
        f"gate exception add --service {shlex.quote(service)} --rule {shlex.quote(rule)}{scope} "
        f'--reason "..." --ticket TICKET --requested-by YOU --approved-by APPROVER '
        f"--days {settings.max_days.for_tier(tier)}"
    )


def way_out(
    finding: Finding, service: str, tier: int, settings: WaiverSettings, pull_request: int | None
) -> Finding:
    """The finding with its way out named, when it blocks and an exception could waive it."""
    if finding.severity != "error" or finding.waiver is not None:
        return finding
    if any(route in finding.remediation for route in OWN_ROUTE):
        return finding
    line = exception_line(service, finding.rule, tier, settings, pull_request)
    approvers = approvers_text(finding.rule, tier, settings)
    fix = finding.remediation.rstrip()
    if approvers in fix:  # the fix already offers the exception and its approvers
        return replace(finding, remediation=f"{fix} To record it: {line}")
    return replace(
        finding,
        remediation=f"{fix} Or, if the risk is accepted, record an exception approved by "
        f"{approvers}: {line}",
    )


def stage(
    results: list[ServiceResult], settings: WaiverSettings, pull_request: int | None
) -> list[ServiceResult]:
    """`check`'s last stage: every blocking finding of every service names its way out."""
    out = []
    for result in results:
        tier = min(result.tier, result.judged_tier if result.judged_tier is not None else 3)
        service = result.identity or result.name
        findings = tuple(way_out(f, service, tier, settings, pull_request) for f in result.findings)
        out.append(replace(result, findings=findings))
    return out
