"""Features and labels on histories built to have known values."""

from __future__ import annotations

import math
import random

import pytest
from conftest import GitRepo

from gate.git import Repo
from gate.risk import labels
from gate.risk.features import YEAR, Change, HistoryIndex, kind_counts
from gate.risk.history import Commit, FileChange, stream

DAY = 86400
T0 = 1_700_000_000


def commit_as(repo: GitRepo, author: str, day: float, message: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author}@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": f"{author}@example.com",
        "GIT_AUTHOR_DATE": f"@{int(T0 + day * DAY)} +0000",
        "GIT_COMMITTER_DATE": f"@{int(T0 + day * DAY)} +0000",
    }
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", message, env_overrides=env)
    return repo.git("rev-parse", "HEAD")


@pytest.fixture
def history(repo: GitRepo) -> GitRepo:
    repo.write("a.py", "".join(f"line{i}\n" for i in range(10)))
    commit_as(repo, "alice", 0, "add a")
    repo.write("a.py", repo.read("a.py").replace("line3\n", "line3b\nline3c\n"))
    commit_as(repo, "bob", 10, "tweak a")
    repo.write("a.py", repo.read("a.py").replace("line5\n", "line5-fixed\n"))
    commit_as(repo, "alice", 20, "Fix crash in a")
    repo.write("a.py", repo.read("a.py") + "carol1\ncarol2\n")
    repo.write("migrations/001.sql", "ALTER TABLE t ADD c INT;\n")
    repo.write("requirements.txt", "requests==2.0\n")
    repo.write("tests/test_a.py", "def test():\n    pass\n")
    commit_as(repo, "carol", 30, "carol's feature")
    return repo


def test_stream_parses_every_commit(history: GitRepo) -> None:
    commits = list(stream(Repo(history.path), "--reverse"))
    assert [c.author for c in commits] == [
        "alice@example.com",
        "bob@example.com",
        "alice@example.com",
        "carol@example.com",
    ]
    assert [c.is_fix for c in commits] == [False, False, True, False]
    assert {(f.path, f.added, f.deleted) for f in commits[1].files} == {("a.py", 2, 1)}
    assert commits[3].time == T0 + 30 * DAY


def test_features_of_a_commit_have_the_known_values(history: GitRepo) -> None:
    commits = list(stream(Repo(history.path), "--reverse"))
    index = HistoryIndex()
    for c in commits[:3]:
        index.add(c)
    last = commits[3]
    f = index.features(Change(last.author, last.time, last.files, last.message, tier=1))
    assert (f["ns"], f["nd"], f["nf"]) == (3, 3, 4)  # (root), migrations, tests
    assert (f["la"], f["ld"], f["lt"]) == (2 + 1 + 1 + 2, 0, 11)
    churn = [2, 1, 1, 2]
    assert f["entropy"] == pytest.approx(-sum(c / 6 * math.log2(c / 6) for c in churn) / 2)
    assert (f["ndev"], f["nuc"], f["age"]) == (2, 3, 10.0)
    assert (f["exp"], f["rexp"], f["sexp"]) == (0, 0, 0)
    assert (f["migrations"], f["dependencies"], f["infrastructure"]) == (1, 1, 0)
    assert f["test_ratio"] == pytest.approx(2 / 6)
    assert f["recent_failures"] == 1  # the fix 10 days earlier
    assert (f["fix"], f["tier"], f["freeze"]) == (0, 1, 0)


def test_author_experience(history: GitRepo) -> None:
    commits = list(stream(Repo(history.path), "--reverse"))
    index = HistoryIndex()
    for c in commits:
        index.add(c)
    f = index.features(Change("alice@example.com", int(T0 + 365.25 * DAY), commits[0].files))
    assert f["exp"] == 2 and f["sexp"] == 2
    assert f["rexp"] == pytest.approx(1 / (1 + 1) + 1 / ((365.25 - 20) / 365.25 + 1))


def test_labels_revert_and_szz(history: GitRepo) -> None:
    r = Repo(history.path)
    bug = history.git("rev-list", "--max-count=1", "--grep=tweak a", "HEAD")
    history.git("revert", "--no-edit", history.git("rev-parse", "HEAD"))  # carol's feature reverted
    commits = list(stream(r, "--reverse"))
    carol = commits[3].sha
    assert labels.reverted(commits) == {carol: commits[4].time}  # failed as of its revert
    # "Fix crash in a" changed line5, which alice's first commit wrote
    first = commits[0].sha
    assert labels.fix_inducing(r, commits)[first] == commits[2].time  # known when the fix landed
    assert bug not in labels.fix_inducing(r, commits[:3])


def test_running_experience_equals_rescanning_whatever_the_order_added() -> None:
    """Author experience comes from a running list cut by bisection (or filtered when a history was
    fed out of order): the same exp and rexp, to the last bit, as rescanning every change."""
    rng = random.Random(7)
    paths = ["db/migrations/0001.sql", "src/auth/login.py", "tests/test_x.py", "README.md"]
    commits = [
        Commit(f"{i:040x}", (), rng.choice("ab"), 1_700_000_000 + rng.randint(0, 400) * 86400, "",
               (FileChange(rng.choice(paths), 3, 1),))
        for i in range(120)
    ]  # fmt: skip
    for fed in (sorted(commits, key=lambda c: c.time), commits):
        index = HistoryIndex()
        for n, commit in enumerate(fed):
            if n % 7 == 0:
                now = commit.time + 3600
                change = Change(commit.author, now, commit.files)
                times = [c.time for c in fed[:n] if c.author == commit.author and c.time <= now]
                got = index.features(change)
                assert got["exp"] == len(times)
                assert got["rexp"] == sum(1.0 / ((now - t) / YEAR + 1.0) for t in times)
                assert got["migrations"] == kind_counts([commit.files[0].path])["migrations"]
            index.add(commit)
    assert kind_counts(paths) == {**dict.fromkeys(kind_counts([]), 0), "migrations": 1, "auth": 1}
