"""gate.risk.history: commits as `git log` streams them, parsed without a process per commit."""

from __future__ import annotations

import pytest
from conftest import GitRepo

from gate.git import Repo
from gate.risk.history import WIDE_CHANGE, FileChange, is_fix_message, stream, touching


def test_stream_reads_files_lines_renames_and_odd_names(repo: GitRepo) -> None:
    repo.write("svc/app.py", "".join(f"line {i}\n" for i in range(10)))
    repo.write("svc/we ird\nname.py", "x\n")
    first = repo.commit("add app")
    repo.git("mv", "svc/app.py", "svc/main.py")
    repo.replace("svc/main.py", "line 3\n", "line three\nline 3b\n")
    repo.write("logo.png", b"\x00\x01binary")
    repo.commit("fix: rename app\n\nbody line")
    newest, oldest = list(stream(Repo(repo.path), "HEAD"))
    assert oldest.sha == first and oldest.parents == () and oldest.author == "ada@example.com"
    assert set(oldest.files) == {
        FileChange("svc/app.py", 10, 0),
        FileChange("svc/we ird\nname.py", 1, 0),
    }
    assert (
        newest.message.startswith("fix: rename app\n\nbody line")
        and newest.is_fix
        and not oldest.is_fix
    )
    assert set(newest.files) == {
        FileChange("svc/main.py", 2, 1, "svc/app.py"),
        FileChange("logo.png", 0, 0),
    }


def test_touching_many_paths_filters_like_a_pathspec(repo: GitRepo) -> None:
    for i in range(WIDE_CHANGE + 2):
        repo.write(f"d{i % 3}/f{i}.py", "x\n")
    repo.write("other/keep.py", "x\n")
    repo.commit("many")
    repo.git("mv", "d0/f0.py", "elsewhere.py")
    repo.commit("move one out")
    wanted = [f"d{i % 3}/f{i}.py" for i in range(WIDE_CHANGE + 2)]
    moved, added = list(touching(Repo(repo.path), "HEAD", paths=wanted))
    assert {f.path for f in added.files} == set(wanted)  # other/keep.py is not asked for
    assert moved.files == (
        FileChange("d0/f0.py", 0, 0, None),
    )  # renamed away: a deletion of the wanted path


@pytest.mark.parametrize(
    "message, fix",
    [
        ("Fix crash on empty cart", True),
        ("hotfix: totals", True),
        ("Prefix the names", False),
        ("Debug output\n\nfixes #12 in the body only", False),
        ('Revert "x"\n\nThis reverts commit 0123456789abcdef.', True),
    ],
)
def test_a_fix_is_said_in_the_subject(message: str, fix: bool) -> None:
    assert is_fix_message(message) is fix


def test_a_commit_message_cannot_break_the_history_parser(repo: GitRepo) -> None:
    repo.write("a.py", "x\n")
    first = repo.commit("first")
    repo.write("a.py", "y\n")
    evil = "evil\x1e" + "d" * 40 + "\x1f\x1fe@x\x1f1\x1fThis reverts commit 0123456\x1f"
    repo.commit(evil)
    commits = list(stream(Repo(repo.path), "HEAD"))
    assert [c.message.rstrip("\n") for c in commits] == [evil, "first"]
    assert [c.author for c in commits] == ["ada@example.com"] * 2 and commits[1].sha == first
    assert commits[0].files == (FileChange("a.py", 1, 1),)


def test_a_message_cannot_forge_a_whole_commit_record(repo: GitRepo) -> None:
    """A message spelling out the old separators plus a record: no fake commit, no fake revert, no fake author."""
    repo.write("a.py", "x\n")
    first = repo.commit("first")
    repo.write("a.py", "y\n")
    fake = f"\x1e{'e' * 40}\x1f{first}\x1fboss@example.com\x1f1700000000\x1fRevert\n\nThis reverts commit {first}.\x1f\n1\t0\ta.py\n"
    repo.commit("tidy" + fake)
    commits = list(stream(Repo(repo.path), "HEAD"))
    assert len(commits) == 2 and "e" * 40 not in {c.sha for c in commits}
    assert {c.author for c in commits} == {"ada@example.com"}
    assert commits[0].reverts == [
        first
    ]  # the trailer is in the real message: the message says so, nothing more
    assert commits[0].message.startswith("tidy\x1e") and commits[0].parents == (first,)


def test_author_names_and_emails_with_separators_stay_in_their_field(repo: GitRepo) -> None:
    repo.write("a.py", "x\n")
    repo.git("add", "-A")
    repo.git(
        "commit", "-q", "-m", "by mallory", "--author=Mal\x1flory <mal\x1f\x1e1\x1fx@example.com>"
    )
    (commit,) = list(stream(Repo(repo.path), "HEAD"))
    assert commit.author == "mal\x1f\x1e1\x1fx@example.com" and commit.message.startswith(
        "by mallory"
    )
    assert commit.files == (FileChange("a.py", 1, 0),)


def test_file_names_with_separators_stay_file_names(repo: GitRepo) -> None:
    repo.write("a\x1eb\x1fc.py", "x\n")
    repo.commit("odd name")
    (commit,) = list(stream(Repo(repo.path), "HEAD"))
    assert commit.files == (FileChange("a\x1eb\x1fc.py", 1, 0),)
    (named,) = list(touching(Repo(repo.path), "HEAD", paths=["a\x1eb\x1fc.py"]))
    assert [f.path for f in named.files] == ["a\x1eb\x1fc.py"]
