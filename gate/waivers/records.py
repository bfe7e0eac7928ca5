"""The exception ledger's records: an entry, its state, and the report of every entry's fate.

Records only (the standard library below them), so gate/verdict.py, whose results carry them, names
them without importing the stages that make them (gate/waivers/model.py reads entries, state.py
classifies them, apply.py writes the report).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any, Literal


class State(enum.Enum):
    ACTIVE = "active"  # trusted (the base branch's tip has it as it is) and in force
    EXPIRING = "expiring"  # active, and ends within exceptions.expiring_days
    PENDING = "pending"  # added or edited by the change: applies once merged, or once approved on the pull request
    EXPIRED = "expired"  # past its expiry date: never applies; remove it
    INVALID = "invalid"  # no review can make it apply (placeholder reason, too long, approver not allowed, ...)
    STALE = "stale"  # revoked or edited on the base branch since the change forked: never applies; rebase
    APPLIED = "applied"  # (check only) in force and waiving a finding of this change


@dataclass(frozen=True)
class LedgerEntry:
    id: str
    services: tuple[str, ...]
    rules: tuple[str, ...]
    reason: str
    ticket: str
    requested_by: str
    approved_by: str
    created: dt.date
    expires: dt.date
    pull_request: int | None = None
    line: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    duplicate_lines: tuple[int | None, ...] = ()  # every line holding this id, when more than one

    def covers(self, service: str, rule: str) -> bool:
        return service in self.services and any(
            rule == r or (r in ("error-budget", "risk") and rule.startswith(r)) for r in self.rules
        )

    def summary(self) -> dict[str, Any]:
        """The entry as JSON (the report, `exception list` and `exception audit` all show it so)."""
        return {
            "id": self.id,
            "services": list(self.services),
            "rules": list(self.rules),
            "reason": self.reason,
            "ticket": self.ticket,
            "requested_by": self.requested_by,
            "approved_by": self.approved_by,
            "created": self.created.isoformat(),
            "expires": self.expires.isoformat(),
            "pull_request": self.pull_request,
        }

    def same_as(self, other: LedgerEntry | None) -> bool:
        """Same content, wherever it sits in the file (a line added above it does not make it new)."""
        return other is not None and other.raw == self.raw

    def lasts(self) -> int:
        """Calendar days the entry covers, both ends included (created 24th, expires 26th: 3 days)."""
        return (self.expires - self.created).days + 1


Provenance = Literal[
    "base", "change", "stale"
]  # stale: the change's copy of an entry the base branch revoked or edited since


@dataclass(frozen=True)
class Fate:
    """One entry's line in the report: what became of it in this run, and why."""

    entry: LedgerEntry
    origin: Provenance
    why: str | None = None  # None for an applied entry


@dataclass(frozen=True)
class WaiverReport:
    """Every entry of the judged ledger by fate (an expiring entry is also applied or pending)."""

    ledger: str  # the ledger's path
    applied: tuple[Fate, ...] = ()
    pending: tuple[Fate, ...] = ()
    expired: tuple[Fate, ...] = ()
    expiring: tuple[Fate, ...] = ()
    invalid: tuple[Fate, ...] = ()
    github_error: str | None = (
        None  # GitHub could not be asked: approvals and team memberships stay unverified
    )

    def by_state(self) -> list[tuple[State, Fate]]:
        """Every line of the report, in the order reports show them."""
        groups = (
            (State.APPLIED, self.applied),
            (State.PENDING, self.pending),
            (State.EXPIRING, self.expiring),
            (State.EXPIRED, self.expired),
            (State.INVALID, self.invalid),
        )
        return [(state, fate) for state, fates in groups for fate in fates]
