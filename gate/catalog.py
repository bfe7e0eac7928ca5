"""Service discovery: every service.yaml in a tree, and which services own a changed path."""
from __future__ import annotations

import json
import os
import posixpath
import re
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gate import globs
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.git import EMPTY, INDEX, Entry, GitError, Snapshot
from gate.resources import errors_for

MANIFEST = "service.yaml"


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, pinned to a line."""

    message: str
    file: str
    line: int | None = None


@dataclass(frozen=True)
class Service:
    name: str
    root: str  # directory with a trailing slash; "" for the repository root
    manifest: str
    tier: int
    data: dict[str, Any] | None  # None when the manifest could not be parsed
    doc: gate_yaml.Document | None
    problems: tuple[Problem, ...] = ()
    globs: tuple[str, ...] = ()

    @property
    def parsed(self) -> bool:
        return self.data is not None

    def line(self, *path: Any) -> int | None:
        return self.doc.line(*path) if self.doc else 1

    def get(self, *path: Any) -> Any:
        """Value at a path of keys/indices in the manifest, None where any step is missing."""
        value: Any = self.data
        for step in path:
            if isinstance(value, dict) and step in value:
                value = value[step]
            elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
                value = value[step]
            else:
                return None
        return value

    def items(self, *path: Any) -> list[Any]:
        """The list at `path`, or [] when it is missing or not a list (the schema reports the type)."""
        value = self.get(*path)
        return value if isinstance(value, list) else []

    def documents(self) -> dict[str, str]:
        """Repository paths of the runbook, rollback plan and OpenSLO files this manifest names."""
        docs: dict[str, str] = {}
        for role, value in (("runbook", self.get("runbook")), ("rollback plan", self.get("rollback", "plan"))):
            if isinstance(value, str) and not value.startswith("https://"):
                docs[value] = role
        for slo in self.items("slos"):
            if isinstance(slo, dict) and isinstance(slo.get("openslo"), str):
                docs[slo["openslo"]] = "OpenSLO document"
        return docs


def load_service(snapshot: Snapshot, manifest: str) -> Service:
    root = posixpath.dirname(manifest)
    root = root + "/" if root else ""
    fallback_name = posixpath.basename(root.rstrip("/")) or "(root)"
    raw = snapshot.read(manifest)
    if raw is None:
        problem = Problem("service.yaml is not a regular file (symlink or submodule)", manifest, None)
        return Service(fallback_name, root, manifest, 0, None, None, (problem,))
    try:
        doc = gate_yaml.load(raw, manifest)
    except FatalError as e:
        return Service(fallback_name, root, manifest, 0, None, None, (Problem(e.message, manifest, e.line),))
    data = doc.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problem = Problem(f"service.yaml is {kind}, expected a mapping", manifest, 1)
        return Service(fallback_name, root, manifest, 0, None, doc, (problem,))
    problems = tuple(
        Problem(f"schema: {message}", manifest, doc.line(*path)) for path, message in errors_for("service", data)
    )
    name = str(data["name"]) if isinstance(data.get("name"), str) and data.get("name") else fallback_name
    tier = data.get("tier")
    # An unreadable tier is judged as the strictest: a broken manifest must not dodge rules.
    tier = tier if isinstance(tier, int) and not isinstance(tier, bool) and 0 <= tier <= 3 else 0
    paths = data.get("paths")
    service_globs = tuple(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()
    return Service(name, root, manifest, tier, data, doc, problems, service_globs)


@dataclass
class Catalog:
    """The services of one tree."""

    snapshot: Snapshot
    manifests: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        self.entries = manifest_entries(self.snapshot)
        self.snapshot.know(self.entries)
        self.manifests = tuple(sorted(self.entries))
        self._loaded: dict[str, Service] = {}

    def service_at(self, manifest: str) -> Service:
        if manifest not in self._loaded:
            self._loaded[manifest] = load_service(self.snapshot, manifest)
        return self._loaded[manifest]

    @cached_property
    def _roots(self) -> dict[str, str]:
        return {posixpath.dirname(m) + "/" if posixpath.dirname(m) else "": m for m in self.manifests}

    def all(self) -> list[Service]:
        return [self.service_at(m) for m in self.manifests]

    @cached_property
    def _claims(self) -> list[tuple[str, str]]:
        """(manifest, extra path) pairs: `paths:` globs and documents named outside the service's directory.

        Worked out once per manifest blob and cached in the git directory, so a check on a
        repository of thousands of services reads only the manifests that changed since.
        """
        keys = {m: f"{self.entries[m].sha}:{self._root(m)}" for m in self.manifests}
        cache = _ClaimCache(self.snapshot.repo)
        missing = [m for m in self.manifests if keys[m] not in cache.entries]
        if missing:
            texts = self.snapshot.read_many(missing)
            for manifest in missing:
                cache.entries[keys[manifest]] = list(claims_of(texts.get(manifest, b""), self._root(manifest), manifest))
            cache.save()
        return [(m, claim) for m in self.manifests for claim in cache.entries[keys[m]]]

    @staticmethod
    def _root(manifest: str) -> str:
        directory = posixpath.dirname(manifest)
        return directory + "/" if directory else ""

    def owner_by_prefix(self, path: str) -> Service | None:
        directory = path
        while directory:
            directory = posixpath.dirname(directory)
            root = directory + "/" if directory else ""
            if root in self._roots:
                return self.service_at(self._roots[root])
        return None

    def owners(self, path: str) -> list[Service]:
        """Every service a path belongs to: its directory's service, plus any that claim it.

        A path claimed by several services is judged by all of them, so no `paths:` glob can
        move a file away from a stricter service's rules.
        """
        owners: dict[str, Service] = {}
        prefix = self.owner_by_prefix(path)
        if prefix:
            owners[prefix.manifest] = prefix
        for manifest, claim in self._claims:
            if claim == path or globs.matches(claim, path):
                owners.setdefault(manifest, self.service_at(manifest))
        return sorted(owners.values(), key=lambda s: s.manifest)


def prepare(snapshot: Snapshot) -> None:
    """Start working out a tree's service.yaml list in the background (git does the listing
    while the caller reads configuration); `manifest_entries` waits for it."""
    if "_manifests" in snapshot.__dict__ or "_manifest_thread" in snapshot.__dict__:
        return
    thread = threading.Thread(target=manifest_entries, args=(snapshot,), daemon=True)
    snapshot.__dict__["_manifest_thread"] = thread
    thread.start()


def manifest_entries(snapshot: Snapshot) -> dict[str, Entry]:
    """Every service.yaml of a tree: path -> entry.

    A tree declared as its base plus a diff is worked out from the base's list and the diff; a
    commit's list is kept in the git directory, and a commit never seen before is worked out
    from the nearest one that was, so the cost follows the change, not the repository.
    """
    thread = snapshot.__dict__.get("_manifest_thread")
    if thread is not None and thread is not threading.current_thread():
        thread.join()
    if "_manifests" not in snapshot.__dict__:
        snapshot.__dict__["_manifests"] = _manifest_entries(snapshot)
    return snapshot.__dict__["_manifests"]  # type: ignore[no-any-return]


def _manifest_entries(snapshot: Snapshot) -> dict[str, Entry]:
    if snapshot.base is not None:
        entries = manifest_entries(snapshot.base)
        snapshot.base.know(entries)
        entries = dict(entries)
        for change in snapshot.changes:
            if change.old_path is not None and change.status == "R" and posixpath.basename(change.old_path) == MANIFEST:
                entries.pop(change.old_path, None)
            if posixpath.basename(change.path) == MANIFEST:
                if change.new is None:
                    entries.pop(change.path, None)
                else:
                    entries[change.path] = change.new
        return entries
    repo, rev = snapshot.repo, snapshot.rev
    if rev in (EMPTY, INDEX):
        return repo.named(rev, MANIFEST)
    index = _ManifestIndex(repo)
    found = index.get(rev)
    if found is None:
        nearest = index.newest()
        try:
            changes = repo.changes(nearest[0], rev, renames=False) if nearest is not None else None
        except GitError:  # that commit is gone (rewritten history, gc): list this one afresh
            changes = None
        if nearest is not None and changes is not None:
            found = dict(nearest[1])
            for change in changes:
                if posixpath.basename(change.path) == MANIFEST:
                    if change.new is None:
                        found.pop(change.path, None)
                    else:
                        found[change.path] = change.new
        else:
            found = repo.named(rev, MANIFEST)
        index.put(rev, found)
    return found


class _ManifestIndex:
    """commit id -> its service.yaml entries, one small JSON file per commit under
    <git dir>/gate/manifests/, the newest KEEP kept; anything unreadable is rebuilt."""

    KEEP = 32

    def __init__(self, repo: Any) -> None:
        self.folder = os.path.join(repo.git_dir, "gate", "manifests")

    def get(self, commit: str) -> dict[str, Entry] | None:
        return self._load(os.path.join(self.folder, f"{commit}.json"))

    def newest(self) -> tuple[str, dict[str, Entry]] | None:
        try:
            names = [n for n in os.listdir(self.folder) if n.endswith(".json")]
            newest = max(names, key=lambda n: os.stat(os.path.join(self.folder, n)).st_mtime)
        except (OSError, ValueError):
            return None
        found = self._load(os.path.join(self.folder, newest))
        return (newest[:-5], found) if found is not None else None

    def put(self, commit: str, entries: dict[str, Entry]) -> None:
        try:
            os.makedirs(self.folder, exist_ok=True)
            path = os.path.join(self.folder, f"{commit}.json")
            tmp = f"{path}.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8", errors="surrogateescape") as f:
                json.dump({p: [e.mode, e.sha] for p, e in entries.items()}, f)
            os.replace(tmp, path)
            names = sorted(os.listdir(self.folder), key=lambda n: os.stat(os.path.join(self.folder, n)).st_mtime)
            for stale in names[:-self.KEEP]:
                os.unlink(os.path.join(self.folder, stale))
        except OSError:
            pass  # a read-only checkout still works, only slower

    @staticmethod
    def _load(path: str) -> dict[str, Entry] | None:
        try:
            with open(path, encoding="utf-8", errors="surrogateescape") as f:
                loaded = json.load(f)
            return {p: Entry(str(v[0]), str(v[1])) for p, v in loaded.items()}
        except (OSError, ValueError, TypeError, AttributeError, IndexError, KeyError):
            return None


_INDIRECT = (b"paths", b"openslo", b"&", b"*", b"<<")  # keys that claim paths, or YAML anchors and merges
_DOCUMENT = re.compile(rb"(?:runbook|plan)\s*:\s*[\"']?([^\s\"'#,}\]]+)")


def claims_of(raw: bytes, root: str, manifest: str) -> tuple[str, ...]:
    """What a manifest claims beyond its own directory; parses YAML only when the text may claim something."""
    encoded_root = root.encode()
    named = _DOCUMENT.findall(raw)
    if not any(marker in raw for marker in _INDIRECT) and all(v.startswith(encoded_root) or v.startswith(b"https://") for v in named):
        return ()
    try:
        doc = gate_yaml.load(raw, manifest)
    except FatalError:
        return ()
    if not isinstance(doc.data, dict):
        return ()
    service = Service("", root, manifest, 0, doc.data, doc)
    paths = doc.data.get("paths")
    found = [p for p in paths if isinstance(p, str)] if isinstance(paths, list) else []
    found += [d for d in service.documents() if not d.startswith(root) or not root]
    return tuple(dict.fromkeys(found))


class _ClaimCache:
    """manifest blob id + root -> claims, in <git dir>/gate/claims-v1.json; a broken cache is rebuilt."""

    def __init__(self, repo: Any) -> None:
        self.path: str | None = None
        self.entries: dict[str, list[str]] = {}
        try:
            self.path = os.path.join(repo.git_dir, "gate", "claims-v1.json")
            with open(self.path, encoding="utf-8") as f:
                loaded = json.load(f)
            if isinstance(loaded, dict):
                self.entries = {k: v for k, v in loaded.items() if isinstance(v, list)}
        except (OSError, ValueError, FatalError):
            pass

    def save(self) -> None:
        if not self.path:
            return
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            tmp = f"{self.path}.{os.getpid()}"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.entries, f)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only checkout still works, only slower
