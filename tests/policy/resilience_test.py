"""The resilience check kinds (gate/policy/resilience.py) on manifests committed to a real
repository, with their limits keyed by tier from `.gate.yaml` (gate.settings.ResilienceSettings).
The default pack's examples (`gate test`) cover each rule's firing and quiet cases."""

from __future__ import annotations

from typing import Any

from conftest import TODAY, GitRepo
from testing.typed import present

from gate import config as gate_config
from gate.catalog import load_service
from gate.git import Repo
from gate.policy import kinds
from gate.policy.kinds import CheckContext
from gate.snapshot import Snapshot

HEAD = "apiVersion: gate/v1\nkind: Service\nname: shop\ntier: {tier}\nresilience:\n{block}"


def run(repo: GitRepo, kind: str, block: str, settings: str = "", tier: int = 1) -> list[str]:
    repo.write("svc/service.yaml", HEAD.format(tier=tier, block=block))
    rev = repo.commit("head")
    snap = Snapshot(Repo(repo.path), rev)
    config = (
        gate_config.parse(settings.encode(), ".gate.yaml") if settings else gate_config.Config()
    )
    ctx = CheckContext(head=snap, base=snap, today=TODAY, resilience=config.resilience)
    service = present(load_service(snap, "svc/service.yaml"))
    params: dict[str, Any] = {"drill": "gameday"} if kind == "drill_fresh" else {}
    return [p.message for p in kinds.KINDS[kind].fn(ctx, service, params)]


GAMEDAY = "  drills: [{kind: gameday, date: '2026-02-01', result: pass, evidence: 'https://x.example/g'}]\n"


def test_age_limits_come_from_the_tier_table_in_gate_yaml(repo: GitRepo) -> None:
    assert run(repo, "drill_fresh", GAMEDAY) == []  # 296 days: within tier 1's 365
    tighter = "resilience:\n  max_age_days:\n    gameday: {1: 90}\n"
    assert run(repo, "drill_fresh", GAMEDAY, tighter) == [
        "the latest gameday drill, 2026-02-01, is 296 days ago; tier 1 needs one within 90 days"
    ]
    off = "resilience:\n  max_age_days:\n    gameday: {0: null}\n"
    assert run(repo, "drill_fresh", "  drills: []\n", off, tier=0) == []


def test_objective_ceilings_and_headroom_by_tier(repo: GitRepo) -> None:
    block = "  rto: 2h\n  rpo: 1h\n  capacity: {headroom_percent: 15}\n"
    assert run(repo, "dr_objectives", block) == []
    assert run(repo, "dr_objectives", block, tier=0) == [
        "resilience.rto 2h is over the tier 0 ceiling of 1h",
        "resilience.rpo 1h is over the tier 0 ceiling of 15m",
    ]
    looser = "resilience:\n  rto: {0: 4h}\n  rpo: {0: 1h}\n  headroom_percent: {1: 10}\n"
    assert run(repo, "dr_objectives", block, looser, tier=0) == []
    assert run(repo, "capacity_headroom", block) == [
        "capacity headroom 15% is under the tier 1 minimum of 20%"
    ]
    assert run(repo, "capacity_headroom", block, looser) == []


def test_the_dr_tier_picks_the_limits(repo: GitRepo) -> None:
    assert run(repo, "dr_objectives", "  rto: 2h\n  rpo: 1h\n  dr_tier: 0\n") == [
        "resilience.rto 2h is over the DR tier 0 ceiling of 1h",
        "resilience.rpo 1h is over the DR tier 0 ceiling of 15m",
    ]


def test_a_failed_latest_drill_names_its_notes(repo: GitRepo) -> None:
    block = "  drills:\n    - {kind: loadtest, date: '2026-10-01', result: fail, evidence: 'https://x.example/l', notes: p99 tripled}\n"
    assert run(repo, "drill_failed", block) == [
        "the latest loadtest drill, 2026-10-01, failed: p99 tripled"
    ]
