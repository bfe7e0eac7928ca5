"""The records every SLO reader produces (inline definitions, OpenSLO, Sloth): `SLO`, its calendar
window, `SLOProblem`; and `say`, how a user's value is quoted in their messages.

They sit below the readers (gate/budget/slo.py, openslo.py, sloth.py) and the sources that measure
them, so each imports the records without importing another reader.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gate.budget.math import CALENDAR_UNITS

WINDOW_PLACEHOLDER = "{{window}}"
SLI_KINDS = ("availability", "latency", "error-rate", "freshness", "durability", "throughput")
_KIND_LABELS = ("sli", "category", "sli_type", "type", "kind")


@dataclass(frozen=True)
class Calendar:
    """A calendar-aligned window: periods of `count` `unit`s from `start` (local time in `zone`)."""

    start: str  # 2022-01-01 12:00:00
    zone: str  # IANA name
    count: int
    unit: str  # m h d w M Q Y

    def nominal_seconds(self) -> int:
        return self.count * CALENDAR_UNITS[self.unit]

    def period(self, now: float) -> tuple[float, float]:
        """(start, end) epoch seconds of the period holding `now`."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.zone)
        origin = dt.datetime.fromisoformat(self.start).replace(tzinfo=zone)
        current = dt.datetime.fromtimestamp(now, zone)
        if self.unit in "MQY":
            months = self.count * {"M": 1, "Q": 3, "Y": 12}[self.unit]
            elapsed = (current.year - origin.year) * 12 + current.month - origin.month
            k = elapsed // months
            start = _add_months(origin, k * months)
            if start > current:
                k -= 1
                start = _add_months(origin, k * months)
            end = _add_months(origin, (k + 1) * months)
        else:
            step = dt.timedelta(seconds=self.nominal_seconds())
            k = (current.replace(tzinfo=None) - origin.replace(tzinfo=None)) // step
            start = (origin.replace(tzinfo=None) + k * step).replace(
                tzinfo=zone
            )  # wall-clock steps keep DST days whole
            end = (origin.replace(tzinfo=None) + (k + 1) * step).replace(tzinfo=zone)
        return start.timestamp(), end.timestamp()


def _add_months(origin: dt.datetime, months: int) -> dt.datetime:
    import calendar

    index = origin.year * 12 + origin.month - 1 + months
    year, month = divmod(index, 12)
    day = min(origin.day, calendar.monthrange(year, month + 1)[1])
    return origin.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class BurnAlert:
    """A burn-rate alert an SLO document declares (an OpenSLO AlertPolicy's burnrate condition)."""

    severity: str  # as written (page, ticket, critical, warning, ...)
    long: int | None  # lookbackWindow, seconds
    short: int | None  # alertAfter, seconds
    threshold: float | None  # the burn-rate factor
    name: str
    line: int | None


@dataclass(frozen=True)
class SLO:
    service: str
    name: str
    objective: float  # a fraction: 0.999
    window: int  # seconds (a calendar window: its nominal length)
    window_text: str
    budgeting: str  # occurrences | timeslices | ratiotimeslices
    source: str | None  # prometheus | file | http; None: the configured default
    good: str | None = None  # query templates with {{window}}
    bad: str | None = None
    total: str | None = None
    slice_window: int | None = None
    slice_target: float | None = None
    origin: str = ""
    line: int | None = None
    raw: str | None = None  # a precomputed ratio (OpenSLO ratioMetric.raw, Sloth sli.raw)
    raw_type: str | None = None  # success | failure
    threshold: str | None = (
        None  # an OpenSLO thresholdMetric query, compared per slice with op/value
    )
    op: str | None = None  # < <= > >=
    value: float | None = None
    calendar: Calendar | None = None
    alerts: tuple[str, ...] = (
        "page",
        "ticket",
    )  # which burn-rate alerts the definition keeps (Sloth can disable one)
    labels: tuple[tuple[str, str], ...] = ()
    spec: str = "gate"  # gate | openslo | sloth
    unmeasurable: str | None = (
        None  # why gate cannot query it (a status file or endpoint may still measure it)
    )
    burn_alerts: tuple[BurnAlert, ...] = ()  # the alert policies its own document declares
    sli_kind: str | None = None  # as written inline (`sli:`); a document's is read from it
    field_lines: tuple[tuple[str, int | None], ...] = ()  # objective, window: their own lines

    @property
    def sli(self) -> str | None:
        """What the SLO measures (availability, latency, ...): `sli:` inline; for a document, a
        label naming a kind (sli, category, type), else a kind named in the SLO's name."""
        if self.sli_kind is not None:
            return self.sli_kind
        for key, value in self.labels:
            if key.lower() in _KIND_LABELS and value.lower() in SLI_KINDS:
                return value.lower()
        words = self.name.lower().replace("_", "-")
        return next((kind for kind in SLI_KINDS if kind in words), None)

    def line_of(self, field: str) -> int | None:
        """The line of one of the SLO's fields (objective, window) in its document, else its own."""
        return dict(self.field_lines).get(field) or self.line

    @property
    def queries(self) -> tuple[object, ...]:
        """Everything that says which events are good: a dropped selector changes it."""
        return (
            self.good,
            self.bad,
            self.total,
            self.raw,
            self.raw_type,
            self.threshold,
            self.op,
            self.value,
        )

    @property
    def templates(self) -> tuple[tuple[str, str], ...]:
        """(which, `{{window}}` template) of each PromQL query the SLO is measured with."""
        written = (
            ("total", self.total),
            ("good", self.good),
            ("bad", self.bad),
            ("ratio", self.raw),
            ("threshold", self.threshold),
        )
        return tuple((which, template) for which, template in written if template)

    @property
    def objective_percent(self) -> str:
        return f"{self.objective * 100:.10g}%"

    @property
    def measured(self) -> bool:
        """Has queries Prometheus can answer."""
        return bool(self.total or self.raw or self.threshold)


@dataclass(frozen=True)
class SLOProblem:
    message: str
    file: str
    line: int | None
    unsupported: bool = False  # a valid definition the gate cannot measure, vs an invalid one


def say(value: Any) -> str:
    """A user's value in a message, as they would write it in YAML (never a Python repr)."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 80 else f"'{value[:77]}...'"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
