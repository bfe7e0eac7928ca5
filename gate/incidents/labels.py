"""What incidents teach the change-risk model: which past changes failed, and how many incidents a
service had lately. `gate risk calibrate` adds these labels to the ones git alone gives (reverts and
SZZ); the record is gate.incidents.record's, whichever source it came from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from gate.incidents.record import Incident, pull_requests
from gate.risk.history import Commit

DAY = 86400
# A revert made this long after an incident resolved still belongs to it (the rollback that ended it
# is often merged the next morning).
AFTERMATH = DAY


def _unique(prefix: str, by_prefix: dict[str, list[str]]) -> str | None:
    found = [sha for sha in by_prefix.get(prefix[:7], []) if sha.startswith(prefix)]
    return found[0] if len(found) == 1 else None


def failures(incidents: Iterable[Incident], commits: Sequence[Commit]) -> dict[str, int]:
    """Changes an incident shows failed, each with the time that became known: a commit (or the
    pull request a squash or merge subject names) the incident gives as its cause, known when the
    incident was resolved (or started, while open); and a commit reverted while an incident was
    open or within a day after it, known at the revert."""
    by_prefix: dict[str, list[str]] = {}
    by_pull_request: dict[int, list[str]] = {}
    for c in commits:
        by_prefix.setdefault(c.sha[:7], []).append(c.sha)
        for number in pull_requests(c.message):
            by_pull_request.setdefault(number, []).append(c.sha)
    failed: dict[str, int] = {}

    def mark(sha: str | None, when: int) -> None:
        if sha is not None:
            failed[sha] = min(when, failed.get(sha, when))

    windows = []
    for incident in incidents:
        start = int(incident.started.timestamp())
        end = int(incident.resolved.timestamp()) if incident.resolved is not None else None
        for prefix in incident.caused_by_commits:
            mark(_unique(prefix, by_prefix), end if end is not None else start)
        for number in incident.caused_by_pull_requests:
            for sha in by_pull_request.get(number, ()):
                mark(sha, end if end is not None else start)
        windows.append((start, (end if end is not None else start) + AFTERMATH))
    for c in commits:
        if c.reverts and any(low <= c.time <= high for low, high in windows):
            for short in c.reverts:
                mark(_unique(short, by_prefix), c.time)
    return failed


def recent(
    incidents: Iterable[Incident], names: Iterable[str], today: dt.date, days: int = 90
) -> int:
    """How many incidents hit a service (by any of its names) that started in the last `days` days."""
    wanted, since = set(names), today - dt.timedelta(days=days)
    return sum(1 for i in incidents if i.hits(wanted) and since < i.started.date() <= today)
