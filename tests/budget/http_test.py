"""gate.budget.http: one GET per SLO, the answer checked against the status entry schema."""

from __future__ import annotations

from typing import Any

import pytest

from gate.budget import http
from gate.budget.records import SLO
from gate.httpclient import Unavailable
from gate.settings import SourceSettings


def slo(service: str = "cart", name: str = "availability") -> SLO:
    return SLO(
        service=service,
        name=name,
        objective=0.99,
        window=28 * 86400,
        window_text="28d",
        budgeting="occurrences",
        source="http",
    )


def entry(service: str = "cart", name: str = "availability") -> dict[str, Any]:
    return {"service": service, "slo": name, "windows": {"28d": {"good": 99, "total": 100}}}


def test_fetch_fills_the_url_template(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATE_BUDGET_URL", raising=False)
    httpserver.expect_request("/status/cart/availability").respond_with_json(entry())
    settings = SourceSettings(url=httpserver.url_for("/status/{service}/{slo}"), retries=0)
    assert http.fetch(slo(), settings, [28 * 86400, 3600]) == {
        28 * 86400: (99.0, 100.0),
        3600: None,
    }
    assert http.evidence(slo(), settings).startswith("http http://127.0.0.1:")


def test_names_from_a_manifest_cannot_walk_the_url(httpserver: Any) -> None:
    """A service named `../admin?x=1#` stays one path segment: quoted, never a traversal or a query."""
    import re

    from werkzeug import Request, Response

    seen: list[str] = []

    def answer(request: Request) -> Response:
        seen.append(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or "")
        return Response(
            '{"service": "../admin?x=1#", "slo": "a/b", "windows": {"28d": {"good": 1, "total": 1}}}',
            content_type="application/json",
        )

    httpserver.expect_request(re.compile("/.*")).respond_with_handler(answer)
    settings = SourceSettings(url=httpserver.url_for("/status/{service}/{slo}"), retries=0)
    assert http.fetch(slo(service="../admin?x=1#", name="a/b"), settings, [28 * 86400]) == {
        28 * 86400: (1.0, 1.0)
    }
    (raw,) = seen
    assert (
        raw.startswith("/status/")
        and raw.count("/") == 3
        and "?" not in raw
        and "#" not in raw
        and "/../" not in raw
    )


def test_an_answer_about_another_slo_or_of_the_wrong_shape_is_unavailable(httpserver: Any) -> None:
    httpserver.expect_request("/other").respond_with_json(entry(service="search"))
    httpserver.expect_request("/bad").respond_with_json(
        {"service": "cart", "slo": "availability", "windows": {"28d": {"good": "many"}}}
    )
    httpserver.expect_request("/gone").respond_with_json({}, status=404)
    with pytest.raises(
        Unavailable, match="answered for search/availability, not cart/availability"
    ):
        http.fetch(slo(), SourceSettings(url=httpserver.url_for("/other"), retries=0), [28 * 86400])
    with pytest.raises(Unavailable):
        http.fetch(slo(), SourceSettings(url=httpserver.url_for("/bad"), retries=0), [28 * 86400])
    with pytest.raises(
        Unavailable, match="HTTP 404 \\(no status for service 'cart' SLO 'availability'\\)"
    ):
        http.fetch(slo(), SourceSettings(url=httpserver.url_for("/gone"), retries=0), [28 * 86400])


def test_no_url_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GATE_BUDGET_URL", raising=False)
    with pytest.raises(Unavailable, match="no status URL configured"):
        http.fetch(slo(), SourceSettings(), [3600])
    assert http.evidence(slo(), SourceSettings()) == "http (no URL configured)"
