"""`gate demo`: the bundled scenarios, each against its expected verdict, in a real process."""

from __future__ import annotations

from cli_test import _no_traceback
from conftest import gate_subprocess


def test_demo_in_a_subprocess_matches_every_expected_verdict() -> None:
    result = gate_subprocess("demo")
    assert result.returncode == 0, result.stderr
    _no_traceback(result.stderr)
    assert "Summary" in result.stdout and "(expected" not in result.stdout
    assert result.stdout.count("BLOCK ") >= 3 and "gate-config-changed" in result.stdout
