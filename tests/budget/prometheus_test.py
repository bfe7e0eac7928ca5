"""The Prometheus source against a real Prometheus on 127.0.0.1, and against faults."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from testing.typed import present
from werkzeug import Request, Response

from gate.budget.prometheus import _sample
from gate.budget.records import SLO
from gate.budget.status import measure
from gate.settings import BudgetSettings

GOOD = 'sum(rate(http_requests_total{service="NAME",code!~"5.."}[{{window}}]))'
TOTAL = 'sum(rate(http_requests_total{service="NAME"}[{{window}}]))'


def slo(name: str, **kw: Any) -> SLO:
    fields: dict[str, Any] = dict(
        service=name,
        name=f"{name}-availability",
        objective=0.999,
        window=28 * 86400,
        window_text="28d",
        budgeting="occurrences",
        source="prometheus",
        good=GOOD.replace("NAME", name),
        total=TOTAL.replace("NAME", name),
        origin="svc/service.yaml",
        line=6,
    )
    fields.update(kw)
    return SLO(**fields)


def settings(url: str, **kw: Any) -> BudgetSettings:
    return BudgetSettings.parse({"prometheus": {"url": url, "timeout": 2, "retries": 0, **kw}})


def test_healthy_service_with_a_counter_reset(prometheus: Any) -> None:
    status = measure(slo("healthy"), settings(prometheus.url), offline=False)
    assert status.state == "ok"
    assert status.remaining == pytest.approx(0.9, abs=0.01)  # 0.01% errors of a 0.1% budget
    assert status.burn_rates[3600] == pytest.approx(0.1, abs=0.01)
    assert status.events == pytest.approx(600 / 60, rel=0.05)  # rate() is per second


def test_burning_service_is_a_fast_burn_with_budget_left(prometheus: Any) -> None:
    status = measure(slo("burning"), settings(prometheus.url), offline=False)
    assert status.state == "fast-burn"
    assert status.burn_rates[3600] == pytest.approx(50, rel=0.02)
    assert status.burn_rates[300] == pytest.approx(50, rel=0.02)
    assert 0 < present(status.remaining) < 0.6
    assert status.condition == "13.44x over 1h and 5m"


def test_exhausted_service(prometheus: Any) -> None:
    status = measure(slo("exhausted"), settings(prometheus.url), offline=False)
    assert status.state == "exhausted"
    assert status.remaining == pytest.approx(-1.0, abs=0.01)
    summary = status.summary()
    assert "SLO 'exhausted-availability' 99.9% over 28d: budget remaining -100.0%" in summary
    assert "1h 2.00x" in summary and "3d 2.00x" in summary


def test_no_traffic_is_no_data(prometheus: Any) -> None:
    status = measure(slo("idle"), settings(prometheus.url), offline=False)
    assert status.state == "no-data" and status.remaining is None


def test_bad_over_total_and_timeslices(prometheus: Any) -> None:
    bad = 'sum(rate(http_requests_total{service="exhausted",code=~"5.."}[{{window}}]))'
    status = measure(slo("exhausted", good=None, bad=bad), settings(prometheus.url), offline=False)
    assert status.remaining == pytest.approx(-1.0, abs=0.01)
    sliced = slo(
        "burning",
        window=3 * 86400,
        window_text="3d",
        budgeting="timeslices",
        slice_window=300,
        slice_target=0.99,
        objective=0.99,
    )
    status = measure(sliced, settings(prometheus.url), offline=False)
    # 2h of 5% errors in 3 days: 24 of 864 five-minute slices are bad, against a 1% allowance of 8.64
    assert status.events == pytest.approx(864, abs=3)
    assert status.remaining == pytest.approx(1 - 24 / 8.64, abs=0.15)
    assert status.state == "exhausted"


def test_promql_error_is_unavailable_with_the_query(prometheus: Any) -> None:
    broken = slo(
        "healthy",
        good="sum(rate(http_requests_total[{{window}}]",
        total=TOTAL.replace("NAME", "healthy"),
    )
    status = measure(broken, settings(prometheus.url), offline=False)
    assert status.state == "unavailable"
    assert "PromQL error (bad_data)" in present(status.reason)


def test_more_than_one_series(prometheus: Any) -> None:
    status = measure(
        slo(
            "healthy",
            total='sum by (code) (rate(http_requests_total{service="healthy"}[{{window}}]))',
        ),
        settings(prometheus.url),
        offline=False,
    )
    assert status.state == "unavailable" and "aggregate it to one with sum()" in present(
        status.reason
    )


def test_server_down() -> None:
    from testing.prometheus import free_port

    status = measure(
        slo("healthy"),
        settings(f"http://127.0.0.1:{free_port()}", retries=1, backoff=0.01),
        offline=False,
    )
    assert status.state == "unavailable"
    assert "connection refused or reset (2 attempts)" in present(status.reason)


def test_offline_skips_the_network() -> None:
    status = measure(slo("healthy"), settings("http://127.0.0.1:1"), offline=True)
    assert status.state == "not-measured" and "offline" in present(status.reason)


@pytest.mark.parametrize(
    "respond, words",
    [
        (lambda: Response("oops", status=503), "HTTP 503 (2 attempts)"),
        (lambda: Response("not json", status=200), "response is not JSON"),
        (
            lambda: Response(json.dumps({"hello": "world"}), status=200),
            "not a Prometheus API response",
        ),
        (
            lambda: Response(
                json.dumps(
                    {
                        "status": "success",
                        "data": {
                            "resultType": "vector",
                            "result": [{"metric": {}, "value": [1, "abc"]}],
                        },
                    }
                ),
                status=200,
            ),
            "malformed sample",
        ),
        (
            lambda: Response(
                json.dumps({"status": "success", "data": {"resultType": "matrix", "result": []}}),
                status=200,
            ),
            "unexpected resultType 'matrix'",
        ),
        (lambda: Response("x" * (6 * 1024 * 1024), status=200), "response larger than"),
    ],
)
def test_faults(httpserver: Any, respond: Any, words: str) -> None:
    httpserver.expect_request("/api/v1/query").respond_with_handler(lambda request: respond())
    status = measure(
        slo("healthy"),
        settings(httpserver.url_for("/").rstrip("/"), retries=1, backoff=0.01),
        offline=False,
    )
    assert status.state == "unavailable"
    assert words in present(status.reason)


def test_slow_server_times_out(httpserver: Any) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("{}", status=200)

    httpserver.expect_request("/api/v1/query").respond_with_handler(slow)
    started = time.monotonic()
    status = measure(
        slo("healthy"),
        settings(httpserver.url_for("/").rstrip("/"), timeout=0.3, retries=1, backoff=0.01),
        offline=False,
    )
    assert status.state == "unavailable" and "timed out after 0.3s" in present(status.reason)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("value", ["NaN", "+Inf", "-Inf", "1e400", "-1", "1e300"])
def test_a_sample_that_is_no_measurement_is_a_source_fault_not_no_data(
    httpserver: Any, value: str
) -> None:
    body = {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, value]}]},
    }
    httpserver.expect_request("/api/v1/query").respond_with_json(body)
    status = measure(slo("healthy"), settings(httpserver.url_for("/").rstrip("/")), offline=False)
    assert status.state == "unavailable" and "no measurement" in present(status.reason)


def test_bearer_token_is_sent_and_never_printed(
    httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROM_TOKEN", "s3cr3t-token-value")
    seen: list[str] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Authorization", ""))
        return Response("denied", status=500)

    httpserver.expect_request("/api/v1/query").respond_with_handler(handler)
    status = measure(
        slo("healthy"),
        settings(httpserver.url_for("/").rstrip("/"), bearer_token_env="PROM_TOKEN"),
        offline=False,
    )
    assert seen and seen[0] == "Bearer s3cr3t-token-value"
    text = json.dumps(status.to_json()) + status.summary() + (status.reason or "") + status.evidence
    assert status.state == "unavailable" and "s3cr3t" not in text


def test_credentials_in_the_url_are_never_printed(httpserver: Any) -> None:
    httpserver.expect_request("/api/v1/query").respond_with_data("down", status=502)
    url = httpserver.url_for("/").rstrip("/").replace("http://", "http://user:hunter2@")
    status = measure(slo("healthy"), settings(url), offline=False)
    text = json.dumps(status.to_json()) + status.summary() + (status.reason or "") + status.evidence
    assert status.state == "unavailable" and "hunter2" not in text and "127.0.0.1" in text


def test_missing_token_variable(httpserver: Any) -> None:
    status = measure(
        slo("healthy"),
        settings(httpserver.url_for("/"), bearer_token_env="NOT_SET_ANYWHERE"),
        offline=False,
    )
    assert status.state == "unavailable" and "NOT_SET_ANYWHERE" in present(status.reason)


def test_only_prometheus_sample_syntax_is_a_number() -> None:
    """float() also reads "1_000", " 1" and "infinity"; no Prometheus writes them, so a server that
    does is a malformed answer (fails closed), never a measurement."""
    assert [_sample(v) for v in ("1", "0.95", "-1", "1e3", ".5")] == [1.0, 0.95, -1.0, 1000.0, 0.5]
    for bad in ("1_000", " 1", "infinity", "0x10", "", "1.0.0"):
        with pytest.raises(ValueError):
            _sample(bad)
