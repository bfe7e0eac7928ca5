"""Service discovery: every service.yaml in a tree, and which services own a changed path."""
from __future__ import annotations

import copy
import os
import posixpath
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gate import globs
from gate.cache import Store, read_json, write_json
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.git import EMPTY, INDEX, Change, Entry, GitError, Snapshot
from gate.resources import errors_for, rejected_for

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
    errors = errors_for("service", data)
    problems = tuple(Problem(f"schema: {message}", manifest, doc.line(*path)) for path, message in errors)
    name = str(data["name"]) if isinstance(data.get("name"), str) and data.get("name") else fallback_name
    tier = data.get("tier")
    # An unreadable tier is judged as the strictest: a broken manifest must not dodge rules.
    tier = tier if isinstance(tier, int) and not isinstance(tier, bool) and 0 <= tier <= 3 else 0
    data = accepted(data, rejected_for("service", data)) if errors else data
    paths = data.get("paths")
    service_globs = tuple(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()
    return Service(name, root, manifest, tier, data, doc, problems, service_globs)


def accepted(data: dict[str, Any], rejected: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The manifest without the values the schema rejected: checks see only values of the types
    they expect (the rejection itself is the manifest-valid finding). A rejected list item becomes
    None, so the other items keep their index (and their line)."""
    if not any(rejected):
        return data
    data = copy.deepcopy(data)
    for path in sorted((p for p in rejected if p), key=len):
        parent: Any = data
        for step in path[:-1]:
            if isinstance(parent, dict) and step in parent:
                parent = parent[step]
            elif isinstance(parent, list) and isinstance(step, int) and 0 <= step < len(parent):
                parent = parent[step]
            else:
                parent = None
                break
        last = path[-1]
        if isinstance(parent, dict):
            parent.pop(last, None)
        elif isinstance(parent, list) and isinstance(last, int) and 0 <= last < len(parent):
            parent[last] = None
    return data


@dataclass
class Catalog:
    """The services of one tree."""

    snapshot: Snapshot

    def __post_init__(self) -> None:
        self._loaded: dict[str, Service] = {}

    @cached_property
    def entries(self) -> dict[str, Entry]:
        """Every service.yaml of the tree; judging a change needs it only when its caches are cold."""
        entries = manifest_entries(self.snapshot)
        self.snapshot.know(entries)
        return entries

    def has(self, manifest: str) -> bool:
        """Whether the tree has this service.yaml, without listing every service when it need not."""
        if "entries" in self.__dict__:
            return manifest in self.entries
        entry = self.snapshot.entry(manifest)
        return entry is not None and entry.mode != "040000"

    def prefetch(self, paths: list[str]) -> None:
        """Ask once about every service.yaml that could own these paths by directory."""
        candidates = set()
        for path in paths:
            directory = path
            while directory:
                directory = directory.rpartition("/")[0]
                candidates.add(f"{directory}/{MANIFEST}" if directory else MANIFEST)
        self.snapshot.prefetch(sorted(candidates))

    @classmethod
    def of(cls, snapshot: Snapshot) -> Catalog:
        """The one catalog of a snapshot (built once, whoever asks first)."""
        if "_catalog" not in snapshot.__dict__:
            snapshot.__dict__["_catalog"] = cls(snapshot)
        return snapshot.__dict__["_catalog"]  # type: ignore[no-any-return]

    @cached_property
    def manifests(self) -> tuple[str, ...]:
        return tuple(sorted(self.entries))

    def service_at(self, manifest: str) -> Service:
        if manifest not in self._loaded:
            self._loaded[manifest] = load_service(self.snapshot, manifest)
        return self._loaded[manifest]

    def all(self) -> list[Service]:
        return [self.service_at(m) for m in self.manifests]

    @cached_property
    def _claims(self) -> list[tuple[str, str]]:
        """(manifest, extra path) pairs: `paths:` globs and documents named outside the service's directory.

        A change's tree takes its base's pairs and works out only the manifests it changed; a
        commit's pairs are kept in the git directory, and each manifest's are kept by blob id,
        so thousands of services are read once, not on every run.
        """
        snapshot = self.snapshot
        if snapshot.base is not None:
            changed = {p for c in snapshot.changes for p in (c.path, c.old_path) if p and posixpath.basename(p) == MANIFEST}
            kept = [(m, claim) for m, claim in Catalog.of(snapshot.base)._claims if m not in changed]
            return kept + self._claims_by_blob({m: e for m in sorted(changed) if (e := snapshot.entry(m)) is not None})
        if snapshot.rev in (EMPTY, INDEX):
            return self._claims_by_blob({m: self.entries[m] for m in self.manifests})
        store = Store(snapshot.repo.git_dir, "claims")
        pairs = _pairs(store.get(snapshot.rev))
        if pairs is not None:
            return pairs
        nearest = _nearest(store, snapshot.repo, snapshot.rev)  # a commit never seen: redo what changed since
        before = _pairs(nearest[0]) if nearest is not None else None
        if nearest is not None and before is not None:
            redo = {c.path: c.new for c in nearest[1] if posixpath.basename(c.path) == MANIFEST}
            pairs = [(m, claim) for m, claim in before if m not in redo]
            pairs += self._claims_by_blob({m: e for m, e in sorted(redo.items()) if e is not None})
        else:
            pairs = self._claims_by_blob({m: self.entries[m] for m in self.manifests})
        store.put(snapshot.rev, [list(p) for p in pairs])
        return pairs

    def _claims_by_blob(self, manifests: dict[str, Entry]) -> list[tuple[str, str]]:
        keys = {m: f"{e.sha}:{_root(m)}" for m, e in manifests.items()}
        cache = _ClaimCache(self.snapshot.repo)
        missing = [m for m in manifests if keys[m] not in cache.entries]
        if missing:
            texts = self.snapshot.repo.blobs([manifests[m].sha for m in missing])
            for manifest in missing:
                raw = texts.get(manifests[manifest].sha, b"") if manifests[manifest].mode.startswith("100") else b""
                cache.entries[keys[manifest]] = list(claims_of(raw, _root(manifest), manifest))
            cache.save()
        return [(m, claim) for m in manifests for claim in cache.entries[keys[m]]]

    def owner_by_prefix(self, path: str) -> Service | None:
        """The service whose directory is the path's nearest ancestor with a service.yaml."""
        directory = path
        while directory:
            directory = directory.rpartition("/")[0]
            manifest = f"{directory}/{MANIFEST}" if directory else MANIFEST
            if self.has(manifest):
                return self.service_at(manifest)
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


def _pairs(loaded: Any) -> list[tuple[str, str]] | None:
    """(manifest, claim) pairs as a claims file holds them, or None when it holds anything else."""
    if isinstance(loaded, list) and all(isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in loaded):
        return [(m, claim) for m, claim in loaded]
    return None


def _root(manifest: str) -> str:
    directory = manifest.rpartition("/")[0]
    return directory + "/" if directory else ""


def prepare(snapshot: Snapshot) -> None:
    """Start working out a tree's service.yaml list in the background (git does the listing
    while the caller reads configuration) when its claims are not kept from an earlier run;
    `manifest_entries` waits for it."""
    if "_manifests" in snapshot.__dict__ or "_manifest_thread" in snapshot.__dict__:
        return
    if snapshot.rev not in (EMPTY, INDEX) and Store(snapshot.repo.git_dir, "claims").newest_name() is not None:
        return  # the claims are kept, or worked out from a kept commit's: no list needed

    def work() -> None:
        try:
            manifest_entries(snapshot)
        except Exception:  # noqa: BLE001 - asked again on the main thread, which reports it properly
            snapshot.__dict__.pop("_manifests", None)

    thread = threading.Thread(target=work, daemon=True)
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
        return _apply(entries, snapshot.changes)
    repo, rev = snapshot.repo, snapshot.rev
    if rev in (EMPTY, INDEX):
        return repo.named(rev, MANIFEST)
    store = Store(repo.git_dir, "manifests")
    found = _entries(store.get(rev))
    if found is None:
        nearest = _nearest(store, repo, rev)
        base = _entries(nearest[0]) if nearest is not None else None
        found = _apply(base, nearest[1]) if nearest is not None and base is not None else repo.named(rev, MANIFEST)
        store.put(rev, {p: [e.mode, e.sha] for p, e in found.items()})
    return found


def _nearest(store: Store, repo: Any, rev: str) -> tuple[Any, list[Change]] | None:
    """The most recently kept commit's value, and the diff from that commit to `rev`."""
    kept = store.newest()
    if kept is None:
        return None
    try:
        return kept[1], repo.changes(kept[0], rev, renames=False)
    except GitError:  # that commit is gone (rewritten history, gc)
        return None


def _apply(entries: dict[str, Entry], changes: list[Change]) -> dict[str, Entry]:
    """The service.yaml entries of a tree, from another tree's and the diff between them."""
    result = dict(entries)
    for change in changes:
        if change.old_path is not None and change.status == "R" and posixpath.basename(change.old_path) == MANIFEST:
            result.pop(change.old_path, None)
        if posixpath.basename(change.path) == MANIFEST:
            if change.new is None:
                result.pop(change.path, None)
            else:
                result[change.path] = change.new
    return result


def _entries(loaded: Any) -> dict[str, Entry] | None:
    try:
        return {str(p): Entry(str(v[0]), str(v[1])) for p, v in loaded.items()}
    except (AttributeError, TypeError, IndexError, KeyError):
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
    return tuple(p for p in dict.fromkeys(found) if not _CONTROL.search(p))  # the schema rejects those: they claim nothing


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class _ClaimCache:
    """manifest blob id + root -> claims, in <git dir>/gate/claims-v1.json; a broken cache is rebuilt."""

    def __init__(self, repo: Any) -> None:
        self.path = os.path.join(repo.git_dir, "gate", "claims-v1.json")
        loaded = read_json(self.path)
        self.entries: dict[str, list[str]] = {k: v for k, v in loaded.items() if isinstance(v, list)} if isinstance(loaded, dict) else {}

    def save(self) -> None:
        write_json(self.path, self.entries)
