"""The Opsgenie incident source (gate/incidents/opsgenie.py), against a local server speaking
Opsgenie's Incident API shapes (GET /v1/incidents: data, paging)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from werkzeug import Request, Response

from gate.httpclient import Unavailable
from gate.incidents import Place
from gate.incidents.opsgenie import fetch
from gate.settings import IncidentSourceSettings

PLACE = Place("/nowhere", lambda path: False)


def incident(tiny: str, **more: Any) -> dict[str, Any]:
    return {
        "id": f"8743a1b2-{tiny}",
        "tinyId": tiny,
        "message": f"Checkout latency ({tiny})",
        "status": "resolved",
        "tags": ["customer-facing"],
        "createdAt": "2026-10-01T10:00:00.000Z",
        "updatedAt": "2026-10-01T12:30:00.000Z",
        "priority": "P2",
        "ownerTeam": "payments",
        "impactedServices": ["svc-uuid-1"],
        "impactStartDate": "2026-10-01T09:50:00.000Z",
        "impactEndDate": "2026-10-01T11:50:00.000Z",
        **more,
    }


@pytest.fixture
def settings(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> IncidentSourceSettings:
    monkeypatch.setenv("OPSGENIE_API_KEY", "og-secret")
    return IncidentSourceSettings(
        url=httpserver.url_for("").rstrip("/"), retries=0, timeout=2, services={"svc-uuid-1": "pay"}
    )


def test_incidents_with_services_severity_and_impact_window(
    httpserver: Any, settings: IncidentSourceSettings
) -> None:
    first = [incident(str(n)) for n in range(100)]
    httpserver.expect_request(
        "/v1/incidents",
        # as a string: pytest-httpserver 1.0 drops a blank value ("query=") from a dict's match
        query_string="query=&offset=0&limit=100&sort=createdAt&order=asc",
    ).respond_with_json(
        {
            "data": first,
            "paging": {"next": "https://api.opsgenie.com/v1/incidents?offset=100"},
            "took": 0.1,
        }
    )
    last = [
        incident(
            "101", impactedServices=[], tags=["service:tools"], impactEndDate=None, status="closed"
        ),
        incident(
            "102", impactedServices=["unmapped"], priority="P9", status="open", impactEndDate=None
        ),
    ]
    httpserver.expect_request(
        "/v1/incidents",
        # as a string: pytest-httpserver 1.0 drops a blank value ("query=") from a dict's match
        query_string="query=&offset=100&limit=100&sort=createdAt&order=asc",
    ).respond_with_json({"data": last, "paging": {}, "took": 0.1})
    found = fetch(settings, PLACE)
    assert len(found) == 101  # 102 names no service gate knows
    assert (found[0].id, found[0].services, found[0].severity) == ("OG-0", ("pay",), "sev2")
    assert found[0].time_to_restore is not None and found[0].time_to_restore.seconds == 7200
    tools = found[-1]
    assert tools.services == ("tools",) and tools.resolved is not None and tools.resolved.hour == 12
    assert httpserver.log[0][0].headers["Authorization"] == "GenieKey og-secret"


def test_no_key_down_slow_or_malformed_is_unavailable(
    httpserver: Any, settings: IncidentSourceSettings
) -> None:
    with pytest.raises(Unavailable, match="MISSING_OG"):
        fetch(settings._replace(token_env="MISSING_OG"), PLACE)
    with pytest.raises(Unavailable):
        fetch(settings._replace(url="http://127.0.0.1:9"), PLACE)

    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_oneshot_request("/v1/incidents").respond_with_handler(slow)
    with pytest.raises(Unavailable):
        fetch(settings._replace(timeout=0.3), PLACE)
    for answer in (
        Response("<html>", content_type="text/html"),
        Response(json.dumps({"message": "Could not authenticate"}), status=422),
        Response(json.dumps({"data": {"id": 1}}), content_type="application/json"),
        Response(
            json.dumps({"data": [incident("1", impactStartDate="later", createdAt="never")]}),
            content_type="application/json",
        ),
    ):
        httpserver.clear()
        httpserver.expect_request("/v1/incidents").respond_with_response(answer)
        with pytest.raises(Unavailable):
            fetch(settings, PLACE)
