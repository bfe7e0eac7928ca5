"""Real git repositories in temporary folders: the builder every test shares."""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TODAY = dt.date(2026, 11, 24)

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Ada Author",
    "GIT_AUTHOR_EMAIL": "ada@example.com",
    "GIT_COMMITTER_NAME": "Ada Author",
    "GIT_COMMITTER_EMAIL": "ada@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_AUTHOR_DATE": "2026-11-01T12:00:00+00:00",
    "GIT_COMMITTER_DATE": "2026-11-01T12:00:00+00:00",
}


def require(tool: str) -> None:
    """Fail with one line naming what is missing, not a FileNotFoundError deep in a fixture."""
    found = (
        importlib.util.find_spec(tool.replace("-", "_")) is not None
        if tool in ("pre-commit", "mkdocs")  # Python packages: found where the interpreter is
        else shutil.which(tool)
    )
    if not found:
        pytest.fail(
            f"{tool} is not installed in this environment: run `bash scripts/test.sh`, which installs it",
            pytrace=False,
        )


class GitRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = str(root)

    def git(self, *args: str, env_overrides: dict[str, str] | None = None, **kw: Any) -> str:
        env = {**os.environ, **GIT_ENV, **(env_overrides or {})}
        result = subprocess.run(
            ["git", *args], cwd=self.root, env=env, capture_output=True, text=True, **kw
        )
        if result.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {result.stderr}")
        out: str = result.stdout.strip()
        return out

    def write(self, path: str, text: str | bytes) -> Path:
        file = self.root / path
        file.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            file.write_bytes(text)
        else:
            file.write_text(text, encoding="utf-8")
        return file

    def read(self, path: str) -> str:
        return (self.root / path).read_text(encoding="utf-8")

    def replace(self, path: str, old: str, new: str) -> None:
        text = self.read(path)
        assert old in text, f"{old!r} not in {path}"
        self.write(path, text.replace(old, new))

    def remove(self, path: str) -> None:
        self.git("rm", "-q", "-r", "--", path)

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")

    def branch(self, name: str, start: str = "main") -> None:
        self.git("checkout", "-q", "-b", name, start)


def new_repo(root: Path) -> GitRepo:
    """An empty repository on `main` at `root`."""
    require("git")
    root.mkdir(parents=True, exist_ok=True)
    r = GitRepo(root)
    r.git("init", "-q", "--initial-branch=main")
    return r


def copy_repo(source: GitRepo, root: Path) -> GitRepo:
    """A copy of a built repository (cheaper than building it again); the index is refreshed so
    git sees the copied files as unchanged."""
    shutil.copytree(source.root, root, symlinks=True)
    r = GitRepo(root)
    r.git("update-index", "-q", "--refresh")
    return r


def build_example(root: Path, today: dt.date = TODAY, history: bool = False) -> GitRepo:
    """The bundled demo monorepo at `root`, committed on main (with the fixed author and dates);
    with `history`, its year of commits too."""
    from gate import demo

    require("git")
    root.mkdir(parents=True, exist_ok=True)
    old = {k: os.environ.get(k) for k in GIT_ENV}
    os.environ.update(GIT_ENV)
    try:
        demo.build(root, today, history=history)
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return GitRepo(root)


def gate_subprocess(
    *args: str, cwd: str | None = None, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed console script's code path, in a separate process (tracebacks would show here)."""
    return subprocess.run(
        [sys.executable, "-c", "from gate.cli import main; main()", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )
