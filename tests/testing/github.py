"""github.com played by a local HTTP server (pytest-httpserver on 127.0.0.1) speaking its REST
shapes: the one part of the world the tests fake."""

from __future__ import annotations

import json
import re
from typing import Any

from werkzeug import Request, Response

REPOSITORY = "acme/shop"


class FakeGitHub:
    """Issue comments as GitHub stores them: list (paginated), create, update."""

    def __init__(
        self, server: Any, fail_with: int | None = None, token_user: str | None = None
    ) -> None:
        self.comments: list[dict[str, Any]] = [
            {"id": 1, "body": "LGTM", "user": {"login": "rita", "type": "User"}}
        ]
        self.calls: list[tuple[str, str]] = []
        self.fail_with = fail_with
        self.auth: set[str] = set()
        self.token_user = (
            token_user  # None: an app's token (GITHUB_TOKEN); else a personal access token's user
        )
        server.expect_request(
            re.compile(r"/repos/acme/shop/issues/5/comments")
        ).respond_with_handler(self.collection)
        server.expect_request(
            re.compile(r"/repos/acme/shop/issues/comments/\d+")
        ).respond_with_handler(self.item)
        server.expect_request("/user").respond_with_handler(self.user)

    def user(self, request: Request) -> Response:
        self.calls.append((request.method, request.path))
        if self.token_user is None:
            return Response(
                json.dumps({"message": "Resource not accessible by integration"}),
                status=403,
                content_type="application/json",
            )
        return Response(
            json.dumps({"login": self.token_user, "type": "User"}), content_type="application/json"
        )

    def author(self) -> dict[str, str]:
        return (
            {"login": self.token_user, "type": "User"}
            if self.token_user
            else {"login": "github-actions[bot]", "type": "Bot"}
        )

    def _fail(self) -> Response | None:
        if self.fail_with:
            return Response(
                json.dumps({"message": "Resource not accessible by integration"}),
                status=self.fail_with,
                content_type="application/json",
            )
        return None

    def collection(self, request: Request) -> Response:
        self.calls.append((request.method, request.path))
        self.auth.add(request.headers.get("Authorization", ""))
        if request.method == "GET":
            page = int(request.args.get("page", 1))
            per = int(request.args.get("per_page", 30))
            return Response(
                json.dumps(self.comments[(page - 1) * per : page * per]),
                content_type="application/json",
            )
        failed = self._fail()
        if failed:
            return failed
        comment = {
            "id": 100 + len(self.comments),
            "body": request.get_json()["body"],
            "user": self.author(),
        }
        self.comments.append(comment)
        return Response(json.dumps(comment), status=201, content_type="application/json")

    def item(self, request: Request) -> Response:
        self.calls.append((request.method, request.path))
        failed = self._fail()
        if failed:
            return failed
        number = int(request.path.rsplit("/", 1)[1])
        comment = next(c for c in self.comments if c["id"] == number)
        comment["body"] = request.get_json()["body"]
        return Response(json.dumps(comment), content_type="application/json")


def serve_reviews(
    server: Any, number: int, *reviews: tuple[str, str, str], repository: str = REPOSITORY
) -> None:
    """A pull request's reviews, as (login, state, commit id) in the order they were given."""
    body = [
        {"id": i, "user": {"login": login}, "state": state, "commit_id": sha}
        for i, (login, state, sha) in enumerate(reviews)
    ]
    server.expect_request(f"/repos/{repository}/pulls/{number}/reviews").respond_with_json(body)


def serve_commit_author(
    server: Any, sha: str, login: str | None, repository: str = REPOSITORY
) -> None:
    """The GitHub account a commit is linked to (None: an e-mail address no account has verified)."""
    server.expect_request(f"/repos/{repository}/commits/{sha}").respond_with_json(
        {"sha": sha, "author": {"login": login} if login else None}
    )


def pull_request_run(
    monkeypatch: Any,
    folder: Any,
    server: Any,
    number: int = 42,
    author: str = "dana",
    head_sha: str = "c0ffee" * 6 + "beef",
) -> None:
    """The environment of a GitHub Actions run for pull request `number` of acme/shop (its event
    file in `folder`), asking this local server for reviews and team memberships."""
    event = folder / f"event-{number}.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": REPOSITORY},
                "pull_request": {
                    "number": number,
                    "user": {"login": author},
                    "head": {"sha": head_sha},
                },
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", server.url_for("").rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_token")
