"""The real pre-commit framework installs this project's hook and runs it at commit time."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GIT_ENV, GitRepo, require

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> str:
    require("pre-commit")
    return str(tmp_path_factory.mktemp("pre-commit-home"))


def git_commit(repo: GitRepo, home: str, message: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **GIT_ENV,
        "PRE_COMMIT_HOME": home,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_hook_rejects_a_bad_commit_and_accepts_a_good_one(
    example: GitRepo, pre_commit_home: str
) -> None:
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    example.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: gate\n",
    )
    example.commit("add pre-commit config")
    env = {**os.environ, "PRE_COMMIT_HOME": pre_commit_home}
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-commit"],
        cwd=example.root,
        env=env,
        check=True,
        capture_output=True,
    )

    example.write("services/search/src/query.py", "x = 1\n")
    example.git("add", "-A")
    rejected = git_commit(example, pre_commit_home, "search change")
    output = rejected.stdout + rejected.stderr
    assert rejected.returncode != 0, output
    assert (
        "runbook-sections" in output and "gate reliability check" in output and "Failed" in output
    )

    example.write(
        "services/search/docs/runbook.md",
        example.read("services/search/docs/runbook.md") + "\n## Escalation\nsre-oncall\n",
    )
    example.git("add", "-A")
    accepted = git_commit(example, pre_commit_home, "search change with a complete runbook")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Passed" in accepted.stdout + accepted.stderr


def test_warnings_on_a_passing_commit_are_shown_with_the_hooks_defaults(
    example: GitRepo, pre_commit_home: str
) -> None:
    """Issue 21 item 15: pre-commit hides a passing hook's output unless the hook is verbose."""
    rev = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    example.write(
        ".pre-commit-config.yaml",
        f"repos:\n  - repo: {ROOT}\n    rev: {rev}\n    hooks:\n      - id: gate\n",
    )
    example.commit("add pre-commit config")
    env = {**os.environ, "PRE_COMMIT_HOME": pre_commit_home}
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install", "--hook-type", "pre-commit"],
        cwd=example.root,
        env=env,
        check=True,
        capture_output=True,
    )
    example.write(
        "scripts/cleanup.sh", "echo tidy\n"
    )  # a file no service owns: a warning, not a block
    example.git("add", "-A")
    accepted = git_commit(example, pre_commit_home, "a helper script")
    output = accepted.stdout + accepted.stderr
    assert accepted.returncode == 0, output
    assert (
        "Passed" in output
        and "gate: WARN" in output
        and "unowned-change" in output
        and "scripts/cleanup.sh" in output
    )
