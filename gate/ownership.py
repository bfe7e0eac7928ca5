"""Who judges each changed path: its owners in the trusted base *and* in the head, never the head alone.

The head of a change is a claim under review. A manifest it adds, moves, renames or deletes cannot
take a path away from the service that owned it at the base branch's tip, and a service keeps its
identity (and so its tier, SLO definitions and exceptions) through moves and renames: identity
comes from git's rename detection of its manifest, or from where its files moved, never from the
`name` the head declares.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TypeGuard

from gate import codeowners, globs
from gate.builtin_rules import builtin_finding
from gate.catalog import Catalog, Service, source_names
from gate.git import Change, folded
from gate.snapshot import Snapshot
from gate.verdict import Finding


@dataclass
class Ownership:
    """The ownership stage's answer: which services judge the change, and with which paths."""

    touched: dict[str, list[str]] = field(default_factory=dict)  # manifest judged -> changed paths
    pinned: dict[str, Service] = field(
        default_factory=dict
    )  # judged from the trusted tip (not in the head)
    removed: dict[str, tuple[Service, list[str]]] = field(
        default_factory=dict
    )  # base manifest -> (service, paths)
    identity: dict[str, str] = field(
        default_factory=dict
    )  # head manifest -> base manifest it continues
    unowned: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _root(manifest: str) -> str:
    directory = posixpath.dirname(manifest)
    return directory + "/" if directory else ""


def of_change(
    changes: list[Change],
    trusted: Catalog,
    fork: Catalog,
    head: Catalog,
    unowned_ignore: Sequence[str],
) -> Ownership:
    """Every service that must judge this change, with the paths it judges."""
    out = Ownership()
    names = set(source_names(head.snapshot.repo))  # service.yaml and the Backstage catalog files
    deleted, added = _manifest_changes(changes, names, out.identity)
    _successors(changes, head, deleted, added, out.identity)
    continued = {base: now for now, base in out.identity.items()}
    _assign(changes, trusted, fork, head, unowned_ignore, continued, out)
    for gone in sorted(deleted - set(continued)):
        if (service := fork.defining(gone)) is not None:
            out.removed.setdefault(gone, (service, []))
    out.findings = _identity_findings(out, added, trusted, fork, head)
    return out


def _manifest_changes(
    changes: list[Change], names: set[str], identity: dict[str, str]
) -> tuple[set[str], set[str]]:
    """The manifests this change deletes and adds; a manifest renamed to a manifest continues its service."""

    def _is_manifest(path: str | None) -> TypeGuard[str]:
        return path is not None and posixpath.basename(path) in names

    deleted = {c.old_path or c.path for c in changes if c.status == "D" and _is_manifest(c.path)}
    added = {c.path for c in changes if c.status in ("A", "C") and _is_manifest(c.path)}
    for c in changes:
        if c.status == "R" and (_is_manifest(c.old_path) or _is_manifest(c.path)):
            if _is_manifest(c.old_path) and _is_manifest(c.path):
                identity[c.path] = c.old_path
            elif _is_manifest(c.old_path):
                deleted.add(c.old_path)
            else:
                added.add(c.path)
    return deleted, added


def _successors(
    changes: list[Change],
    head: Catalog,
    deleted: set[str],
    added: set[str],
    identity: dict[str, str],
) -> None:
    """A deleted manifest whose service lives on elsewhere in the head: that manifest continues it."""
    # A source file deleted while its directory still defines a service (service.yaml swapped for a
    # Backstage entity, or the other way): that service continues it.
    for gone in sorted(deleted):
        now = head.service_in(_root(gone))
        if now is not None and now.manifest != gone and now.manifest not in identity:
            identity[now.manifest] = gone
    # A manifest deleted while its files moved under a new manifest: the new one continues it.
    for gone in sorted(deleted):
        root = _root(gone)
        for c in changes:
            if c.status == "R" and c.old_path and c.old_path.startswith(root):
                successor = head.owner_by_prefix(c.path)
                if (
                    successor is not None
                    and successor.manifest in added
                    and successor.manifest not in identity
                ):
                    identity[successor.manifest] = gone
                    break


