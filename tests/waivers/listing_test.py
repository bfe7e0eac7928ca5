"""gate/waivers/listing.py: `gate exception list` reads the working tree's ledger and classifies each
entry against the base branch's tip and the fork point, as `gate check` would."""

from __future__ import annotations

import json
from typing import Any

from conftest import TODAY, GitRepo

from gate.waivers.listing import listing
from gate.waivers.state import State

CONFIG = "exceptions:\n  max_days: {1: 7}\n  groups:\n    release-managers: [rita]\n    directors: [dora]\n    vps: [victor]\n"
LEDGER = "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"


def _entry(
    id: str,
    created: str = "2026-11-23",
    expires: str = "2026-11-28",
    approved_by: str = "rita",
    service: str = "search",
) -> str:
    return (
        f"  - id: {id}\n    services: [{service}]\n    rules: [runbook-sections]\n    reason: Escalation contacts land with INC-77\n"
        f"    ticket: INC-77\n    requested_by: dana\n    approved_by: {approved_by}\n    created: {created}\n    expires: {expires}\n"
    )


def test_each_entry_gets_its_state_and_the_work_tree_is_what_is_listed(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.write(
        "exceptions.yaml", LEDGER + _entry("EXC-1") + _entry("EXC-2", "2026-11-10", "2026-11-12")
    )
    example.commit("ledger")
    # an uncommitted entry in the working tree is listed too: not on the base branch yet
    example.write(
        "exceptions.yaml",
        example.read("exceptions.yaml")
        + _entry("EXC-3", approved_by="mallory")
        + _entry("EXC-4", service="no-such-service"),
    )
    states = {s.entry.id: s.state for s in listing(example.path, "main", TODAY)}
    assert states["EXC-1"] == State.ACTIVE
    assert states["EXC-2"] == State.EXPIRED
    assert states["EXC-3"] == State.INVALID  # mallory is in no approver group
    assert states["EXC-4"] == State.INVALID  # listing judges every service the entry names


def test_an_entry_revoked_on_the_base_branch_since_the_fork_is_stale(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.write("exceptions.yaml", LEDGER + _entry("EXC-1"))
    example.commit("ledger")
    example.git("checkout", "-q", "-B", "change", "main")
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", LEDGER)
    example.commit("revoke EXC-1")
    example.git("checkout", "-q", "change")
    (standing,) = listing(example.path, "main", TODAY)
    assert standing.state == State.STALE and "revoked" in standing.why


def test_before_the_default_branch_adopts_gate_the_checked_out_branch_is_trusted(
    repo: GitRepo, gate_cli: Any
) -> None:
    """A fresh adoption: origin/HEAD has no gate yet, the branch adopting it has its config, a
    service and a ledger. `exception list` classifies the entries against that branch (active),
    not against a default branch where every entry would look pending; once main has adopted gate,
    main is trusted again."""
    repo.write("README.md", "old project\n")
    repo.commit("first")
    repo.git("update-ref", "refs/remotes/origin/HEAD", "HEAD")
    repo.branch("adopt-gate")
    repo.write(".gate.yaml", "version: 1\nexceptions:\n  groups:\n    release-managers: [rita]\n")
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\nowners: {team: a}\n",
    )
    repo.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        "  - {id: EXC-A, services: [svc], rules: [runbook-present], reason: Runbook lands with INC-5 next week,"
        " ticket: INC-5, requested_by: dana, approved_by: rita, created: '2026-11-20', expires: '2026-11-30'}\n",
    )
    repo.commit("adopt gate")
    args = ("exception", "list", "--repo", repo.path, "--as-of", "2026-11-24", "--format", "json")
    code, out, err = gate_cli(*args)
    assert code == 0, err
    assert [(e["id"], e["state"]) for e in json.loads(out)["exceptions"]] == [("EXC-A", "active")]
    repo.git("update-ref", "refs/remotes/origin/HEAD", "HEAD")
    repo.branch("feature", "adopt-gate")
    repo.write(
        "exceptions.yaml", repo.read("exceptions.yaml").replace("'2026-11-30'", "'2026-11-29'")
    )
    code, out, _ = gate_cli(*args)
    assert [(e["id"], e["state"]) for e in json.loads(out)["exceptions"]] == [("EXC-A", "pending")]
