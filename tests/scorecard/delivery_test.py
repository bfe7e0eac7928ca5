"""The four keys and incident learning (gate/scorecard/delivery.py) on a hand-built history whose
figures were worked out by hand (the comments give the arithmetic); the demo's page shows them in
Chromium (tests/scorecard/page_test.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import GitRepo

from gate.git import Repo
from gate.incidents.record import incidents_of
from gate.scorecard.collect import month_ends
from gate.scorecard.delivery import Unit, band, section
from gate.settings import IncidentSettings

TODAY = dt.date(2026, 11, 24)  # the 90-day window is 2026-08-27 .. 2026-11-24
PAY, TOOLS = "services/pay/app.py", "services/tools/app.py"


def _at(repo: GitRepo, message: str, author: str, committer: str | None = None, *args: str) -> str:
    env = {"GIT_AUTHOR_DATE": author, "GIT_COMMITTER_DATE": committer or author}
    repo.git("add", "-A")
    repo.git("commit", "-q", "--allow-empty", "-m", message, *args, env_overrides=env)
    return repo.git("rev-parse", "HEAD")


@pytest.fixture
def history(repo: GitRepo) -> dict[str, str]:
    repo.write(PAY, "a = 0\n")
    repo.write(TOOLS, "b = 0\n")
    shas = {"initial": _at(repo, "fleet", "2026-06-01T09:00:00Z")}
    repo.git("checkout", "-q", "-b", "feature")
    repo.write(PAY, "a = 1\n")
    _at(repo, "pay: feature", "2026-08-30T10:00:00Z")  # written two days before it merges
    repo.git("checkout", "-q", "main")
    env = {"GIT_AUTHOR_DATE": "2026-09-01T10:00:00Z", "GIT_COMMITTER_DATE": "2026-09-01T10:00:00Z"}
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge pull request #7 from acme/feature",
        "feature",
        env_overrides=env,
    )
    repo.write(PAY, "a = 2\n")
    shas["six-hours"] = _at(repo, "pay: tweak", "2026-09-10T06:00:00Z", "2026-09-10T12:00:00Z")
    repo.write(TOOLS, "b = 1\n")
    shas["tools"] = _at(repo, "tools: feature", "2026-09-20T09:00:00Z")
    repo.write(PAY, "a = 3\n")
    shas["caused"] = _at(
        repo, "pay: retry budget (#42)", "2026-10-04T09:00:00Z", "2026-10-05T09:00:00Z"
    )
    repo.write(TOOLS, "b = 0\n")
    _at(
        repo,
        f'Revert "tools: feature"\n\nThis reverts commit {shas["tools"]}.',
        "2026-10-06T09:00:00Z",
    )
    repo.write(PAY, "a = 4\n")
    shas["late"] = _at(repo, "pay: small", "2026-11-20T09:00:00Z")
    return shas


INCIDENTS = {
    "schema": "gate.incidents/v1",
    "incidents": [
        {  # 3.5 h; caused by pull request 42; postmortem due Mon 2026-10-12, published the 9th
            "id": "INC-1",
            "services": ["pay"],
            "severity": "sev1",
            "started": "2026-10-05T10:00:00Z",
            "resolved": "2026-10-05T13:30:00Z",
            "postmortem": {"published": "2026-10-09"},
            "caused_by": {"pull_requests": [42]},
            "actions": [
                {
                    "id": "A-1",
                    "owner": "o",
                    "due": "2026-10-20",
                    "state": "closed",
                    "closed": "2026-10-18",
                },
                {
                    "id": "A-2",
                    "owner": "o",
                    "due": "2026-11-01",
                    "state": "closed",
                    "closed": "2026-11-05",
                },
                {"id": "A-3", "owner": "o", "due": "2026-11-30", "state": "open"},
            ],
        },
        {  # 30 min; resolved Mon 2026-11-02, postmortem due the 9th, none yet: late
            "id": "INC-2",
            "services": ["tools"],
            "severity": "sev2",
            "started": "2026-11-02T08:00:00Z",
            "resolved": "2026-11-02T08:30:00Z",
        },
        {  # July, outside the window: only the trend sees it (one hour: elite)
            "id": "INC-3",
            "services": ["pay"],
            "severity": "sev3",
            "started": "2026-07-01T08:00:00Z",
            "resolved": "2026-07-01T09:00:00Z",
        },
    ],
}


def owner(path: str) -> str | None:
    return path.split("/")[1] if path.startswith("services/") else None


def card(
    repo: GitRepo,
    incidents: Any = INCIDENTS,
    estimate: frozenset[str] = frozenset(),
    tags: str | None = None,
) -> dict[str, Any]:
    units = [Unit("pay", 0, "a"), Unit("tools", 2, "b")]
    found = incidents_of(incidents) if incidents is not None else None
    return section(
        Repo(repo.path),
        "main",
        TODAY,
        units,
        owner,
        found,
        IncidentSettings(),
        month_ends(TODAY, 12, None),
        set(estimate),
        tags,
    )


def test_the_window_per_service_as_worked_out_by_hand(
    repo: GitRepo, history: dict[str, str]
) -> None:
    dl = card(repo)
    pay, tools = dl["services"]
    # pay deployed 4 times (merge: 48 h, tweak: 6 h, caused: 24 h, late: 0 h); median (6 + 24) / 2 = 15 h
    assert (pay["deployments"], pay["deployments_per_week"], pay["deployment_band"]) == (
        4,
        0.31,
        "medium",
    )
    assert (pay["lead_time_hours"], pay["lead_time_band"]) == (15.0, "elite")
    # the change pull request 42 made is INC-1's cause: 1 of 4
    assert (pay["failed"], pay["change_failure_rate"], pay["change_failure_band"]) == (
        1,
        0.25,
        "low",
    )
    assert (pay["time_to_restore_hours"], pay["time_to_restore_band"]) == (3.5, "high")
    assert (pay["postmortems_due"], pay["postmortems_on_time"], pay["postmortem_on_time_rate"]) == (
        1,
        1,
        1.0,
    )
    # A-1 closed before its due date, A-2 after it; A-3 is not due yet
    assert (pay["actions_due"], pay["actions_closed_on_time"], pay["action_closure_rate"]) == (
        2,
        1,
        0.5,
    )
    # tools: its feature (reverted) and the revert; 2 in 90 days is less than monthly
    assert (tools["deployments"], tools["deployments_per_week"], tools["deployment_band"]) == (
        2,
        0.16,
        "low",
    )
    assert (tools["failed"], tools["change_failure_rate"]) == (1, 0.5)
    assert (tools["time_to_restore_hours"], tools["time_to_restore_band"]) == (0.5, "elite")
    assert (
        tools["postmortems_due"],
        tools["postmortems_on_time"],
        tools["postmortem_on_time_rate"],
    ) == (1, 0, 0.0)
    assert tools["action_closure_rate"] is None
    assert dl["change_failure_from"] == "reverts and incident-linked changes"


def test_tiers_teams_and_fleet_sum_the_services(repo: GitRepo, history: dict[str, str]) -> None:
    dl = card(repo)
    fleet = dl["fleet"]
    # leads 48, 6, 24, 0, 0, 0 h: median (0 + 6) / 2 = 3 h; restores 3.5 and 0.5 h: median 2 h
    assert (fleet["deployments"], fleet["deployments_per_week"], fleet["deployment_band"]) == (
        6,
        0.47,
        "medium",
    )
    assert (
        fleet["lead_time_hours"],
        fleet["change_failure_rate"],
        fleet["time_to_restore_hours"],
    ) == (3.0, 0.3333, 2.0)
    assert (fleet["postmortem_on_time_rate"], fleet["action_closure_rate"]) == (0.5, 0.5)
    assert [(t["tier"], t["deployments"]) for t in dl["tiers"]] == [(0, 4), (1, 0), (2, 2), (3, 0)]
    assert [(t["team"], t["deployments"], t["failed"]) for t in dl["teams"]] == [
        ("a", 4, 1),
        ("b", 2, 1),
    ]


def test_twelve_months_of_trend(repo: GitRepo, history: dict[str, str]) -> None:
    trend = {p["month"]: p for p in card(repo)["trend"]}
    assert list(trend)[0] == "2025-12" and list(trend)[-1] == "2026-11" and len(trend) == 12
    assert trend["2026-06"]["fleet"]["deployments"] == 2  # the first commit deploys both
    assert trend["2026-07"]["fleet"]["time_to_restore_hours"] == 1.0
    assert trend["2026-07"]["fleet"]["time_to_restore_band"] == "elite"
    september = trend["2026-09"]["fleet"]  # merge, tweak, tools' feature (later reverted)
    assert (september["deployments"], september["failed"]) == (3, 1)
    october = trend["2026-10"]
    assert (october["fleet"]["deployments"], october["fleet"]["failed"]) == (2, 1)
    assert october["fleet"]["action_closure_rate"] == 1.0  # A-1 was due in October
    assert october["teams"]["a"]["time_to_restore_hours"] == 3.5


def test_without_incidents_the_git_only_estimate_and_the_page_says_so(
    repo: GitRepo, history: dict[str, str]
) -> None:
    dl = card(repo, incidents=None, estimate=frozenset({history["six-hours"]}))
    pay = dl["services"][0]
    assert dl["change_failure_from"].startswith("git-only estimate")
    assert (
        pay["failed"] == 1 and pay["time_to_restore_hours"] is None
    )  # the fix-based estimate, no incidents


def test_release_tags_deploy_what_changed_since_the_previous_tag(
    repo: GitRepo, history: dict[str, str]
) -> None:
    env = {"GIT_COMMITTER_DATE": "2026-10-10T00:00:00Z"}
    repo.git(
        "tag",
        "-a",
        "-m",
        "v1",
        "v1.0.0",
        history["six-hours"],
        env_overrides={"GIT_COMMITTER_DATE": "2026-09-12T00:00:00Z"},
    )
    repo.git("tag", "-a", "-m", "v2", "v2.0.0", history["caused"], env_overrides=env)
    repo.git("tag", "not-a-release", history["late"])
    dl = card(repo, tags="v*")
    pay, tools = dl["services"]
    # v1.0.0 (09-12) deploys the first commit, the merge and the tweak: pay and tools;
    # v2.0.0 (10-10) the tools feature and pay's caused change
    assert (pay["deployments"], tools["deployments"]) == (2, 2)
    # pay's changes to their tag: first commit 06-01 09:00 -> 09-12 2463 h, merged feature 08-30
    # 10:00 -> 302 h, tweak 09-10 06:00 -> 42 h, caused 10-04 09:00 -> 10-10 135 h: median 218.5 h
    assert pay["lead_time_hours"] == 218.5
    assert dl["deployments_from"] == "release tags v*"


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        ("deployment", 2.0, "elite"),
        ("deployment", 1 / 7, "high"),
        ("deployment", 1 / 29, "medium"),
        ("deployment", 1 / 31, "low"),
        ("lead_time", 3600.0, "elite"),
        ("lead_time", 40 * 86400.0, "low"),
        ("change_failure", 0.05, "elite"),
        ("change_failure", 0.15, "medium"),
        ("change_failure", 0.16, "low"),
        ("restore", 3600.0, "elite"),
        ("restore", 3 * 86400.0, "medium"),
        ("restore", None, None),
    ],
)
def test_dora_bands(kind: str, value: float | None, expected: str | None) -> None:
    assert band(kind, value) == expected
