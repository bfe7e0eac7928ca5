"""PagerDuty source: incidents from PagerDuty's REST API v2 (GET /incidents, offset-paged), as it
answers them: each incident's service (`service.id` or `service.summary`, mapped through
incidents.pagerduty.services, else taken as the gate service's name), its priority (P1..P5 as
sev1..sev5; without one, high urgency is sev2 and low sev4), `created_at` and `resolved_at` (or, for
a resolved incident without it, `last_status_change_at`).

PagerDuty holds no postmortem dates or corrective actions the API lists, so its incidents feed the
scorecard's time to restore and change failure and never postmortem-overdue.
"""

from __future__ import annotations

import os
from typing import Any

from gate.httpclient import Unavailable, redact, request_json
from gate.incidents import PAGE, Place, read_pages
from gate.incidents.record import Incident, moment
from gate.settings import IncidentSourceSettings

API = "https://api.pagerduty.com"
TOKEN_ENV = "PAGERDUTY_TOKEN"


def _headers(settings: IncidentSourceSettings) -> dict[str, str]:
    return headers(settings.token_env, "incidents.pagerduty.token_env")


def headers(token_env: str | None, setting: str) -> dict[str, str]:
    """PagerDuty's REST API v2 headers, with the token from the variable `token_env` names
    (PAGERDUTY_TOKEN by default); `setting` names where that is configured."""
    name = token_env or TOKEN_ENV
    token = os.environ.get(name)
    if not token:
        raise Unavailable(f"environment variable {name} ({setting}) is not set")
    return {
        "Accept": "application/vnd.pagerduty+json;version=2",
        "Authorization": f"Token token={token}",
    }


def _page(settings: IncidentSourceSettings, offset: int) -> dict[str, Any]:
    url = f"{(settings.url or API).rstrip('/')}/incidents"
    answer = request_json(
        "GET",
        url,
        params={"limit": PAGE, "offset": offset, "date_range": "all", "time_zone": "UTC"},
        headers=_headers(settings),
        timeout=settings.timeout,
        retries=settings.retries,
        backoff=settings.backoff,
    )
    if answer.status != 200:
        raise Unavailable(f"{redact(url)}: HTTP {answer.status}")
    if not isinstance(answer.body, dict) or not isinstance(answer.body.get("incidents"), list):
        raise Unavailable(f"{redact(url)}: the answer is not a list of incidents")
    return answer.body


def _severity(item: dict[str, Any]) -> str:
    priority = item.get("priority")
    summary = priority.get("summary") if isinstance(priority, dict) else None
    if (
        isinstance(summary, str)
        and len(summary) == 2
        and summary[0] in "Pp"
        and summary[1] in "12345"
    ):
        return f"sev{summary[1]}"
    return "sev2" if item.get("urgency") == "high" else "sev4"


def incident_of(item: dict[str, Any], settings: IncidentSourceSettings) -> Incident:
    found = item.get("service")
    service: dict[str, Any] = found if isinstance(found, dict) else {}
    keys = [str(service.get(k)) for k in ("id", "summary") if isinstance(service.get(k), str)]
    name = next(
        (settings.services[k] for k in keys if k in settings.services), keys[-1] if keys else ""
    )
    resolved = item.get("resolved_at") or (
        item.get("last_status_change_at") if item.get("status") == "resolved" else None
    )
    number = item.get("incident_number")
    return Incident(
        f"PD-{number}"
        if isinstance(number, int) and not isinstance(number, bool)
        else f"PD-{item['id']}",
        (name,) if name else (),
        _severity(item),
        moment(str(item["created_at"])),
        moment(str(resolved)) if resolved else None,
        str(item.get("title") or "")[:500],
        postmortems_tracked=False,
    )


def fetch(settings: IncidentSourceSettings, place: Place) -> tuple[Incident, ...]:
    def page(offset: int) -> tuple[list[Any], bool]:
        body = _page(settings, offset)
        return body["incidents"], body.get("more") is True

    return read_pages("PagerDuty", page, lambda item: incident_of(item, settings))


def evidence(settings: IncidentSourceSettings) -> str:
    return f"PagerDuty {redact(settings.url or API)}"
