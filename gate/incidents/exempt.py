"""Which changes to a service with overdue postmortems or corrective actions still go through: one
that closes an action, a verified revert, a reliability-only change (gate.budget.exempt's one
definition of each), or an approver's label (the same verified label the budget policy reads).

Closing an action is a claim the commits make, so it is held to what they do: every commit of the
change that changes the service's changed files names one of the service's open actions. A commit
that names an action and changes none of them (an empty commit) closes nothing, and a commit that
changes them without naming one is another change, which the block still holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from gate.budget.exempt import label_exemption, reliability_change, verified_revert
from gate.git import EMPTY, INDEX, Change, Repo
from gate.incidents.record import Action, named
from gate.settings import IncidentSettings
from gate.snapshot import Snapshot

MAX_PATHS = 2000  # a change larger than this closes no action by its messages alone


class UnderReview(NamedTuple):
    """The change the rules judge: its revisions (where it forked, its head, the trusted tip) and files."""

    repo: Repo
    base: str
    head: str
    trusted: str
    changes: list[Change]
    pull_request: Any = None  # gate.github.PullRequest, or None outside a pull request run


def closing(
    repo: Repo, base: str, head: str, changed: Sequence[str], actions: Sequence[Action]
) -> str | None:
    """'closes X (commit Y)' when every commit that changes `changed` names an open action of
    `actions`, and at least one does; None otherwise."""
    if head in (INDEX, EMPTY) or not changed or len(changed) > MAX_PATHS:
        return None
    by_key = {a.id.casefold(): a.id for a in actions if a.open}
    if not by_key:
        return None
    closes: dict[str, str] = {}
    for commit in repo.commits(base, head, sorted(changed)):
        ids = sorted(by_key[key] for key in named(commit.message) & by_key.keys())
        if not ids:
            return None  # this commit changes the service without closing anything
        for found in ids:
            closes.setdefault(found, commit.sha[:12])
    if not closes:
        return None
    return "closes " + ", ".join(f"{a} (commit {sha})" for a, sha in closes.items())


def exemption(
    change: UnderReview,
    settings: IncidentSettings,
    head: Snapshot,
    service: Any,
    changed: tuple[str, ...],
    actions: Sequence[Action],
    before: Snapshot | None = None,
) -> str | None:
    """Why a change to a service with overdue incident items may still go through, if it may."""
    exempt = settings.exempt
    if settings.closing_actions:
        found = closing(change.repo, change.base, change.head, changed, actions)
        if found:
            return found
    if exempt.reliability_only and reliability_change(
        head, changed, service, exempt.reliability_paths, before
    ):
        return "only reliability material changed"
    if exempt.reverts and change.head not in (INDEX, EMPTY) and change.base != EMPTY:
        found = verified_revert(
            change.repo, change.base, change.head, change.changes, change.trusted
        )
        if found:
            return found
    return label_exemption(exempt.labels, change.pull_request)
