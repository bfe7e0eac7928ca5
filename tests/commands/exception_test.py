"""`gate exception add` names the closest service or rule when one is misspelt (exit 2, the ledger untouched)."""

from __future__ import annotations

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
