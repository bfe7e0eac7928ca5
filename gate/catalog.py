"""Service discovery: every service of a tree, and which services own a changed path.

A directory defines a service through its source files: gate's own `service.yaml`, a Backstage
`catalog-info.yaml` Component entity (`gate/backstage.py`), or both (the service.yaml extends the
entity). `Catalog.of(snapshot).all()` is the one place that returns the Service records of a
revision, whatever the sources.
"""
from __future__ import annotations

import copy
import hashlib
import os
import posixpath
import re
import threading
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, NamedTuple

from gate import backstage, globs
from gate.cache import Store, read_json, write_json
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.git import EMPTY, INDEX, Change, Entry, GitError, Repo, Snapshot
from gate.resources import errors_for, rejected_for

MANIFEST = "service.yaml"


def configure(repo: Repo, settings: backstage.Settings) -> None:
    """The trusted (base revision's) source settings every catalog of this repository uses."""
    repo.__dict__["_sources"] = settings


def settings_of(repo: Repo) -> backstage.Settings:
    found = repo.__dict__.get("_sources")
    return found if isinstance(found, backstage.Settings) else backstage.Settings()


def source_names(repo: Repo) -> tuple[str, ...]:
    """The file names that define services: service.yaml, then the Backstage catalog files."""
    return (MANIFEST, *(n for n in settings_of(repo).files if n != MANIFEST))


def _sources_key(repo: Repo) -> str:
    """Names and types decide which files define services: caches are kept per setting."""
    settings = settings_of(repo)
    text = "\0".join(source_names(repo)) + "\1" + "\0".join(settings.types)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def manifest_path(root: str, value: str) -> str | None:
    """A path written in a manifest as a repository path: relative to the manifest's directory,
    a leading `/` meaning the repository root; None when it leaves the repository."""
    target = value.lstrip("/") if value.startswith("/") else root + value
    normal = posixpath.normpath(target) if target else "."
    if normal in (".", "..") or normal.startswith("../") or normal.startswith("/"):
        return None
    return normal


class Located(NamedTuple):
    """Where gate reads a path a manifest names."""

    path: str | None  # the repository path read (None: it leaves the repository)
    written: str  # the value as the manifest gives it
    legacy: bool = False  # found only under the old reading (repository root), not beside the manifest
    other: str | None = None  # the path under the other reading, when that one exists instead


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
    sources: tuple[str, ...] = ()  # every file that defines it (service.yaml, catalog-info.yaml)
    notes: tuple[Problem, ...] = ()  # where its sources disagree or an entity lacks what gate needs
    legacy_paths: bool = True  # a service.yaml written before paths were relative to it may mean the root

    @property
    def parsed(self) -> bool:
        return self.data is not None

    @property
    def files(self) -> tuple[str, ...]:
        return self.sources or (self.manifest,)

    @property
    def lifecycle(self) -> str | None:
        value = self.get("lifecycle")
        return value if isinstance(value, str) else None

    def path(self, value: str) -> str | None:
        """The repository path a value in this manifest names (see `manifest_path`)."""
        return manifest_path(self.root, value)

    def locate(self, snapshot: Snapshot, value: str) -> Located:
        """Where to read a path this manifest names: beside the manifest (or from the root with a
        leading /); a service.yaml whose path exists only from the repository root keeps its old
        meaning, flagged `legacy` so the rule manifest-paths can say how to write it now."""
        path = self.path(value)
        if path is not None and snapshot.entry(path) is not None:
            return Located(path, value)
        if value.startswith("/"):
            other = manifest_path(self.root, value.lstrip("/"))
            return Located(path, value, other=other if other and other != path and snapshot.is_file(other) else None)
        root_reading = manifest_path("", value)
        if root_reading is None or root_reading == path or snapshot.entry(root_reading) is None:
            return Located(path, value)
        if self.legacy_paths:
            return Located(root_reading, value, legacy=True)
        return Located(path, value, other=root_reading)

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
        for role, value in self.named_paths():
            path = self.path(value)
            if path is not None:
                docs[path] = role
        return docs

    def named_paths(self) -> list[tuple[str, str]]:
        """(role, value as written) of every repository path the manifest names."""
        found = []
        for role, value in (("runbook", self.get("runbook")), ("rollback plan", self.get("rollback", "plan"))):
            if isinstance(value, str) and not value.startswith(("https://", "http://")):
                found.append((role, value))
        for slo in self.items("slos"):
            if isinstance(slo, dict) and isinstance(slo.get("openslo"), str):
                found.append(("OpenSLO document", slo["openslo"]))
            if isinstance(slo, dict) and isinstance(slo.get("sloth"), str):
                found.append(("Sloth spec", slo["sloth"]))
        return found


