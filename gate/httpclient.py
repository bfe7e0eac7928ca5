"""Bounded HTTP for every network edge (Prometheus, SLO endpoints, GitHub).

Timeouts on connect and on the whole body, retries with backoff only where a retry can help
(connection errors, 429, 5xx), a size cap, and URLs printed without credentials.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, NamedTuple

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_RETRY_AFTER = 10.0


class Unavailable(Exception):
    """The remote could not give a usable answer; the message is safe to print."""


def bearer_headers(token_env: str | None, where: str) -> dict[str, str]:
    """JSON Accept header, plus a bearer token read from the variable `token_env` names (`where`.bearer_token_env)."""
    import os

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
    for attempt in range(retries + 1):
        if attempt:
            time.sleep(min(backoff * 2 ** (attempt - 1), MAX_RETRY_AFTER))
        try:
            deadline = time.monotonic() + timeout * 2
            with http.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=headers,
                auth=auth,
                timeout=(timeout, timeout),
                stream=True,
                allow_redirects=False,
            ) as r:
                body = _read(r, max_bytes, deadline)
                status = r.status_code
                response_headers = dict(r.headers)
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
            try:
                return Response(status, json.loads(body) if body else None, response_headers)
            except ValueError:
                raise Unavailable(f"{redact(url)}: response is not JSON (HTTP {status})") from None
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
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = None
        return Response(status, parsed, response_headers)
    raise Unavailable(f"{redact(url)}: {last} ({retries + 1} attempt{'s' if retries else ''})")


class _TooLarge(Exception):
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
