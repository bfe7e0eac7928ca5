"""gate.github: the pull request from the Actions event, and the REST answers it trusts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from testing.github import serve_commit_author, serve_reviews

from gate import github

HEAD = "a" * 40
BASE = "b" * 40


def pull_request(server: Any) -> github.PullRequest:
    return github.PullRequest(
        "acme/shop", 7, "dana", HEAD, server.url_for("").rstrip("/"), "ghs_token"
    )


def write_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: object, name: str = "pull_request"
) -> None:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_EVENT_NAME", name)


def test_the_pull_request_and_its_commits_come_from_the_event(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9/")
    monkeypatch.delenv("GATE_GITHUB_TOKEN", raising=False)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_x")
    write_event(
        tmp_path,
        monkeypatch,
        {
            "repository": {"full_name": "acme/shop"},
            "pull_request": {
                "number": "7",
                "user": {"login": "dana"},
                "base": {"sha": BASE},
                "head": {"sha": HEAD},
            },
        },
    )
    event = github.event_from_env()
    assert event == github.Event(
        "pull_request",
        BASE,
        HEAD,
        github.PullRequest("acme/shop", 7, "dana", HEAD, "http://127.0.0.1:9", "ghs_x"),
    )


@pytest.mark.parametrize(
    "payload",
    [
        {
            "pull_request": {"base": {"sha": "HEAD~3"}, "head": {"sha": "main"}}
        },  # refs, not commit ids: never resolved
        {"pull_request": {"base": {"sha": BASE.upper()}, "head": {"sha": HEAD[:12]}}},
        {"pull_request": {"base": "x", "head": ["y"]}},
    ],
)
def test_an_event_that_names_no_commit_ids_gives_none_not_a_guess(
    payload: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_event(tmp_path, monkeypatch, payload)
    event = github.event_from_env()
    assert event is not None and (event.base, event.head, event.pull_request) == (None, None, None)


def test_a_merge_group_and_other_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_event(
        tmp_path,
        monkeypatch,
        {"merge_group": {"base_sha": BASE, "head_sha": HEAD}},
        name="merge_group",
    )
    assert github.event_from_env() == github.Event("merge_group", BASE, HEAD, None)
    write_event(tmp_path, monkeypatch, [1, 2], name="push")
    assert github.event_from_env() is None
    (tmp_path / "event.json").write_text("{not json")
    assert github.event_from_env() is None and github.pull_request_from_env() is None
    monkeypatch.delenv("GITHUB_EVENT_PATH")
    assert github.event_from_env() is None


def test_the_latest_deciding_review_per_reviewer_counts(httpserver: Any) -> None:
    serve_reviews(
        httpserver,
        7,
        ("Rita", "APPROVED", BASE),
        ("rita", "COMMENTED", HEAD),
        ("rita", "APPROVED", HEAD),
        ("sam", "APPROVED", HEAD),
        ("sam", "DISMISSED", HEAD),
        ("", "APPROVED", HEAD),
    )
    assert github.latest_reviews(pull_request(httpserver)) == {
        "rita": ("APPROVED", HEAD),
        "sam": ("DISMISSED", HEAD),
    }
    assert httpserver.log[0][0].headers["Authorization"] == "Bearer ghs_token"


def test_a_commit_author_is_the_account_github_links_not_the_typed_name(httpserver: Any) -> None:
    serve_commit_author(httpserver, HEAD, "maya")
    serve_commit_author(httpserver, BASE, None)
    httpserver.expect_request(f"/repos/acme/shop/commits/{'c' * 40}").respond_with_json(
        {"message": "No commit found"}, status=404
    )
    pr = pull_request(httpserver)
    assert github.commit_author_login(pr, HEAD) == "maya"
    assert github.commit_author_login(pr, BASE) is None
    with pytest.raises(github.GitHubUnavailable, match="HTTP 404"):
        github.commit_author_login(
            pr, "c" * 40
        )  # GitHub knows no such commit: unavailable, never "nobody"


def test_team_membership_is_active_or_nothing(httpserver: Any) -> None:
    httpserver.expect_request("/orgs/acme/teams/sre/memberships/rita").respond_with_json(
        {"state": "active"}
    )
    httpserver.expect_request("/orgs/acme/teams/sre/memberships/sam").respond_with_json(
        {"state": "pending"}
    )
    httpserver.expect_request("/orgs/acme/teams/sre/memberships/eve").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    httpserver.expect_request("/orgs/acme/teams/sre/memberships/bob").respond_with_json(
        {"message": "Bad credentials"}, status=401
    )
    pr = pull_request(httpserver)
    assert [github.team_member(pr, "acme", "sre", u) for u in ("rita", "sam", "eve")] == [
        True,
        False,
        False,
    ]
    with pytest.raises(github.GitHubUnavailable, match="HTTP 401"):
        github.team_member(pr, "acme", "sre", "bob")


def test_label_appliers_follow_labeled_and_unlabeled_events(httpserver: Any) -> None:
    httpserver.expect_request("/repos/acme/shop/issues/7/events").respond_with_json(
        [
            {"event": "labeled", "label": {"name": "risk-accepted"}, "actor": {"login": "dana"}},
            {"event": "labeled", "label": {"name": "risk-accepted"}, "actor": {"login": "rita"}},
            {"event": "labeled", "label": {"name": "hotfix"}, "actor": {"login": "sam"}},
            {"event": "unlabeled", "label": {"name": "hotfix"}, "actor": {"login": "sam"}},
            {"event": "labeled", "label": "not-a-dict", "actor": {"login": "eve"}},
        ]
    )
    assert github.label_appliers(pull_request(httpserver)) == {"risk-accepted": "rita"}
