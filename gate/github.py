"""GitHub: the pull request this run is for (from the Actions event) and REST calls about it."""

from __future__ import annotations

import json
import os
from typing import Any, NamedTuple

from gate.httpclient import Unavailable, request_json

MAX_PAGES = 10


class GitHubUnavailable(Exception):
    pass


class PullRequest(NamedTuple):
    repo: str  # owner/name
    number: int
    author: str
    head_sha: str
    api_url: str
    token: str | None


def pull_request_from_env() -> PullRequest | None:
    """The pull request of a `pull_request` / `pull_request_target` event, or None elsewhere."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            event = json.load(f)
        pr = event["pull_request"]
        return PullRequest(
            repo=event["repository"]["full_name"],
            number=int(pr["number"]),
            author=pr["user"]["login"],
            head_sha=pr["head"]["sha"],
            api_url=os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
            token=os.environ.get("GATE_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN"),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def pull_request_numbered(number: int) -> PullRequest | None:
    """Pull request `number` of the repository GitHub Actions names (GITHUB_REPOSITORY), to ask
    about with the run's token; None without a repository or a token (nothing to ask with)."""
    repository = os.environ.get("GITHUB_REPOSITORY")
    token = os.environ.get("GATE_GITHUB_TOKEN") or os.environ.get("GITHUB_TOKEN")
    if not repository or not token:
        return None
    return PullRequest(
        repo=repository,
        number=number,
        author="",
        head_sha="",
        api_url=os.environ.get("GITHUB_API_URL", "https://api.github.com").rstrip("/"),
        token=token,
    )


def _headers(pr: PullRequest) -> dict[str, str]:
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if pr.token:
        headers["Authorization"] = f"Bearer {pr.token}"
    return headers


def label_appliers(pr: PullRequest) -> dict[str, str]:
    """label -> login of whoever applied it last, for labels still on the pull request."""
    applied: dict[str, str] = {}
    for event in _get_pages(pr, f"{pr.api_url}/repos/{pr.repo}/issues/{pr.number}/events"):
        label = event.get("label")
        actor = event.get("actor")
        if not isinstance(label, dict):
            continue
        name = label.get("name")
        login = actor.get("login") if isinstance(actor, dict) else None
        if event.get("event") == "labeled" and name and login:
            applied[str(name)] = str(login)
        elif event.get("event") == "unlabeled" and name:
            applied.pop(str(name), None)
    return applied


def _get_pages(
    pr: PullRequest,
    url: str,
    complete: bool = True,
    params: dict[str, str] | None = None,
    timeout: float = 10,
    retries: int = 2,
) -> list[dict[str, object]]:
    """Every item of a paged list, at most MAX_PAGES pages. With `complete`, a longer list is
    GitHubUnavailable: a later event (a label removed, an approval withdrawn) may sit past the cut,
    and the author alone can make the list that long; unverifiable means no."""
    items: list[dict[str, object]] = []
    for page in range(1, MAX_PAGES + 1):
        try:
            response = request_json(
                "GET",
                url,
                params={**(params or {}), "per_page": 100, "page": page},
                headers=_headers(pr),
                timeout=timeout,
                retries=retries,
            )
        except Unavailable as e:
            raise GitHubUnavailable(str(e)) from None
        if response.status != 200 or not isinstance(response.body, list):
            raise GitHubUnavailable(
                f"GitHub answered HTTP {response.status} for {url.replace(pr.api_url, '')}"
            )
        items += [i for i in response.body if isinstance(i, dict)]
        if len(response.body) < 100:
            return items
    if complete:
        raise GitHubUnavailable(
            f"{url.replace(pr.api_url, '')} has more than {MAX_PAGES * 100:,} items: not read in full"
        )
    return items


def issues_labelled(
    api_url: str,
    token: str | None,
    repository: str,
    label: str,
    timeout: float = 10,
    retries: int = 2,
) -> list[dict[str, object]]:
    """Every issue (and pull request: GitHub lists both) of `repository` carrying `label`, open or
    closed, read in full (more than MAX_PAGES pages is GitHubUnavailable)."""
    where = PullRequest(repository, 0, "", "", api_url.rstrip("/"), token)
    url = f"{where.api_url}/repos/{repository}/issues"
    params = {"labels": label, "state": "all", "sort": "created", "direction": "asc"}
    return _get_pages(where, url, params=params, timeout=timeout, retries=retries)


def latest_reviews(pr: PullRequest) -> dict[str, tuple[str, str]]:
    """login -> (state, commit_id) of each reviewer's latest APPROVED / CHANGES_REQUESTED / DISMISSED review."""
    latest: dict[str, tuple[str, str]] = {}
    for review in _get_pages(pr, f"{pr.api_url}/repos/{pr.repo}/pulls/{pr.number}/reviews"):
        user: Any = review.get("user") if isinstance(review.get("user"), dict) else {}
        login, state = str(user.get("login", "")).lower(), str(review.get("state", ""))
        if login and state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[login] = (state, str(review.get("commit_id", "")))
    return latest


