"""Types are the cheapest documentation: the package and its tests stay clean under `mypy --strict`
(pyproject's [tool.mypy]: no untyped defs or calls, no bare generics, no Any returned, no implicit
re-exports, no unused or unexplained `type: ignore`). CI runs this with the oldest mypy allowed and
the newest."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "gate", "tests"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
