"""Measure each SLO's budget from its source, and turn budget states into findings per tier."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from gate.budget import Counts, is_network, source
from gate.budget.math import (
    REPORTED,
    AlertWindows,
    budget_remaining,
    burn_rate,
    burn_state,
    count_fault,
    duration_text,
    error_ratio,
    good_ratio,
    needed_windows,
    timeslices_remaining,
    windows_for,
)
from gate.budget.records import SLO, SLOProblem
from gate.builtin_rules import builtin_finding
from gate.httpclient import Unavailable
from gate.report.escape import reported
from gate.settings import BudgetSettings
from gate.verdict import BudgetResult, BudgetState, Finding

_SEVERITY = {"block": "error", "warn": "warning", "info": "info"}


@dataclass(frozen=True)
class SLOStatus:
    slo: SLO
    state: BudgetState
    remaining: float | None = None
    ratio: float | None = None
    events: float | None = None
    burn_rates: dict[int, float | None] = field(default_factory=dict)
    condition: str | None = None
    evidence: str = ""
    reason: str | None = None

    def summary(self) -> str:
        slo = self.slo
        head = f"SLO {slo.name!r} {slo.objective_percent} over {slo.window_text}"
        if self.remaining is None:
            return f"{head}: {self.state}" + (f" ({self.reason})" if self.reason else "")
        rates = ", ".join(
            f"{duration_text(w)} {_rate(r)}"
            for w, r in sorted(self.burn_rates.items())
            if w in REPORTED
        )
        unit = "slices" if slo.budgeting != "occurrences" else "events"
        good = (
            f"{self.ratio * 100:.4g}% good"
            + (f" of {self.events:,.0f} {unit}" if self.events is not None else "")
            if self.ratio is not None
            else ""
        )
        return f"{head}: budget remaining {self.remaining * 100:.1f}% ({good}); burn rates {rates or 'n/a'}"

    def to_json(self) -> dict[str, Any]:
        slo = self.slo
        return {
            "slo": slo.name,
            "objective": round(slo.objective * 100, 10),
            "window": slo.window_text,
            "budgeting": slo.budgeting,
            "definition": slo.spec,
            "labels": dict(slo.labels),
            "state": self.state,
            "budget_remaining": reported(self.remaining),
            "good_ratio": reported(self.ratio),
            "events": self.events,
            "burn_rates": {
                duration_text(w): reported(r)
                for w, r in sorted(self.burn_rates.items())
                if w in REPORTED
            },
            "burn_condition": self.condition,
            "source": self.evidence,
            "reason": self.reason,
        }


def _rate(rate: float | None) -> str:
    return "n/a" if rate is None else f"{rate:.2f}x"


def measure(
    slo: SLO,
    budgets: BudgetSettings,
    offline: bool,
    tier: int | None = None,
    now: float | None = None,
    staged: bool = False,
) -> SLOStatus:
    # An indicator naming file/http picks that source; Prometheus queries only say how to ask Prometheus.
    name = slo.source if slo.source in ("file", "http") else budgets.source
    settings = budgets.source_settings(name)
    module = source(name)
    evidence = module.evidence(slo, settings)
    if slo.calendar is not None and name == "prometheus":
        evidence = module.evidence(slo, settings, _calendar_window(slo, now))
    if name == "prometheus" and slo.unmeasurable:
        return SLOStatus(slo, "unmeasurable", evidence=evidence, reason=slo.unmeasurable)
    if offline and is_network(name):
        return SLOStatus(
            slo, "not-measured", evidence=evidence, reason="offline: network sources are skipped"
        )
    if (
        staged and name == "file"
    ):  # a status file is a CI export: the pre-commit hook's machine has none
        return SLOStatus(
            slo,
            "not-measured",
            evidence=evidence,
            reason="staged change: the status file is a CI export, skipped before commit",
        )
    if name == "prometheus" and not slo.measured:
        return SLOStatus(
            slo,
            "not-measured",
            evidence=evidence,
            reason="no Prometheus indicator (indicator.prometheus good/total) in the SLO",
        )
    main = slo.window
    if slo.calendar is not None:
        if name != "prometheus":
            return SLOStatus(
                slo,
                "not-measured",
                evidence=evidence,
                reason="a calendar window is measured from Prometheus only",
            )
        main = _calendar_window(slo, now)
    alert = windows_for(slo.window, tier, budgets)
    short = [
        w for w in needed_windows(alert) if w < slo.window and w >= 2 * (slo.slice_window or 0)
    ]
    try:
        counts = checked(module.fetch(slo, settings, list(dict.fromkeys([main, *short]))))
    except Unavailable as e:
        return SLOStatus(slo, "unavailable", evidence=evidence, reason=str(e))
    return assess_counts(slo, counts, evidence, main, alert)


def checked(counts: Counts) -> Counts:
    """A source's counts, each a measurement or no data; anything else raises Unavailable.

    The one check every source's answer passes, so no source can report a fault as "no data"."""
    out: Counts = {}
    for window, count in counts.items():
        if count is None:
            out[window] = None
            continue
        good, total = count
        fault = count_fault(good, total)
        if fault:
            raise Unavailable(
                f"the source answered a value that is no measurement over {duration_text(window)}: {fault}"
            )
        out[window] = (min(good, total), total)
    return out


