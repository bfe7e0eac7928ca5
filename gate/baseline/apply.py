"""The baseline stage of `gate check`: findings the trusted baseline records become info, with their age.

The baseline is read at the base branch's tip. The head's copy may only shrink it: an entry it adds,
or a count it raises, applies only with a verified approval (an approving review of the head commit
by someone who may approve exceptions for that rule at the service's tier); otherwise the addition
is `baseline-unapproved` and the tip's entry (or none) is what counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from gate.baseline.model import (
    BASELINE_FILE,
    Entry,
    Place,
    counts,
    fingerprint_of,
    parse,
    parse_kept,
    recordable,
)
from gate.builtin_rules import builtin_finding
from gate.errors import FatalError
from gate.verdict import Finding, ServiceResult
from gate.waivers.model import waiver_kind

if TYPE_CHECKING:
    from gate.snapshot import Snapshot
    from gate.waivers.trust import Approvals


@dataclass(frozen=True)
class Allowance:
    """What the baseline lets through: fingerprint -> (entry, how many findings it covers)."""

    entries: Mapping[str, tuple[Entry, int]]


def stage(
    results: list[ServiceResult],
    places: Mapping[str, Place],
    trusted: Snapshot,
    head: Snapshot,
    today: dt.date,
    approvals: Callable[[], Approvals],
    repo_findings: list[Finding],
    staged: bool = False,
) -> list[ServiceResult]:
    """`results` with their baselined findings turned into info; findings about the baseline's own
    edits appended to `repo_findings`. `places` maps a result's manifest to its fingerprint place."""
    trusted_raw, head_raw = trusted.read(BASELINE_FILE), head.read(BASELINE_FILE)
    if trusted_raw is None and head_raw is None:
        return results
    # a broken trusted file is exit 2
    trusted_entries = counts(parse_kept(trusted_raw, BASELINE_FILE, trusted.repo.git_dir))
    allowed = {fp: (e, e.count) for fp, e in trusted_entries.items()}
    if head_raw != trusted_raw:
        try:
            head_entries = parse(head_raw, BASELINE_FILE)
        except FatalError as e:
            repo_findings.append(
                builtin_finding("baseline-invalid", "error", e.message, e.file, e.line)
            )
            head_entries = []
        tiers = _tiers(results)
        for entry in _additions(trusted_entries, head_entries):
            tier = tiers.get(entry.service, 0)
            who, why = approvals().verified_approver(waiver_kind(entry.rule), tier)
            if who is not None:
                allowed[entry.fingerprint] = (entry, entry.count)
                continue
            repo_findings.append(_unapproved(entry, tier, why, staged))
    if not allowed:
        return results
    return [_ratchet(r, places.get(r.manifest), Allowance(allowed), today) for r in results]


def _tiers(results: list[ServiceResult]) -> dict[str, int]:
    tiers: dict[str, int] = {}
    for r in results:
        key = r.identity or r.name
        tiers[key] = min(r.tier, tiers.get(key, r.tier))
    return tiers


def _additions(trusted: Mapping[str, Entry], head: list[Entry]) -> list[Entry]:
    """Head entries the tip does not have, or with a higher count than the tip's."""
    return [e for fp, e in counts(head).items() if fp not in trusted or e.count > trusted[fp].count]


def _unapproved(entry: Entry, tier: int, why: str, staged: bool) -> Finding:
    what = f"{entry.service}: {entry.rule} ({entry.subject or entry.fingerprint})"
    return builtin_finding(
        "baseline-unapproved",
        "warning" if staged else "error",
        f"this change adds to the baseline {what}; it applies only with a verified approval "
        f"({why})",
        BASELINE_FILE,
        entry.line,
    )


def _ratchet(
    result: ServiceResult, place: Place | None, allowance: Allowance, today: dt.date
) -> ServiceResult:
    if place is None:
        return result
    place = replace(place, service=result.identity or result.name)
    left = {fp: n for fp, (_, n) in allowance.entries.items()}
    findings = []
    changed = False
    for finding in result.findings:
        fp = fingerprint_of(finding, place) if recordable(finding) else ""
        entry = allowance.entries[fp][0] if fp in allowance.entries else None
        # the entry's own service and rule must match: a fingerprint cannot borrow another tier's approvers
        if entry and (entry.service, entry.rule) == (place.service, finding.rule) and left[fp] > 0:
            left[fp] -= 1
            findings.append(_baselined(finding, entry, today))
            changed = True
        else:
            findings.append(finding)
    if not changed:
        return result
    return replace(result, findings=tuple(sorted(findings, key=Finding.sort_key)))


def _baselined(finding: Finding, entry: Entry, today: dt.date) -> Finding:
    days = (today - entry.since).days
    age = "today" if days <= 0 else f"{days} day{'s' if days != 1 else ''} ago"
    return replace(
        finding,
        severity="info",
        message=f"{finding.message} (baselined: an existing {finding.severity} recorded in "
        f"{BASELINE_FILE} on {entry.since.isoformat()}, {age})",
    )
