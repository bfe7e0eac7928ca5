"""gate/snapshot.py: a tree's state is declared (never inferred from hidden attributes); a given
listing answers without git. (The check's I/O plan is tested in read_ahead_test.py.)"""

from __future__ import annotations

import pytest
from conftest import GitRepo

from gate.git import Repo
from gate.snapshot import Snapshot

MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: 1\nowners: {{team: t}}\nrunbook: docs/runbook.md\n"


def test_a_snapshot_has_only_its_declared_state(repo: GitRepo) -> None:
    """No module can hang state on a snapshot: what it knows is in its declared fields."""
    repo.write("a.txt", "a\n")
    snapshot = Snapshot(Repo(repo.path), repo.commit())
    with pytest.raises(AttributeError):
        snapshot.files_seen = {}  # type: ignore[attr-defined]  # the point: no such field, and no way to add one
    assert not hasattr(snapshot, "__dict__")
    assert (
        snapshot.listing is None
        and snapshot.entry("a.txt") is not None
        and snapshot.listing is None
    )  # one entry, no full listing
    assert "a.txt" in snapshot.files and snapshot.listing is not None


def test_a_given_listing_answers_without_git(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("a.txt", "a\n")
    head = repo.commit()
    r = Repo(repo.path)
    listed = Snapshot(r, head)
    given = Snapshot(r, head, listing=dict(listed.files))
    monkeypatch.setattr(Repo, "run", lambda *a, **k: pytest.fail(f"asked git {a[1:]}"))
    assert (
        given.entry("a.txt") == listed.entry("a.txt")
        and given.entry("b.txt") is None
        and given.read("a.txt") == b"a\n"
    )


def test_snapshot_is_imported_from_its_own_module_only() -> None:
    """The git layer keeps no alias for it (the `from gate.git import Snapshot` shim is gone)."""
    import gate.git

    assert not hasattr(gate.git, "Snapshot")
    with pytest.raises(ImportError):
        exec("from gate.git import Snapshot", {})


def test_under_a_directory_of_a_listed_tree(repo: GitRepo) -> None:
    """A listed tree answers `under` by bisection: exactly the files below the directory (not a
    sibling sharing its prefix, not the directory's namesake file), as a scan of the tree would."""
    for path in ("a/x", "a/b/y", "a-b/z", "ab/w", "a.txt", "b/a/v", "a0"):
        repo.write(path, path)
    r = Repo(repo.path)
    snap = Snapshot(r, repo.commit("tree"))
    assert snap.files and snap.listed
    for directory in ("a", "a/", "a/b", "b", "ab", "nothing"):
        prefix = directory.rstrip("/") + "/"
        assert snap.under(directory) == {
            p: e for p, e in snap.files.items() if p.startswith(prefix)
        }
    assert sorted(snap.under("a")) == ["a/b/y", "a/x"]