def load_service(snapshot: Snapshot, manifest: str) -> Service | None:
    """The service whose directory holds this source file (None when the directory defines none)."""
    return load_directory(snapshot, _root(manifest))


def load_directory(snapshot: Snapshot, root: str, present: list[str] | None = None) -> Service | None:
    """The service a directory's source files define: its service.yaml, its Backstage entity, or
    the entity extended by the service.yaml. `present`: those files, when the caller knows them."""
    settings = settings_of(snapshot.repo)
    names = source_names(snapshot.repo)
    if present is None:
        snapshot.prefetch([root + n for n in names])
        present = [root + n for n in names if (e := snapshot.entry(root + n)) is not None and e.mode != "040000"]
    if not present:
        return None
    own = load_manifest(snapshot, present[0]) if present[0] == root + MANIFEST else None
    for path in present:
        if path == root + MANIFEST:
            continue
        service = _with_entity(snapshot, path, own, settings)
        if service is not None:
            return service
    return own


def _with_entity(snapshot: Snapshot, path: str, own: Service | None, settings: backstage.Settings) -> Service | None:
    """The service an entity file defines, extended by the directory's service.yaml when there is one."""
    root = _root(path)
    raw = snapshot.read(path)
    fallback_name = posixpath.basename(root.rstrip("/")) or "(root)"
    if raw is None or not raw.strip():
        if own is not None:
            return None
        if raw is not None:
            return None  # an empty catalog file defines nothing
        problem = Problem(f"{posixpath.basename(path)} is not a regular file (symlink or submodule)", path, None)
        return Service(fallback_name, root, path, 0, None, None, (problem,), sources=(path,))
    found, error = backstage.load_entities(raw, path)
    if error is not None:  # unreadable: it may define a service, so it is judged as the strictest one
        if own is not None:
            return replace(own, sources=(own.manifest, path), notes=(*own.notes, Problem(error.message, path, error.line)))
        return Service(fallback_name, root, path, 0, None, None, (Problem(error.message, path, error.line),), sources=(path,))
    candidates = [e for e in found if backstage.is_service(e, settings)]
    if not candidates:
        return None
    entity = next((e for e in candidates if own is not None and e.name == own.name), candidates[0])
    mapped = backstage.to_manifest(entity)
    notes = [Problem(message, path, line) for message, line in mapped.notes]
    others = [e.name for e in candidates if e is not entity]
    if others:
        notes.append(Problem(f"{len(others)} more service component(s) in this file ({', '.join(others)}) are not judged: "
                             f"gate judges one service per directory; give each its own directory's {posixpath.basename(path)}",
                             path, 1))
    if own is None:
        data = mapped.data
        if "tier" not in data:
            data["tier"] = settings.default_tier
            notes.append(Problem(f"no tier: judged at the default tier {settings.default_tier}; add a service.yaml beside "
                                 f"the entity with `tier:` (gate init --from-backstage {path}) or the annotation {backstage.PREFIX}tier",
                                 path, entity.doc.line("metadata")))
        doc = gate_yaml.Document(data, mapped.lines)
        return Service(entity.name, root, path, int(data["tier"]), data, doc, (), _globs(data), sources=(path,),
                       notes=tuple(notes), legacy_paths=False)
    if not own.parsed:
        return replace(own, sources=(own.manifest, path))
    assert own.data is not None
    merged, conflicts = backstage.merge(mapped.data, own.data)
    for dotted in conflicts:
        keys = tuple(dotted.split("."))
        mine, theirs = own.get(*keys), backstage._get(mapped.data, list(keys))
        resolution = "the stricter tier is used" if dotted == "tier" else "both are used" if isinstance(mine, list) else f"{own.manifest} wins"
        notes.append(Problem(f"{dotted} is {mine!r} in {own.manifest} but {theirs!r} in {path}: the two sources disagree ({resolution}); "
                             "keep the value in one place", own.manifest, own.line(*keys)))
    problems = tuple(p for p in own.problems if not _given_by_entity(p, merged))
    tier = merged.get("tier")
    tier = tier if isinstance(tier, int) and not isinstance(tier, bool) and 0 <= tier <= 3 else 0
    name = str(merged.get("name") or entity.name)
    return Service(name, root, own.manifest, tier, merged, own.doc, problems, _globs(merged), sources=(own.manifest, path),
                   notes=tuple(notes))


