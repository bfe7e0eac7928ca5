"""Which changes may go through an exhausted budget, verified so the author alone cannot claim it."""
from __future__ import annotations

import posixpath
import re
from typing import Any

from gate import globs
from gate.git import Change, Repo

REVERT = re.compile(r"This reverts commit ([0-9a-f]{7,40})")
DEFAULT_RELIABILITY_PATHS = (
    "**/*.md", "docs/**", "**/docs/**", "**/runbook*", "**/runbooks/**", "slo/**", "**/slo/**", "**/slos/**",
    "alerts/**", "**/alerts/**", "**/*.rules.yaml", "**/*.rules.yml", "**/dashboards/**",
    "tests/**", "**/tests/**", "**/test/**", "**/test_*.py", "**/*_test.py", "**/*_test.go", "**/*.test.ts", "**/*.spec.ts",
)


def verified_revert(repo: Repo, base: str, head: str, changes: list[Change]) -> str | None:
    """'revert of X' when every commit says "This reverts commit X" and the content really is X's parent's."""
    commits = [c for c in repo.commits(base, head) if len(c.parents) <= 1]
    if not commits:
        return None
    reverted: list[str] = []
    for commit in commits:
        found = REVERT.findall(commit.message)
        if not found:
            return None
        reverted += found
    paths = sorted({p for c in changes for p in (c.path, c.old_path) if p})
    head_blobs = repo.blob_ids(head, paths)
    restored: set[str] = set()
    full_ids = []
    for short in reverted:
        try:
            sha = repo.resolve(short)
        except Exception:
            return None
        full_ids.append(sha)
        parent = repo.parent(sha)
        touched = {p for c in repo.changes(parent, sha) for p in (c.path, c.old_path) if p}
        relevant = sorted(touched & set(paths))
        before = repo.blob_ids(parent, relevant)
        restored |= {p for p in relevant if before.get(p) == head_blobs.get(p)}
    if set(paths) - restored:
        return None
    return "verified revert of " + ", ".join(s[:12] for s in full_ids)


def reliability_only(changed: tuple[str, ...], root: str, manifest: str, patterns: tuple[str, ...] | list[str]) -> bool:
    """Every changed file of the service is reliability material (docs, runbooks, SLOs, alerts, tests)."""
    if not changed:
        return False
    for path in changed:
        if path == manifest:
            return False  # manifest edits can change tier or SLOs: never exempt by path alone
        relative = posixpath.relpath(path, root) if root and path.startswith(root) else path
        if not (globs.matches_any(list(patterns), path) or globs.matches_any(list(patterns), relative)):
            return False
    return True


def label_exemption(labels: dict[str, list[str]], pull_request: Any) -> str | None:
    """A configured label applied by an allowed approver who is not the pull request's author,
    and who approved the pull request's current head.

    A label carries no commit: on its own it would still count after the author pushed new
    commits. The approval review records the commit it approved, so it ties the label to the
    code that is judged.
    """
    if not labels or pull_request is None:
        return None
    from gate import github

    try:
        applied = github.label_appliers(pull_request)
        candidates = [(label, applied[label]) for label, allowed in sorted(labels.items()) if label in applied
                      and applied[label].lower() != pull_request.author.lower()
                      and applied[label].lower() in {a.lower().lstrip("@") for a in allowed}]
        reviews = github.latest_reviews(pull_request) if candidates else {}
    except github.GitHubUnavailable:
        return None
    for label, actor in candidates:
        if reviews.get(actor.lower()) == ("APPROVED", pull_request.head_sha):
            return f"label {label!r} applied by @{actor}, who approved this head commit"
    return None
