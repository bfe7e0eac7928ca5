"""gate.report.junit: JUnit XML, one case per service and rule."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from testing.typed import present

from gate.report import renderer
from gate.verdict import Verdict


def test_junit_parses_back_with_one_case_per_service_and_rule(blocked: Verdict) -> None:
    root = ET.fromstring(renderer("junit")(blocked))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == {"gate.search", "gate.payments", "gate.(repository)"}
    search = suites["gate.search"]
    cases = {c.get("name"): c for c in search.iter("testcase")}
    assert "runbook-sections" in cases and cases["runbook-sections"].find("failure") is not None
    assert cases["codeowners"].find("failure") is None
    assert int(search.attrib["tests"]) == len(cases) and search.get("failures") == "1"
    budget = {c.get("name"): c for c in suites["gate.payments"].iter("testcase")}["error-budget"]
    assert "EXC-BUDGET" in present(budget.find("skipped")).attrib["message"]
    assert root.get("failures") == str(sum(int(s.attrib["failures"]) for s in suites.values()))