def _assign(
    changes: list[Change],
    trusted: Catalog,
    fork: Catalog,
    head: Catalog,
    unowned_ignore: Sequence[str],
    continued: dict[str, str],
    out: Ownership,
) -> None:
    """Each changed path (old and new) to every service that owns it in the head and at the trusted tip."""

    def judge(manifest: str, path: str) -> None:
        # A directory's service is one service whichever of its files names it (service.yaml, entity).
        now = head.service_in(_root(manifest)) if manifest not in out.pinned else None
        out.touched.setdefault(now.manifest if now is not None else manifest, []).append(path)

    head.prefetch([p for c in changes for p in (c.path, c.old_path) if p])
    trusted.prefetch([p for c in changes for p in (c.path, c.old_path) if p])
    for change in changes:
        for path in (change.path, change.old_path):
            if path is None:
                continue
            prefixes = reach(path, fork.snapshot, head.snapshot)
            owners = _with_reached(head.owners(path), head, prefixes)
            for service in owners:
                judge(service.manifest, path)
            before = _with_reached(trusted.owners(path), trusted, prefixes)
            for service in before:
                if service.manifest in continued:
                    judge(continued[service.manifest], path)
                elif head.service_in(service.root) is not None:
                    judge(service.manifest, path)
                elif fork.has(service.manifest):  # this change deleted it
                    out.removed.setdefault(service.manifest, (service, []))[1].append(path)
                else:  # added on the base branch after this branch was cut: judged as the tip has it
                    out.pinned[service.manifest] = service
                    judge(service.manifest, path)
            if (
                not owners
                and not before
                and path == change.path
                and not globs.matches_any(list(unowned_ignore), path)
            ):
                out.unowned.append(path)


# Files outside any service that decide how a service's files are checked out, exported, fetched
# or reviewed: a change to their lines is a change to each service those lines reach.
JUDGE_FILES = (".gitmodules", *codeowners.LOCATIONS)


def reach(path: str, before: Snapshot, after: Snapshot) -> tuple[str, ...] | None:
    """The path prefixes the changed lines of a `.gitattributes`, `.gitmodules` or CODEOWNERS file
    reach (compared folded, as a case-insensitive checkout matches them); None for other files."""
    if posixpath.basename(path) != ".gitattributes" and path not in JUDGE_FILES:
        return None
    old, new = (_lines(snap.read(path)) for snap in (before, after))
    if path == ".gitmodules":
        sections = _submodules(old) ^ _submodules(new)
        return tuple(dict.fromkeys(folded(p.strip("/") + "/") for _, p in sections if p))
    directory = posixpath.dirname(path) + "/" if "/" in path and path not in JUDGE_FILES else ""
    found = []
    for line in sorted(set(old) ^ set(new)):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith("[attr]"):
            return (folded(directory),)  # a macro: every path that names it
        quoted = text.startswith('"')
        pattern, _, rest = (text[1:] if quoted else text.replace("\t", " ")).partition(
            '"' if quoted else " "
        )
        if path not in codeowners.LOCATIONS and all(_leaves_content(a) for a in rest.split()):
            continue  # how git diffs or merges it, or how GitHub shows it: not what is checked out
        body = pattern.rstrip("/")
        if "/" not in body:  # matches at any depth below the file's directory
            found.append(directory)
            continue
        literal = re.split(r"[*?\[\\]", pattern.lstrip("/"), maxsplit=1)[0]
        found.append(directory + literal)
    return tuple(dict.fromkeys(folded(p) for p in found))


# Attributes that change only how git diffs or merges a file, or how GitHub shows it, never the file
# a checkout or an export holds (`text`, `eol`, `filter`, `export-ignore`, a macro, ... do).
_DISPLAY_ATTRIBUTES = ("diff", "merge", "whitespace", "delta", "conflict-marker-size", "lockable")


def _leaves_content(attribute: str) -> bool:
    name = attribute.lstrip("-!").partition("=")[0]
    return name in _DISPLAY_ATTRIBUTES or name.startswith("linguist-")


def _lines(raw: bytes | None) -> list[str]:
    return raw.decode("utf-8", "replace").splitlines() if raw else []


def _submodules(lines: list[str]) -> set[tuple[tuple[str, ...], str]]:
    """Each submodule section of a .gitmodules as (its lines, its path)."""
    sections: list[tuple[list[str], list[str]]] = []
    for line in lines:
        text = line.strip()
        if text.startswith("["):
            sections.append(([], []))
        if not sections:
            continue
        sections[-1][0].append(text)
        key, _, value = text.partition("=")
        if key.strip().lower() == "path":
            sections[-1][1].append(value.strip().strip('"'))
    return {(tuple(body), path) for body, paths in sections for path in paths or [""]}


