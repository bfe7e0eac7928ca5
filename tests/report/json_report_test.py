"""gate.report.json_report: the JSON report, valid against schemas/report.schema.json, the one place its shape is built."""

from __future__ import annotations

import dataclasses
import json

from gate.report import renderer
from gate.report.json_report import document
from gate.resources import validator
from gate.verdict import Verdict


def test_the_report_validates_and_counts_what_the_verdict_says(blocked: Verdict) -> None:
    doc = json.loads(renderer("json")(blocked))
    assert list(validator("report").iter_errors(doc)) == []
    assert doc["verdict"] == "block" and doc["summary"]["blocked_services"] == ["search"]
    assert doc["summary"]["waived"] == 1 and doc == document(blocked)
    payments = next(s for s in doc["services"] if s["name"] == "payments")
    waived = [f for f in payments["findings"] if f["waived"]]
    assert [(f["rule"], f["waived"]["id"], f["waived"]["approved_by"]) for f in waived] == [
        ("error-budget", "EXC-BUDGET", "victor")
    ]


def test_a_staged_head_is_named_staged(blocked: Verdict) -> None:
    from gate.git import INDEX

    staged = dataclasses.replace(blocked, head=INDEX)
    assert document(staged)["head"] == "staged"
