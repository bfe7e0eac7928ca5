"""The code is formatted by ruff (100 columns) and passes its linter (pyflakes, pycodestyle,
isort, bugbear, pyupgrade), as configured in pyproject.toml: a violation fails the suite, so CI
fails on it. `ruff format` and `ruff check --fix` repair most of what these report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import require

from gate import yaml as gate_yaml

ROOT = Path(__file__).resolve().parent.parent


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_code_is_formatted() -> None:
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, f"run `ruff format`:\n{result.stdout}{result.stderr}"


def test_the_linter_is_clean() -> None:
    result = _ruff("check", "--output-format", "concise", ".")
    assert result.returncode == 0, f"run `ruff check --fix`:\n{result.stdout}{result.stderr}"


def test_the_linter_can_fail(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("import os\nimport sys\n\nx = [i for i in range(3)  ]\n")
    checked = _ruff("check", "--no-cache", "--config", str(ROOT / "pyproject.toml"), str(tmp_path))
    assert checked.returncode == 1 and "F401" in checked.stdout, checked.stdout + checked.stderr
    formatted = _ruff("format", "--check", "--config", str(ROOT / "pyproject.toml"), str(tmp_path))
    assert formatted.returncode == 1, formatted.stdout + formatted.stderr


def test_the_contributors_hooks_are_valid_and_run_the_same_tools() -> None:
    """`.pre-commit-config.yaml` runs ruff check, ruff format and mypy, from the development
    environment, so a contributor's commit is checked as CI checks it."""
    require("pre-commit")
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", ".pre-commit-config.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    config = gate_yaml.load((ROOT / ".pre-commit-config.yaml").read_text(), "config").data
    hooks = {hook["id"]: hook["entry"] for repo in config["repos"] for hook in repo["hooks"]}
    assert hooks == {
        "ruff": "ruff check --fix --force-exclude",
        "ruff-format": "ruff format --force-exclude",
        "mypy": "python -m mypy",
    }
