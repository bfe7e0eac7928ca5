"""gate/read_ahead.py: the check's I/O plan reads everything judging will ask in a fixed number of
git round trips per side (not per service), then nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import GitRepo

from gate.git import Repo
from gate.ownership import Ownership
from gate.read_ahead import read_ahead
from gate.snapshot import Snapshot

MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: 1\nowners: {{team: t}}\nrunbook: docs/runbook.md\n"


def _counting(r: Repo, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Every git process (and cat-file round trip) the repository is asked for, from now on."""
    asked: list[Any] = []
    run, blobs = r.run, r.blobs

    def counted_run(*args: str, **kw: Any) -> bytes:
        asked.append(args)
        return run(*args, **kw)

    def counted_blobs(shas: list[str]) -> dict[str, bytes]:
        asked.append(("blobs", *shas))
        return blobs(shas)

    monkeypatch.setattr(r, "run", counted_run)
    monkeypatch.setattr(r, "blobs", counted_blobs)
    return asked


def test_read_ahead_says_what_it_read_and_judging_asks_no_more(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("a", "b"):
        repo.write(f"services/{name}/service.yaml", MANIFEST.format(name=name))
        repo.write(f"services/{name}/docs/runbook.md", "# runbook\n")
        repo.write(f"services/{name}/src/x.py", "x\n")
    repo.write(".gate.yaml", "version: 1\n")
    base = repo.commit("base")
    repo.write("services/a/src/x.py", "y\n")
    repo.replace("services/b/service.yaml", "tier: 1", "tier: 2")
    head = repo.commit("head")
    r = Repo(repo.path)
    changes = r.changes(base, head)
    base_snap = Snapshot(r, base)
    head_snap = Snapshot(r, head).after(base_snap, changes)
    owners = Ownership(
        touched={
            "services/a/service.yaml": ["services/a/src/x.py"],
            "services/b/service.yaml": ["services/b/service.yaml"],
        }
    )
    asked = _counting(r, monkeypatch)
    plan = read_ahead(changes, owners, [".gate.yaml", "exceptions.yaml"], base_snap, head_snap)
    assert plan.head_sources == ("services/a/service.yaml", "services/b/service.yaml")
    assert plan.documents == ("services/a/docs/runbook.md", "services/b/docs/runbook.md")
    assert plan.base_sources == plan.head_sources
    assert [a[1] if a[0] != "blobs" else "blobs" for a in asked] == [
        "ls-tree",
        "blobs",
        "ls-tree",
        "blobs",
        "blobs",
    ], asked  # per side, not per service
    asked.clear()
    for snapshot in (
        base_snap,
        head_snap,
    ):  # what the judging stages will ask: answered from memory
        for path in (*plan.entries, *plan.head_sources):
            snapshot.entry(path)
    for path in (*plan.head_sources, *plan.documents):
        head_snap.read(path)
    for path in plan.base_sources:
        base_snap.read(path)
    assert asked == []
    assert (
        head_snap.listing is None and base_snap.listing is None
    )  # and neither tree was listed in full
