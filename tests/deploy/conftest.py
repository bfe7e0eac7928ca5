"""What the deploy tests share: a committed tree as a Snapshot, and a program on PATH standing in
for a renderer where the test is about gate's side of the process (its bounds and plumbing)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from testing.repo import GitRepo

from gate.git import Repo
from gate.snapshot import Snapshot

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: cart, labels: {app: cart}}
spec:
  replicas: 3
  template:
    metadata: {labels: {app: cart}}
    spec:
      containers:
        - name: server
          image: registry.example.com/cart:v1.2.3
"""


@pytest.fixture
def tree(repo: GitRepo) -> Any:
    """tree({path: text}) -> the Snapshot of a commit holding those files."""

    def build(files: dict[str, str]) -> Snapshot:
        for path, text in files.items():
            repo.write(path, text)
        return Snapshot(Repo(repo.path), repo.commit())

    return build


@pytest.fixture
def program(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """program(name, script) puts an executable shell script called `name` first on PATH."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")

    def put(name: str, script: str) -> None:
        path = folder / name
        path.write_text("#!/bin/sh\n" + script)
        path.chmod(path.stat().st_mode | stat.S_IEXEC)

    return put


@pytest.fixture
def no_renderers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH without kubectl or helm (git and sh stay reachable)."""
    folder = tmp_path / "plain-bin"
    folder.mkdir()
    for tool in ("git", "sh"):
        found = shutil.which(tool)
        assert found
        (folder / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(folder))
