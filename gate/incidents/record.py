"""The incident record: every source (an exported file, GitHub issues, PagerDuty, Opsgenie) is
normalised once into these, and rules, the scorecard and risk read them, never a source's format.
Also the business-day calendar the postmortem deadline is counted in."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

SEVERITIES = ("sev1", "sev2", "sev3", "sev4", "sev5")
SCHEMA = "gate.incidents/v1"
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/#-]*")
_PULL_REQUEST = re.compile(r"^Merge pull request #([0-9]+)\b|\(#([0-9]+)\)\s*$", re.M)


class Action(NamedTuple):
    """A corrective action: who owns it, when it is due, and whether (and by what) it was closed."""

    id: str
    owner: str
    due: dt.date
    state: str  # open | closed
    title: str = ""
    closed: dt.date | None = None
    closed_by_commit: str | None = None
    closed_by_pull_request: int | None = None

    @property
    def open(self) -> bool:
        return self.state != "closed"

    def days_past_due(self, today: dt.date) -> int:
        """How many days past due an open action is on `today` (0: not yet due, or closed)."""
        return max(0, (today - self.due).days) if self.open else 0

    def closed_on_time(self) -> bool:
        return not self.open and self.closed is not None and self.closed <= self.due


class Incident(NamedTuple):
    id: str
    services: tuple[str, ...]
    severity: str  # sev1 (most severe) .. sev5
    started: dt.datetime  # aware, UTC
    resolved: dt.datetime | None = None
    title: str = ""
    postmortem_url: str | None = None
    postmortem_published: dt.date | None = None
    actions: tuple[Action, ...] = ()
    caused_by_commits: tuple[str, ...] = ()
    caused_by_pull_requests: tuple[int, ...] = ()
    postmortems_tracked: bool = True  # False: the source knows no postmortems (PagerDuty, Opsgenie)

    def hits(self, names: Iterable[str]) -> bool:
        return any(name in self.services for name in names)

    @property
    def time_to_restore(self) -> dt.timedelta | None:
        return None if self.resolved is None else max(dt.timedelta(0), self.resolved - self.started)


def moment(text: str) -> dt.datetime:
    """An ISO 8601 date or time as an aware UTC time (a bare date is its midnight UTC; a time
    without a zone is UTC). Raises ValueError for what is no calendar moment."""
    text = text.strip()
    if len(text) == 10:
        day = dt.date.fromisoformat(text)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)
    value = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc)


def _date(value: Any) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(str(value))


def _action(item: dict[str, Any]) -> Action:
    closed_by = item.get("closed_by") or {}
    return Action(
        str(item["id"]),
        str(item["owner"]),
        dt.date.fromisoformat(str(item["due"])),
        "closed" if item["state"] == "closed" else "open",
        str(item.get("title") or ""),
        _date(item.get("closed")),
        closed_by.get("commit"),
        closed_by.get("pull_request"),
    )


def incident_of(item: dict[str, Any]) -> Incident:
    """One incident of a gate.incidents/v1 document (already schema-valid); ValueError for a date
    that is no calendar date."""
    postmortem = item.get("postmortem") or {}
    caused = item.get("caused_by") or {}
    resolved = item.get("resolved")
    return Incident(
        str(item["id"]),
        tuple(dict.fromkeys(str(s) for s in item["services"])),
        str(item["severity"]),
        moment(str(item["started"])),
        moment(str(resolved)) if resolved else None,
        str(item.get("title") or ""),
        postmortem.get("url"),
        _date(postmortem.get("published")),
        tuple(_action(a) for a in item.get("actions") or ()),
        tuple(caused.get("commits") or ()),
        tuple(caused.get("pull_requests") or ()),
    )


def incidents_of(document: dict[str, Any]) -> tuple[Incident, ...]:
    """Every incident of a schema-valid gate.incidents/v1 document."""
    return tuple(incident_of(item) for item in document["incidents"])


def named(text: str) -> set[str]:
    """The ids a text (a commit message) names, case-folded: whole tokens, a trailing full stop or
    colon not part of one (`Closes PAY-311.`)."""
    return {token.rstrip(".:").casefold() for token in _TOKEN.findall(text)}


def pull_requests(message: str) -> set[int]:
    """The pull requests a commit message's merge (`Merge pull request #N`) or squash (`... (#N)`)
    line names: how a change an incident blames by pull request is found in git."""
    return {int(a or b) for a, b in _PULL_REQUEST.findall(message)}


# -- business days --------------------------------------------------------------------------------


def business_days_after(start: dt.date, end: dt.date, holidays: Sequence[dt.date] = ()) -> int:
    """Business days d with start < d <= end: Monday to Friday, less `holidays` (sorted)."""
    days = (end - start).days
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    count = weeks * 5 + sum(
        1 for i in range(1, rest + 1) if (start + dt.timedelta(days=weeks * 7 + i)).weekday() < 5
    )
    low, high = bisect.bisect_right(holidays, start), bisect.bisect_right(holidays, end)
    return count - sum(1 for h in holidays[low:high] if h.weekday() < 5)


def add_business_days(start: dt.date, count: int, holidays: Sequence[dt.date] = ()) -> dt.date:
    """The day `count` business days after `start`."""
    day, left, off = start, count, set(holidays)
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and day not in off:
            left -= 1
    return day
