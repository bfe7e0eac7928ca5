"""`dashboards_resolve` (advisory): each dashboard a service declares (`telemetry.dashboards`) is a
dashboard of the configured Grafana that exists. Shipped plug-in-style (gate.policy.plugins).

Only the Grafana the trusted config names (`telemetry.grafana.url`, its token from the environment)
is asked, and only for a URL under it: the dashboard's uid (`/d/<uid>/...`) is read from the URL
the change writes and looked up with Grafana's `GET /api/dashboards/uid/<uid>`; gate never opens a
URL a change writes. Asked once per uid per run, only by runs that may use the network; the first
failure ends the asking for the run.
"""

from __future__ import annotations

import os
import re
from typing import Any

from gate.catalog import Problem, Service
from gate.httpclient import Unavailable, redact, request_json
from gate.policy.kinds import CheckContext, CheckKind
from gate.settings import GrafanaSettings

_UID = re.compile(r"^/d/([A-Za-z0-9_-]{1,40})(?:/[^?#]*)?(?:[?#].*)?$")


def dashboards_resolve(
    ctx: CheckContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    settings = ctx.telemetry.grafana
    base = (settings.url or "").rstrip("/")
    if not base or not ctx.network:
        return []
    problems = []
    for index, url in enumerate(service.items("telemetry", "dashboards")):
        if not isinstance(url, str):
            continue
        why = _unresolved(ctx, settings, base, url)
        if why:
            problems.append(
                Problem(
                    f"dashboard {url} {why}",
                    service.manifest,
                    service.line("telemetry", "dashboards", index),
                )
            )
    return problems


def _unresolved(ctx: CheckContext, settings: GrafanaSettings, base: str, url: str) -> str | None:
    """Why the URL is no dashboard of the configured Grafana (None: it is one)."""
    if not url.startswith(base + "/"):
        return f"is not under the configured Grafana ({redact(base)})"
    found = _UID.match(url[len(base) :])
    if found is None:
        return "is not a Grafana dashboard URL (/d/<uid>/<name>)"
    uid = found.group(1)
    key, down = ("grafana-dashboard", uid), ("grafana-dashboard", "\0down")
    if key not in ctx.memo:
        if down in ctx.memo:
            ctx.memo[key] = ctx.memo[down]
        else:
            try:
                ctx.memo[key] = _lookup(settings, base, uid)
            except Unavailable as e:
                ctx.memo[key] = ctx.memo[down] = f"could not be checked: {e}"
    why: str | None = ctx.memo[key]
    return why


def _lookup(settings: GrafanaSettings, base: str, uid: str) -> str | None:
    headers = {"Accept": "application/json"}
    if settings.token_env:
        token = os.environ.get(settings.token_env)
        if not token:
            raise Unavailable(
                f"environment variable {settings.token_env} (telemetry.grafana.token_env) is not set"
            )
        headers["Authorization"] = f"Bearer {token}"
    response = request_json(
        "GET",
        f"{base}/api/dashboards/uid/{uid}",
        headers=headers,
        timeout=settings.timeout,
        retries=1,
        ok=(200, 404),
    )
    if response.status == 404:
        return f"does not exist in Grafana (no dashboard with uid {uid})"
    body = response.body
    if (
        response.status != 200
        or not isinstance(body, dict)
        or not isinstance(body.get("dashboard"), dict)
    ):
        raise Unavailable(f"{redact(base)}: HTTP {response.status}, not a dashboard")
    return None


KIND = CheckKind(
    dashboards_resolve,
    {"type": "object", "additionalProperties": False, "properties": {}},
    "dashboards in telemetry.dashboards exist in the configured Grafana (telemetry.grafana; advisory)",
)
