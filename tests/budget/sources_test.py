"""The file and http sources: the documented status shape, and what happens when it is not."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from testing.typed import present

from gate.budget.records import SLO
from gate.budget.status import measure
from gate.settings import BudgetSettings


def slo(source: str) -> SLO:
    return SLO(
        service="cart",
        name="cart-availability",
        objective=0.99,
        window=28 * 86400,
        window_text="28d",
        budgeting="occurrences",
        source=source,
        origin="services/cart/service.yaml",
        line=7,
    )


def entry(good: float, total: float, **windows: tuple[float, float]) -> dict[str, Any]:
    data = {"28d": {"good": good, "total": total}}
    data.update({k.lstrip("_"): {"good": g, "total": t} for k, (g, t) in windows.items()})
    return {"service": "cart", "slo": "cart-availability", "windows": data}


def write(tmp_path: Path, doc: Any) -> str:
    path = tmp_path / "status.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return str(path)


def test_file_source_exhausted_with_burn_rates(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"schema": "gate.budget-status/v1", "slos": [entry(980, 1000, _1h=(90, 100), _5m=(9, 10))]},
    )
    status = measure(slo("file"), BudgetSettings.parse({"file": {"path": path}}), offline=False)
    assert status.state == "exhausted" and status.remaining == pytest.approx(-1.0)
    assert status.burn_rates[3600] == pytest.approx(10.0) and status.burn_rates[6 * 3600] is None
    assert path in status.evidence


def test_file_source_is_read_even_offline_but_not_for_a_staged_change(tmp_path: Path) -> None:
    path = write(tmp_path, {"schema": "gate.budget-status/v1", "slos": [entry(999, 1000)]})
    assert (
        measure(slo("file"), BudgetSettings.parse({"file": {"path": path}}), offline=True).state
        == "ok"
    )
    skipped = measure(
        slo("file"), BudgetSettings.parse({"file": {"path": path}}), offline=True, staged=True
    )  # the pre-commit hook
    assert skipped.state == "not-measured" and "CI export" in (skipped.reason or "")


@pytest.mark.parametrize(
    "doc, words",
    [
        ("{not json", "not JSON"),
        ({"schema": "gate.budget-status/v1"}, "missing required field slos"),
        (
            {
                "schema": "gate.budget-status/v1",
                "slos": [
                    {
                        "service": "cart",
                        "slo": "cart-availability",
                        "windows": {"28d": {"good": -1, "total": 5}},
                    }
                ],
            },
            "must be at least 0",
        ),
        (
            {"schema": "gate.budget-status/v1", "slos": []},
            "no entry for service 'cart' SLO 'cart-availability'",
        ),
    ],
)
def test_file_source_bad_documents(tmp_path: Path, doc: Any, words: str) -> None:
    status = measure(
        slo("file"), BudgetSettings.parse({"file": {"path": write(tmp_path, doc)}}), offline=False
    )
    assert status.state == "unavailable" and words in present(status.reason)


def test_file_source_missing_file(tmp_path: Path) -> None:
    status = measure(
        slo("file"),
        BudgetSettings.parse({"file": {"path": str(tmp_path / "nope.json")}}),
        offline=False,
    )
    assert status.state == "unavailable" and "no such file" in present(status.reason)


def test_http_source(httpserver: Any) -> None:
    httpserver.expect_request("/status/cart/cart-availability").respond_with_json(
        entry(995, 1000, _1h=(99, 100))
    )
    status = measure(
        slo("http"),
        BudgetSettings.parse({"http": {"url": httpserver.url_for("/status/{service}/{slo}")}}),
        offline=False,
    )
    assert status.state == "ok" and status.remaining == pytest.approx(0.5)
    assert (
        measure(
            slo("http"),
            BudgetSettings.parse({"http": {"url": "http://127.0.0.1:1/x"}}),
            offline=True,
        ).state
        == "not-measured"
    )


@pytest.mark.parametrize(
    "respond, words",
    [
        (
            lambda s: s.respond_with_data("nope", status=404),
            "HTTP 404 (no status for service 'cart'",
        ),
        (lambda s: s.respond_with_json({"service": "cart"}), "missing required field slo"),
        (
            lambda s: s.respond_with_json({**entry(1, 1), "service": "other"}),
            "answered for other/cart-availability",
        ),
        (lambda s: s.respond_with_data("<html>", status=200), "not JSON"),
    ],
)
def test_http_source_faults(httpserver: Any, respond: Any, words: str) -> None:
    respond(httpserver.expect_request("/status/cart/cart-availability"))
    status = measure(
        slo("http"),
        BudgetSettings.parse(
            {"http": {"url": httpserver.url_for("/status/{service}/{slo}"), "retries": 0}}
        ),
        offline=False,
    )
    assert status.state == "unavailable" and words in present(status.reason)


def test_an_slo_prometheus_cannot_measure_is_measured_from_a_status_file(tmp_path: Path) -> None:
    # e.g. an OpenSLO document with a Datadog source, whose budget a team exports to a status file
    from dataclasses import replace

    datadog = replace(
        slo("file"),
        source=None,
        unmeasurable="OpenSLO SLO 'cart-availability': metric source type 'Datadog' is not read by gate",
    )
    path = write(tmp_path, {"schema": "gate.budget-status/v1", "slos": [entry(980, 1000)]})
    assert (
        measure(
            datadog, BudgetSettings.parse({"source": "file", "file": {"path": path}}), offline=False
        ).state
        == "exhausted"
    )
    status = measure(
        datadog,
        BudgetSettings.parse({"source": "prometheus", "prometheus": {"url": "http://127.0.0.1:1"}}),
        offline=True,
    )
    assert status.state == "unmeasurable" and "Datadog" in (
        status.reason or ""
    )  # said, even offline
