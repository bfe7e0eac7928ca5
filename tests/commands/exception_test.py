"""`gate exception add` names the closest service or rule when one is misspelt (exit 2, the ledger untouched)."""

from __future__ import annotations

import json
from typing import Any

from conftest import GitRepo

ADD = (
    "--reason",
    "r",
    "--ticket",
    "T-1",
    "--requested-by",
    "dana",
    "--approved-by",
    "lee",
    "--days",
    "1",
)


def test_a_misspelt_service_or_rule_is_named(example: GitRepo, gate_cli: Any) -> None:
    before = (
        (example.root / "exceptions.yaml").read_bytes()
        if (example.root / "exceptions.yaml").exists()
        else None
    )
    code, _, err = gate_cli(
        "exception",
        "add",
        "--repo",
        example.path,
        "--service",
        "paymnts",
        "--rule",
        "runbook-present",
        *ADD,
    )
    assert code == 2 and "no service named 'paymnts' at HEAD; did you mean 'payments'?" in err, err
    code, _, err = gate_cli(
        "exception",
        "add",
        "--repo",
        example.path,
        "--service",
        "payments",
        "--rule",
        "runbok-present",
        *ADD,
    )
    assert (
        code == 2 and "unknown rule id 'runbok-present'; did you mean 'runbook-present'?" in err
    ), err
    after = (
        (example.root / "exceptions.yaml").read_bytes()
        if (example.root / "exceptions.yaml").exists()
        else None
    )
    assert after == before


def test_groups_lists_who_may_approve_what_per_tier(example: GitRepo, gate_cli: Any) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  max_days: {0: 2}\n  groups:\n    release-managers: [rita, '@acme/rm']\n"
        "    vps: [victor]\n  approvers:\n    error-budget: {0: [vps], 1: [vps]}\n",
    )
    example.commit("approvers")
    example.git("checkout", "-q", "change")  # the trusted tip's config decides, not the branch's
    code, out, err = gate_cli("exception", "groups", "--repo", example.path)
    assert code == 0, err
    assert out.splitlines()[:5] == [
        "who may approve an exception, as .gate.yaml at origin/HEAD says:"
        if "origin/HEAD" in out
        else "who may approve an exception, as .gate.yaml at main says:",
        "tier 0 (at most 2 days)",
        "  findings      vps: @victor",
        "  error-budget  vps: @victor",
        "  risk          vps: @victor",
    ]
    assert "tier 1 (at most 7 days)\n  findings      release-managers: @rita, @acme/rm\n" in out
    assert (
        "tier 2 (at most 14 days)\n  findings      release-managers: @rita, @acme/rm\n  error-budget  nobody configured\n"
        in out
    )
    code, out, _ = gate_cli("exception", "groups", "--repo", example.path, "--format", "json")
    tiers = json.loads(out)["tiers"]
    assert tiers[3]["approvers"]["findings"] == {"release-managers": ["rita", "@acme/rm"]}
