"""gate.report.gitlab: a GitLab Code Quality report."""

from __future__ import annotations

import json

from gate.report import renderer
from gate.verdict import Verdict


def test_gitlab_code_quality(blocked: Verdict) -> None:
    issues = json.loads(renderer("gitlab")(blocked))
    by_rule = {i["check_name"]: i for i in issues}
    assert set(by_rule) == {"runbook-sections", "unowned-change", "blast-radius"}
    assert by_rule["runbook-sections"]["severity"] == "blocker"
    assert by_rule["runbook-sections"]["location"] == {
        "path": "services/search/docs/runbook.md",
        "lines": {"begin": 1},
    }
    assert len({i["fingerprint"] for i in issues}) == len(issues)
