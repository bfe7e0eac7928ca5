"""`gate explain`: what a rule is, from the repository's packs or the built-in defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import GitRepo


def test_explain_pack_rule_and_builtin(gate_cli: Any, example: GitRepo) -> None:
    code, out, _ = gate_cli("explain", "rollback-tested", "--repo", example.path)
    assert code == 0
    assert out.startswith("rollback-tested: Rollback was tested recently")
    assert "severity: tier 0: error, tier 1: warning" in out
    assert (
        'tier 0 parameters: {"drill": "rollback"}' in out
        and "resilience.max_age_days.rollback" in out
    )
    code, out, _ = gate_cli("explain", "gate-config-changed")
    assert code == 0 and "base revision" in out


def test_explain_outside_a_repository_uses_defaults(gate_cli: Any, tmp_path: Path) -> None:
    code, out, _ = gate_cli("explain", "runbook-sections", "--repo", str(tmp_path))
    assert code == 0 and "markdown_sections" in out