def _recognise_stream(raw: bytes, manifest: str) -> str | None:
    """A multi-document service.yaml: another tool's documents (a Backstage catalog file, often)."""
    try:
        return next((found for doc in gate_yaml.load_all(raw, manifest) if (found := backstage.recognise(doc.data))), None)
    except FatalError:
        return None


def _given_by_entity(problem: Problem, merged: dict[str, Any]) -> bool:
    """An extension service.yaml need not repeat what the entity gives (its name, a tier annotation)."""
    return any(problem.message in (f"schema: (top level): '{key}' is a required property", f"schema: (top level): missing required field {key}")
               and key in merged for key in ("name", "tier"))


def _globs(data: dict[str, Any]) -> tuple[str, ...]:
    paths = data.get("paths")
    return tuple(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()


def load_manifest(snapshot: Snapshot, manifest: str) -> Service:
    """A service.yaml on its own."""
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
        recognised = _recognise_stream(raw, manifest) if "single document" in e.message else None
        return Service(fallback_name, root, manifest, 0, None, None, (Problem(recognised or e.message, manifest, 1 if recognised else e.line),))
    data = doc.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problem = Problem(f"service.yaml is {kind}, expected a mapping", manifest, 1)
        return Service(fallback_name, root, manifest, 0, None, doc, (problem,))
    recognised = backstage.recognise(data)
    if recognised is not None:  # another tool's document: one finding that says so, not a wall of schema errors
        return Service(fallback_name, root, manifest, 0, None, doc, (Problem(recognised, manifest, 1),))
    errors = errors_for("service", data)
    problems = tuple(Problem(f"schema: {message}", manifest, doc.line(*path)) for path, message in errors)
    name = str(data["name"]) if isinstance(data.get("name"), str) and data.get("name") else fallback_name
    tier = data.get("tier")
    # An unreadable tier is judged as the strictest: a broken manifest must not dodge rules.
    tier = tier if isinstance(tier, int) and not isinstance(tier, bool) and 0 <= tier <= 3 else 0
    data = accepted(data, rejected_for("service", data)) if errors else data
    return Service(name, root, manifest, tier, data, doc, problems, _globs(data))


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
        self._loaded: dict[str, Service | None] = {}  # service directory -> its service

    @cached_property
    def entries(self) -> dict[str, Entry]:
        """Every source file of the tree; judging a change needs it only when its caches are cold."""
        entries = manifest_entries(self.snapshot)
        self.snapshot.know(entries)
        return entries

    def has(self, manifest: str) -> bool:
        """Whether the tree has this source file, without listing every service when it need not."""
        if "entries" in self.__dict__:
            return manifest in self.entries
        entry = self.snapshot.entry(manifest)
        return entry is not None and entry.mode != "040000"

    def prefetch(self, paths: list[str]) -> None:
        """Ask once about every source file that could own these paths by directory."""
        names = source_names(self.snapshot.repo)
        candidates: set[str] = set()
        for path in paths:
            directory = path
            while directory:
                directory = directory.rpartition("/")[0]
                candidates.update(f"{directory}/{n}" if directory else n for n in names)
        self.snapshot.prefetch(sorted(candidates))

    @classmethod
    def of(cls, snapshot: Snapshot) -> Catalog:
        """The one catalog of a snapshot (built once, whoever asks first)."""
        if "_catalog" not in snapshot.__dict__:
            snapshot.__dict__["_catalog"] = cls(snapshot)
        return snapshot.__dict__["_catalog"]  # type: ignore[no-any-return]

    @cached_property
    def manifests(self) -> tuple[str, ...]:
        """The file that names each service (its service.yaml, else its entity file)."""
        return tuple(s.manifest for s in self.all())

    def service_in(self, root: str) -> Service | None:
        """The service a directory (with a trailing slash, "" for the root) defines, if any."""
        if root not in self._loaded:
            present = [root + n for n in source_names(self.snapshot.repo) if self.has(root + n)]
            self._loaded[root] = load_directory(self.snapshot, root, present) if present else None
        return self._loaded[root]

    def service_at(self, manifest: str) -> Service:
        service = self.service_in(_root(manifest))
        if service is None:
            raise KeyError(manifest)
        return service

    def all(self) -> list[Service]:
        """Every service of the tree: the one function a source plugs into."""
        roots = sorted({_root(p) for p in self.entries})
        self.snapshot.read_many(sorted(self.entries))
        found = [s for r in roots if (s := self.service_in(r)) is not None]
        return sorted(found, key=lambda s: s.manifest)

    @cached_property
    def _claims(self) -> list[tuple[str, str]]:
        """(source file, extra path) pairs: `paths:` globs and documents named outside the service's directory.

        A change's tree takes its base's pairs and works out only the source files it changed; a
        commit's pairs are kept in the git directory, and each file's are kept by blob id,
        so thousands of services are read once, not on every run.
        """
        snapshot = self.snapshot
        names = set(source_names(snapshot.repo))
        if snapshot.base is not None:
            changed = {p for c in snapshot.changes for p in (c.path, c.old_path) if p and posixpath.basename(p) in names}
            kept = [(m, claim) for m, claim in Catalog.of(snapshot.base)._claims if m not in changed]
            return kept + self._claims_by_blob({m: e for m in sorted(changed) if (e := snapshot.entry(m)) is not None})
        if snapshot.rev in (EMPTY, INDEX):
            return self._claims_by_blob(dict(sorted(self.entries.items())))
        store = Store(snapshot.repo.git_dir, f"claims-{_sources_key(snapshot.repo)}")
        pairs = _pairs(store.get(snapshot.rev))
        if pairs is not None:
            return pairs
        nearest = _nearest(store, snapshot.repo, snapshot.rev)  # a commit never seen: redo what changed since
        before = _pairs(nearest[0]) if nearest is not None else None
        if nearest is not None and before is not None:
            redo = {c.path: c.new for c in nearest[1] if posixpath.basename(c.path) in names}
            pairs = [(m, claim) for m, claim in before if m not in redo]
            pairs += self._claims_by_blob({m: e for m, e in sorted(redo.items()) if e is not None})
        else:
            pairs = self._claims_by_blob(dict(sorted(self.entries.items())))
        store.put(snapshot.rev, [list(p) for p in pairs])
        return pairs

    def _claims_by_blob(self, manifests: dict[str, Entry]) -> list[tuple[str, str]]:
        keys = {m: f"{e.sha}:{_root(m)}:{posixpath.basename(m)}" for m, e in manifests.items()}
        cache = _ClaimCache(self.snapshot.repo)
        missing = [m for m in manifests if keys[m] not in cache.entries]
        if missing:
            texts = self.snapshot.repo.blobs([manifests[m].sha for m in missing])
            settings = settings_of(self.snapshot.repo)
            for manifest in missing:
                raw = texts.get(manifests[manifest].sha, b"") if manifests[manifest].mode.startswith("100") else b""
                cache.entries[keys[manifest]] = list(claims_of(raw, _root(manifest), manifest, settings))
            cache.save()
        return [(m, claim) for m in manifests for claim in cache.entries[keys[m]]]

    def owner_by_prefix(self, path: str) -> Service | None:
        """The service whose directory is the path's nearest ancestor that defines one."""
        directory = path
        while directory:
            directory = directory.rpartition("/")[0]
            service = self.service_in(f"{directory}/" if directory else "")
            if service is not None:
                return service
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
                service = self.service_in(_root(manifest))
                if service is not None:
                    owners.setdefault(service.manifest, service)
        return sorted(owners.values(), key=lambda s: s.manifest)

    @cached_property
    def team_slugs(self) -> dict[tuple[str, str], str]:
        """Backstage Group entities' GitHub teams (`github.com/team-slug`), from every catalog file of the tree."""
        files = [p for p in sorted(self.entries) if posixpath.basename(p) != MANIFEST]
        # Kept by the blob ids of every catalog file: a check reads them once, not on every run.
        key = hashlib.sha256("\0".join(f"{p}\1{self.entries[p].sha}" for p in files).encode()).hexdigest()[:32]
        store = Store(self.snapshot.repo.git_dir, "team-slugs", keep=8)
        kept = store.get(key)
        if isinstance(kept, list) and all(isinstance(k, list) and len(k) == 3 and all(isinstance(x, str) for x in k) for k in kept):
            return {(k[0], k[1]): k[2] for k in kept}
        texts = self.snapshot.read_many(files)
        found: list[backstage.Entity] = []
        for path in files:
            if path in texts and b"Group" in texts[path] and backstage.TEAM_SLUG.encode() in texts[path]:  # parse only files that can hold one
                found += backstage.load_entities(texts[path], path)[0]
        slugs = backstage.team_slugs(found)
        store.put(key, [[namespace, name, slug] for (namespace, name), slug in sorted(slugs.items())])
        return slugs


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
    if snapshot.rev not in (EMPTY, INDEX) and Store(snapshot.repo.git_dir, f"claims-{_sources_key(snapshot.repo)}").newest_name() is not None:
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
    key = _sources_key(snapshot.repo)  # the settings may have arrived after a listing started
    if snapshot.__dict__.get("_manifests_key") != key:
        snapshot.__dict__.pop("_manifests", None)
    if "_manifests" not in snapshot.__dict__:
        snapshot.__dict__["_manifests"] = _manifest_entries(snapshot)
        snapshot.__dict__["_manifests_key"] = key
    return snapshot.__dict__["_manifests"]  # type: ignore[no-any-return]


def _manifest_entries(snapshot: Snapshot) -> dict[str, Entry]:
    names = source_names(snapshot.repo)
    if snapshot.base is not None:
        entries = manifest_entries(snapshot.base)
        snapshot.base.know(entries)
        return _apply(entries, snapshot.changes, names)
    repo, rev = snapshot.repo, snapshot.rev
    if rev in (EMPTY, INDEX):
        return repo.named(rev, *names)
    store = Store(repo.git_dir, f"sources-{_sources_key(repo)}")
    found = _entries(store.get(rev))
    if found is None:
        nearest = _nearest(store, repo, rev)
        base = _entries(nearest[0]) if nearest is not None else None
        found = _apply(base, nearest[1], names) if nearest is not None and base is not None else repo.named(rev, *names)
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


def _apply(entries: dict[str, Entry], changes: list[Change], names: tuple[str, ...]) -> dict[str, Entry]:
    """The source file entries of a tree, from another tree's and the diff between them."""
    result = dict(entries)
    for change in changes:
        if change.old_path is not None and change.status == "R" and posixpath.basename(change.old_path) in names:
            result.pop(change.old_path, None)
        if posixpath.basename(change.path) in names:
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


_INDIRECT = (b"paths", b"openslo", b"sloth", b"&", b"*", b"<<")  # keys that claim paths, or YAML anchors and merges
_DOCUMENT = re.compile(rb"(?:runbook|plan)\s*:\s*[\"']?([^\s\"'#,}\]]+)")


def claims_of(raw: bytes, root: str, manifest: str, settings: backstage.Settings | None = None) -> tuple[str, ...]:
    """What a source file claims beyond its own directory; parses YAML only when the text may claim something."""
    named = _DOCUMENT.findall(raw)
    outside = any(v.startswith(b"/") or b".." in v for v in named if not v.startswith((b"https://", b"http://")))
    if not any(marker in raw for marker in _INDIRECT) and not outside:
        return ()  # paths are relative to the manifest: without / or .. they stay in its directory
    datas = []
    if posixpath.basename(manifest) == MANIFEST:
        try:
            doc = gate_yaml.load(raw, manifest)
        except FatalError:
            return ()
        datas.append(doc.data)
    else:
        found, _ = backstage.load_entities(raw, manifest)
        datas += [backstage.to_manifest(e).data for e in found if backstage.is_service(e, settings or backstage.Settings())][:1]
    claims: list[str] = []
    for data in datas:
        if not isinstance(data, dict):
            continue
        service = Service("", root, manifest, 0, data, None)
        claims += _globs(data)
        claims += [d for d in service.documents() if not d.startswith(root) or not root]
    return tuple(p for p in dict.fromkeys(claims) if not _CONTROL.search(p))  # the schema rejects those: they claim nothing


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class _ClaimCache:
    """source file blob id + root + name -> claims, in <git dir>/gate/claims-v2.json; a broken cache is rebuilt."""

    def __init__(self, repo: Any) -> None:
        self.path = os.path.join(repo.git_dir, "gate", "claims-v2.json")
        loaded = read_json(self.path)
        self.entries: dict[str, list[str]] = {k: v for k, v in loaded.items() if isinstance(v, list)} if isinstance(loaded, dict) else {}

    def save(self) -> None:
        write_json(self.path, self.entries)