def _with_reached(
    owners: list[Service], catalog: Catalog, prefixes: tuple[str, ...] | None
) -> list[Service]:
    """`owners`, plus every service of the catalog whose directory a prefix reaches (either one
    inside the other)."""
    if not prefixes:
        return owners
    found = {s.manifest: s for s in owners}
    for service in catalog.all():
        root = folded(service.root)
        if any(root.startswith(p) or p.startswith(root) for p in prefixes):
            found.setdefault(service.manifest, service)
    return sorted(found.values(), key=lambda s: s.manifest)


def strictest_tier(service: Service, before: list[Service | None]) -> Service:
    """A change that lowers its own tier is judged at the tier it had (where it forked, and at the
    base branch's tip): it cannot relax its own rules."""
    tiers = [
        b.tier for b in before if b is not None and b.parsed and isinstance(b.get("tier"), int)
    ]
    if tiers and min(tiers) < service.tier:
        return replace(service, tier=min(tiers))
    return service


def _identity_findings(
    out: Ownership, added: set[str], trusted: Catalog, fork: Catalog, head: Catalog
) -> list[Finding]:
    """Moves, renames, splits, swallows and duplicate names: each flagged for review."""
    return (
        _moves(out, fork, head)
        + _renames(out, trusted, fork, head)
        + _additions(out, added, trusted, head)
    )


def _moves(out: Ownership, fork: Catalog, head: Catalog) -> list[Finding]:
    findings = []
    for now, before in sorted(out.identity.items()):
        was, service = fork.defining(before), head.defining(now)
        if was is None or service is None:  # a source file that defines no service on one side
            continue
        words = f"{before} moved to {now}" if now != before else f"{now} changed"
        renamed = (
            f"; its name changed from {was.name!r} to {service.name!r}"
            if was.name != service.name
            else ""
        )
        findings.append(
            builtin_finding(
                "service-identity",
                "warning",
                f"{words}{renamed}: it is judged as {was.name!r} at tier {min(was.tier, service.tier)} (its base tier {was.tier}), "
                "and exceptions apply by its base name",
                now,
                1,
            )
        )
    return findings


def _renames(out: Ownership, trusted: Catalog, fork: Catalog, head: Catalog) -> list[Finding]:
    findings = []
    for manifest in sorted(out.touched):
        if manifest in out.pinned or manifest in out.identity:
            continue
        service = head.service_at(manifest)
        counterpart = fork.defining(manifest)
        if counterpart is not None and counterpart.parsed and counterpart.name != service.name:
            taken = next(
                (o for o in trusted.all() if o.name == service.name and o.manifest != manifest),
                None,
            )
            findings.append(
                builtin_finding(
                    "service-identity",
                    "error" if taken else "warning",
                    f"{manifest} renames {counterpart.name!r} to {service.name!r}"
                    + (f", the name of {taken.manifest}" if taken else "")
                    + f": it is judged, and its exceptions apply, as {counterpart.name!r}",
                    manifest,
                    service.line("name"),
                )
            )
    return findings


def _additions(out: Ownership, added: set[str], trusted: Catalog, head: Catalog) -> list[Finding]:
    findings = []
    for manifest in sorted(added - set(out.identity)):
        service = head.defining(manifest)
        if service is None:
            continue
        root = _root(manifest)
        for other in trusted.all():
            if other.manifest == manifest:
                continue
            if root.startswith(other.root) and other.root != root:
                findings.append(
                    builtin_finding(
                        "service-identity",
                        "error" if other.tier <= 1 else "warning",
                        f"{manifest} splits {other.name!r} (tier {other.tier}): files under {root} stay judged by {other.name!r} too",
                        manifest,
                        1,
                    )
                )
            elif other.root.startswith(root) and other.root != root:
                findings.append(
                    builtin_finding(
                        "service-identity",
                        "error" if other.tier <= 1 else "warning",
                        f"{manifest} swallows {other.name!r} (tier {other.tier}) at {other.root}: its files stay judged by {other.name!r}",
                        manifest,
                        1,
                    )
                )
            if other.name == service.name and other.manifest not in out.identity.values():
                findings.append(
                    builtin_finding(
                        "service-identity",
                        "error",
                        f"{manifest} declares the name {service.name!r}, which {other.manifest} already has: names are unique, "
                        "and a service is known by its base identity, never by a name it claims",
                        manifest,
                        service.line("name"),
                    )
                )
    return findings
