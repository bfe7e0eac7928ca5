"""The terminal report: verdict first, then each service's findings with file:line and the fix."""

from __future__ import annotations

from gate.git import EMPTY, INDEX
from gate.report.escape import reported, stdout, visible
from gate.verdict import BudgetResult, Finding, RiskResult, ServiceResult, Verdict
from gate.waivers.records import WaiverReport

LABEL = {"pass": "PASS", "warn": "WARN", "block": "BLOCK", "undecided": "UNDECIDED"}


def _rev(rev: str) -> str:
    return {INDEX: "staged", EMPTY: "(empty)"}.get(rev, rev[:12])


def _where(f: Finding) -> str:
    if not f.file:
        return ""
    return f"{f.file}:{f.line}" if f.line else f.file


def _finding(f: Finding, indent: str = "  ") -> list[str]:
    where = _where(f)
    label = "waived" if f.waiver else f.severity
    lines = [f"{indent}{label:<8}{f.rule}" + (f"  {where}" if where else "")]
    lines.append(f"{indent}        {f.message}")
    if f.waiver:
        w = f.waiver
        lines.append(
            f"{indent}        waived by exception {w.id} (approved by @{w.approved_by}, expires {w.expires}, {w.ticket}): {w.reason}"
        )
    else:
        lines.append(f"{indent}        fix: {f.remediation}")
    if f.docs:
        lines.append(f"{indent}        docs: {f.docs}")
    return lines


def _exceptions(report: WaiverReport) -> list[str]:
    out = []
    for state, fate in report.by_state():
        e = fate.entry
        why = f": {fate.why}" if fate.why else ""
        out.append(
            f"  {state.value:<9}{e.id} ({', '.join(e.services)}: {', '.join(e.rules)}; approved by @{e.approved_by}, expires {e.expires}) {report.ledger}:{e.line}{why}"
        )
    if report.github_error:
        out.append(f"  github  could not ask GitHub: {report.github_error}")
    return out


def _risk_line(risk: RiskResult) -> str:
    return (
        f"{risk.score}/100 {risk.level}"
        + (f" ({risk.scale})" if risk.scale else "")
        + (": " + "; ".join(risk.factors) if risk.factors else "")
    )


def _budget_line(budget: BudgetResult) -> str:
    parts = []
    for slo in budget.slos:
        remaining = reported(slo.remaining)
        left = f"{remaining * 100:.1f}% left" if remaining is not None else slo.state
        parts.append(f"{slo.slo.name} {left}")
    exempt = f" (exempt: {budget.exempt})" if budget.exempt else ""
    return f"{budget.state}: " + ", ".join(parts) + exempt


def render(v: Verdict) -> str:
    c = v.counts
    if v.mode == "catalog":
        scope = f"{len(v.services)} services at {_rev(v.head)}"
    else:
        scope = f"{len(v.services)} changed service(s), {_rev(v.base)}..{_rev(v.head)}"
    out = [
        f"gate: {LABEL[v.headline]} - {scope}: {c['error']} error(s), {c['warning']} warning(s), {c['info']} info"
    ]
    if v.undecided_reason:
        out.append(f"could not decide: {v.undecided_reason} (exit code 3)")
    if v.config_changed:
        out.append(
            f"note: this change edits the gate config; judged by the base revision's {v.config}"
        )
    out += [f"note: {note}" for note in v.notes]
    for s in v.services:
        out.append("")
        out.append(
            f"{LABEL[s.headline]:<5} {s.name} (tier {s.tier}, {_owners(s)}{s.root or '/'}){' [removed]' if s.status == 'removed' else ''}"
        )
        if s.risk:
            out.append(f"  risk    {_risk_line(s.risk)}")
        if s.budget and s.budget.slos:
            out.append(f"  budget  {_budget_line(s.budget)}")
        for f in s.findings:
            out += _finding(f)
    if v.findings:
        out.append("")
        out.append("repository")
        for f in v.findings:
            out += _finding(f)
    if v.exceptions is not None:
        lines = _exceptions(v.exceptions)
        if lines:
            out.append("")
            out.append("exceptions")
            out += lines
    if not v.services and not v.findings:
        out.append(
            f"no service.yaml at {_rev(v.head)}"
            if v.mode == "catalog"
            else "no service is touched by this change"
        )
    # each item of `out` is one line: a line break or control character in it came from a value
    return stdout("\n".join(visible(line) for line in out) + "\n")


def _owners(s: ServiceResult) -> str:
    """Who a finding goes to, as the catalog resolved it: "team T, on-call O, " (what is known)."""
    return "".join(
        f"{label} {visible(value)}, "
        for label, value in (("team", s.team), ("on-call", s.oncall))
        if value
    )
