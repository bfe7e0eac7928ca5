"""Which changes may go through an exhausted budget, verified so the author alone cannot claim it."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from gate import globs
from gate.git import Change, Repo
from gate.reverts import reverted_ids
from gate.snapshot import Snapshot

# Non-executable documentation: the only files an exhausted budget lets through by kind alone.
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")
# Documents a manifest names may also be SLO documents (YAML/JSON data, never executed).
NAMED_SUFFIXES = DOC_SUFFIXES + (".yaml", ".yml", ".json")


def verified_revert(
    repo: Repo, base: str, head: str, changes: list[Change], trusted: str | None = None
) -> str | None:
    """'revert of X' when the change exactly undoes commits that are already on the base branch.

    Every commit of the change must say "This reverts commit X"; each X must be an ancestor of the
    base branch's tip (not a commit of the change itself, so no revert-of-revert chain inside the
    pull request counts) and not itself a revert (reverting a revert re-lands a change); the net
    change must restore, path for path, exactly what those commits changed to their parents'
    versions, and nothing else; and no later commit may have changed those paths (restoring an old
    parent's file would undo more than the reverted commit, such as a later removal).
    """
    commits = [c for c in repo.commits(base, head) if len(c.parents) <= 1]
    if not commits:
        return None
    reverted: list[str] = []
    for commit in commits:
        found = reverted_ids(commit.message)
        if not found:
            return None
        reverted += found
    paths = {p for c in changes for p in (c.path, c.old_path) if p}
    restorable: dict[str, set[str | None]] = {}  # path -> versions a reverted commit's parent had
    left: dict[str, set[str | None]] = {}  # path -> versions a reverted commit left
    full_ids = []
    mine = {c.sha for c in commits}
    for short in reverted:
        try:
            sha = repo.resolve(short)
        except Exception:
            return None
        if sha in mine or not repo.is_ancestor(sha, trusted or base):
            return None  # only commits already on the base branch can be reverted
        full_ids.append(sha)
        parent = repo.parent(sha)
        if any(reverted_ids(c.message) for c in repo.commits(parent, sha)):
            return None  # reverting a revert re-lands the change it undid: a change forward, not a rollback
        touched = sorted({p for c in repo.changes(parent, sha) for p in (c.path, c.old_path) if p})
        before, after = repo.blob_ids(parent, touched), repo.blob_ids(sha, touched)
        for path in touched:
            restorable.setdefault(path, set()).add(before.get(path))
            left.setdefault(path, set()).add(after.get(path))
    if paths - set(restorable):
        return None  # the change touches more than the reverted commits did
    now = repo.blob_ids(head, sorted(restorable))
    if any(now.get(path) not in versions for path, versions in restorable.items()):
        return None  # not an exact undo
    for rev in sorted({base, trusted or base}):
        was = repo.blob_ids(rev, sorted(left))
        if any(was.get(path) not in versions for path, versions in left.items()):
            return (
                None  # changed since the reverted commit: its parent's file would undo more than it
            )
    return "verified revert of " + ", ".join(s[:12] for s in full_ids)


def reliability_only(changed: tuple[str, ...], service: Any, listed: list[str]) -> bool:
    """Every changed file of the service is non-executable reliability material: a document its
    manifest names (runbook, rollback plan, SLO documents), Markdown/reStructuredText/AsciiDoc docs,
    or a path the trusted `.gate.yaml` lists in `budgets.exempt.reliability_paths`. Code never is,
    whatever its name (`src/alerts/*.py`, `runbook_hooks.py`, tests)."""
    if not changed:
        return False
    named = {p for p in service.documents() if p.lower().endswith(NAMED_SUFFIXES)}
    for path in changed:
        if path in service.files:  # service.yaml and a Backstage entity alike
            return False  # manifest edits can change tier or SLOs: never exempt by path alone
        if path in named or path.lower().endswith(DOC_SUFFIXES):
            continue
        relative = (
            posixpath.relpath(path, service.root)
            if service.root and path.startswith(service.root)
            else path
        )
        if listed and (
            globs.matches_any(list(listed), path) or globs.matches_any(list(listed), relative)
        ):
            continue
        return False
    return True


def reliability_change(
    head: Snapshot, changed: tuple[str, ...], service: Any, listed: Sequence[str]
) -> bool:
    """`reliability_only`, with every changed file a regular one at the head: a symlink, submodule
    or executable named like a document is not a document."""
    regular = all((e := head.entry(p)) is None or e.mode == "100644" for p in changed)
    return regular and reliability_only(changed, service, list(listed))


def label_exemption(labels: Mapping[str, Sequence[str]], pull_request: Any) -> str | None:
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
        candidates = [
            (label, applied[label])
            for label, allowed in sorted(labels.items())
            if label in applied
            and applied[label].lower() != pull_request.author.lower()
            and applied[label].lower() in {a.lower().lstrip("@") for a in allowed}
        ]
        reviews = github.latest_reviews(pull_request) if candidates else {}
    except github.GitHubUnavailable:
        return None
    for label, actor in candidates:
        if reviews.get(actor.lower()) == ("APPROVED", pull_request.head_sha):
            return f"label {label!r} applied by @{actor}, who approved this head commit"
    return None
