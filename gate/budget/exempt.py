"""Which changes may go through an exhausted budget, verified so the author alone cannot claim it."""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gate import globs
from gate.budget import openslo, sloth
from gate.git import Change, Repo
from gate.policy.rulefmt import parse_rule_file
from gate.reverts import reverted_ids
from gate.snapshot import Snapshot

PROSE_SUFFIXES = (".md", ".markdown", ".rst", ".adoc")
# Images a runbook shows (PNG, JPEG, GIF, WebP, PDF), known by their first bytes.
IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-")


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


def reliability_only(
    changed: tuple[str, ...],
    service: Any,
    listed: list[str],
    content: Callable[[str], bytes | None],
) -> bool:
    """Every changed file of the service is reliability material (RELIABILITY_MATERIAL), judged by
    `content(path)`: the head's file, or the one a deletion removed. The manifest never is."""
    if not changed:
        return False
    for path in changed:
        if path in service.files:  # service.yaml and a Backstage entity alike
            return False  # manifest edits can change tier or SLOs: never exempt by path alone
        relative = (
            posixpath.relpath(path, service.root)
            if service.root and path.startswith(service.root)
            else path
        )
        glob = bool(listed) and (
            globs.matches_any(list(listed), path) or globs.matches_any(list(listed), relative)
        )
        if not is_material(path, content(path), glob):
            return False
    return True


def reliability_change(
    head: Snapshot,
    changed: tuple[str, ...],
    service: Any,
    listed: Sequence[str],
    before: Snapshot | None = None,
) -> bool:
    """`reliability_only` on the files as the head has them (a deleted one as `before` had it, else
    it is no material): every changed file a regular one at the head, since a symlink, submodule or
    executable named like a document is not a document."""
    regular = all((e := head.entry(p)) is None or e.mode == "100644" for p in changed)

    def content(path: str) -> bytes | None:
        if head.entry(path) is not None:
            return head.read(path)
        return before.read(path) if before is not None else None

    return regular and reliability_only(changed, service, list(listed), content)


def is_material(path: str, raw: bytes | None, listed: bool = False) -> bool:
    """Whether one file is reliability material by what it holds (RELIABILITY_MATERIAL)."""
    if raw is None:
        return False
    lower = path.lower()
    if listed and raw.startswith(IMAGE_MAGIC):
        return True
    if b"\0" in raw:
        return False  # binary: no prose, no document
    if lower.endswith(PROSE_SUFFIXES):
        return True
    if lower.endswith((".yaml", ".yml", ".json")):
        return _rule_file(raw, path) or _slo_document(raw, path)
    return False


def _rule_file(raw: bytes, path: str) -> bool:
    """A Prometheus rule file (or PrometheusRule) that Prometheus loads, with at least one alert."""
    found = parse_rule_file(raw, path)
    return found is not None and found.error is None and bool(found.alerts)


def _slo_document(raw: bytes, path: str) -> bool:
    """An OpenSLO or Sloth document that reads as one, without a problem."""
    kind = sloth.recognise(raw)
    if kind == "sloth":
        slos, problems = sloth.slos_from("", path, raw, None)
        return bool(slos) and not problems
    if kind == "openslo":
        objects, problems = openslo.objects(raw, path)
        return bool(objects) and not problems
    return False


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
