"""ARCHITECTURE.md's walk-throughs run as written: a check kind, a reporter and a budget source,
each added by the page's own code and registry line, then used through gate's own registries."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from testing.repo import GitRepo

from gate.budget import SOURCES, source
from gate.budget.records import SLO
from gate.budget.status import measure
from gate.catalog import Catalog
from gate.git import Repo
from gate.policy import kinds
from gate.report import REPORTERS, Reporter, renderer
from gate.settings import BudgetSettings
from gate.snapshot import Snapshot
from gate.sources import Registered

PAGE = (Path(__file__).parents[1] / "ARCHITECTURE.md").read_text(encoding="utf-8")


def _parts() -> dict[str, str]:
    """Every `# gate/...` part of the page's Python blocks: its heading line -> its code."""
    parts: dict[str, str] = {}
    for block in re.findall(r"```python\n(.*?)```", PAGE, flags=re.S):
        for heading, code in re.findall(
            r"^# (gate/\S+(?:, in \w+)?)\n(.*?)(?=^# gate/|\Z)", block, flags=re.S | re.M
        ):
            parts[heading] = code
    return parts


PARTS = _parts()


def _module(name: str, code: str, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    module = types.ModuleType(name)
    exec(compile(code, f"ARCHITECTURE.md:{name}", "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, name, module)
    return module


def _registry_line(heading: str) -> tuple[str, Any]:
    """The page's registry line (`"name": value,`), evaluated with the registry module's names."""
    key, value = PARTS[heading].strip().rstrip(",").split(": ", 1)
    return json.loads(key), eval(value, {"Registered": Registered})  # noqa: S307 - the page's own line


def test_the_page_has_its_three_examples() -> None:
    assert {
        "gate/policy/kinds.py",
        "gate/report/csv_report.py",
        "gate/report/__init__.py, in REPORTERS",
        "gate/budget/datadog.py",
        "gate/budget/__init__.py, in SOURCES",
    } <= set(PARTS)


def test_a_check_kind_as_the_page_adds_it(
    example: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    namespace = dict(vars(kinds))
    namespace["KINDS"] = {}
    exec(compile(PARTS["gate/policy/kinds.py"], "ARCHITECTURE.md:kinds", "exec"), namespace)
    ((name, kind),) = namespace["KINDS"].items()
    monkeypatch.setitem(kinds.KINDS, name, kind)
    found = kinds.kind_of(name)
    services = {s.name: s for s in Catalog(Snapshot(Repo(example.path), "HEAD")).all() if s.parsed}
    with_dashboards = next(s for s in services.values() if s.get("telemetry", "dashboards"))
    assert found.fn(None, with_dashboards, {"min": 1}) == []
    (problem,) = found.fn(None, with_dashboards, {"min": 99})
    assert "telemetry.dashboards" in problem.message and problem.file == with_dashboards.manifest


def test_a_reporter_as_the_page_adds_it(example: GitRepo, monkeypatch: pytest.MonkeyPatch) -> None:
    from gate import check

    key, module_name = _registry_line("gate/report/__init__.py, in REPORTERS")
    module = _module(module_name, PARTS["gate/report/csv_report.py"], monkeypatch)
    monkeypatch.setitem(REPORTERS, key, module_name)
    assert isinstance(module, Reporter)
    example.write("services/search/src/query.py", "def lower(q):\n    return q.lower()\n")
    example.commit("search changes")
    verdict = check.run(Repo(example.path), base="main", head="change", offline=True)
    lines = renderer(key)(verdict).splitlines()
    assert lines[0] == "service,tier,rule,severity"
    assert any(line.startswith("search,1,runbook-sections,error") for line in lines[1:]), lines


def test_a_budget_source_as_the_page_adds_it(
    httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    key, registered = _registry_line("gate/budget/__init__.py, in SOURCES")
    _module(registered.module, PARTS["gate/budget/datadog.py"], monkeypatch)
    monkeypatch.setitem(SOURCES, key, registered)
    day = 86_400
    answer = {
        str(w): {"good": 990, "total": 1000}
        for w in (28 * day, 3600, 6 * 3600, day, 3 * day, 300, 1800, 2 * 3600)
    }
    httpserver.expect_request(
        "/slo", query_string={"slo": "checkout-availability"}
    ).respond_with_json(answer)
    slo = SLO("checkout", "checkout-availability", 0.999, 28 * day, "28d", "occurrences", None)
    budgets = BudgetSettings.parse({"source": key, key: {"url": httpserver.url_for("/slo")}})
    status = measure(slo, budgets, False, 1)
    assert status.state == "exhausted" and status.evidence.startswith("datadog http://127.0.0.1")
    assert (
        measure(slo, budgets, True, 1).state == "not-measured"
    )  # a network source: --offline skips it
    assert (
        source(key).evidence(slo, budgets.source_settings(key)).endswith("'checkout-availability'")
    )
