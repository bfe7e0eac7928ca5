"""The patch text reader: added and deleted lines per file, whatever the lines themselves say."""

from __future__ import annotations

from conftest import GitRepo

from gate.git import Repo
from gate.risk.patch import parse


def test_added_and_deleted_lines_by_file(repo: GitRepo) -> None:
    repo.write("a.py", "keep\nold\n")
    repo.write("gone.txt", "bye\n")
    base = repo.commit("base")
    repo.write("a.py", "keep\nnew\n-- not a header\n+++ nor this\n")
    repo.write("b.py", "--- x\n")
    (repo.root / "gone.txt").unlink()
    head = repo.commit("head")
    process = Repo(repo.path).patch_stream(base, head)
    out = process.stdout.read()
    process.finish()
    patch = parse(out)
    assert patch.added == {"a.py": "new\n-- not a header\n+++ nor this", "b.py": "--- x"}
    assert patch.deleted == {"a.py": "old", "gone.txt": "bye"}
    # the lines each file adds and deletes, as `git diff --numstat` counts them (a blank one too)
    assert patch.counts == {"a.py": (3, 1), "b.py": (1, 0), "gone.txt": (0, 1)}
    numstat = Repo(repo.path).run("diff", "--numstat", "--no-renames", base, head).decode()
    assert {
        line.split("\t")[2]: tuple(map(int, line.split("\t")[:2])) for line in numstat.splitlines()
    } == patch.counts


def test_a_cut_patch_leaves_out_the_file_it_stopped_in() -> None:
    out = (
        b"diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -0,0 +1 @@\n+one\n"
        b"diff --git a/b b/b\n--- a/b\n+++ b/b\n@@ -0,0 +1,2 @@\n+two\n+thr"
    )
    assert parse(out).added == {"a": "one", "b": "two\nthr"}
    assert parse(out, cut=True).added == {"a": "one"}  # b counts as unread: every line as code


def test_quoted_names() -> None:
    out = b'diff --git "a/t\\tx" "b/t\\tx"\n--- "a/t\\tx"\n+++ "b/t\\tx"\n@@ -1 +1 @@\n-a\n+b\n'
    assert parse(out) == ({"t\tx": "b"}, {"t\tx": "a"}, {"t\tx": (1, 1)})
