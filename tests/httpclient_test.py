"""gate.httpclient: bounded, redacted, retried JSON requests to 127.0.0.1."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from testing.hostile_http import HostileServer, drip, http_response
from werkzeug import Response

from gate.httpclient import MAX_DEPTH, Unavailable, bearer_headers, parse_json, redact, request_json


def test_redact_drops_credentials_from_urls() -> None:
    assert (
        redact("https://user:pa55@prom.example/api?query=up&token=abc&x=1")
        == "https://prom.example/api?query=up&token=***&x=1"
    )
    assert redact("http://h/?API_KEY=s3cret") == "http://h/?API_KEY=***"


def test_bearer_token_comes_from_the_named_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROM_TOKEN", "t0k")
    assert bearer_headers("PROM_TOKEN", "budgets.prometheus")["Authorization"] == "Bearer t0k"
    assert "Authorization" not in bearer_headers(None, "budgets.prometheus")
    monkeypatch.delenv("PROM_TOKEN")
    with pytest.raises(
        Unavailable, match=r"PROM_TOKEN \(budgets.prometheus.bearer_token_env\) is not set"
    ):
        bearer_headers("PROM_TOKEN", "budgets.prometheus")


def test_json_and_other_statuses(httpserver: Any) -> None:
    httpserver.expect_request("/ok").respond_with_json({"a": 1})
    httpserver.expect_request("/missing").respond_with_json({"message": "Not Found"}, status=404)
    httpserver.expect_request("/html").respond_with_data("<html>", content_type="text/html")
    assert request_json("GET", httpserver.url_for("/ok")).body == {"a": 1}
    assert (
        request_json("GET", httpserver.url_for("/missing")).status == 404
    )  # the caller decides what 404 means
    with pytest.raises(Unavailable, match="response is not JSON"):
        request_json("GET", httpserver.url_for("/html"))


def test_a_server_error_is_retried_then_reported_without_the_secret(httpserver: Any) -> None:
    answers = iter(
        [
            Response("busy", status=503),
            Response("busy", status=503),
            Response('{"ok": true}', content_type="application/json"),
        ]
    )
    httpserver.expect_request("/flaky").respond_with_handler(lambda request: next(answers))
    assert request_json("GET", httpserver.url_for("/flaky"), retries=2, backoff=0).body == {
        "ok": True
    }
    httpserver.expect_request("/down").respond_with_data("no", status=500)
    url = httpserver.url_for("/down").replace("://", "://admin:hunter2@") + "?token=abc"
    with pytest.raises(Unavailable) as info:
        request_json("GET", url, retries=1, backoff=0)
    assert (
        "HTTP 500 (2 attempts)" in str(info.value)
        and "hunter2" not in str(info.value)
        and "abc" not in str(info.value)
    )


def test_an_answer_larger_than_the_limit_is_refused(httpserver: Any) -> None:
    httpserver.expect_request("/big").respond_with_data(
        "[" + "1," * 5000 + "1]", content_type="application/json"
    )
    with pytest.raises(Unavailable, match="larger than 1,000 bytes"):
        request_json("GET", httpserver.url_for("/big"), max_bytes=1000)


def test_redirects_are_not_followed(httpserver: Any) -> None:
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest"}
    )
    assert request_json("GET", httpserver.url_for("/moved")).status == 302


def test_nothing_listening_is_unavailable() -> None:
    from testing.prometheus import free_port

    with pytest.raises(Unavailable, match="connection refused"):
        request_json("GET", f"http://127.0.0.1:{free_port()}/", retries=0, timeout=2)


def test_json_nested_past_the_limit_is_unavailable_at_any_depth() -> None:
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, "x") is not None
    for depth in (MAX_DEPTH + 1, 5_000, 1_000_000):  # under and past the interpreter's own limit
        with pytest.raises(Unavailable, match="^x: (not JSON|JSON nested deeper than 64 levels)"):
            parse_json(b"[" * depth + b"]" * depth, "x")
    with pytest.raises(Unavailable, match="nested deeper"):
        parse_json(json.dumps({"a": [{"b": [[[[0]]]]}] * 3}).replace("0", "[" * 60 + "]" * 60), "x")


@pytest.mark.parametrize("cut", ["status line", "headers", "body"])
def test_a_byte_at_a_time_meets_the_whole_request_deadline(cut: str) -> None:
    whole = http_response(b'{"ok": true}' + b" " * 50)
    at = {"status line": 0, "headers": whole.index(b"\r\n"), "body": whole.index(b"\r\n\r\n") + 4}[
        cut
    ]
    with HostileServer(lambda query: [(0, whole[:at]), *drip(whole[at:], 0.2)]) as server:
        started = time.monotonic()
        with pytest.raises(Unavailable, match="no complete answer within 1s"):
            request_json("GET", server.url, timeout=0.5, retries=0)
        assert (
            time.monotonic() - started < 5
        )  # a 0.5 s timeout: a 1 s deadline, not the drip's 20 s
