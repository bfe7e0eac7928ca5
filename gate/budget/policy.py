"""Error budgets as the gate judges a change: each changed service's budget, measured with the
trusted SLO definitions, its tier's policy, and the exemptions (reverts, labels, reliability-only
changes) worked out once, only when a budget is spent."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from gate.builtin_rules import builtin_finding
from gate.git import EMPTY, INDEX, Change
from gate.settings import BudgetSettings
from gate.snapshot import Snapshot
from gate.verdict import BudgetResult, Finding

if TYPE_CHECKING:  # budget modules load only for repositories that use budgets
    from gate.budget.records import SLO, SLOProblem
    from gate.budget.trial import Trial
    from gate.catalog import Service

RELIABILITY_ONLY = "only reliability material changed (documents the manifest names, Markdown and reStructuredText docs)"


class BudgetGate:
    """Error budgets for the changed services, measured with the trusted SLO definitions;
    exemptions are worked out once, only when needed."""

    def __init__(
        self,
        settings: BudgetSettings,
        head: Snapshot,
        base: Snapshot,
        changes: list[Change],
        offline: bool,
        trusted: Snapshot | None = None,
    ) -> None:
        self.settings = settings
        self.head, self.base, self.changes, self.offline = head, base, changes, offline
        self.trusted = trusted or base
        if settings.configured:  # budget modules load only for repositories that use budgets
            from gate.budget.status import anchored

            self.settings = anchored(settings, head.repo.root, committed=self._committed)
        env = ("GATE_PROMETHEUS_URL", "GATE_BUDGET_FILE", "GATE_BUDGET_URL")
        self.enabled = settings.configured or any(os.environ.get(v) for v in env)
        self._change_exemption: str | None | bool = False  # False: not yet worked out
        self._trial: Trial | None = None

    def _committed(self, path: str) -> bool:
        """Whether a repository path is in the change's tree: such a file is the change's own claim.
        In any letter case: on a case-insensitive checkout `SLO-status.json` is `slo-status.json`."""
        if self.head.entry(path) is not None or self.trusted.entry(path) is not None:
            return True
        return any(
            self.head.repo.spelled_alike(snap.rev, path) for snap in (self.head, self.trusted)
        )

    def change_exemption(self) -> str | None:
        from gate.budget.exempt import label_exemption, verified_revert

        if self._change_exemption is False:
            exempt = self.settings.exempt
            found = None
            if exempt.reverts and self.head.rev not in (INDEX, EMPTY) and self.base.rev != EMPTY:
                found = verified_revert(
                    self.head.repo, self.base.rev, self.head.rev, self.changes, self.trusted.rev
                )
            if found is None and exempt.labels:
                from gate.github import pull_request_from_env

                found = label_exemption(exempt.labels, pull_request_from_env())
            self._change_exemption = found
        return self._change_exemption  # type: ignore[return-value]  # False was replaced just above

    def assess(
        self,
        service: Service,
        changed: tuple[str, ...],
        definitions: Service | None = None,
        drift: bool = True,
    ) -> tuple[list[Finding], BudgetResult]:
        """`definitions`: the service as the base branch's tip has it; its SLOs measure the budget.
        A new service (none in the base) is measured with its own: it has nothing to loosen."""
        from gate.budget.slo import slos_of
        from gate.budget.status import findings_for, measure, result, unmeasurable_findings

        changed_definitions: list[Finding] = []
        if definitions is not None and definitions.parsed:
            trusted_slos, problems = slos_of(definitions, self.trusted)
            if drift:
                written = slos_of(service, self.head, self.trusted)
                changed_definitions = slo_drift(trusted_slos, problems, service, written)
                changed_definitions += self.tried(service, written[0], trusted_slos)
            slos = trusted_slos
        else:
            slos, problems = slos_of(service, self.head, self.trusted)
            changed_definitions = self.tried(service, slos, []) if drift else []
        statuses = [
            measure(slo, self.settings, self.offline, service.tier, staged=self.head.rev == INDEX)
            for slo in slos
        ]
        exemption = (
            self._exemption(service, changed)
            if any(s.state in ("exhausted", "fast-burn") for s in statuses)
            else None
        )
        findings = findings_for(statuses, service.tier, self.settings, exemption, service.manifest)
        findings += unmeasurable_findings(problems, service.tier, self.settings)
        return findings + changed_definitions, result(statuses, problems, exemption)

    def tried(self, service: Service, written: list[SLO], trusted: list[SLO]) -> list[Finding]:
        """What trying the SLI queries this change adds or edits found (advisory, gate/budget/trial.py)."""
        before = {definition(s) for s in trusted}
        new = [s for s in written if definition(s) not in before]
        if not new:
            return []
        if self._trial is None:
            from gate.budget.trial import Trial

            self._trial = Trial(self.settings, self.offline, staged=self.head.rev == INDEX)
        return self._trial.findings(service, new)

    def _exemption(self, service: Service, changed: tuple[str, ...]) -> str | None:
        """Why a change to a service whose budget is spent may still go through, if it may."""
        from gate.budget.exempt import reliability_change

        exempt = self.settings.exempt
        if exempt.reliability_only and reliability_change(
            self.head, changed, service, exempt.reliability_paths, self.base
        ):
            return RELIABILITY_ONLY
        return self.change_exemption()


def definition(slo: SLO) -> tuple[Any, ...]:
    """What an SLO measures with: two definitions with the same key measure the same budget."""
    return (
        slo.name,
        slo.objective,
        slo.window,
        slo.budgeting,
        slo.source,
        slo.good,
        slo.bad,
        slo.total,
        slo.slice_window,
        slo.slice_target,
        slo.raw,
        slo.raw_type,
        slo.threshold,
        slo.op,
        slo.value,
        slo.calendar,
        slo.alerts,
        slo.unmeasurable,
        slo.origin,  # a document's identity is its path too: a moved or copied one is an edit
    )


def slo_drift(
    trusted: list[SLO],
    trusted_problems: list[SLOProblem],
    service: Service,
    written: tuple[list[SLO], list[SLOProblem]],
) -> list[Finding]:
    """Any change to an SLO definition that measures a budget (query, objective, window, document,
    deletion) is flagged: it takes effect only after review and merge. `written`: the head's
    definitions and problems."""
    key = definition
    current, current_problems = written
    before = {key(s) for s in trusted}
    after = {key(s) for s in current}
    if before == after and len(trusted_problems) == len(current_problems):
        return []
    names_before, names_after = {k[0] for k in before}, {k[0] for k in after}
    gone = sorted(names_before - names_after)
    edited = sorted(k[0] for k in before - after if k[0] in names_after)
    added = sorted(names_after - names_before)
    parts = (
        ([f"removes {', '.join(gone)}"] if gone else [])
        + ([f"edits {', '.join(edited)}"] if edited else [])
        + ([f"adds {', '.join(added)}"] if added else [])
    )
    what = "; ".join(parts) or "changes how its SLOs are defined"
    if not service.parsed:  # nothing was removed: the head's SLOs cannot be read at all
        what = (
            f"leaves {service.manifest} unreadable, so its SLOs cannot be compared (manifest-valid)"
        )
    severity = "error" if service.tier <= 1 and (gone or edited) else "warning"
    return [
        builtin_finding(
            "slo-definition-changed",
            severity,
            f"this change {what}: the error budget is measured "
            f"with the base branch's definitions until the change merges",
            service.manifest,
            service.line("slos"),
        )
    ]
