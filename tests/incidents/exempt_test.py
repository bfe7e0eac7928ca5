"""Which changes go through overdue incident items (gate/incidents/exempt.py): closing an action is
what the commits do, not what one of them says."""

from __future__ import annotations

import datetime as dt

from testing.incidents import Fleet

from gate.git import Repo
from gate.incidents.exempt import closing
from gate.incidents.record import Action

ACTIONS = (
    Action("PAY-311", "dana", dt.date(2026, 10, 10), "open"),
    Action("PAY-312", "dana", dt.date(2026, 10, 12), "open"),
    Action("PAY-300", "dana", dt.date(2026, 9, 1), "closed"),
)
APP = "services/pay/src/app.py"


def _closing(fleet: Fleet, changed: tuple[str, ...] = (APP,)) -> str | None:
    repo = Repo(fleet.repo.path)
    return closing(repo, repo.resolve("main"), repo.resolve("HEAD"), changed, ACTIONS)


def test_every_commit_that_changes_the_service_names_an_open_action(fleet: Fleet) -> None:
    fleet.repo.write(APP, "x = 1\n")
    sha = fleet.repo.commit("pay: cap retries\n\nCloses pay-311")
    fleet.repo.write(APP, "x = 2\n")
    fleet.repo.commit("Review: PAY-312 as well")
    fleet.repo.commit("an empty commit says nothing")
    assert (
        _closing(fleet)
        == f"closes PAY-312 (commit {fleet.repo.git('rev-parse', 'HEAD~1')[:12]}), PAY-311 (commit {sha[:12]})"
    )


def test_one_commit_that_names_nothing_is_another_change(fleet: Fleet) -> None:
    fleet.repo.write(APP, "x = 1\n")
    fleet.repo.commit("Closes PAY-311")
    fleet.repo.write(APP, "x = 2\n")
    fleet.repo.commit("feature")
    assert _closing(fleet) is None


def test_naming_without_changing_closes_nothing(fleet: Fleet) -> None:
    fleet.repo.commit("Closes PAY-311")
    assert _closing(fleet) is None
    assert _closing(fleet, ()) is None


def test_a_closed_action_or_a_lookalike_is_not_named(fleet: Fleet) -> None:
    fleet.repo.write(APP, "x = 1\n")
    fleet.repo.commit("Closes PAY-300, PAY-3111 and XPAY-311")
    assert _closing(fleet) is None


def test_a_side_branch_merged_in_is_still_read(fleet: Fleet) -> None:
    fleet.repo.git("checkout", "-q", "-b", "side", "main")
    fleet.repo.write(APP, "x = 3\n")
    fleet.repo.commit("feature on a side branch")
    fleet.repo.git("checkout", "-q", "change")
    fleet.repo.write("services/pay/src/other.py", "y = 1\n")
    fleet.repo.commit("Closes PAY-311")
    fleet.repo.git("merge", "-q", "--no-edit", "side")
    assert _closing(fleet, (APP, "services/pay/src/other.py")) is None
