"""What `gate check` judges: the options as given, pre-commit's pushed range, or the pull request's commits."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest

from gate.commands.check import revisions

BASE, HEAD = "a" * 40, "b" * 40


@pytest.fixture(autouse=True)
def _no_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "PRE_COMMIT_FROM_REF",
        "PRE_COMMIT_TO_REF",
        "GITHUB_EVENT_PATH",
        "GITHUB_EVENT_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


def _event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps({"pull_request": {"base": {"sha": BASE}, "head": {"sha": HEAD}, "number": 7}}),
        encoding="utf-8",
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request")


def test_options_as_given() -> None:
    assert revisions(False, "main", "topic", False) == (False, "main", "topic")
    assert revisions(True, None, None, False) == (True, None, None)


def test_staged_takes_no_revisions() -> None:
    with pytest.raises(click.UsageError, match="--staged judges the index against HEAD"):
        revisions(True, "main", None, False)
    with pytest.raises(click.UsageError):
        revisions(True, None, "HEAD", False)


def test_pre_push_judges_the_pushed_commits_not_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", BASE)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", HEAD)
    assert revisions(True, None, None, False) == (False, BASE, HEAD)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "")  # half a range is no range: the index is judged
    assert revisions(True, None, None, False) == (True, None, None)


def test_github_fills_in_what_the_options_leave_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _event(tmp_path, monkeypatch)
    assert revisions(False, None, None, True) == (False, BASE, HEAD)
    assert revisions(False, "main", None, True) == (False, "main", HEAD)
    assert revisions(False, None, None, False) == (
        False,
        None,
        None,
    )  # without --github the event is not read


def test_github_never_turns_a_staged_check_into_the_pull_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _event(tmp_path, monkeypatch)
    assert revisions(True, None, None, True) == (True, None, None)
