"""gate.waivers.audit: every exception event, read from the ledger's git history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from conftest import GitRepo
from testing.github import serve_reviews

from gate.git import Repo
from gate.snapshot import Snapshot
from gate.waivers.audit import audit_csv, audit_text, history, reviews

LEDGER = """\
apiVersion: gate/v1
kind: ExceptionLedger
exceptions:
  - id: EXC-A
    services: [search]
    rules: [runbook-sections]
    reason: Escalation section arrives with the new rota
    ticket: INC-1
    requested_by: dana
    approved_by: rita
    created: 2026-11-20
    expires: 2026-11-26
"""


def test_events_follow_the_ledger_history_and_expiry(repo: GitRepo) -> None:
    repo.write("exceptions.yaml", LEDGER)
    added = repo.commit("add")
    repo.write("exceptions.yaml", LEDGER.replace("2026-11-26", "2026-11-28"))
    changed = repo.commit("extend")
    events = history(Repo(repo.path), "exceptions.yaml", dt.date(2026, 12, 1))
    assert [(e["event"], e["id"], e["commit"]) for e in events] == [
        ("added", "EXC-A", added),
        ("changed", "EXC-A", changed),
        ("expired", "EXC-A", None),
    ]
    assert (
        events[0]["author"] == "Ada Author <ada@example.com>" and events[2]["date"] == "2026-11-28"
    )
    assert audit_csv(events).splitlines()[0].startswith("date,event,id,services")


def test_an_author_name_with_separator_bytes_is_reported_not_a_crash(repo: GitRepo) -> None:
    """The author's name and e-mail are theirs to write, \x1e, \x1f and all: the audit names them as written."""
    repo.write("exceptions.yaml", LEDGER)
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "-m",
        "add\x1fforged\x1f\x1f",
        "--author=Mal\x1flory\x1fx <m\x1f@example.com>",
    )
    (event,) = history(Repo(repo.path), "exceptions.yaml", dt.date(2026, 11, 21))
    assert event["event"] == "added" and event["author"] == "Mal\x1flory\x1fx <m\x1f@example.com>"
    assert event["commit"] == repo.git("rev-parse", "HEAD")


def test_the_audit_names_the_merging_pull_request_its_verified_review_and_its_users(
    example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release manager's question: which pull request brought this exception in, did its
    approver really approve that pull request on GitHub, and which pull requests merged while it
    was in force changed its services."""
    example.git("checkout", "-q", "-B", "hotfix", "main")
    in_force = LEDGER.replace("2026-11-20", "2026-10-30").replace("2026-11-26", "2026-11-02")
    example.write("exceptions.yaml", in_force)
    example.write("services/search/src/query.py", "x = 1\n")
    added = example.commit("hotfix with its exception")
    example.git("checkout", "-q", "main")
    example.git("merge", "-q", "--no-ff", "hotfix", "-m", "Merge pull request #42 from acme/hotfix")
    example.write("services/search/src/query.py", "x = 2\n")
    example.commit("Faster search (#43)")  # a squash merge
    example.write("services/cart/README.md", "cart\n")
    example.commit("Cart notes (#44)")  # another service: not a user
    repo = Repo(example.path)
    events = history(
        repo, "exceptions.yaml", dt.date(2026, 11, 1), Snapshot(repo, repo.resolve("HEAD"))
    )
    assert reviews(events) == (
        "approvals not checked on GitHub: set GITHUB_REPOSITORY and a token (GITHUB_TOKEN)"
    )
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_token")
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    serve_reviews(httpserver, 42, ("rita", "APPROVED", added))
    assert reviews(events) is None
    (first,) = events
    assert (first["commit"], first["merged_in"], first["used_by"]) == (added, 42, [42, 43])
    assert first["review"] == {
        "verified": True,
        "approved_by": "rita",
        "state": "APPROVED",
        "commit": added,
    }
    assert (
        f", merged in #42, approved by @rita on {added[:12]} (verified on GitHub), "
        "in force when #42, #43 merged" in audit_text(events)
    )
    assert "42;43" in audit_csv(events)


def test_an_approval_the_merging_pull_request_lacks_is_shown_unverified(
    example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", LEDGER)
    example.commit("Ledger by hand (#7)")
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/shop")
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_token")
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    serve_reviews(
        httpserver, 7, ("victor", "APPROVED", "ab" * 20), ("rita", "COMMENTED", "ab" * 20)
    )
    events = history(Repo(example.path), "exceptions.yaml", dt.date(2026, 11, 1))
    assert reviews(events) is None
    assert events[0]["review"]["verified"] is False
    assert "NOT approved by @rita on GitHub (latest review: none)" in audit_text(events)
