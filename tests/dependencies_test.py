"""The minimum-versions leg of CI installs exactly the lower bounds pyproject.toml states."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _version(text: str) -> tuple[int, ...]:
    """'4.18' and '4.18.0' name the same release."""
    parts = [int(p) for p in text.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def lower_bounds() -> dict[str, tuple[int, ...]]:
    """name -> lower bound of every runtime and test requirement in pyproject.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        return {}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"]) + list(project["optional-dependencies"]["test"])
    bounds = {}
    for requirement in requirements:
        match = re.search(r">=\s*([\w.]+)", requirement)
        assert match, f"{requirement!r} has no lower bound: the minimum-versions leg cannot pin it"
        bounds[_name(requirement)] = _version(match.group(1))
    return bounds


def pinned() -> dict[str, tuple[int, ...]]:
    pins = {}
    for line in (ROOT / "ci" / "minimum-versions.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[_name(name)] = _version(version.strip())
    return pins


def test_minimum_versions_file_pins_exactly_the_lower_bounds() -> None:
    bounds = lower_bounds()
    if bounds:
        assert pinned() == bounds


def test_ci_runs_both_legs_through_the_readme_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/test.sh" in readme and "scripts/test.sh" in ci
    assert "minimum-versions.txt" in ci and "venv" in ci


def test_a_missing_tool_is_named_in_one_line() -> None:
    """A machine without git (or pre-commit) gets one line saying what to install, not a traceback."""
    from conftest import require

    with pytest.raises(pytest.fail.Exception) as failed:
        require("no-such-tool-gate")
    assert (
        str(failed.value)
        == "no-such-tool-gate is not installed in this environment: run `bash scripts/test.sh`, which installs it"
    )
    require("git")
