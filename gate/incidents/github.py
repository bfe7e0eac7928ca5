"""GitHub issues source: incidents and their corrective actions as issues of one repository
(`incidents.github.repository`), read through GitHub's REST API (gate.github).

An incident is an issue labelled `incident` (incidents.github.labels.incident); the services it hit
are its `service:<name>` labels, its severity a `sev1`..`sev5` label (none: sev3); it started when
the issue was opened and was resolved when it was closed, unless its body says otherwise in lines
such as `Started: 2026-10-01T09:30Z`, `Resolved: ...`, `Postmortem: https://...` and
`Postmortem published: 2026-10-06`. A corrective action is an issue labelled `incident-action`
whose body names its incident (`Incident: #12`); its owner is its first assignee, its due date its
milestone's (or a `Due: 2026-11-01` line). Its id is `owner/repo#number`, which a commit closes by
naming it (`Closes acme/incidents#57`). A pull request GitHub lists among the issues is never an
incident or an action: the change under review could label itself.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

from gate.github import GitHubUnavailable, issues_labelled
from gate.httpclient import Unavailable
from gate.incidents import Place
from gate.incidents.record import SEVERITIES, Action, Incident, moment
from gate.settings import IncidentSourceSettings

LABELS = {"incident": "incident", "action": "incident-action", "service": "service:"}
_FIELD = re.compile(
    r"^[ \t]*(started|resolved|postmortem|postmortem published|incident|due|caused by)[ \t]*:[ \t]*(\S[^\r\n]{0,300})$",
    re.IGNORECASE | re.MULTILINE,
)
_REFERENCE = re.compile(r"(?:([A-Za-z0-9][\w.-]*/[\w.-]+))?#([0-9]{1,9})\b")
MAX_BODY = 65536


def _label(settings: IncidentSourceSettings, role: str) -> str:
    return settings.labels.get(role, LABELS.get(role, role))


def _where(settings: IncidentSourceSettings) -> tuple[str, str | None, str]:
    repository = settings.repository
    if not repository:
        raise Unavailable("no incident repository configured (incidents.github.repository)")
    url = settings.url or os.environ.get("GITHUB_API_URL") or "https://api.github.com"
    if settings.token_env:
        token = os.environ.get(settings.token_env)
        if not token:
            raise Unavailable(
                f"environment variable {settings.token_env} (incidents.github.token_env) is not set"
            )
    else:
        token = os.environ.get("GATE_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN")
    return url, token, repository


def _issues(settings: IncidentSourceSettings, label: str) -> list[dict[str, Any]]:
    url, token, repository = _where(settings)
    try:
        found = issues_labelled(
            url, token, repository, label, timeout=settings.timeout, retries=settings.retries
        )
    except GitHubUnavailable as e:
        raise Unavailable(f"GitHub issues of {repository}: {e}") from None
    return [i for i in found if "pull_request" not in i]


def _fields(issue: dict[str, Any]) -> dict[str, str]:
    body = issue.get("body")
    text = body[:MAX_BODY] if isinstance(body, str) else ""
    return {m.group(1).lower(): m.group(2).strip() for m in _FIELD.finditer(text)}


def _labels(issue: dict[str, Any]) -> list[str]:
    labels = issue.get("labels") or []
    if not isinstance(labels, list):
        raise TypeError("labels is not a list")
    return [str(label["name"]) for label in labels if isinstance(label, dict)]


def _id(repository: str, issue: dict[str, Any]) -> str:
    number = issue["number"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ValueError(f"issue number {number!r} is not a number")
    return f"{repository}#{number}"


def _text(value: Any, limit: int = 500) -> str:
    return value[:limit] if isinstance(value, str) else ""


def incident_of(issue: dict[str, Any], settings: IncidentSourceSettings) -> Incident | None:
    """The incident an issue records, or None when it names no service."""
    repository = str(settings.repository)
    labels = _labels(issue)
    prefix = _label(settings, "service")
    services = tuple(
        dict.fromkeys(
            name[len(prefix) :]
            for name in labels
            if name.startswith(prefix) and len(name) > len(prefix)
        )
    )
    if not services:
        return None
    lowered = {name.lower() for name in labels}
    severity = next((s for s in SEVERITIES if _label(settings, s).lower() in lowered), "sev3")
    fields = _fields(issue)
    closed = issue.get("closed_at") if issue.get("state") == "closed" else None
    resolved = fields.get("resolved") or closed
    postmortem = fields.get("postmortem", "")
    published = fields.get("postmortem published")
    caused = fields.get("caused by", "")
    return Incident(
        _id(repository, issue),
        services,
        severity,
        moment(fields.get("started") or str(issue["created_at"])),
        moment(str(resolved)) if resolved else None,
        _text(issue.get("title")),
        postmortem if postmortem.startswith("https://") else None,
        dt.date.fromisoformat(published[:10]) if published else None,
        caused_by_commits=tuple(re.findall(r"\b[0-9a-f]{7,40}\b", caused)),
        caused_by_pull_requests=tuple(int(n) for _, n in _REFERENCE.findall(caused)),
    )


def action_of(issue: dict[str, Any], settings: IncidentSourceSettings) -> tuple[str, Action] | None:
    """(the incident it belongs to, the action) for an action issue, or None without an incident or a due date."""
    repository = str(settings.repository)
    fields = _fields(issue)
    reference = _REFERENCE.search(fields.get("incident", ""))
    milestone = issue.get("milestone")
    due = (milestone.get("due_on") if isinstance(milestone, dict) else None) or fields.get("due")
    if reference is None or not due:
        return None
    incident = f"{reference.group(1) or repository}#{reference.group(2)}"
    assignees = [a.get("login") for a in issue.get("assignees") or () if isinstance(a, dict)]
    closed = issue.get("state") == "closed"
    return incident, Action(
        _id(repository, issue),
        _text(next((a for a in assignees if isinstance(a, str)), "(unassigned)"), 100),
        moment(str(due)).date(),
        "closed" if closed else "open",
        _text(issue.get("title")),
        moment(str(issue["closed_at"])).date() if closed and issue.get("closed_at") else None,
    )


def fetch(settings: IncidentSourceSettings, place: Place) -> tuple[Incident, ...]:
    issues = _issues(settings, _label(settings, "incident"))
    actions = _issues(settings, _label(settings, "action"))
    try:
        found = [i for i in (incident_of(issue, settings) for issue in issues) if i is not None]
        owned: dict[str, list[Action]] = {}
        for pair in (action_of(issue, settings) for issue in actions):
            if pair is not None:
                owned.setdefault(pair[0], []).append(pair[1])
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        raise Unavailable(
            f"GitHub issues of {settings.repository}: an issue is not an incident record ({type(e).__name__})"
        ) from None
    return tuple(i._replace(actions=tuple(owned.get(i.id, ()))) for i in found)


def evidence(settings: IncidentSourceSettings) -> str:
    return f"GitHub issues of {settings.repository or '(no repository configured)'} labelled {_label(settings, 'incident')!r}"
