"""The scorecard's four keys and incident learning, per service, tier and team, with a 12-month trend.

- Deployment frequency and lead time for changes: from merges to the default branch (every
  first-parent commit is a deployment of the services its files belong to; its lead time runs from
  the first commit it brings to its commit time), or from release tags (`scorecard.deployments`:
  each tag deploys the changes since the previous one; their lead times run to the tag).
- Change failure rate: with an incident source, the deployments a later commit reverted or an
  incident names as its cause (`caused_by`: a commit, or a pull request a merge or squash subject
  names); without one, today's git-only estimate (reverts and later fixes, gate.scorecard.history).
  The section says which.
- Time to restore: from the incidents (started to resolved).
- Postmortem on-time rate (postmortems due by then, published within the tier's business days) and
  action closure rate (actions due by then, closed by their due date).

Each figure falls in the DORA performance band of the 2023 State of DevOps report's clusters (BANDS).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gate.git import Repo
from gate.incidents.record import Incident, add_business_days, pull_requests
from gate.reverts import reverted_ids
from gate.risk.history import Commit, stream
from gate.settings import IncidentSettings

HOUR, DAY = 3600, 86400
# DORA 2023 clusters: (band, the bound a value must meet); the first band whose bound holds.
BANDS: dict[str, tuple[tuple[str, float], ...]] = {
    "deployment": (
        ("elite", 1.0),
        ("high", 1 / 7),
        ("medium", 1 / 30),
    ),  # deployments per day, at least
    "lead_time": (("elite", DAY), ("high", 7 * DAY), ("medium", 30 * DAY)),  # seconds, at most
    "change_failure": (("elite", 0.05), ("high", 0.10), ("medium", 0.15)),  # share, at most
    "restore": (("elite", HOUR), ("high", DAY), ("medium", 7 * DAY)),  # seconds, at most
}


def band(kind: str, value: float | None) -> str | None:
    if value is None:
        return None
    for name, bound in BANDS[kind]:
        if (value >= bound) if kind == "deployment" else (value <= bound):
            return name
    return "low"


@dataclass
class Tally:
    """What happened in one period to one service (or, summed, to a tier, team or fleet)."""

    deployments: int = 0
    lead_seconds: list[int] = field(default_factory=list)
    failed: int = 0
    restore_seconds: list[int] = field(default_factory=list)
    postmortems_due: int = 0
    postmortems_on_time: int = 0
    actions_due: int = 0
    actions_on_time: int = 0

    def add(self, other: Tally) -> None:
        self.deployments += other.deployments
        self.lead_seconds += other.lead_seconds
        self.failed += other.failed
        self.restore_seconds += other.restore_seconds
        self.postmortems_due += other.postmortems_due
        self.postmortems_on_time += other.postmortems_on_time
        self.actions_due += other.actions_due
        self.actions_on_time += other.actions_on_time

    def figures(self, days: int) -> dict[str, Any]:
        per_day = self.deployments / days if days else 0.0
        lead = statistics.median(self.lead_seconds) if self.lead_seconds else None
        failure = round(self.failed / self.deployments, 4) if self.deployments else None
        restore = statistics.median(self.restore_seconds) if self.restore_seconds else None
        return {
            "deployments": self.deployments,
            "deployments_per_week": round(per_day * 7, 2),
            "deployment_band": band("deployment", per_day) if self.deployments else None,
            "lead_time_hours": None if lead is None else round(lead / HOUR, 1),
            "lead_time_band": band("lead_time", lead),
            "failed": self.failed,
            "change_failure_rate": failure,
            "change_failure_band": band("change_failure", failure),
            "incidents_restored": len(self.restore_seconds),
            "time_to_restore_hours": None if restore is None else round(restore / HOUR, 2),
            "time_to_restore_band": band("restore", restore),
            "postmortems_due": self.postmortems_due,
            "postmortems_on_time": self.postmortems_on_time,
            "postmortem_on_time_rate": _share(self.postmortems_on_time, self.postmortems_due),
            "actions_due": self.actions_due,
            "actions_closed_on_time": self.actions_on_time,
            "action_closure_rate": _share(self.actions_on_time, self.actions_due),
        }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


class Deployment:
    """One service deployed: when, the commits it carried, and their lead times (seconds)."""

    def __init__(
        self, when: int, service: str, leads: list[int], shas: set[str], subjects: str
    ) -> None:
        self.when, self.service, self.leads, self.shas, self.subjects = (
            when,
            service,
            leads,
            shas,
            subjects,
        )
        self.failed = False


Times = dict[str, tuple[tuple[str, ...], int, int]]  # sha -> (parents, author time, committer time)


def _introduced(sha: str, times: Times, line: set[str]) -> set[str]:
    """The commits a first-parent commit brings: itself and, for a merge, what its other parents
    reach off the first-parent line (bounded by the commits read)."""
    found, todo = {sha}, list(times.get(sha, ((), 0, 0))[0][1:])
    while todo and len(found) < 10_000:
        current = todo.pop()
        if current in found or current in line or current not in times:
            continue
        found.add(current)
        todo += list(times[current][0])
    return found


class Carried:
    """A first-parent change: the commits it brings, when the first was written, whose it is."""

    def __init__(
        self, change: Commit, times: Times, line: set[str], owner: Callable[[str], str | None]
    ) -> None:
        self.change = change
        self.shas = _introduced(change.sha, times, line)
        written = [times[s][1] for s in self.shas if s in times]
        self.first = min(written) if written else change.time
        self.when = times[change.sha][2] if change.sha in times else change.time
        self.services = {name for f in change.files if (name := owner(f.path)) is not None}


def deployments(
    repo: Repo, commit: str, since: int, owner: Callable[[str], str | None], tags: str | None = None
) -> tuple[list[Deployment], list[Carried]]:
    """Every deployment since `since` (per service, oldest first), and the first-parent changes read."""
    found = stream(repo, "--first-parent", f"--since=@{since}", commit, lines=False)
    changes = list(reversed(list(found)))
    times = repo.commit_times(commit, since - 90 * DAY)
    line = {c.sha for c in changes}
    carried = [Carried(c, times, line, owner) for c in changes]
    if tags is not None:
        return _tagged(repo.tags(tags), carried, since), carried
    return [
        Deployment(c.when, name, [max(0, c.when - c.first)], c.shas, c.change.message)
        for c in carried
        for name in sorted(c.services)
    ], carried


def _tagged(
    tags: list[tuple[str, str, int]], carried: list[Carried], since: int
) -> list[Deployment]:
    """Each release tag deploys the changes on the first-parent line since the previous tag."""
    position = {c.change.sha: i for i, c in enumerate(carried)}
    found: list[Deployment] = []
    start = 0
    for _, target, when in tags:
        end = position.get(target)
        if end is None or end < start:
            continue
        batch, start = carried[start : end + 1], end + 1
        if when < since:
            continue
        for name in sorted(set().union(*(c.services for c in batch))):
            mine = [c for c in batch if name in c.services]
            shas = set().union(*(c.shas for c in mine))
            subjects = "\n".join(c.change.message for c in mine)
            found.append(
                Deployment(when, name, [max(0, when - c.first) for c in mine], shas, subjects)
            )
    return found


def mark_failures(
    found: list[Deployment],
    carried: list[Carried],
    incidents: Sequence[Incident] | None,
    estimate: set[str],
) -> None:
    """A deployment failed when a later commit reverted one of its commits or an incident of its
    service names one of them (or its pull request) as the cause; without incidents, when the
    git-only estimate (`estimate`: reverts and later fixes) counts one of its commits."""
    reverted = {sha for c in carried for sha in reverted_ids(c.change.message)}
    for deployment in found:
        if any(
            s.startswith(r) or r.startswith(s)
            for s in deployment.shas
            for r in reverted
            if len(r) >= 7
        ):
            deployment.failed = True
        elif incidents is None:
            deployment.failed = bool(deployment.shas & estimate)
        else:
            deployment.failed = any(
                _caused(i, deployment) for i in incidents if deployment.service in i.services
            )


def _caused(incident: Incident, deployment: Deployment) -> bool:
    if any(s.startswith(c) for s in deployment.shas for c in incident.caused_by_commits):
        return True
    return bool(pull_requests(deployment.subjects) & set(incident.caused_by_pull_requests))


def incident_tally(
    tally: Tally,
    incidents: Iterable[Incident],
    tier: int,
    settings: IncidentSettings,
    start: dt.date,
    end: dt.date,
) -> None:
    """Restores, postmortems and actions of one service's incidents falling in [start, end]."""
    days = settings.postmortem_business_days.for_tier(tier)
    for incident in incidents:
        if incident.resolved is not None and start <= incident.resolved.date() <= end:
            tally.restore_seconds.append(
                int(incident.resolved.timestamp() - incident.started.timestamp())
            )
            if incident.postmortems_tracked and incident.severity in settings.postmortem_severities:
                due = add_business_days(incident.resolved.date(), days, settings.holidays)
                published = incident.postmortem_published
                if published is not None or due <= end:
                    tally.postmortems_due += 1
                    tally.postmortems_on_time += published is not None and published <= due
        for action in incident.actions:
            if start <= action.due <= end:
                tally.actions_due += 1
                tally.actions_on_time += action.closed_on_time()


