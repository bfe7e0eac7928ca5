"""The scorecard's disaster-recovery readiness (gate/scorecard/resilience.py): per tier, and the
drills most in need of a run first."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gate.resilience.record import Drill
from gate.resilience.status import Exported
from gate.scorecard.resilience import section
from gate.service import Service
from gate.settings import ResilienceSettings

TODAY = dt.date(2026, 11, 24)


def service(name: str, tier: int, resilience: dict[str, Any]) -> Service:
    data = {"name": name, "tier": tier, "resilience": resilience}
    return Service(name, f"{name}/", f"{name}/service.yaml", tier, data, None)


def drill(kind: str, date: str, result: str = "pass") -> dict[str, str]:
    return {"kind": kind, "date": date, "result": result, "evidence": "https://d.example/x"}


FLEET = [
    service(
        "payments",
        0,
        {
            "rto": "30m",
            "rpo": "5m",
            "drills": [
                drill("rollback", "2026-11-01"),
                drill("failover", "2026-05-01"),
                drill("gameday", "2026-09-01"),
                drill("loadtest", "2026-10-01"),
            ],
        },
    ),
    service(
        "checkout", 1, {"rto": "1h", "stateful": True, "drills": [drill("restore", "2026-01-01")]}
    ),
    service(
        "search", 1, {"rto": "1h", "rpo": "1h", "drills": [drill("loadtest", "2026-10-01", "fail")]}
    ),
]


def test_readiness_per_tier() -> None:
    tiers = section(FLEET, ResilienceSettings(), TODAY)["tiers"]
    assert tiers[0] == {
        "tier": 0,
        "services": 1,
        "objectives": 1,
        "objectives_share": 1.0,
        "drills_fresh": 1,
        "drills_fresh_share": 1.0,
        "failed": 0,
    }
    assert (
        tiers[1]["services"],
        tiers[1]["objectives"],
        tiers[1]["drills_fresh"],
        tiers[1]["failed"],
    ) == (2, 1, 0, 1)
    assert tiers[3]["objectives_share"] is None


def test_drills_failed_missing_then_oldest_first() -> None:
    drills = section(FLEET, ResilienceSettings(), TODAY)["drills"]
    order = [(d["service"], d["kind"], d["state"]) for d in drills]
    assert order[:5] == [
        ("search", "loadtest", "failed"),
        ("checkout", "gameday", "missing"),
        ("checkout", "loadtest", "missing"),
        ("checkout", "rollback", "missing"),
        ("search", "gameday", "missing"),
    ]
    stale = [d for d in drills if d["state"] == "stale"]
    assert [(d["service"], d["kind"], d["age_days"], d["limit_days"]) for d in stale] == [
        ("checkout", "restore", 327, 180)
    ]


def test_exported_drills_count() -> None:
    exported = Exported({"checkout": (Drill("restore", "2026-11-01", "pass", None, "/x.json"),)})
    drills = section(FLEET, ResilienceSettings(), TODAY, exported)["drills"]
    (restore,) = [d for d in drills if (d["service"], d["kind"]) == ("checkout", "restore")]
    assert (restore["date"], restore["state"]) == ("2026-11-01", "fresh")
