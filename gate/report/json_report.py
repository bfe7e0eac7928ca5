"""The versioned JSON report (schemas/report.schema.json): byte-identical for identical inputs."""

from __future__ import annotations

from typing import Any

from gate.git import INDEX
from gate.report.escape import json_dumps
from gate.verdict import BudgetResult, Finding, RiskResult, ServiceResult, Verdict
from gate.waivers.model import LedgerEntry
from gate.waivers.records import Fate, WaiverReport

SCHEMA = "gate.report/v1"


def finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "title": f.title,
        "severity": f.severity,
        "message": f.message,
        "file": f.file,
        "line": f.line,
        "remediation": f.remediation,
        "docs": f.docs or None,
        "waived": None if f.waiver is None else waiver(f.waiver),
    }


def risk(r: RiskResult) -> dict[str, Any]:
    return {
        **({"history": r.history} if r.history else {}),
        "score": r.score,
        "level": r.level,
        "factors": list(r.factors),
        "model": r.model,
        **({"probability": r.probability} if r.probability is not None else {}),
        **({"scale": r.scale} if r.scale else {}),
        "features": dict(r.features),
    }


def budget(b: BudgetResult) -> dict[str, Any]:
    return {
        "state": b.state,
        "exempt": b.exempt,
        "slos": [s.to_json() for s in b.slos],
        "unsupported": [f"error budget cannot be measured: {p.message}" for p in b.unmeasurable],
        "unmeasurable": [
            {"file": p.file, "line": p.line, "reason": p.message} for p in b.unmeasurable
        ],
    }


def service(s: ServiceResult) -> dict[str, Any]:
    return {
        "name": s.name,
        "tier": s.tier,
        "team": s.team,
        "oncall": s.oncall,
        "manifest": s.manifest,
        "root": s.root,
        "status": s.status,
        "verdict": s.verdict,
        "changed_files": list(s.changed_files),
        "findings": [finding(f) for f in s.findings],
        "risk": risk(s.risk) if s.risk else None,
        "budget": budget(s.budget) if s.budget else None,
        "exceptions_applied": [
            {**fate.entry.summary(), "origin": fate.origin} for fate in s.exceptions_applied
        ],
    }


def document(v: Verdict) -> dict[str, Any]:
    counts = v.counts
    return {
        "schema": SCHEMA,
        "verdict": v.verdict,
        "undecided": {"reason": v.undecided_reason} if v.undecided_reason else None,
        "mode": v.mode,
        "base": v.base,
        "head": "staged" if v.head == INDEX else v.head,
        "as_of": v.as_of,
        "config": {"path": v.config, "changed_by_this_change": v.config_changed},
        "summary": {
            "services": len(v.services),
            "blocked_services": sorted(s.name for s in v.services if s.verdict == "block"),
            "errors": counts["error"],
            "warnings": counts["warning"],
            "infos": counts["info"],
            "waived": sum(1 for f in v.all_findings() if f.waiver),
        },
        "services": [service(s) for s in v.services],
        "findings": [finding(f) for f in v.findings],
        "exceptions": None if v.exceptions is None else exceptions(v.exceptions),
        "notes": list(v.notes),
    }


def waiver(entry: LedgerEntry) -> dict[str, Any]:
    """The ledger entry that waives a finding."""
    return {
        "id": entry.id,
        "approved_by": entry.approved_by,
        "reason": entry.reason,
        "expires": entry.expires.isoformat(),
        "ticket": entry.ticket,
    }


def exceptions(report: WaiverReport) -> dict[str, Any]:
    """The ledger's entries by fate (schemas/report.schema.json#/$defs/exception)."""

    def entry(fate: Fate) -> dict[str, Any]:
        why = {} if fate.why is None else {"why": fate.why}
        return {
            **fate.entry.summary(),
            "origin": fate.origin,
            "ledger": report.ledger,
            "line": fate.entry.line,
            **why,
        }

    out: dict[str, Any] = {
        state: [entry(f) for f in getattr(report, state)]
        for state in ("applied", "pending", "expired", "expiring", "invalid")
    }
    if report.github_error:
        out["github_error"] = [{"why": report.github_error}]
    return out


def render(v: Verdict) -> str:
    return json_dumps(document(v)) + "\n"
