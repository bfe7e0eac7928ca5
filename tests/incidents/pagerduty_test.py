"""The PagerDuty incident source (gate/incidents/pagerduty.py), against a local server speaking
PagerDuty's REST API v2 shapes (GET /incidents, offset paging, `more`)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from werkzeug import Request, Response

from gate.httpclient import Unavailable
from gate.incidents import Place
from gate.incidents.pagerduty import fetch
from gate.settings import IncidentSourceSettings

PLACE = Place("/nowhere", lambda path: False)


def incident(number: int, service: str = "PIJ90N7", **more: Any) -> dict[str, Any]:
    return {
        "id": f"PT{number}",
        "type": "incident",
        "incident_number": number,
        "title": f"The server is on fire ({number})",
        "created_at": "2026-10-06T21:30:42Z",
        "status": "resolved",
        "resolved_at": "2026-10-06T22:00:42Z",
        "urgency": "high",
        "service": {"id": service, "type": "service_reference", "summary": "Payments API"},
        "priority": {"id": "P53ZZH5", "type": "priority_reference", "summary": "P1"},
        **more,
    }


@pytest.fixture
def settings(httpserver: Any, monkeypatch: pytest.MonkeyPatch) -> IncidentSourceSettings:
    monkeypatch.setenv("PAGERDUTY_TOKEN", "pd-secret")
    return IncidentSourceSettings(
        url=httpserver.url_for("").rstrip("/"), retries=0, timeout=2, services={"PIJ90N7": "pay"}
    )


def pages(httpserver: Any, *bodies: list[dict[str, Any]]) -> None:
    for n, body in enumerate(bodies):
        more = n < len(bodies) - 1
        httpserver.expect_request(
            "/incidents", query_string=f"limit=100&offset={n * 100}&date_range=all&time_zone=UTC"
        ).respond_with_json(
            {"incidents": body, "limit": 100, "offset": n * 100, "more": more, "total": None}
        )


def test_incidents_across_pages_with_their_service_severity_and_times(
    httpserver: Any, settings: IncidentSourceSettings
) -> None:
    pages(
        httpserver,
        [
            incident(1),
            incident(
                2,
                priority=None,
                urgency="low",
                resolved_at=None,
                status="resolved",
                last_status_change_at="2026-10-07T00:00:00Z",
            ),
        ],
        [incident(3, service="PUNKNOWN", status="triggered", resolved_at=None)],
    )
    found = fetch(settings, PLACE)
    assert [(i.id, i.services, i.severity, i.resolved is not None) for i in found] == [
        ("PD-1", ("pay",), "sev1", True),
        ("PD-2", ("pay",), "sev4", True),
        ("PD-3", ("Payments API",), "sev1", False),
    ]
    assert found[0].time_to_restore is not None and found[0].time_to_restore.seconds == 1800
    assert not found[0].postmortems_tracked  # never postmortem-overdue
    request = httpserver.log[0][0]
    assert request.headers["Authorization"] == "Token token=pd-secret"
    assert "vnd.pagerduty+json;version=2" in request.headers["Accept"]


def test_no_token_down_slow_or_malformed_is_unavailable(
    httpserver: Any, settings: IncidentSourceSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(Unavailable, match="MISSING_PD"):
        fetch(settings._replace(token_env="MISSING_PD"), PLACE)
    with pytest.raises(Unavailable):
        fetch(settings._replace(url="http://127.0.0.1:9"), PLACE)

    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("{}", content_type="application/json")

    httpserver.expect_oneshot_request("/incidents").respond_with_handler(slow)
    with pytest.raises(Unavailable):
        fetch(settings._replace(timeout=0.3), PLACE)
    for answer in (
        Response("nope", content_type="text/plain"),
        Response(json.dumps({"error": {"message": "Unauthorized"}}), status=401),
        Response(json.dumps({"incidents": "all of them"}), content_type="application/json"),
        Response(
            json.dumps({"incidents": [incident(1, created_at="soon")]}),
            content_type="application/json",
        ),
        Response(
            json.dumps({"incidents": [incident(1, created_at=None)]}),
            content_type="application/json",
        ),
    ):
        httpserver.clear()
        httpserver.expect_request("/incidents").respond_with_response(answer)
        with pytest.raises(Unavailable):
            fetch(settings, PLACE)


def test_an_endless_more_is_not_followed_forever(
    httpserver: Any, settings: IncidentSourceSettings
) -> None:
    httpserver.expect_request("/incidents").respond_with_json(
        {"incidents": [incident(1)], "more": True}
    )
    with pytest.raises(Unavailable, match="not read in full"):
        fetch(settings, PLACE)
