"""HTTP source: GET a JSON endpoint per SLO, one entry of schemas/budget-status.schema.json."""

from __future__ import annotations

import os
from urllib.parse import quote

from gate.budget import Counts
from gate.budget.file import counts_of
from gate.budget.records import SLO
from gate.httpclient import Unavailable, bearer_headers, redact, request_json
from gate.resources import schema, schema_errors
from gate.settings import SourceSettings


def _url(slo: SLO, settings: SourceSettings) -> str:
    template = os.environ.get("GATE_BUDGET_URL") or settings.url
    if not template:
        raise Unavailable(
            "no status URL configured (budgets.http.url in .gate.yaml or GATE_BUDGET_URL)"
        )
    return (
        str(template)
        .replace("{service}", quote(slo.service, safe=""))
        .replace("{slo}", quote(slo.name, safe=""))
    )


def fetch(slo: SLO, settings: SourceSettings, windows: list[int]) -> Counts:
    url = _url(slo, settings)
    headers = bearer_headers(settings.bearer_token_env, "budgets.http")
    response = request_json(
        "GET",
        url,
        headers=headers,
        timeout=settings.timeout,
        retries=settings.retries,
        backoff=settings.backoff,
    )
    if response.status == 404:
        raise Unavailable(
            f"{redact(url)}: HTTP 404 (no status for service {slo.service!r} SLO {slo.name!r})"
        )
    if response.status != 200:
        raise Unavailable(f"{redact(url)}: HTTP {response.status}")
    entry_schema = {
        **schema("budget-status")["$defs"]["entry"],
        "$defs": schema("budget-status")["$defs"],
    }
    from gate.resources import fragment_validator

    errors = schema_errors(fragment_validator(entry_schema), response.body)
    if errors:
        raise Unavailable(f"{redact(url)}: {errors[0][1]}")
    if response.body["service"] != slo.service or response.body["slo"] != slo.name:
        raise Unavailable(
            f"{redact(url)}: answered for {response.body['service']}/{response.body['slo']}, not {slo.service}/{slo.name}"
        )
    return counts_of(response.body, windows)


def evidence(slo: SLO, settings: SourceSettings, window: int | None = None) -> str:
    try:
        return f"http {redact(_url(slo, settings))}"
    except Unavailable:
        return "http (no URL configured)"
