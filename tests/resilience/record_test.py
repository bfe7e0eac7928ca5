"""The resilience record (gate/resilience/record.py): one record from the manifest's block and its
legacy rollback.last_tested."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gate.catalog import Service
from gate.resilience.record import Drill, Resilience, of


def service(data: dict[str, Any], tier: int = 1) -> Service:
    return Service("s", "s/", "s/service.yaml", tier, {"tier": tier, **data}, None)


def test_the_block_and_the_legacy_date_become_one_record() -> None:
    record = of(
        service(
            {
                "rollback": {"last_tested": "2026-10-01"},
                "resilience": {
                    "rto": "1h",
                    "rpo": "15m",
                    "dr_tier": 0,
                    "stateful": True,
                    "capacity": {"headroom_percent": 25, "peak_rps": 900},
                    "drills": [
                        {
                            "kind": "restore",
                            "date": "2026-09-01",
                            "result": "pass",
                            "evidence": "d.md",
                        },
                        {"kind": "nonsense", "date": "2026-09-01"},
                    ],
                },
            }
        )
    )
    assert (record.rto, record.rpo, record.dr_tier, record.stateful) == ("1h", "15m", 0, True)
    assert (record.headroom_percent, record.peak_rps, record.declared) == (25.0, 900.0, True)
    assert [(d.kind, d.written, d.result, d.legacy) for d in record.drills] == [
        ("restore", "2026-09-01", "pass", False),
        ("rollback", "2026-10-01", "pass", True),
    ]
    assert record.drills[1].describe() == "rollback.last_tested rollback drill of 2026-10-01 (pass)"


def test_no_block_is_an_empty_record() -> None:
    assert of(service({})) == Resilience()
    assert of(service({"resilience": "not a mapping"})) == Resilience()


def test_the_dr_tier_only_ever_makes_the_limits_stricter() -> None:
    assert Resilience(dr_tier=0).level(1) == 0
    assert Resilience(dr_tier=2).level(1) == 1
    assert Resilience().level(2) == 2


def test_latest_is_by_date_and_a_failure_wins_a_tie() -> None:
    def drill(date: str, result: str = "pass") -> Drill:
        return Drill("restore", date, result, None, "s/service.yaml")

    record = Resilience(
        drills=(drill("2026-01-01"), drill("2026-03-01"), drill("2026-03-01", "fail"), drill("x"))
    )
    latest = record.latest("restore")
    assert latest is not None and (latest.written, latest.result) == ("2026-03-01", "fail")
    assert latest.date == dt.date(2026, 3, 1) and drill("2026-02-30").date is None
    assert record.latest("failover") is None


def test_an_unknown_result_never_passes() -> None:
    record = of(
        service(
            {"resilience": {"drills": [{"kind": "failover", "date": "2026-01-01", "result": "ok"}]}}
        )
    )
    assert record.drills[0].result == "fail"
