"""`gate risk calibrate|evaluate`: the risk model's commands."""

from __future__ import annotations

from typing import Any

from conftest import GitRepo


def test_risk_evaluate_with_too_little_history(example: GitRepo, gate_cli: Any) -> None:
    code, out, _ = gate_cli("risk", "evaluate", "--repo", example.path)
    assert (
        code == 0
        and "cannot evaluate: not enough labelled history (" in out
        and "need failed and unfailed changes on both sides" in out
    )
