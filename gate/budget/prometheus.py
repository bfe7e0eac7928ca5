"""Prometheus source: PromQL through /api/v1/query, good and total over each window."""

from __future__ import annotations

import os
import re
from typing import Any

from gate.budget import Counts
from gate.budget.math import duration_text
from gate.budget.records import SLO, WINDOW_PLACEHOLDER
from gate.httpclient import Unavailable, bearer_headers, redact, request_json
from gate.settings import SourceSettings

# A sample value as Prometheus writes it (strconv.FormatFloat: digits, a dot, an exponent, or
# NaN/+Inf/-Inf). Python's float() also takes "1_000", " 1", "infinity" and "0x..."-free forms no
# Prometheus sends: a hostile or broken server's answer is a malformed sample, not a measurement.
_SAMPLE = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?Inf|NaN")


def _sample(value: Any) -> float:
    if not isinstance(value, str) or not _SAMPLE.fullmatch(value):
        raise ValueError(f"not a Prometheus sample value: {value!r}")
    return float(value)


def samples(data: Any) -> list[float]:
    """The values of an instant query's answer (a vector's series, or a scalar); a malformed
    answer raises Unavailable."""
    data = data if isinstance(data, dict) else {}
    kind, result = data.get("resultType"), data.get("result")
    try:
        if kind == "scalar" and isinstance(result, list):
            return [_sample(result[1])]
        if kind == "vector" and isinstance(result, list):
            return [_sample(series["value"][1]) for series in result]
    except (TypeError, ValueError, KeyError, IndexError):
        pass
    raise Unavailable("not an instant query's answer (a vector or a scalar of samples)")


def render(template: str, window: int) -> str:
    return template.replace(WINDOW_PLACEHOLDER, duration_text(window))


def queries(slo: SLO, window: int) -> tuple[str, str]:
    """(good, total) PromQL for one window.

    A raw ratio answers (good ratio, 1); Timeslices count good and measured slices, and
    RatioTimeslices sum the slices' good ratios and count the slices.
    """

    def good_total(w: int) -> tuple[str, str]:
        if slo.raw:
            ratio = render(slo.raw, w)
            return (f"({ratio})" if slo.raw_type == "success" else f"1 - ({ratio})"), "vector(1)"
        total = render(slo.total or "", w)
        good = render(slo.good, w) if slo.good else f"({total}) - ({render(slo.bad or '', w)})"
        return good, total

    if slo.budgeting == "occurrences":
        return good_total(window)
    slice_ = slo.slice_window or 60
    span = f"[{duration_text(window)}:{duration_text(slice_)}]"
    if slo.threshold:
        value = render(slo.threshold, slice_)
        return (
            f"sum_over_time((({value}) {slo.op} bool {slo.value!r}){span})",
            f"count_over_time(({value}){span})",
        )
    good, total = good_total(slice_)
    ratio = f"(({good}) / (({total}) > 0))"  # slices without traffic are not measured
    if slo.budgeting == "ratiotimeslices":
        return f"sum_over_time({ratio}{span})", f"count_over_time({ratio}{span})"
    return (
        f"sum_over_time(({ratio} >= bool {slo.slice_target}){span})",
        f"count_over_time({ratio}{span})",
    )


class Rejected(Unavailable):
    """Prometheus answered and refused the query itself (bad_data, or 422 for a query it cannot
    execute): the query is wrong, not the server."""


def url_of(settings: SourceSettings) -> str:
    """The Prometheus every query goes to: the operator's, never one a repository names."""
    url = (os.environ.get("GATE_PROMETHEUS_URL") or settings.url or "").rstrip("/")
    if not url:
        raise Unavailable(
            "no Prometheus URL configured (budgets.prometheus.url in .gate.yaml or GATE_PROMETHEUS_URL)"
        )
    return url


