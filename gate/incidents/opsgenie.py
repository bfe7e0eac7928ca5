"""Opsgenie source: incidents from Opsgenie's Incident API (GET /v1/incidents, offset-paged), as it
answers them: the services each impacted (`impactedServices` ids mapped through
incidents.opsgenie.services, or `service:<name>` tags), its priority (P1..P5 as sev1..sev5), when
its impact started and ended (`impactStartDate`/`impactEndDate`, else `createdAt` and, once
resolved or closed, `updatedAt`).

Opsgenie holds no corrective actions the API lists, so its incidents feed the scorecard's time to
restore and change failure and never postmortem-overdue.
"""

from __future__ import annotations

import os
from typing import Any

from gate.httpclient import Unavailable, redact, request_json
from gate.incidents import PAGE, Place, read_pages
from gate.incidents.record import Incident, moment
from gate.settings import IncidentSourceSettings

API = "https://api.opsgenie.com"
TOKEN_ENV = "OPSGENIE_API_KEY"


def headers(token_env: str | None, setting: str) -> dict[str, str]:
    """Opsgenie's API headers, with the key from the variable `token_env` names (OPSGENIE_API_KEY by
    default); `setting` names where that is configured."""
    name = token_env or TOKEN_ENV
    key = os.environ.get(name)
    if not key:
        raise Unavailable(f"environment variable {name} ({setting}) is not set")
    return {"Accept": "application/json", "Authorization": f"GenieKey {key}"}


def _page(settings: IncidentSourceSettings, offset: int) -> dict[str, Any]:
    url = f"{(settings.url or API).rstrip('/')}/v1/incidents"
    answer = request_json(
        "GET",
        url,
        params={"query": "", "offset": offset, "limit": PAGE, "sort": "createdAt", "order": "asc"},
        headers=headers(settings.token_env, "incidents.opsgenie.token_env"),
        timeout=settings.timeout,
        retries=settings.retries,
        backoff=settings.backoff,
    )
    if answer.status != 200:
        raise Unavailable(f"{redact(url)}: HTTP {answer.status}")
    if not isinstance(answer.body, dict) or not isinstance(answer.body.get("data"), list):
        raise Unavailable(f"{redact(url)}: the answer is not a list of incidents")
    return answer.body


def _services(item: dict[str, Any], settings: IncidentSourceSettings) -> tuple[str, ...]:
    names = [settings.services.get(str(s), "") for s in item.get("impactedServices") or ()]
    names += [
        t[len("service:") :]
        for t in item.get("tags") or ()
        if isinstance(t, str) and t.startswith("service:")
    ]
    return tuple(dict.fromkeys(n for n in names if n))


def incident_of(item: dict[str, Any], settings: IncidentSourceSettings) -> Incident:
    priority = item.get("priority")
    severity = (
        f"sev{priority[1]}"
        if isinstance(priority, str) and priority in ("P1", "P2", "P3", "P4", "P5")
        else "sev3"
    )
    ended = item.get("impactEndDate") or (
        item.get("updatedAt") if item.get("status") in ("resolved", "closed") else None
    )
    tiny = item.get("tinyId")
    return Incident(
        f"OG-{tiny}"
        if isinstance(tiny, (str, int)) and not isinstance(tiny, bool)
        else f"OG-{item['id']}",
        _services(item, settings),
        severity,
        moment(str(item.get("impactStartDate") or item["createdAt"])),
        moment(str(ended)) if ended else None,
        str(item.get("message") or "")[:500],
        postmortems_tracked=False,
    )


def fetch(settings: IncidentSourceSettings, place: Place) -> tuple[Incident, ...]:
    def page(offset: int) -> tuple[list[Any], bool]:
        body = _page(settings, offset)
        paging = body.get("paging")
        more = isinstance(paging, dict) and bool(paging.get("next")) and len(body["data"]) >= PAGE
        return body["data"], more

    return read_pages("Opsgenie", page, lambda item: incident_of(item, settings))


def evidence(settings: IncidentSourceSettings) -> str:
    return f"Opsgenie {redact(settings.url or API)}"
