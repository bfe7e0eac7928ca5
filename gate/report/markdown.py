"""Markdown for the pull-request comment and the job summary: verdict first, a table, details, fixes."""

from __future__ import annotations

import os

from gate.report.escape import html_code, md_code, md_text
from gate.report.text import LABEL, _budget_line, _risk_line
from gate.verdict import Finding, ServiceResult, Verdict

MARKER = "<!-- gate:report -->"
COMMENT_LIMIT = 65_536  # GitHub's limit on a comment body, in characters
SUMMARY_LIMIT = 1024 * 1024  # GITHUB_STEP_SUMMARY, in bytes
ICON = {"pass": "✅", "warn": "⚠️", "block": "⛔", "undecided": "❔"}
SEVERITY_ICON = {"error": "🛑", "warning": "⚠️", "info": "ℹ️"}


def _cell(text: object) -> str:
    """Prose from anywhere (a message can quote a file name or a manifest value): inert Markdown."""
    return md_text(text)


def _finding_row(f: Finding) -> str:
    where = (
        md_code(f"{f.file}:{f.line}") if f.file and f.line else md_code(f.file) if f.file else ""
    )
    if f.waiver:
        w = f.waiver
        state = f"waived by **{_cell(w.id)}** ({md_code('@' + w.approved_by)}, until {_cell(w.expires.isoformat())})"
        return f"| ~~{f.severity}~~ | {md_code(f.rule)} | {where} | {_cell(f.message)} | {state}: {_cell(w.reason)} |"
    return f"| {SEVERITY_ICON[f.severity]} {f.severity} | {md_code(f.rule)} | {where} | {_cell(f.message)} | {_cell(f.remediation)} |"


def render(v: Verdict, report_url: str | None = None, limit: int | None = None) -> str:
    footer = [
        "",
        f"<sub>gate · base {md_code(v.base[:12])} · head {md_code(v.head[:12])} · rules explained by `gate explain RULE`</sub>",
    ]
    text = "\n".join(_header(v) + _services_table(v) + _details(v) + footer) + "\n"
    return truncate(text, limit, report_url) if limit else text


def _header(v: Verdict) -> list[str]:
    """The verdict, the counts, the notes and what to do next."""
    c = v.counts
    lines = [MARKER, f"## {ICON[v.headline]} gate: **{LABEL[v.headline]}**", ""]
    scope = (
        f"{len(v.services)} service(s) at `{v.head[:12]}`"
        if v.mode == "catalog"
        else f"{len(v.services)} changed service(s)"
    )
    lines.append(
        f"{scope} · {c['error']} error(s) · {c['warning']} warning(s) · {c['info']} info"
        + (
            f" · {sum(1 for f in v.all_findings() if f.waiver)} waived"
            if any(f.waiver for f in v.all_findings())
            else ""
        )
    )
    lines += [x for note in v.notes for x in ("", f"> {_cell(note)}")]
    if v.config_changed:
        lines += [
            "",
            f"> This change edits the gate's configuration; it is judged by the base revision's {md_code(v.config)}.",
        ]
    if v.undecided_reason:
        lines += [
            "",
            f"**Could not decide:** {_cell(v.undecided_reason)}. Fix the source and re-run.",
        ]
    elif v.verdict == "block":
        lines += [
            "",
            "**To merge:** fix the 🛑 errors below, or have a release manager record an exception (`gate exception add`).",
        ]
    return lines


def _services_table(v: Verdict) -> list[str]:
    """One row per changed service: its verdict, counts, risk and error budget."""
    lines: list[str] = []
    if v.services:
        lines += [
            "",
            "| service | tier | verdict | errors | warnings | risk | error budget |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in v.services:
            errors = sum(1 for f in s.findings if f.severity == "error" and not f.waiver)
            warnings = sum(1 for f in s.findings if f.severity == "warning" and not f.waiver)
            budget = _cell(_budget_line(s.budget)) if s.budget and s.budget.slos else "—"
            risk = _cell(_risk_line(s.risk)) if s.risk else "—"
            lines.append(
                f"| {md_code(s.name)} | {s.tier} | {ICON[s.headline]} {s.headline} | {errors} | {warnings} | {risk} | {budget} |"
            )
    return lines


def _details(v: Verdict) -> list[str]:
    """The findings per service and of the repository, and the exceptions, folded."""
    details = []
    for s in v.services:
        if not s.findings:
            continue
        open_ = " open" if s.verdict == "block" else ""
        details += [
            "",
            f"<details{open_}><summary><b>{html_code(s.name)}</b> (tier {s.tier}{_owners(s)}): {len(s.findings)} finding(s)</summary>",
            "",
            "| severity | rule | where | what | how to fix |",
            "|---|---|---|---|---|",
        ]
        details += [_finding_row(f) for f in s.findings]
        details += ["", "</details>"]
    if v.findings:
        details += [
            "",
            "<details open><summary><b>repository</b></summary>",
            "",
            "| severity | rule | where | what | how to fix |",
            "|---|---|---|---|---|",
        ]
        details += [_finding_row(f) for f in v.findings]
        details += ["", "</details>"]
    rows = v.exceptions.by_state() if v.exceptions is not None else []
    if rows:
        details += [
            "",
            "<details><summary><b>exceptions</b></summary>",
            "",
            "| state | id | scope | approved by | expires | note |",
            "|---|---|---|---|---|---|",
        ]
        details += [
            f"| {state.value} | {md_code(f.entry.id)} | {_cell(', '.join(f.entry.services))}: {_cell(', '.join(f.entry.rules))} | "
            f"{md_code('@' + f.entry.approved_by)} | {_cell(f.entry.expires.isoformat())} | {_cell(f.why or '')} |"
            for state, f in rows
        ]
        details += ["", "</details>"]
    return details


def truncate(text: str, limit: int, report_url: str | None) -> str:
    """Cut at a line boundary to fit `limit` characters, and say where the full report is."""
    if len(text) <= limit:
        return text
    where = (
        f"[the full report]({report_url})"
        if report_url
        else "the full report in the workflow run's artifacts"
    )
    note = f"\n\n… truncated to fit GitHub's limit; see {where}.\n"
    cut = text[: limit - len(note) - 16]
    cut = cut[: cut.rfind("\n")] if "\n" in cut else cut
    if cut.count("<details") > cut.count("</details>"):
        cut += "\n\n</details>"
    return cut + note


def run_url() -> str | None:
    server, repo, run = (
        os.environ.get(k) for k in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    return f"{server}/{repo}/actions/runs/{run}" if server and repo and run else None


def _owners(s: ServiceResult) -> str:
    """The owners the catalog resolved, as `, team T, on-call O` (names inert in code)."""
    return "".join(
        f", {label} {html_code(value)}"
        for label, value in (("team", s.team), ("on-call", s.oncall))
        if value
    )
