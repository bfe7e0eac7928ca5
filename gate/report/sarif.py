"""SARIF 2.1.0 for GitHub code scanning: one run, rules with help, results at manifest lines."""

from __future__ import annotations

import hashlib
import os
from typing import Any
from urllib.parse import quote

from gate import __version__
from gate.report.escape import json_dumps
from gate.verdict import Finding, Verdict

LEVEL = {"error": "error", "warning": "warning", "info": "note"}
FALLBACK_FILE = (
    ".gate.yaml"  # a result needs a location; repository-wide findings point at the config
)


def _rule(v: Verdict, rule_id: str, finding: Finding) -> dict[str, Any]:
    info = v.rules.get(rule_id)
    title = info.title if info else finding.title
    description = info.description if info and info.description else title
    remediation = info.remediation if info else finding.remediation
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": "".join(part.capitalize() for part in rule_id.split("-")),
        "shortDescription": {"text": title},
        "fullDescription": {"text": description},
        "help": {
            "text": f"{description}\n\nHow to fix: {remediation}",
            "markdown": f"{description}\n\n**How to fix:** {remediation}\n\n`gate explain {rule_id}`",
        },
        "defaultConfiguration": {"level": LEVEL[finding.severity]},
        "properties": {"tags": ["reliability", "gate"]},
    }
    docs = info.docs if info else finding.docs
    if docs and docs.startswith("https://"):
        rule["helpUri"] = docs
    return rule


def _result(finding: Finding, index: int, service: str | None) -> dict[str, Any]:
    file = finding.file or FALLBACK_FILE
    fingerprint = hashlib.sha256(
        f"{finding.rule}\0{service}\0{file}\0{finding.message}".encode("utf-8", "surrogatepass")
    ).hexdigest()[:32]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": LEVEL[finding.severity],
        "message": {
            "text": (f"[{service}] " if service else "")
            + f"{finding.message}\nFix: {finding.remediation}"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {
                        "uri": quote(os.fsencode(file), safe="/"),
                        "uriBaseId": "%SRCROOT%",
                    },
                    "region": {"startLine": finding.line or 1},
                }
            }
        ],
        "partialFingerprints": {"gateFinding/v1": fingerprint},
    }
    if finding.waiver:
        w = finding.waiver
        result["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"exception {w.id} approved by @{w.approved_by} until {w.expires} ({w.ticket}): {w.reason}",
            }
        ]
    return result


def document(v: Verdict) -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    index: dict[str, int] = {}
    results = []
    pairs = [(f, s) for s in v.services for f in s.findings] + [(f, None) for f in v.findings]
    for finding, owner in pairs:
        if finding.rule not in index:
            index[finding.rule] = len(rules)
            rules.append(_rule(v, finding.rule, finding))
        result = _result(finding, index[finding.rule], owner.name if owner else None)
        if owner is not None:  # who it goes to, without a second lookup
            result["properties"] = {
                "service": owner.name,
                "tier": owner.tier,
                "team": owner.team,
                "oncall": owner.oncall,
            }
        results.append(result)
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "gate",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": "https://github.com/gate-dev/gate",
                        "rules": rules,
                    }
                },
                "automationDetails": {"id": f"gate/{v.mode}/"},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }


def render(v: Verdict) -> str:
    return json_dumps(document(v)) + "\n"
