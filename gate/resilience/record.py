"""The resilience record: a manifest's `resilience:` block and its legacy `rollback.last_tested`,
normalised once. Rules, risk and the scorecard read this record, never the manifest's fields."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from gate.settings import DRILL_KINDS

if TYPE_CHECKING:
    from gate.service import Service

RESULTS = ("pass", "fail", "partial")
LEGACY = "rollback.last_tested"


class Drill(NamedTuple):
    """One exercise as recorded: what, when, how it went, and where its report is."""

    kind: str  # one of settings.DRILL_KINDS
    written: str  # the date as written
    result: str  # pass | fail | partial
    evidence: str | None  # a path as the manifest writes it, or an https URL
    file: str  # where the record is written (a manifest, or an exported status file)
    line: int | None = None
    notes: str = ""
    legacy: bool = False  # read from rollback.last_tested (deprecated)

    @property
    def date(self) -> dt.date | None:
        try:
            return dt.date.fromisoformat(self.written)
        except ValueError:
            return None

    @property
    def key(self) -> tuple[str, str, str, str | None]:
        """What a pull request could claim: two records with one key are the same record."""
        return self.kind, self.written, self.result, self.evidence

    def describe(self) -> str:
        where = f"{LEGACY} " if self.legacy else ""
        return f"{where}{self.kind} drill of {self.written} ({self.result})"


class Resilience(NamedTuple):
    """A service's DR objectives, capacity and drills."""

    rto: str | None = None
    rpo: str | None = None
    dr_tier: int | None = None
    stateful: bool = False
    headroom_percent: float | None = None
    peak_rps: float | None = None
    drills: tuple[Drill, ...] = ()
    declared: bool = False  # the manifest has a resilience: block

    def level(self, tier: int) -> int:
        """The tier whose limits apply: the service's, or its DR tier when that is stricter."""
        return min(tier, self.dr_tier) if self.dr_tier is not None else tier

    def latest(self, kind: str) -> Drill | None:
        """The most recent drill of a kind with a calendar date (on one day, a failure first)."""
        dated = [d for d in self.drills if d.kind == kind and d.date is not None]
        if not dated:
            return None
        return max(dated, key=lambda d: (d.date, d.result == "fail"))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def drill_of(item: Any, file: str, line: int | None) -> Drill | None:
    """A drill record from its document form (a manifest's or a status file's); None when it is not
    one (the schema reports why)."""
    if not isinstance(item, dict) or item.get("kind") not in DRILL_KINDS:
        return None
    result = item.get("result")
    return Drill(
        str(item["kind"]),
        str(item.get("date", "")),
        result if result in RESULTS else "fail",  # an unknown result never passes
        _text(item.get("evidence")),
        file,
        line,
        str(item.get("notes") or ""),
    )


def of(service: Service) -> Resilience:
    """The record a manifest writes (the resilience: block, plus rollback.last_tested as a drill)."""
    block = service.get("resilience")
    block = block if isinstance(block, dict) else {}
    drills = [
        drill_of(item, service.manifest, service.line("resilience", "drills", index))
        for index, item in enumerate(service.items("resilience", "drills"))
    ]
    legacy = service.get("rollback", "last_tested")
    if legacy is not None:
        drills.append(
            Drill(
                "rollback",
                str(legacy),
                "pass",
                None,
                service.manifest,
                service.line("rollback", "last_tested"),
                legacy=True,
            )
        )
    found = block.get("capacity")
    capacity: dict[str, Any] = found if isinstance(found, dict) else {}
    dr_tier = block.get("dr_tier")
    return Resilience(
        _text(block.get("rto")),
        _text(block.get("rpo")),
        dr_tier if isinstance(dr_tier, int) and not isinstance(dr_tier, bool) else None,
        block.get("stateful") is True,
        _number(capacity.get("headroom_percent")),
        _number(capacity.get("peak_rps")),
        tuple(d for d in drills if d is not None),
        bool(block),
    )