class Unit:
    """A service as the section counts it."""

    def __init__(self, name: str, tier: int, team: str) -> None:
        self.name, self.tier, self.team = name, tier, team


def _period(
    units: list[Unit],
    found: list[Deployment],
    incidents: Sequence[Incident],
    settings: IncidentSettings,
    start: dt.date,
    end: dt.date,
) -> dict[str, Tally]:
    """Each service's tally over [start, end]."""
    tallies = {u.name: Tally() for u in units}
    low = int(dt.datetime.combine(start, dt.time(), dt.timezone.utc).timestamp())
    high = low + ((end - start).days + 1) * DAY
    for d in found:
        if low <= d.when < high and d.service in tallies:
            tally = tallies[d.service]
            tally.deployments += 1
            tally.lead_seconds += d.leads
            tally.failed += d.failed
    for unit in units:
        mine = [i for i in incidents if unit.name in i.services]
        incident_tally(tallies[unit.name], mine, unit.tier, settings, start, end)
    return tallies


def _rollups(units: list[Unit], tallies: dict[str, Tally], days: int) -> dict[str, Any]:
    def summed(names: Iterable[str]) -> dict[str, Any]:
        total = Tally()
        for name in names:
            total.add(tallies[name])
        return total.figures(days)

    teams = sorted({u.team for u in units})
    return {
        "fleet": summed(u.name for u in units),
        "tiers": {str(t): summed(u.name for u in units if u.tier == t) for t in (0, 1, 2, 3)},
        "teams": {team: summed(u.name for u in units if u.team == team) for team in teams},
    }


