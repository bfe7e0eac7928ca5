"""gate.risk.labels: which past changes failed (reverts, SZZ) and labels from the user's records."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo

from gate.errors import FatalError
from gate.git import Repo
from gate.risk import labels
from gate.risk.history import Commit, stream


def history(repo: GitRepo) -> list[Commit]:
    return list(stream(Repo(repo.path), "--reverse", "HEAD"))


def test_a_reverted_change_failed_when_its_first_revert_landed(repo: GitRepo) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("add")
    repo.write("a.py", "x = 2\n")
    bad = repo.commit("change")
    repo.git(
        "revert",
        "--no-edit",
        bad,
        env_overrides={
            "GIT_COMMITTER_DATE": "2026-11-03T12:00:00+00:00",
            "GIT_AUTHOR_DATE": "2026-11-03T12:00:00+00:00",
        },
    )
    commits = history(repo)
    assert labels.reverted(commits) == {bad: commits[-1].time}
    assert labels.reverted(commits[:2]) == {}


def test_szz_blames_the_lines_a_fix_changed(repo: GitRepo) -> None:
    repo.write("svc/cart.py", "def total(items):\n    return sum(items)\n")
    repo.write("README.md", "cart\n")
    origin = repo.commit("add cart")
    repo.write("svc/cart.py", "def total(items):\n    return sum(items) * 1.1\n")
    repo.write("README.md", "cart v2\n")
    bad = repo.commit("add tax")
    repo.write("svc/cart.py", "def total(items):\n    return round(sum(items) * 1.1, 2)\n")
    repo.write("README.md", "cart v3\n")
    fix = repo.commit("fix rounding of totals")
    commits = history(repo)
    failed = labels.fix_inducing(Repo(repo.path), commits)
    assert failed == {
        bad: commits[-1].time
    }  # not the commit that wrote the untouched line, not the prose
    assert origin not in failed and fix not in failed


def test_labels_file(tmp_path: Path) -> None:
    shas = ["0123456789" + "a" * 30, "fedcba9876" + "b" * 30]
    path = tmp_path / "labels.csv"
    path.write_text(
        "Commit,Failed,Known\n0123456,yes,2026-11-02\nFEDCBA98,0,\n\n", encoding="utf-8-sig"
    )
    assert labels.read_file(str(path), shas) == {shas[0]: (1, 1793577600), shas[1]: (0, None)}


@pytest.mark.parametrize(
    "text, words",
    [
        ("sha,failed\n", "labels.csv:1: labels need a header"),
        ("commit,failed\n0123456,maybe\n", "labels.csv:2: failed must be 1/0"),
        ("commit,failed\n9999999,1\n", "labels.csv:2: commit 9999999 is not in the history"),
        ("commit,failed\nnot-hex,1\n", "labels.csv:2: not a commit id"),
        (
            "commit,failed,known\n0123456,1,last tuesday\n",
            "labels.csv:2: known must be an ISO date",
        ),
        ("commit,failed\n0123456\n", "labels.csv:2: expected 2 columns"),
    ],
)
def test_bad_labels_are_one_line_naming_file_and_line(
    tmp_path: Path, text: str, words: str
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(text)
    with pytest.raises(FatalError) as info:
        labels.read_file(str(path), ["0123456789" + "a" * 30])
    assert str(info.value).endswith(words) or words in str(info.value)
