"""`gate validate`: every service at one revision, its verdict as the exit code, in any report format."""

from __future__ import annotations

import json
from typing import Any

from conftest import GitRepo


def test_every_service_is_judged_and_the_exit_code_is_the_verdict(
    example: GitRepo, gate_cli: Any
) -> None:
    code, out, err = gate_cli(
        "validate", "--repo", example.path, "--format", "json", "--as-of", "2026-11-22"
    )
    doc = json.loads(out)
    assert code == 1 and err == "" and doc["mode"] == "catalog"
    assert {s["name"] for s in doc["services"]} == {
        "admin-tools",
        "auth",
        "cart",
        "checkout",
        "notifications",
        "payments",
        "search",
    }
    assert doc["summary"]["blocked_services"] == ["notifications", "search"]


def test_an_unknown_revision_is_exit_2_naming_it(example: GitRepo, gate_cli: Any) -> None:
    code, out, err = gate_cli("validate", "--repo", example.path, "--rev", "no-such-branch")
    assert code == 2 and out == "" and "no-such-branch" in err and len(err.splitlines()) == 1
