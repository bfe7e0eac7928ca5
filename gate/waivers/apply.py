"""The waiver stage of `gate check`: the ledger applied to a change's results, reported as a record.

The ledger is trusted from the base branch's tip and verified on GitHub when the change adds an
entry; entries the change did not add but the tip no longer has (revoked since the branch was cut)
never apply; an added entry that is not verified is an error on the change.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from gate.builtin_rules import builtin_finding
from gate.errors import FatalError
from gate.settings import WaiverSettings
from gate.verdict import Finding, ServiceResult
from gate.waivers.model import LedgerEntry, parse_ledger
from gate.waivers.records import Fate, Provenance, WaiverReport
from gate.waivers.state import IN_FORCE, Ledgers, Origin, Standing, State, authorise, classify
from gate.waivers.trust import Approvals

if TYPE_CHECKING:
    from gate import config as gate_config
    from gate.snapshot import Snapshot

UNUSED_WHY = "added by this change; applies once approved (it matched no finding here)"


@dataclass
class _Outcomes:
    """What the waiving found per entry id: applied, or the first reason it could not apply."""

    state: dict[str, tuple[State, str]] = field(default_factory=dict)

    def note(self, entry: LedgerEntry, state: State, why: str) -> None:
        if state is State.APPLIED:
            self.state[entry.id] = (state, why)
        else:
            self.state.setdefault(entry.id, (state, why))


def stage(
    results: list[ServiceResult],
    base: Snapshot,
    head: Snapshot,
    config: gate_config.Config,
    today: dt.date,
    mode: str,
    repo_findings: list[Finding],
    trusted: Snapshot | None = None,
) -> tuple[list[ServiceResult], WaiverReport | None]:
    """`check`'s waiver stage: the head's ledger judged against the base tip's (trusted) and the fork's."""
    trusted = trusted or base
    ledger = config.ledger_path
    trusted_raw, fork_raw, head_raw = trusted.read(ledger), base.read(ledger), head.read(ledger)
    if trusted_raw is None and head_raw is None:
        return results, None
    trusted_entries = parse_ledger(trusted_raw, ledger)  # a broken trusted ledger is exit 2
    try:
        fork_entries = parse_ledger(fork_raw, ledger) if base is not trusted else trusted_entries
    except FatalError:
        fork_entries = []
    try:
        head_entries = parse_ledger(head_raw, ledger)
    except FatalError as e:
        repo_findings.append(
            builtin_finding("exceptions-ledger-invalid", "error", e.message, e.file, e.line)
        )
        head_entries = trusted_entries
    approvals = approvals_for(config.exceptions, mode)
    results, report = apply(
        results, trusted_entries, head_entries, approvals, today, ledger, fork_entries
    )
    for fate in report.pending:
        if fate.origin == "change":
            repo_findings.append(
                builtin_finding(
                    "exception-unapproved",
                    "error",
                    f"exception {fate.entry.id} is added or edited by this change and not verified: {fate.why or 'pending approval'}",
                    ledger,
                    fate.entry.line,
                )
            )
    return results, report


def approvals_for(settings: WaiverSettings, mode: str) -> Approvals:
    """Who may approve, and the pull request a `commits` run in GitHub Actions belongs to."""
    pull_request = None
    if mode == "commits":
        from gate.github import pull_request_from_env

        pull_request = pull_request_from_env()
    return Approvals(settings, pull_request)


def apply(
    results: list[ServiceResult],
    base_entries: list[LedgerEntry],
    head_entries: list[LedgerEntry],
    approvals: Approvals,
    today: dt.date,
    ledger: str,
    fork_entries: list[LedgerEntry] | None = None,
    catalog: dict[str, int] | None = None,
) -> tuple[list[ServiceResult], WaiverReport]:
    """Waive the findings valid entries cover; report every entry's fate.

    `base_entries` are the base branch tip's (trusted); `fork_entries` the ledger where the change
    forked: an entry there that the tip no longer has was revoked or edited since, and never applies.
    `catalog` (every service's tier) is given by `validate`; `check` knows the tiers of the services it judges."""
    tiers = catalog if catalog is not None else _tiers(results)
    ledgers = Ledgers.of(base_entries, fork_entries)
    standings = [
        classify(entry, ledgers, tiers, approvals, today, every_service=catalog is not None)
        for entry in head_entries
    ]
    usable = [s for s in standings if s.state in IN_FORCE]
    outcomes = _Outcomes()
    waived = [_waive(result, usable, approvals, outcomes) for result in results]
    return waived, _report(standings, usable, outcomes, ledger, approvals.github_error)


def _tiers(results: list[ServiceResult]) -> dict[str, int]:
    """Each judged service's tier by the name its exceptions apply by (its base identity), strictest
    first: a name the head gave it must not leave a waiver unchecked against its tier, nor a finding
    judged at its dependents' stricter tier be waived by the approvers of its own."""
    tiers: dict[str, int] = {}
    for result in results:
        key = result.identity or result.name
        tier = result.tier if result.judged_tier is None else min(result.tier, result.judged_tier)
        tiers[key] = min(tier, tiers.get(key, tier))
    return tiers


def _waive(
    result: ServiceResult, usable: list[Standing], approvals: Approvals, outcomes: _Outcomes
) -> ServiceResult:
    """The result with each error or warning waived by the first entry in force that covers and may waive it."""
    findings = []
    applied_here: dict[str, Fate] = {}
    for finding in result.findings:
        standing = (
            _first_waiver(finding, result.identity or result.name, usable, approvals, outcomes)
            if finding.severity in ("error", "warning")
            else None
        )
        if standing is None:
            findings.append(finding)
            continue
        entry = standing.entry
        applied_here[entry.id] = Fate(entry, _provenance(standing))
        findings.append(replace(finding, waiver=entry))
    return replace(
        result, findings=tuple(findings), exceptions_applied=tuple(applied_here.values())
    )


def _first_waiver(
    finding: Finding,
    service: str,
    usable: list[Standing],
    approvals: Approvals,
    outcomes: _Outcomes,
) -> Standing | None:
    for standing in usable:
        if not standing.entry.covers(service, finding.rule):
            continue
        state, why = authorise(standing, approvals)
        outcomes.note(standing.entry, state, why)
        if state is State.APPLIED:
            return standing
    return None


def _report(
    standings: list[Standing],
    usable: list[Standing],
    outcomes: _Outcomes,
    ledger: str,
    github_error: str | None,
) -> WaiverReport:
    lists: dict[State, list[Fate]] = {
        state: []
        for state in (State.APPLIED, State.PENDING, State.EXPIRED, State.EXPIRING, State.INVALID)
    }
    for s in standings:
        if s.state in (State.STALE, State.INVALID, State.EXPIRED):
            lists[State.INVALID if s.state is State.STALE else s.state].append(
                Fate(s.entry, _provenance(s), s.why)
            )
        elif s.expiring:
            lists[State.EXPIRING].append(
                Fate(s.entry, _provenance(s), f"expires on {s.entry.expires}")
            )
    for s in usable:
        state, why = outcomes.state.get(s.entry.id, (None, ""))
        if state is State.APPLIED:
            lists[State.APPLIED].append(Fate(s.entry, _provenance(s)))
        elif state is not None:
            lists[state].append(Fate(s.entry, _provenance(s), why))
        elif s.origin is Origin.CHANGE:
            lists[State.PENDING].append(Fate(s.entry, _provenance(s), UNUSED_WHY))
    return WaiverReport(
        ledger,
        applied=tuple(lists[State.APPLIED]),
        pending=tuple(lists[State.PENDING]),
        expired=tuple(lists[State.EXPIRED]),
        expiring=tuple(lists[State.EXPIRING]),
        invalid=tuple(lists[State.INVALID]),
        github_error=github_error,
    )


def _provenance(standing: Standing) -> Provenance:
    if standing.state is State.STALE:
        return "stale"
    return "base" if standing.origin is Origin.BASE else "change"
