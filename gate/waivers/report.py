"""The waiver stage's report: every entry of the judged ledger by fate.

Records only, below gate/verdict.py (whose results carry them) and gate/waivers/apply.py (which
makes them), so the verdict names them without importing the stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gate.waivers.model import LedgerEntry
from gate.waivers.state import State

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