def commit_author_login(pr: PullRequest, sha: str) -> str | None:
    """The GitHub account GitHub itself links to a commit's author e-mail (verified e-mails only),
    or None when it links none. A commit's author line is whatever its writer typed; this is not."""
    url = f"{pr.api_url}/repos/{pr.repo}/commits/{sha}"
    try:
        response = request_json("GET", url, headers=_headers(pr), timeout=10, retries=2, ok=(200,))
    except Unavailable as e:
        raise GitHubUnavailable(str(e)) from None
    if response.status != 200 or not isinstance(response.body, dict):
        raise GitHubUnavailable(f"GitHub answered HTTP {response.status} for commit {sha[:12]}")
    author = response.body.get("author")
    login = author.get("login") if isinstance(author, dict) else None
    return str(login) if isinstance(login, str) and login else None


def team_member(pr: PullRequest, org: str, team: str, user: str) -> bool:
    url = f"{pr.api_url}/orgs/{org}/teams/{team}/memberships/{user}"
    try:
        response = request_json("GET", url, headers=_headers(pr), timeout=10, retries=2, ok=(200,))
    except Unavailable as e:
        raise GitHubUnavailable(str(e)) from None
    if response.status == 404:
        return False
    if response.status != 200:
        raise GitHubUnavailable(f"GitHub answered HTTP {response.status} for team {org}/{team}")
    return isinstance(response.body, dict) and response.body.get("state") == "active"


class Event(NamedTuple):
    name: str  # pull_request | pull_request_target | merge_group | push | ...
    base: str | None
    head: str | None
    pull_request: PullRequest | None


def _sha(value: object) -> str | None:
    return (
        value
        if isinstance(value, str)
        and len(value) == 40
        and all(c in "0123456789abcdef" for c in value)
        else None
    )


def event_from_env() -> Event | None:
    """What the workflow run is about: the pull request's or merge group's base and head commits."""
    path = os.environ.get("GITHUB_EVENT_PATH")
    name = os.environ.get("GITHUB_EVENT_NAME", "")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            payload = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("pull_request"), dict):
        pr = payload["pull_request"]
        base = (pr.get("base") or {}).get("sha") if isinstance(pr.get("base"), dict) else None
        head = (pr.get("head") or {}).get("sha") if isinstance(pr.get("head"), dict) else None
        return Event(name or "pull_request", _sha(base), _sha(head), pull_request_from_env())
    if isinstance(payload.get("merge_group"), dict):
        group = payload["merge_group"]
        return Event(
            name or "merge_group", _sha(group.get("base_sha")), _sha(group.get("head_sha")), None
        )
    return Event(name, None, None, None)


def upsert_comment(pr: PullRequest, body: str, marker: str) -> str:
    """Create or update the one comment that is gate's own; returns 'created' or 'updated'.

    Gate's own comment is one written by the token's own identity that starts with `marker`:
    another bot's or person's comment is never edited, whatever it quotes."""
    comments = _get_pages(
        pr, f"{pr.api_url}/repos/{pr.repo}/issues/{pr.number}/comments", complete=False
    )
    marked = [c for c in comments if str(c.get("body", "")).startswith(marker)]
    me = comment_author(pr) if marked else None
    mine = [c for c in marked if me and _login(c).lower() == me.lower()]
    headers = _headers(pr)
    if mine:
        url = f"{pr.api_url}/repos/{pr.repo}/issues/comments/{mine[0]['id']}"
        method, verb = "PATCH", "updated"
    else:
        url = f"{pr.api_url}/repos/{pr.repo}/issues/{pr.number}/comments"
        method, verb = "POST", "created"
    try:
        response = request_json(
            method,
            url,
            json_body={"body": body},
            headers=headers,
            timeout=10,
            retries=2,
            ok=(200, 201),
        )
    except Unavailable as e:
        raise GitHubUnavailable(str(e)) from None
    if response.status not in (200, 201):
        detail = response.body.get("message", "") if isinstance(response.body, dict) else ""
        hint = (
            " (a pull request from a fork gets a read-only token)" if response.status == 403 else ""
        )
        raise GitHubUnavailable(f"GitHub answered HTTP {response.status} {detail}{hint}".strip())
    return verb


def _login(comment: dict[str, object]) -> str:
    user: Any = comment.get("user") if isinstance(comment.get("user"), dict) else {}
    return str(user.get("login", ""))


def comment_author(pr: PullRequest) -> str | None:
    """Whose comments this token writes: GATE_COMMENT_AUTHOR when set; a personal access token's
    user as GitHub names it; the Actions token (GitHub answers an app's token with 403 on /user)
    writes as github-actions[bot]. Another app's token needs GATE_COMMENT_AUTHOR (its bot login)."""
    pinned = os.environ.get("GATE_COMMENT_AUTHOR")
    if pinned:
        return pinned
    login, status = _token_login(pr)
    if login:
        return login
    return "github-actions[bot]" if status == 403 else None


def _token_login(pr: PullRequest) -> tuple[str | None, int | None]:
    """The user a personal access token belongs to, and GitHub's HTTP status (None: no answer)."""
    try:
        response = request_json(
            "GET", f"{pr.api_url}/user", headers=_headers(pr), timeout=10, retries=1, ok=(200,)
        )
    except Unavailable:
        return None, None
    login = (
        response.body.get("login")
        if response.status == 200 and isinstance(response.body, dict)
        else None
    )
    return (login if isinstance(login, str) and login else None), response.status