def _calendar_window(slo: SLO, now: float | None) -> int:
    """The calendar period so far, in whole minutes (at least one)."""
    import time

    assert slo.calendar is not None
    now = time.time() if now is None else now
    start, _ = slo.calendar.period(now)
    return max(60, int(now - start) // 60 * 60)


def assess_counts(
    slo: SLO,
    counts: dict[int, tuple[float, float] | None],
    evidence: str,
    main_window: int | None = None,
    alert: AlertWindows | None = None,
) -> SLOStatus:
    """Budget state from (good, total) per window: pure."""
    main_window = slo.window if main_window is None else main_window
    alert = alert or windows_for(slo.window, None, None)
    wanted = set(needed_windows(alert))
    short = {w: c for w, c in counts.items() if w != main_window or w in wanted}
    rates = {w: (burn_rate(c[0], c[1], slo.objective) if c else None) for w, c in short.items()}
    errors = {w: (error_ratio(c[0], c[1]) if c else None) for w, c in short.items()}
    main = counts.get(main_window)
    if main and slo.budgeting == "timeslices":  # (good slices, measured slices)
        remaining = timeslices_remaining(main[1] - main[0], main[1], slo.objective)
    else:
        remaining = budget_remaining(main[0], main[1], slo.objective) if main else None
    if remaining is None:
        return SLOStatus(
            slo,
            "no-data",
            burn_rates=rates,
            evidence=evidence,
            reason="no traffic or no series over the SLO window",
        )
    assert main is not None
    burn = burn_state(errors, slo.window, slo.objective, alert, slo.alerts)
    state: BudgetState = "exhausted" if remaining <= 0 else burn.state
    events = None if slo.raw else main[1]
    return SLOStatus(
        slo, state, remaining, good_ratio(main[0], main[1]), events, rates, burn.condition, evidence
    )


def anchored(budgets: BudgetSettings, root: str, committed: Any = None) -> BudgetSettings:
    """Budget settings with a relative status-file path made relative to the repository root.

    A status file the repository itself holds (in the change or the base) is refused: the change
    could write its own budget. `committed(path)` says whether a repository path is tracked."""
    import os

    file = budgets.source_settings("file")
    path = file.path
    env_path = os.environ.get("GATE_BUDGET_FILE")
    for candidate in (env_path, path):
        if isinstance(candidate, str) and committed is not None:
            inside = os.path.relpath(os.path.join(root, candidate), root)
            if not inside.startswith("..") and committed(inside.replace(os.sep, "/")):
                return budgets.with_source(
                    "file",
                    file._replace(
                        refused=(
                            f"{inside} is committed to the repository: a change could write its own budget status; "
                            "export it outside the repository or leave it untracked"
                        )
                    ),
                )
    if isinstance(path, str) and not os.path.isabs(path):
        # Read at the joined path; named as written, so reports and fingerprints do not depend on the checkout's location.
        return budgets.with_source("file", file._replace(path=os.path.join(root, path), shown=path))
    return budgets


def findings_for(
    statuses: list[SLOStatus],
    tier: int,
    budgets: BudgetSettings,
    exemption: str | None,
    manifest: str,
) -> list[Finding]:
    findings = []
    for status in statuses:
        line = status.slo.line
        file = status.slo.origin or manifest
        if status.state == "exhausted":
            mode = budgets.on_exhausted.for_tier(tier)
            if mode == "off":
                continue
            evidence = f"{status.summary()}; source {status.evidence}"
            if exemption:
                exempt = builtin_finding(
                    "error-budget",
                    "info",
                    f"error budget exhausted, but the change is exempt ({exemption}): {evidence}",
                    file,
                    line,
                )
                findings.append(
                    replace(
                        exempt,
                        remediation="Nothing to do: this change is exempt from the error-budget policy.",
                    )
                )
            else:
                verb = (
                    "changes wait until it recovers"
                    if mode == "block"
                    else "recommend delaying this change"
                )
                findings.append(
                    builtin_finding(
                        "error-budget",
                        _SEVERITY[mode],
                        f"error budget exhausted ({verb}): {evidence}",
                        file,
                        line,
                    )
                )
        elif status.state == "fast-burn":
            mode = budgets.on_fast_burn.for_tier(tier)
            if mode != "off" and not exemption:
                findings.append(
                    builtin_finding(
                        "error-budget-burn",
                        _SEVERITY[mode],
                        f"fast burn in progress ({status.condition}): {status.summary()}; source {status.evidence}",
                        file,
                        line,
                    )
                )
        elif status.state == "unavailable":
            mode = budgets.on_unavailable.for_tier(tier)
            how = "failing closed" if mode == "block" else "failing open"
            findings.append(
                builtin_finding(
                    "error-budget-unavailable",
                    _SEVERITY[mode],
                    f"SLO {status.slo.name!r}: budget source unavailable, {how} for tier {tier}: {status.reason}",
                    file,
                    line,
                )
            )
        elif status.state == "unmeasurable":
            mode = budgets.on_unmeasurable.for_tier(tier)
            if mode != "off":
                findings.append(
                    builtin_finding(
                        "error-budget-unmeasurable",
                        _SEVERITY[mode],
                        f"error budget cannot be measured: {status.reason}",
                        file,
                        line,
                    )
                )
        elif status.state == "no-data":
            mode = budgets.on_no_data.for_tier(tier)
            if mode != "off":
                findings.append(
                    builtin_finding(
                        "error-budget-no-data",
                        _SEVERITY.get(mode, mode),
                        f"SLO {status.slo.name!r}: no data over {status.slo.window_text} (no traffic, or the query matches no series); source {status.evidence}",
                        file,
                        line,
                    )
                )
    return findings


def unmeasurable_findings(
    problems: list[SLOProblem], tier: int, budgets: BudgetSettings
) -> list[Finding]:
    """Valid SLO definitions gate cannot measure: the budget gate is off for them, and says so (budgets.on_unmeasurable)."""
    mode = budgets.on_unmeasurable.for_tier(tier)
    if mode == "off":
        return []
    return [
        builtin_finding(
            "error-budget-unmeasurable",
            _SEVERITY[mode],
            f"error budget cannot be measured: {p.message}",
            p.file,
            p.line,
        )
        for p in problems
        if p.unsupported
    ]


# The worst first: a service's budget state is the worst of its SLOs'.
STATE_ORDER: tuple[BudgetState, ...] = (
    "exhausted",
    "unavailable",
    "fast-burn",
    "slow-burn",
    "no-data",
    "unmeasurable",
    "not-measured",
    "ok",
)


def result(
    statuses: list[SLOStatus], problems: list[SLOProblem], exemption: str | None
) -> BudgetResult:
    """One service's budget: the worst state of its SLOs (unmeasurable when it has only SLOs gate cannot measure)."""
    unmeasurable = tuple(p for p in problems if p.unsupported)
    states = [s.state for s in statuses]
    worst = (
        min(states, key=STATE_ORDER.index)
        if states
        else "unmeasurable"
        if unmeasurable
        else "no-slos"
    )
    return BudgetResult(worst, exemption, tuple(statuses), unmeasurable)
