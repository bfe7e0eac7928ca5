"""What incidents teach the risk model (gate/incidents/labels.py), on a real history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import GitRepo

from gate.git import Repo
from gate.incidents.labels import failures, recent
from gate.incidents.record import Incident, incident_of
from gate.risk.history import stream


def _at(repo: GitRepo, message: str, when: str) -> str:
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
        env_overrides={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
    )
    return repo.git("rev-parse", "HEAD")


def _incident(id: str, started: str, resolved: str | None, **more: Any) -> Incident:
    return incident_of(
        {
            "id": id,
            "services": ["pay"],
            "severity": "sev1",
            "started": started,
            "resolved": resolved,
            **more,
        }
    )


def test_blamed_commits_pull_requests_and_reverts_inside_the_window_failed(repo: GitRepo) -> None:
    repo.write("a.py", "1\n")
    blamed = _at(repo, "pay: cache", "2026-10-01T09:00:00Z")
    repo.write("b.py", "1\n")
    squashed = _at(repo, "pay: retries (#42)", "2026-10-02T09:00:00Z")
    repo.write("c.py", "1\n")
    rolled_back = _at(repo, "pay: pool size", "2026-10-03T09:00:00Z")
    repo.write("c.py", "0\n")
    _at(
        repo,
        f'Revert "pay: pool size"\n\nThis reverts commit {rolled_back}.',
        "2026-10-05T20:00:00Z",
    )
    repo.write("d.py", "1\n")
    calm = _at(repo, "pay: unrelated", "2026-10-10T09:00:00Z")
    repo.write("d.py", "0\n")
    _at(repo, f"Revert\n\nThis reverts commit {calm}.", "2026-10-20T09:00:00Z")  # no incident then
    commits = list(stream(Repo(repo.path), "--reverse", "HEAD", lines=False))
    incidents = [
        _incident(
            "INC-1",
            "2026-10-04T10:00:00Z",
            "2026-10-05T10:00:00Z",
            caused_by={"commits": [blamed[:9]], "pull_requests": [42]},
        ),
        _incident("INC-2", "2026-11-01T10:00:00Z", None),
    ]
    found = failures(incidents, commits)
    resolved = int(dt.datetime(2026, 10, 5, 10, tzinfo=dt.timezone.utc).timestamp())
    reverted_at = int(dt.datetime(2026, 10, 5, 20, tzinfo=dt.timezone.utc).timestamp())
    assert found == {blamed: resolved, squashed: resolved, rolled_back: reverted_at}
    assert calm not in found


def test_recent_incidents_of_a_service() -> None:
    incidents = [
        _incident("A", "2026-11-01T00:00:00Z", None),
        _incident("B", "2026-06-01T00:00:00Z", None),
        incident_of({"id": "C", "services": ["cart"], "severity": "sev2", "started": "2026-11-01"}),
    ]
    assert recent(incidents, ["pay"], dt.date(2026, 11, 24)) == 1
    assert recent(incidents, ["pay", "cart"], dt.date(2026, 11, 24), days=365) == 3
