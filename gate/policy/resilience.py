"""The resilience check kinds: DR objectives, drill freshness, failed drills, capacity headroom.

Each reads the resilience record that judges the service (gate.resilience.trust: the trusted tip's
drills plus what the change proved), and its limits by tier from `.gate.yaml`'s resilience:
section (gate.settings.ResilienceSettings), at the stricter of the service's tier and its DR tier.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from gate.budget.math import parse_duration
from gate.catalog import Problem, Service
from gate.resilience.record import Resilience
from gate.resilience.trust import DrillContext, judged
from gate.settings import DRILL_KINDS

if TYPE_CHECKING:
    import datetime as dt


class ResilienceContext(DrillContext, Protocol):
    """What the resilience kinds need of the check context (gate.policy.kinds.CheckContext): the
    record's judge's needs, and the run's day."""

    today: dt.date


def _tier(record: Resilience, service: Service) -> str:
    level = record.level(service.tier)
    return f"DR tier {level}" if level < service.tier else f"tier {level}"


def _line(service: Service, *path: Any) -> int | None:
    return service.line("resilience", *path) if service.get("resilience") else 1


def drill_fresh(ctx: ResilienceContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """The latest drill of a kind that passed (or partly passed) is within the tier's age limit."""
    found = judged(ctx, service)
    record, kind = found.record, params["drill"]
    if kind == "restore" and not record.stateful:
        return []  # nothing to restore
    days = ctx.resilience.days(kind, record.level(service.tier))
    if days is None:
        return []
    held = [d for d in record.drills if d.kind == kind and d.result != "fail" and d.date]
    latest = Resilience(drills=tuple(held)).latest(kind)
    why, tier = found.because(kind), _tier(record, service)
    if latest is None or latest.date is None:
        failed = any(d.kind == kind for d in record.drills)
        return [
            Problem(
                f"no {'passing ' if failed else ''}{kind} drill recorded; {tier} needs one within {days} days{why}",
                service.manifest,
                _line(service, "drills"),
            )
        ]
    age = (ctx.today - latest.date).days
    line = latest.line if latest.file == service.manifest and latest.line else _line(service)
    if age < 0:
        return [Problem(f"{latest.describe()} is in the future", service.manifest, line)]
    if age <= days:
        return []
    return [
        Problem(
            f"the latest {kind} drill, {latest.written}, is {age} days ago; {tier} needs one within {days} days{why}",
            service.manifest,
            line,
        )
    ]


def drill_failed(ctx: ResilienceContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """The most recent drill of each kind did not fail."""
    found = judged(ctx, service)
    problems = []
    for kind in DRILL_KINDS:
        latest = found.record.latest(kind)
        if latest is not None and latest.result == "fail":
            line = latest.line if latest.file == service.manifest and latest.line else 1
            notes = f": {latest.notes}" if latest.notes else ""
            problems.append(
                Problem(
                    f"the latest {kind} drill, {latest.written}, failed{notes}{found.because(kind)}",
                    service.manifest,
                    line,
                )
            )
    return problems


def dr_objectives(
    ctx: ResilienceContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    """RTO and RPO are declared and within the tier's ceilings."""
    record = judged(ctx, service).record
    level, tier = record.level(service.tier), _tier(record, service)
    problems = []
    for name, value, ceiling in (
        ("rto", record.rto, ctx.resilience.rto_max.for_tier(level)),
        ("rpo", record.rpo, ctx.resilience.rpo_max.for_tier(level)),
    ):
        if ceiling is None:
            continue
        if value is None:
            problems.append(
                Problem(
                    f"resilience.{name} is not set ({tier}: at most {ceiling})",
                    service.manifest,
                    _line(service),
                )
            )
        elif (parse_duration(value) or 0) > (parse_duration(ceiling) or 0):
            problems.append(
                Problem(
                    f"resilience.{name} {value} is over the {tier} ceiling of {ceiling}",
                    service.manifest,
                    _line(service, name),
                )
            )
    return problems


def capacity_headroom(
    ctx: ResilienceContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    """Capacity headroom is declared and at least the tier's minimum."""
    record = judged(ctx, service).record
    floor = ctx.resilience.headroom_percent.for_tier(record.level(service.tier))
    if floor is None:
        return []
    tier = _tier(record, service)
    if record.headroom_percent is None:
        return [
            Problem(
                f"resilience.capacity.headroom_percent is not set ({tier}: at least {floor:g}%)",
                service.manifest,
                _line(service),
            )
        ]
    if record.headroom_percent < floor:
        return [
            Problem(
                f"capacity headroom {record.headroom_percent:g}% is under the {tier} minimum of {floor:g}%",
                service.manifest,
                _line(service, "capacity", "headroom_percent"),
            )
        ]
    return []


_NONE: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
# name -> (check, JSON Schema of its parameters, summary): built into gate.policy.kinds.KINDS.
KINDS: dict[str, tuple[Any, dict[str, Any], str]] = {
    "drill_fresh": (
        drill_fresh,
        {
            "type": "object",
            "required": ["drill"],
            "additionalProperties": False,
            "properties": {"drill": {"enum": list(DRILL_KINDS)}},
        },
        "the latest passing drill of a kind (trusted record) is within the tier's age limit (resilience.max_age_days); restore only for stateful services",
    ),
    "drill_failed": (
        drill_failed,
        _NONE,
        "the most recent drill of each kind (trusted record) did not fail",
    ),
    "dr_objectives": (
        dr_objectives,
        _NONE,
        "resilience.rto and resilience.rpo are declared and within the tier's ceilings (resilience.rto, resilience.rpo)",
    ),
    "capacity_headroom": (
        capacity_headroom,
        _NONE,
        "resilience.capacity.headroom_percent is declared and at least the tier's minimum (resilience.headroom_percent)",
    ),
}
