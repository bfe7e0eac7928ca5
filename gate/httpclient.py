"""Bounded HTTP for every network edge (Prometheus, SLO endpoints, GitHub).

Timeouts on connect and on the whole body, retries with backoff only where a retry can help
(connection errors, 429, 5xx), a size cap, and URLs printed without credentials.
"""

from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from typing import Any, NamedTuple

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_RETRY_AFTER = 10.0
MAX_DEPTH = 64  # JSON nesting: every answer gate reads is a few levels deep


class Unavailable(Exception):
    """The remote could not give a usable answer; the message is safe to print."""


def bearer_headers(token_env: str | None, where: str) -> dict[str, str]:
    """JSON Accept header, plus a bearer token read from the variable `token_env` names (`where`.bearer_token_env)."""
    headers = {"Accept": "application/json"}
    if token_env:
        token = os.environ.get(token_env)
        if not token:
            raise Unavailable(
                f"environment variable {token_env} ({where}.bearer_token_env) is not set"
            )
        headers["Authorization"] = f"Bearer {token}"
    return headers


class Response(NamedTuple):
    status: int
    body: Any  # parsed JSON
    headers: dict[str, str]


def redact(url: str) -> str:
    """Drop user:password@ and token-like query values from a URL before it is printed."""
    url = re.sub(r"(?<=://)[^/@\s]+@", "", url)
    return re.sub(
        r"(?i)([?&](?:access_token|token|key|apikey|api_key|password)=)[^&\s]+", r"\1***", url
    )


def request_json(
    method: str,
    url: str,
    *,
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    timeout: float = 5.0,
    retries: int = 2,
    backoff: float = 0.5,
    max_bytes: int = DEFAULT_MAX_BYTES,
    ok: tuple[int, ...] = (200,),
    session: Any = None,
) -> Response:
    import requests

    http = session or requests
    last = "no attempt"
    call = dict(params=params, data=data, json=json_body, headers=headers, auth=auth)
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(backoff * 2 ** (attempt - 1), MAX_RETRY_AFTER))
        try:
            status, body, response_headers = _attempt(
                http, method, url, call, timeout, max_bytes, time.monotonic() + timeout * 2
            )
        except _Deadline:
            last = f"no complete answer within {timeout * 2:g}s"
            continue
        except requests.Timeout:
            last = f"timed out after {timeout:g}s"
            continue
        except requests.ConnectionError:
            last = "connection refused or reset"
            continue
        except _TooLarge as e:
            raise Unavailable(f"{redact(url)}: {e}") from None
        except requests.RequestException as e:
            raise Unavailable(f"{redact(url)}: {type(e).__name__}") from None
        if status in ok:
            return Response(status, parse_json(body, redact(url), status), response_headers)
        secondary_limit = status == 403 and (
            "Retry-After" in response_headers
            or "rate limit" in body.decode("utf-8", "replace").lower()
        )
        if status == 429 or status >= 500 or secondary_limit:
            last = f"HTTP {status}"
            retry_after = response_headers.get("Retry-After", "")
            if retry_after.isdigit() and attempt < retries:
                time.sleep(min(float(retry_after), MAX_RETRY_AFTER))
            continue
        try:
            parsed = parse_json(body, redact(url), status)
        except Unavailable:
            parsed = None
        return Response(status, parsed, response_headers)
    raise Unavailable(f"{redact(url)}: {last} ({retries + 1} attempt{'s' if retries else ''})")


def parse_json(body: bytes | str, where: str, status: int | None = None) -> Any:
    """A JSON document of at most MAX_DEPTH levels; anything else raises Unavailable naming `where`."""
    if not body:
        return None
    http = f" (HTTP {status})" if status is not None else ""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        raise Unavailable(f"{where}: {'response is ' if status else ''}not JSON{http}") from None
    stack = [(doc, 1)]
    while stack:  # iterative: a deep document must not exhaust the interpreter's stack here either
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Unavailable(f"{where}: JSON nested deeper than {MAX_DEPTH} levels{http}")
        children = (
            node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        )
        stack.extend((child, depth + 1) for child in children)
    return doc


class _Deadline(Exception):
    """The whole attempt (connect, headers, body) outlived its deadline."""


def _attempt(
    http: Any,
    method: str,
    url: str,
    call: dict[str, Any],
    timeout: float,
    max_bytes: int,
    deadline: float,
) -> tuple[int, bytes, dict[str, str]]:
    """One request, read whole by `deadline` whatever the server's pace (a byte a second included).

    Socket timeouts bound each read, not the sum of them; the attempt runs in a daemon thread so the
    deadline holds for the headers as for the body, and its connection is closed when it passes."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            with http.request(
                method, url, **call, timeout=(timeout, timeout), stream=True, allow_redirects=False
            ) as r:
                box["response"] = r
                body = _read(r, max_bytes, deadline)
                box["result"] = (r.status_code, body, dict(r.headers))
        except BaseException as e:  # handed to the caller's thread
            box["error"] = e

    worker = threading.Thread(target=run, name="gate-http", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        _hang_up(box.get("response"))
        raise _Deadline()
    if "error" in box:
        raise box["error"]
    result: tuple[int, bytes, dict[str, str]] = box["result"]
    return result


class _TooLarge(Exception):
    pass


def _hang_up(response: Any) -> None:
    """Shut the socket a late answer arrives on, so its reader ends (closing the response would
    wait for the reader's lock)."""
    connection = getattr(getattr(response, "raw", None), "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _read(response: Any, max_bytes: int, deadline: float) -> bytes:
    chunks = []
    size = 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > max_bytes:
            raise _TooLarge(f"response larger than {max_bytes:,} bytes")
        if time.monotonic() > deadline:
            import requests

            raise requests.Timeout("body took too long")
        chunks.append(chunk)
    return b"".join(chunks)
