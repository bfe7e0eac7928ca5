"""GitLab Code Quality JSON (a CodeClimate subset): one issue per finding."""

from __future__ import annotations

import hashlib

from gate.report.escape import json_dumps
from gate.verdict import Verdict

SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def render(v: Verdict) -> str:
    issues = []
    pairs = [(f, s.name) for s in v.services for f in s.findings if not f.waiver] + [
        (f, None) for f in v.findings if not f.waiver
    ]
    for f, service in pairs:
        path = f.file or ".gate.yaml"
        issues.append(
            {
                "type": "issue",
                "check_name": f.rule,
                "description": (f"[{service}] " if service else "") + f.message,
                "content": {"body": f"How to fix: {f.remediation}"},
                "categories": ["Bug Risk"],
                "severity": "blocker"
                if f.severity == "error" and v.verdict == "block"
                else SEVERITY[f.severity],
                "fingerprint": hashlib.md5(
                    f"{f.rule}\0{service}\0{path}\0{f.message}".encode("utf-8", "surrogatepass")
                ).hexdigest(),
                "location": {"path": path, "lines": {"begin": f.line or 1}},
            }
        )
    return json_dumps(issues) + "\n"