def section(
    repo: Repo,
    commit: str,
    today: dt.date,
    units: list[Unit],
    owner: Callable[[str], str | None],
    incidents: Sequence[Incident] | None,
    settings: IncidentSettings,
    months: list[dt.date],
    estimate: set[str],
    tags: str | None = None,
    window_days: int = 90,
) -> dict[str, Any]:
    """The scorecard's `delivery` section (schemas/scorecard.schema.json): the window's figures
    per service, tier, team and fleet, and one point per month in `months` (month ends)."""
    first = months[0].replace(day=1) if months else today - dt.timedelta(days=window_days)
    since = min(first, today - dt.timedelta(days=window_days - 1))
    start = int(dt.datetime.combine(since, dt.time(), dt.timezone.utc).timestamp())
    found, carried = deployments(repo, commit, start, owner, tags)
    mark_failures(found, carried, incidents, estimate)
    known = incidents or ()
    window = today - dt.timedelta(days=window_days - 1)
    now = _period(units, found, known, settings, window, today)
    current = _rollups(units, now, window_days)
    trend = []
    for end in months:
        tallies = _period(units, found, known, settings, end.replace(day=1), end)
        trend.append({"month": end.strftime("%Y-%m"), **_rollups(units, tallies, end.day)})
    return {
        "window_days": window_days,
        "deployments_from": f"release tags {tags}" if tags else "merges to the default branch",
        "change_failure_from": "reverts and incident-linked changes"
        if incidents is not None
        else "git-only estimate: reverts and later fixes (no incident source)",
        "fleet": current["fleet"],
        "tiers": [{"tier": int(t), **v} for t, v in current["tiers"].items()],
        "teams": [{"team": t, **v} for t, v in current["teams"].items()],
        "services": [
            {"name": u.name, "tier": u.tier, "team": u.team, **now[u.name].figures(window_days)}
            for u in units
        ],
        "trend": trend,
    }
