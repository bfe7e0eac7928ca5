"""Fixtures build real git repositories in temporary folders (helpers in the `testing` package)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from testing.incidents import build_fleet

# Re-exported: test modules import these from conftest (new code imports testing.repo).
from testing.repo import (  # noqa: F401
    GIT_ENV,
    TODAY,
    GitRepo,
    build_example,
    copy_repo,
    gate_subprocess,
    new_repo,
    require,
)

__all__ = [
    "GIT_ENV",
    "TODAY",
    "GitRepo",
    "build_example",
    "copy_repo",
    "gate_subprocess",
    "new_repo",
    "require",
]  # what test modules import from here (mypy's strict mode reads only these as re-exported)

# The gate turns its caches off in CI unless told the runner is trusted; the suite runs the same
# everywhere (tests of that default set CI themselves).
os.environ["GATE_CACHE"] = "on"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    return new_repo(tmp_path / "repo")


@pytest.fixture
def fleet(tmp_path: Path) -> Any:
    """A tier-0 and a tier-2 service judged by the incident rules, incidents exported outside."""
    return build_fleet(tmp_path)


@pytest.fixture(scope="session")
def example_template(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """The demo monorepo, built once per session; tests get copies (`example`), never this one."""
    return build_example(tmp_path_factory.mktemp("example-template") / "example")


@pytest.fixture
def example(tmp_path: Path, example_template: GitRepo) -> GitRepo:
    """The bundled demo monorepo, committed on main, with a `change` branch checked out."""
    r = copy_repo(example_template, tmp_path / "example")
    r.branch("change")
    return r


@pytest.fixture
def gate_cli(capsys: pytest.CaptureFixture[str]) -> Any:
    """Run the gate's real entry point in-process: (exit code, stdout, stderr)."""
    from gate.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        with pytest.raises(SystemExit) as exit_info:
            main(list(args))
        out, err = capsys.readouterr()
        code = exit_info.value.code
        return (code if isinstance(code, int) else 0 if code is None else 2), out, err

    return run


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One real Prometheus for the session, serving generated SLI history on 127.0.0.1."""
    from testing.prometheus import Prometheus

    server = Prometheus(tmp_path_factory.mktemp("prometheus"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def httpserver_listen_address() -> tuple[str, int]:
    """pytest-httpserver on loopback only."""
    return ("127.0.0.1", 0)
