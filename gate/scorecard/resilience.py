"""The scorecard's disaster-recovery readiness: per tier, the services with recovery objectives
declared and every drill their tier asks for fresh; per service and drill kind, the latest drill's
age, failed and oldest first.

At the scorecard's revision (the default branch) each manifest's record is the trusted one; the
limits are the DR rules' own (gate.settings.ResilienceSettings, at the stricter of the service's
tier and its DR tier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from gate.resilience.record import Resilience, of
from gate.resilience.status import NONE, Exported
from gate.service import Service
from gate.settings import DRILL_KINDS, ResilienceSettings

TIERS = (0, 1, 2, 3)
STATES = ("failed", "missing", "stale", "fresh")  # worst first


def required(record: Resilience, tier: int, settings: ResilienceSettings) -> dict[str, int]:
    """Drill kind -> the age limit in days, for the kinds this service's tier asks for."""
    level = record.level(tier)
    return {
        kind: days
        for kind in DRILL_KINDS
        if (days := settings.days(kind, level)) is not None
        and (kind != "restore" or record.stateful)
    }


def drill_rows(
    service: Service, record: Resilience, settings: ResilienceSettings, today: dt.date
) -> list[dict[str, Any]]:
    """The latest drill of each kind the tier asks for or the service recorded."""
    limits = required(record, service.tier, settings)
    rows = []
    for kind in DRILL_KINDS:
        latest = record.latest(kind)
        if latest is None and kind not in limits:
            continue
        age = (today - latest.date).days if latest is not None and latest.date else None
        limit = limits.get(kind)
        if latest is not None and latest.result == "fail":
            state = "failed"
        elif age is None:
            state = "missing"
        elif limit is not None and age > limit:
            state = "stale"
        else:
            state = "fresh"
        rows.append(
            {
                "service": service.name,
                "tier": service.tier,
                "kind": kind,
                "date": latest.written if latest else None,
                "result": latest.result if latest else None,
                "age_days": age,
                "limit_days": limit,
                "state": state,
            }
        )
    return rows


def section(
    services: Sequence[Service],
    settings: ResilienceSettings,
    today: dt.date,
    exported: Exported = NONE,
) -> dict[str, Any]:
    """The scorecard's `resilience` section (schemas/scorecard.schema.json); `exported`: the drill
    status file's records (gate.resilience.status)."""
    per_service = []
    drills: list[dict[str, Any]] = []
    for service in services:
        if not service.parsed:
            continue
        record = of(service)
        record = record._replace(drills=record.drills + exported.drills.get(service.name, ()))
        rows = drill_rows(service, record, settings, today)
        drills += rows
        asked = set(required(record, service.tier, settings))
        per_service.append(
            (
                service.tier,
                record.rto is not None and record.rpo is not None,
                all(r["state"] == "fresh" for r in rows if r["kind"] in asked),
                any(r["state"] == "failed" for r in rows),
            )
        )
    tiers = []
    for tier in TIERS:
        mine = [s for s in per_service if s[0] == tier]
        n = len(mine)
        tiers.append(
            {
                "tier": tier,
                "services": n,
                "objectives": sum(1 for s in mine if s[1]),
                "objectives_share": round(sum(1 for s in mine if s[1]) / n, 4) if n else None,
                "drills_fresh": sum(1 for s in mine if s[2]),
                "drills_fresh_share": round(sum(1 for s in mine if s[2]) / n, 4) if n else None,
                "failed": sum(1 for s in mine if s[3]),
            }
        )
    drills.sort(
        key=lambda r: (
            STATES.index(r["state"]),
            -(r["age_days"] if r["age_days"] is not None else 10**6),
            r["tier"],
            r["service"],
            r["kind"],
        )
    )
    return {"tiers": tiers, "drills": drills}
