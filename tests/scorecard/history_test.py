"""Failure labels from one patch stream agree with `git blame` SZZ; risk and merges are counted per change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from conftest import GitRepo

from gate.git import Repo
from gate.risk import labels
from gate.risk.history import stream
from gate.risk.model import DEFAULT_MODEL
from gate.scorecard.history import mine, unquote

DAY = 86400


def at(repo: GitRepo, day: int, message: str, author: str = "ada@example.com") -> str:
    when = f"2026-{(day - 1) // 28 + 1:02d}-{(day - 1) % 28 + 1:02d}T12:00:00+00:00"
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "--allow-empty",
        "-m",
        message,
        env_overrides={
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
            "GIT_AUTHOR_EMAIL": author,
        },
    )
    return repo.git("rev-parse", "HEAD")


def lines(n: int, tag: str) -> str:
    return "".join(f"line {i} {tag}\n" for i in range(n))


def history(repo: GitRepo) -> dict[str, str]:
    shas = {}
    repo.write("svc/a.py", lines(20, "base"))
    repo.write('svc/we"ird\tname.py', lines(5, "odd"))
    shas["base"] = at(repo, 1, "base")
    text = lines(20, "base").replace("line 5 base\n", "line 5 feature\nline 5b feature\n")
    repo.write("svc/a.py", text)
    shas["feature"] = at(repo, 3, "feature: change a.py")
    repo.write("svc/b.py", lines(8, "b"))
    shas["b"] = at(repo, 5, "add b")
    repo.git("mv", "svc/b.py", "svc/c.py")
    shas["move"] = at(repo, 6, "move b to c")
    repo.write("svc/c.py", lines(8, "b").replace("line 3 b", "line 3 fixed"))
    shas["fix-c"] = at(repo, 8, "Fix crash in c")
    repo.write("svc/a.py", text.replace("line 5b feature", "line 5b repaired"))
    shas["fix-a"] = at(repo, 10, "fix: a.py regression")
    repo.write('svc/we"ird\tname.py', lines(5, "odd").replace("line 1 odd", "line 1 odd changed"))
    shas["odd"] = at(repo, 11, "touch the odd name")
    repo.write('svc/we"ird\tname.py', lines(5, "odd").replace("line 1 odd", "line 1 odd mended"))
    shas["fix-odd"] = at(repo, 12, "Fix the odd name")
    repo.write("svc/d.py", "x = 1\n")
    shas["d"] = at(repo, 13, "add d")
    repo.git(
        "revert",
        "--no-edit",
        "HEAD",
        env_overrides={
            "GIT_AUTHOR_DATE": "2026-01-15T12:00:00+00:00",
            "GIT_COMMITTER_DATE": "2026-01-15T12:00:00+00:00",
        },
    )
    shas["revert"] = repo.git("rev-parse", "HEAD")
    return shas


def test_labels_match_blame_szz_and_reverts(repo: GitRepo) -> None:
    shas = history(repo)
    r = Repo(repo.path)
    head = r.resolve("HEAD")
    mined = mine(
        r,
        head,
        since=0,
        risk_since=0,
        history_since=0,
        tier_of=lambda paths: 1,
        model=DEFAULT_MODEL,
    )
    commits = list(stream(r, "--reverse", head))
    expected = set(labels.reverted(commits)) | set(labels.fix_inducing(r, commits))
    # Calibration's blame skips a file whose name git C-quotes in the diff header; this one reads it.
    assert mined.failed == expected | {shas["odd"]}
    # the feature (fixed), the odd-named edit (fixed) and the added file (reverted); the move carried b's lines
    assert mined.failed == {shas["feature"], shas["odd"], shas["d"], shas["b"]}
    assert [c.sha for c in mined.changes] == [c.sha for c in commits]
    assert set(mined.risk) == {c.sha for c in commits if c.files}


def test_a_merge_is_one_change_and_windows_cut_by_date(repo: GitRepo) -> None:
    repo.write("svc/a.py", lines(10, "base"))
    at(repo, 1, "base")
    repo.git("checkout", "-q", "-b", "topic")
    repo.write("svc/a.py", lines(10, "base") + "topic 1\n")
    side = at(repo, 3, "topic one")
    repo.write("svc/a.py", lines(10, "base") + "topic 1\ntopic 2\n")
    at(repo, 4, "topic two")
    repo.git("checkout", "-q", "main")
    repo.git(
        "merge",
        "-q",
        "--no-ff",
        "-m",
        "Merge topic",
        "topic",
        env_overrides={
            "GIT_AUTHOR_DATE": "2026-01-05T12:00:00+00:00",
            "GIT_COMMITTER_DATE": "2026-01-05T12:00:00+00:00",
        },
    )
    merge = repo.git("rev-parse", "HEAD")
    r = Repo(repo.path)
    since = int(dt.datetime(2026, 1, 2, tzinfo=dt.timezone.utc).timestamp())
    mined = mine(
        r,
        merge,
        since=since,
        risk_since=since,
        history_since=0,
        tier_of=lambda paths: 0,
        model=DEFAULT_MODEL,
    )
    assert [c.sha for c in mined.changes] == [
        merge
    ]  # the side commits are not changes of the branch
    assert side not in mined.risk and mined.changes[0].files[0].added == 2


def test_no_service_means_no_risk_score(repo: GitRepo) -> None:
    repo.write("README.md", "hi\n")
    sha = at(repo, 1, "docs")
    r = Repo(repo.path)
    mined: Any = mine(
        r,
        sha,
        since=0,
        risk_since=0,
        history_since=0,
        tier_of=lambda paths: None,
        model=DEFAULT_MODEL,
    )
    assert [c.sha for c in mined.changes] == [sha] and mined.risk == {}


def test_unquote_reads_git_c_quoting() -> None:
    assert unquote(b'"a/we\\"ird\\tname.py"') == b'a/we"ird\tname.py'
    assert unquote(b'"a/caf\\303\\251"') == "a/café".encode()
    assert unquote(b"a/plain") == b"a/plain"


def test_a_commit_message_cannot_forge_a_scorecard_record(repo: GitRepo) -> None:
    """The separators of the old format, an END mark and a whole fake record in a message: one change, read as written."""
    from gate.scorecard.history import patch_stream

    repo.write("svc/a.py", "x\n")
    first = repo.commit("first")
    repo.write("svc/a.py", "y\n")
    message = f"tidy\x1e\x1eC{'e' * 40}\x1f{first}\x1fboss@example.com\x1f1\x1fRevert\n\nThis reverts commit {first}.\x1f\x1eEND\x1e"
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message, "--author=Mal\x1flory <mal\x1f\x1e@example.com>")
    changes = [c for c, _ in patch_stream(Repo(repo.path), "HEAD", 0)]
    assert [c.sha for c in changes][1:] == [first] and len(changes) == 2
    assert changes[0].message.rstrip("\n") == message and changes[0].reverts == [first]
    assert changes[0].author == "mal\x1f\x1e@example.com" and [
        f.path for f in changes[0].files
    ] == ["svc/a.py"]
