"""The one classification of a ledger entry, shared by `gate check`, `gate validate` and `gate exception list`."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from gate.waivers.model import LedgerEntry, expired_why, static_problems
from gate.waivers.records import State as State  # re-exported: states are decided here
from gate.waivers.trust import Approvals, problems


class Origin(enum.Enum):
    BASE = "base"  # the base branch's tip holds the very same entry: reviewed when it merged
    CHANGE = "change"  # the change adds or edits it: a claim under review


IN_FORCE = (State.ACTIVE, State.EXPIRING, State.PENDING)  # may waive a finding once authorised


@dataclass(frozen=True)
class Ledgers:
    """The trusted ledgers an entry of the judged ledger is compared with."""

    trusted: dict[str, LedgerEntry]  # the base branch's tip
    fork: dict[str, LedgerEntry]  # where the change forked from it

    @classmethod
    def of(cls, trusted: list[LedgerEntry], fork: list[LedgerEntry] | None = None) -> Ledgers:
        return cls(
            {e.id: e for e in trusted}, {e.id: e for e in (trusted if fork is None else fork)}
        )


@dataclass(frozen=True)
class Standing:
    entry: LedgerEntry
    state: State
    origin: Origin
    why: str
    expiring: bool = (
        False  # in force and ends within exceptions.expiring_days (a pending entry can be too)
    )


STALE_WHY = "revoked or edited on the base branch since this branch was cut; rebase"
PENDING_WHY = (
    "not on the base branch yet: applies once merged, or once approved on the pull request"
)


def classify(
    entry: LedgerEntry,
    ledgers: Ledgers,
    tiers: dict[str, int],
    approvals: Approvals,
    today: dt.date,
    every_service: bool = False,
) -> Standing:
    """An entry's state, in this order: stale, invalid, expired, pending, expiring, active.

    `tiers` are the services the caller knows (name -> tier); with `every_service` (list, validate:
    the whole catalog) a service missing from it is unknown. `check` knows the services it judges."""
    origin = Origin.BASE if entry.same_as(ledgers.trusted.get(entry.id)) else Origin.CHANGE
    if entry.duplicate_lines:  # before stale: which of the two a trusted ledger holds is moot
        return Standing(entry, State.INVALID, origin, static_problems(entry, today) or "")
    if origin is Origin.CHANGE and entry.same_as(ledgers.fork.get(entry.id)):
        return Standing(entry, State.STALE, origin, STALE_WHY)
    problem = problems(entry, tiers, approvals, today, every_service)
    if problem:
        return Standing(entry, State.INVALID, origin, problem)
    if entry.expires < today:
        return Standing(entry, State.EXPIRED, origin, expired_why(entry))
    expiring = (entry.expires - today).days <= approvals.settings.expiring_days
    if origin is Origin.CHANGE:
        return Standing(entry, State.PENDING, origin, PENDING_WHY, expiring)
    if expiring:
        return Standing(entry, State.EXPIRING, origin, f"expires on {entry.expires}", expiring)
    return Standing(entry, State.ACTIVE, origin, "")


def authorise(standing: Standing, approvals: Approvals) -> tuple[State, str]:
    """(APPLIED, "") when an entry in force may waive a finding of this run; else PENDING (an approval on
    the pull request would make it apply) or INVALID (nothing in this pull request can), with why."""
    entry = standing.entry
    if entry.pull_request is not None and (
        approvals.pr is None or approvals.pr.number != entry.pull_request
    ):
        return State.INVALID, f"scoped to pull request #{entry.pull_request}"
    if approvals.is_author(entry.approved_by):
        return State.INVALID, f"@{entry.approved_by} is the pull request's author"
    if standing.origin is Origin.CHANGE:
        missing = approvals.approved_on_head(entry.approved_by)
        if missing:
            return State.PENDING, missing
    return State.APPLIED, ""