def fetch(slo: SLO, settings: SourceSettings, windows: list[int]) -> Counts:
    url = url_of(settings)
    headers, auth = _credentials(settings)
    counts: Counts = {}
    for window in windows:
        good_q, total_q = queries(slo, window)
        total = _value(url, total_q, settings, headers, auth)
        good = _value(url, good_q, settings, headers, auth) if total is not None else None
        counts[window] = None if good is None or total is None else (good, total)
    return counts


def evidence(slo: SLO, settings: SourceSettings, window: int | None = None) -> str:
    url = os.environ.get("GATE_PROMETHEUS_URL") or settings.url or "(no URL)"
    if not slo.measured:
        return f"prometheus {redact(url)}: no indicator queries"
    good, total = queries(slo, window or slo.window)
    return f"prometheus {redact(url)}: good = {good} ; total = {total}"


def _credentials(settings: SourceSettings) -> tuple[dict[str, str], tuple[str, str] | None]:
    headers = bearer_headers(settings.bearer_token_env, "budgets.prometheus")
    auth = None
    if settings.username_env:
        user, password = (
            os.environ.get(settings.username_env),
            os.environ.get(settings.password_env),
        )
        if user is None or password is None:
            raise Unavailable(
                "basic-auth environment variables (budgets.prometheus.username_env/password_env) are not set"
            )
        auth = (user, password)
    return headers, auth


def api(
    settings: SourceSettings, path: str, params: dict[str, Any], *, method: str = "POST"
) -> Any:
    """One call of Prometheus' HTTP API (`/api/v1/...`) through the bounded client: the answer's
    `data`. A query Prometheus refuses raises Rejected; anything else that is no answer, Unavailable."""
    url = url_of(settings)
    headers, auth = _credentials(settings)
    return _data(url, path, params, method, settings, headers, auth, params.get("query", path))


def _data(
    url: str,
    path: str,
    params: dict[str, Any],
    method: str,
    settings: SourceSettings,
    headers: dict[str, str],
    auth: tuple[str, str] | None,
    what: str,
) -> Any:
    response = request_json(
        method,
        f"{url}{path}",
        params=None if method == "POST" else params,
        data=params if method == "POST" else None,
        headers=headers,
        auth=auth,
        timeout=settings.timeout,
        retries=settings.retries,
        backoff=settings.backoff,
        ok=(200, 400, 422),
    )
    body = response.body
    if response.status not in (200, 400, 422):  # a redirect or a denial is no answer
        raise Unavailable(f"{redact(url)}: HTTP {response.status}")
    if not isinstance(body, dict) or body.get("status") not in ("success", "error"):
        raise Unavailable(f"{redact(url)}: not a Prometheus API response")
    if body["status"] == "error":
        kind = str(body.get("errorType", "error"))[:40]
        message = f"PromQL error ({kind}): {str(body.get('error', ''))[:300]} in query {what}"
        refused = kind == "bad_data" or (kind == "execution" and response.status == 422)
        raise (Rejected if refused else Unavailable)(message)
    return body.get("data")


def _value(
    url: str,
    query: str,
    settings: SourceSettings,
    headers: dict[str, str],
    auth: tuple[str, str] | None,
) -> float | None:
    """One instant query; None when it returns no series (no data). Errors raise Unavailable."""
    answer = _data(url, "/api/v1/query", {"query": query}, "POST", settings, headers, auth, query)
    data: dict[str, Any] = answer if isinstance(answer, dict) else {}
    kind, result = data.get("resultType"), data.get("result")
    result = result if isinstance(result, list) else []
    try:
        if kind == "scalar":
            value = _sample(result[1])
        elif kind == "vector" and isinstance(result, list):
            if not result:
                return None
            if len(result) > 1:
                raise Unavailable(
                    f"query returned {len(result)} series; aggregate it to one with sum(): {query}"
                )
            value = _sample(result[0]["value"][1])
        else:
            raise Unavailable(f"unexpected resultType {kind!r} for query {query}")
    except (TypeError, ValueError, KeyError, IndexError):
        raise Unavailable(f"{redact(url)}: malformed sample in the response") from None
    return (
        value  # NaN, infinities and absurd values are judged with every source's (status.checked)
    )
