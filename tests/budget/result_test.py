"""A service's error budget as a record (gate/budget/status.py builds it, gate/budget/policy.py judges by it) and its one JSON shape."""

from __future__ import annotations

import json

from gate.budget.records import SLO, SLOProblem
from gate.budget.status import STATE_ORDER, SLOStatus
from gate.budget.status import result as budget_result
from gate.catalog import Service
from gate.commands.budget import render_json
from gate.report.json_report import budget as budget_json
from gate.report.text import _budget_line


def slo(name: str) -> SLO:
    return SLO("cart", name, 0.999, 28 * 86400, "28d", "occurrences", None, good="g", total="t")


def test_a_service_is_as_bad_as_its_worst_slo() -> None:
    for worse, better in zip(STATE_ORDER, STATE_ORDER[1:], strict=False):
        result = budget_result([SLOStatus(slo("a"), better), SLOStatus(slo("b"), worse)], [], None)
        assert result.state == worse
    unsupported = SLOProblem("a windowed SLI", "slo.yaml", 3, unsupported=True)
    invalid = SLOProblem("objective: 101", "slo.yaml", 9)
    assert budget_result([], [unsupported, invalid], None).state == "unmeasurable"
    assert budget_result([], [invalid], None).state == "no-slos"
    assert budget_result([], [unsupported, invalid], None).unmeasurable == (unsupported,)


def test_the_json_shape_is_built_in_the_json_reporter_and_read_by_the_budget_command() -> None:
    statuses = [SLOStatus(slo("a"), "exhausted", remaining=-0.25)]
    result = budget_result(
        statuses, [SLOProblem("windowed", "slo.yaml", 3, True)], "verified revert of abc"
    )
    doc = budget_json(result)
    assert list(doc) == ["state", "exempt", "slos", "unsupported", "unmeasurable"]
    assert doc["state"] == "exhausted" and doc["slos"][0]["budget_remaining"] == -0.25
    assert doc["unsupported"] == ["error budget cannot be measured: windowed"]
    assert doc["unmeasurable"] == [{"file": "slo.yaml", "line": 3, "reason": "windowed"}]
    service = Service("cart", "cart/", "cart/service.yaml", 1, {"tier": 1}, None)
    (row,) = json.loads(
        render_json([(service, statuses, [SLOProblem("windowed", "slo.yaml", 3, True)])])
    )["services"]
    assert {k: row[k] for k in ("state", "slos", "unsupported")} == {
        k: json.loads(json.dumps(doc))[k] for k in ("state", "slos", "unsupported")
    }
    assert row["exempt"] is None


def test_the_text_line_reads_the_record() -> None:
    result = budget_result(
        [SLOStatus(slo("a"), "exhausted", remaining=float("-inf")), SLOStatus(slo("b"), "no-data")],
        [],
        "only reliability material changed",
    )
    assert (
        _budget_line(result)
        == "exhausted: a -100000000000.0% left, b no-data (exempt: only reliability material changed)"
    )
