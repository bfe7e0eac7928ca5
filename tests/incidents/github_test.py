"""The GitHub issues incident source (gate/incidents/github.py), against a local server speaking
GitHub's REST shapes: incidents and actions as labelled issues; faults are Unavailable, and the
tier decides whether that blocks."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from testing.incidents import Fleet, issue, use_source
from werkzeug import Request, Response

from gate.httpclient import Unavailable
from gate.incidents import Place
from gate.incidents.github import fetch
from gate.settings import IncidentSourceSettings

INCIDENTS = [
    issue(
        12,
        ("incident", "service:pay", "SEV1"),
        "Started: 2026-10-01T08:40:00Z\nPostmortem: https://wiki/pm-12\nPostmortem published: 2026-10-03\n",
        state="closed",
        closed="2026-10-01T11:00:00Z",
    ),
    issue(13, ("incident",), "no service label: not an incident gate can place"),
    issue(14, ("incident", "service:tools"), pull_request={"url": "https://x"}),  # a PR
]
ACTIONS = [
    issue(
        57,
        ("incident-action",),
        "Incident: #12",
        assignees=[{"login": "dana"}],
        milestone={"due_on": "2026-10-10T07:00:00Z"},
    ),
    issue(
        58,
        ("incident-action",),
        "Incident: acme/incidents#12\nDue: 2026-10-20",
        state="closed",
        closed="2026-10-19T10:00:00Z",
    ),
    issue(59, ("incident-action",), "Incident: #12"),  # no due date: not tracked
    issue(60, ("incident-action",), "Incident: #12\nDue: 2026-10-01", pull_request={"url": "x"}),
]
SETTINGS = IncidentSourceSettings(repository="acme/incidents", retries=0, timeout=2)
PLACE = Place("/nowhere", lambda path: False)


def serve(
    httpserver: Any, incidents: Any = INCIDENTS, actions: Any = ACTIONS
) -> IncidentSourceSettings:
    for label, body in (("incident", incidents), ("incident-action", actions)):
        httpserver.expect_request(
            "/repos/acme/incidents/issues",
            query_string={
                "labels": label,
                "state": "all",
                "sort": "created",
                "direction": "asc",
                "per_page": "100",
                "page": "1",
            },
        ).respond_with_json(body)
    return SETTINGS._replace(url=httpserver.url_for("").rstrip("/"))


def test_incidents_and_their_actions_from_labelled_issues(
    httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_token")
    (found,) = fetch(serve(httpserver), PLACE)
    assert (found.id, found.services, found.severity) == ("acme/incidents#12", ("pay",), "sev1")
    assert found.started.isoformat() == "2026-10-01T08:40:00+00:00"
    assert found.resolved is not None and found.resolved.hour == 11
    assert (found.postmortem_url, str(found.postmortem_published)) == (
        "https://wiki/pm-12",
        "2026-10-03",
    )
    assert [(a.id, a.owner, str(a.due), a.state, str(a.closed)) for a in found.actions] == [
        ("acme/incidents#57", "dana", "2026-10-10", "open", "None"),
        ("acme/incidents#58", "(unassigned)", "2026-10-20", "closed", "2026-10-19"),
    ]
    assert all(r.headers.get("Authorization") == "Bearer ghs_token" for r, _ in httpserver.log)


def test_no_repository_or_a_missing_token_variable_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="incidents.github.repository"):
        fetch(IncidentSourceSettings(), PLACE)
    with pytest.raises(Unavailable, match="NO_SUCH_VARIABLE"):
        fetch(SETTINGS._replace(token_env="NO_SUCH_VARIABLE"), PLACE)


def test_down_is_unavailable() -> None:
    with pytest.raises(Unavailable, match="GitHub issues of acme/incidents"):
        fetch(SETTINGS._replace(url="http://127.0.0.1:9"), PLACE)


def test_slow_is_unavailable(httpserver: Any) -> None:
    def slow(request: Request) -> Response:
        time.sleep(1.5)
        return Response("[]", content_type="application/json")

    httpserver.expect_request("/repos/acme/incidents/issues").respond_with_handler(slow)
    with pytest.raises(Unavailable):
        fetch(SETTINGS._replace(url=httpserver.url_for("").rstrip("/"), timeout=0.3), PLACE)


@pytest.mark.parametrize(
    "answer",
    [
        Response("<html>", status=200, content_type="text/html"),
        Response(
            json.dumps({"message": "Bad credentials"}), status=401, content_type="application/json"
        ),
        Response(json.dumps({"not": "a list"}), content_type="application/json"),
    ],
    ids=["not-json", "401", "not-a-list"],
)
def test_malformed_answers_are_unavailable(httpserver: Any, answer: Response) -> None:
    httpserver.expect_request("/repos/acme/incidents/issues").respond_with_response(answer)
    with pytest.raises(Unavailable):
        fetch(SETTINGS._replace(url=httpserver.url_for("").rstrip("/")), PLACE)


@pytest.mark.parametrize(
    "hostile",
    [
        {**INCIDENTS[0], "number": "12; rm -rf /"},
        {**INCIDENTS[0], "body": None, "created_at": "yesterday"},
        {**INCIDENTS[0], "labels": "incident"},
        {**INCIDENTS[0], "body": "Started: 2026-99-99"},
    ],
    ids=["number", "date", "labels", "body-date"],
)
def test_hostile_values_are_unavailable_not_a_crash(
    httpserver: Any, hostile: dict[str, Any]
) -> None:
    with pytest.raises(Unavailable, match="not an incident record"):
        fetch(serve(httpserver, incidents=[hostile]), PLACE)


def test_hostile_strings_are_kept_short_and_never_executed(httpserver: Any) -> None:
    huge = {
        **INCIDENTS[0],
        "title": "\x1b[31m" + "x" * 100_000,
        "body": "Postmortem: javascript:alert(1)\n" + "y" * 200_000,
    }
    (found,) = fetch(serve(httpserver, incidents=[huge], actions=[]), PLACE)
    assert len(found.title) == 500 and found.postmortem_url is None


def test_overdue_actions_from_github_block_and_a_commit_naming_the_issue_closes_one(
    fleet: Fleet, httpserver: Any
) -> None:
    serve(httpserver)
    use_source(
        fleet,
        "github",
        f"{{repository: acme/incidents, url: '{httpserver.url_for('').rstrip('/')}'}}",
    )
    fleet.repo.write("services/pay/src/app.py", "x = 1\n")
    fleet.repo.commit("feature")
    ((rule, severity, message),) = fleet.findings()
    assert (rule, severity) == ("actions-overdue", "error") and "acme/incidents#57" in message
    fleet.repo.git("reset", "-q", "--hard", "main")
    fleet.repo.write("services/pay/src/app.py", "x = 2\n")
    fleet.repo.commit("Cap retries\n\nCloses acme/incidents#57")
    assert fleet.findings() == []
