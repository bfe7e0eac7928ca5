"""GitHub's answers come in pages: a label or review the gate did not read must not count.

gate reads at most 10 pages of 100 (issue events, reviews). Before the fix a list longer than
that was silently cut: an approver's later `unlabeled` or `CHANGES_REQUESTED`, or the author's own
re-application of the label, sat past the cut and the label exemption went through. The author
can make the lists that long alone (labelling and unlabelling, commenting reviews).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo
from trust_boundary_test import TARGETS, feature, judge, rules

PAGE = 100


def _serve(httpserver: Any, path: str, items: list[dict[str, Any]]) -> None:
    """GitHub's paging: ?per_page=100&page=N, the last page shorter (or empty)."""
    pages = [items[i : i + PAGE] for i in range(0, len(items), PAGE)] + [[]]
    for number, page in enumerate(pages, 1):
        httpserver.expect_request(
            path, query_string={"per_page": str(PAGE), "page": str(number)}
        ).respond_with_json(page)


def _pull_request(
    repo: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> str:
    sha = repo.git("rev-parse", "HEAD")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {"number": 7, "user": {"login": "mallory"}, "head": {"sha": sha}},
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_test_token")
    return sha


def _label(action: str, who: str, name: str = "p0-fix") -> dict[str, Any]:
    return {"event": action, "label": {"name": name}, "actor": {"login": who}}


CUT = 3  # gate reads github.MAX_PAGES (10) pages; the test lowers the cut so it asks for 4 pages, not 11
NOISE = [
    _label("labeled" if i % 2 == 0 else "unlabeled", "mallory", "wip") for i in range(CUT * PAGE)
]


@pytest.fixture(autouse=True)
def _cut(monkeypatch: pytest.MonkeyPatch) -> None:
    from gate import github

    assert github.MAX_PAGES == 10
    monkeypatch.setattr(github, "MAX_PAGES", CUT)


RITA = "release-manager-rita"  # the example's `budgets.exempt.labels` approver


def _approved(sha: str, later: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    return [{"user": {"login": RITA}, "state": "APPROVED", "commit_id": sha}] + (later or [])


@pytest.mark.parametrize(
    "trick",
    [
        "label-removed-past-the-cut",
        "label-reapplied-by-the-author-past-the-cut",
        "approval-withdrawn-past-the-cut",
    ],
)
def test_an_event_past_githubs_tenth_page_is_not_ignored(
    example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, trick: str
) -> None:
    """Tier 0 payments (budget spent): the exemption is the same code at every tier."""
    repo = example
    feature(repo, TARGETS[0][1])
    repo.commit()
    sha = _pull_request(repo, httpserver, monkeypatch, tmp_path)
    events, reviews = [_label("labeled", RITA)] + NOISE, _approved(sha)
    if trick == "label-removed-past-the-cut":
        events.append(_label("unlabeled", RITA))
    elif trick == "label-reapplied-by-the-author-past-the-cut":
        events += [_label("unlabeled", "mallory"), _label("labeled", "mallory")]
    else:
        comments = [
            {"user": {"login": "mallory"}, "state": "COMMENTED", "commit_id": sha}
            for _ in range(CUT * PAGE)
        ]
        reviews = _approved(
            sha,
            comments + [{"user": {"login": RITA}, "state": "CHANGES_REQUESTED", "commit_id": sha}],
        )
    _serve(httpserver, "/repos/acme/shop/issues/7/events", events)
    _serve(httpserver, "/repos/acme/shop/pulls/7/reviews", reviews)
    v = judge(repo)
    assert v.verdict == "block" and "error-budget" in rules(v)


def test_a_label_within_the_pages_still_exempts(
    example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The control: the same approver's label and approval, with a long but complete history."""
    repo = example
    feature(repo, TARGETS[0][1])
    repo.commit()
    sha = _pull_request(repo, httpserver, monkeypatch, tmp_path)
    _serve(
        httpserver,
        "/repos/acme/shop/issues/7/events",
        NOISE[: (CUT - 1) * PAGE] + [_label("labeled", RITA)],
    )
    _serve(httpserver, "/repos/acme/shop/pulls/7/reviews", _approved(sha))
    v = judge(repo)
    assert v.verdict != "block" and "error-budget" not in rules(v)
