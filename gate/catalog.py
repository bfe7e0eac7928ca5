"""Service discovery: every service of a tree, and which services own a changed path.

A directory defines a service through its source files: gate's own `service.yaml`, a Backstage
`catalog-info.yaml` Component entity (`gate/backstage.py`), or both (the service.yaml extends the
entity). `Catalog.of(snapshot).all()` is the one place that returns the Service records of a
revision, whatever the sources.
"""

from __future__ import annotations

import copy
import hashlib
import posixpath
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from gate import backstage, globs
from gate import yaml as gate_yaml
from gate.cache import Store
from gate.errors import FatalError
from gate.git import Entry, folded
from gate.manifest_index import (
    ROOT_READING,
    ManifestIndex,
    claims_of,
    configure,
    manifest_entries,
    prepare,
    settings_of,
    source_names,
)
from gate.resources import errors_for, rejected_for
from gate.service import (
    MANIFEST,
    Located,
    Problem,
    Service,
    globs_of,
    manifest_path,
    named_deploy_file,
    root_of,
)
from gate.snapshot import Snapshot

__all__ = [
    "Catalog",
    "Located",
    "MANIFEST",
    "Problem",
    "Service",
    "claims_of",
    "configure",
    "load_directory",
    "load_manifest",
    "load_service",
    "manifest_entries",
    "manifest_path",
    "prepare",
    "settings_of",
    "source_names",
]


def load_service(snapshot: Snapshot, manifest: str) -> Service | None:
    """The service whose directory holds this source file (None when the directory defines none)."""
    return load_directory(snapshot, root_of(manifest))


def load_directory(
    snapshot: Snapshot, root: str, present: list[str] | None = None
) -> Service | None:
    """The service a directory's source files define: its service.yaml, its Backstage entity, or
    the entity extended by the service.yaml. `present`: those files, when the caller knows them."""
    settings = settings_of(snapshot.repo)
    names = source_names(snapshot.repo)
    if present is None:
        snapshot.prefetch([root + n for n in names])
        present = [
            root + n
            for n in names
            if (e := snapshot.entry(root + n)) is not None and e.mode != "040000"
        ]
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


def _with_entity(
    snapshot: Snapshot, path: str, own: Service | None, settings: backstage.Settings
) -> Service | None:
    """The service an entity file defines, extended by the directory's service.yaml when there is one."""
    root = root_of(path)
    raw = snapshot.read(path)
    fallback_name = posixpath.basename(root.rstrip("/")) or "(root)"
    if raw is None or not raw.strip():
        if own is not None:
            return None
        if raw is not None:
            return None  # an empty catalog file defines nothing
        problem = Problem(
            f"{posixpath.basename(path)} is not a regular file (symlink or submodule)", path, None
        )
        return Service(fallback_name, root, path, 0, None, None, (problem,), sources=(path,))
    found, error = backstage.load_entities(raw, path)
    if (
        error is not None
    ):  # unreadable: it may define a service, so it is judged as the strictest one
        if own is not None:
            return replace(
                own,
                sources=(own.manifest, path),
                notes=(*own.notes, Problem(error.message, path, error.line)),
            )
        return Service(
            fallback_name,
            root,
            path,
            0,
            None,
            None,
            (Problem(error.message, path, error.line),),
            sources=(path,),
        )
    candidates = [e for e in found if backstage.is_service(e, settings)]
    if not candidates:
        return None
    entity = next((e for e in candidates if own is not None and e.name == own.name), candidates[0])
    mapped = backstage.to_manifest(entity)
    notes = [Problem(message, path, line) for message, line in mapped.notes]
    others = [e.name for e in candidates if e is not entity]
    if others:
        notes.append(
            Problem(
                f"{len(others)} more service component(s) in this file ({', '.join(others)}) are not judged: "
                f"gate judges one service per directory; give each its own directory's {posixpath.basename(path)}",
                path,
                1,
            )
        )
    if own is None:
        data = mapped.data
        if "tier" not in data:
            data["tier"] = settings.default_tier
            notes.append(
                Problem(
                    f"no tier: judged at the default tier {settings.default_tier}; add a service.yaml beside "
                    f"the entity with `tier:` (gate init --from-backstage {path}) or the annotation {backstage.PREFIX}tier",
                    path,
                    entity.doc.line("metadata"),
                )
            )
        doc = gate_yaml.Document(data, mapped.lines)
        return Service(
            entity.name,
            root,
            path,
            int(data["tier"]),
            data,
            doc,
            (),
            globs_of(data),
            sources=(path,),
            notes=tuple(notes),
            legacy_paths=False,
        )
    if not own.parsed:
        return replace(own, sources=(own.manifest, path))
    assert own.data is not None
    merged, conflicts = backstage.merge(mapped.data, own.data)
    for dotted in conflicts:
        keys = tuple(dotted.split("."))
        mine, theirs = own.get(*keys), backstage._get(mapped.data, list(keys))
        resolution = (
            "the stricter tier is used"
            if dotted == "tier"
            else "both are used"
            if isinstance(mine, list)
            else f"{own.manifest} wins"
        )
        notes.append(
            Problem(
                f"{dotted} is {mine!r} in {own.manifest} but {theirs!r} in {path}: the two sources disagree ({resolution}); "
                "keep the value in one place",
                own.manifest,
                own.line(*keys),
            )
        )
    problems = tuple(p for p in own.problems if not _given_by_entity(p, merged))
    tier = merged.get("tier")
    tier = tier if isinstance(tier, int) and not isinstance(tier, bool) and 0 <= tier <= 3 else 0
    name = str(merged.get("name") or entity.name)
    return Service(
        name,
        root,
        own.manifest,
        tier,
        merged,
        own.doc,
        problems,
        globs_of(merged),
        sources=(own.manifest, path),
        notes=tuple(notes),
    )


def _recognise_stream(raw: bytes, manifest: str) -> str | None:
    """A multi-document service.yaml: another tool's documents (a Backstage catalog file, often)."""
    try:
        return next(
            (
                found
                for doc in gate_yaml.load_all(raw, manifest)
                if (found := backstage.recognise(doc.data))
            ),
            None,
        )
    except FatalError:
        return None


def _given_by_entity(problem: Problem, merged: dict[str, Any]) -> bool:
    """An extension service.yaml need not repeat what the entity gives (its name, a tier annotation)."""
    return any(
        problem.message
        in (
            f"schema: (top level): '{key}' is a required property",
            f"schema: (top level): missing required field {key}",
        )
        and key in merged
        for key in ("name", "tier")
    )


def load_manifest(snapshot: Snapshot, manifest: str) -> Service:
    """A service.yaml on its own."""
    root = posixpath.dirname(manifest)
    root = root + "/" if root else ""
    fallback_name = posixpath.basename(root.rstrip("/")) or "(root)"
    raw = snapshot.read(manifest)
    if raw is None:
        problem = Problem(
            "service.yaml is not a regular file (symlink or submodule)", manifest, None
        )
        return Service(fallback_name, root, manifest, 0, None, None, (problem,))
    try:
        doc = gate_yaml.load(raw, manifest)
    except FatalError as e:
        recognised = _recognise_stream(raw, manifest) if "single document" in e.message else None
        return Service(
            fallback_name,
            root,
            manifest,
            0,
            None,
            None,
            (Problem(recognised or e.message, manifest, 1 if recognised else e.line),),
        )
    data = doc.data
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        problem = Problem(f"service.yaml is {kind}, expected a mapping", manifest, 1)
        return Service(fallback_name, root, manifest, 0, None, doc, (problem,))
    recognised = backstage.recognise(data)
    if (
        recognised is not None
    ):  # another tool's document: one finding that says so, not a wall of schema errors
        return Service(
            fallback_name, root, manifest, 0, None, doc, (Problem(recognised, manifest, 1),)
        )
    errors = errors_for("service", data)
    problems = tuple(
        Problem(f"schema: {message}", manifest, doc.line(*path)) for path, message in errors
    )
    name = (
        str(data["name"])
        if isinstance(data.get("name"), str) and data.get("name")
        else fallback_name
    )
    tier = data.get("tier")
    # An unreadable tier is judged as the strictest: a broken manifest must not dodge rules.
    tier = tier if isinstance(tier, int) and not isinstance(tier, bool) and 0 <= tier <= 3 else 0
    data = accepted(data, rejected_for("service", data)) if errors else data
    return Service(name, root, manifest, tier, data, doc, problems, globs_of(data))


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
        self._entries: dict[str, Entry] | None = None  # every source file, once asked for
        self._alike: dict[str, list[str]] = {}  # source path -> tracked files spelled alike
        self._indexed: (
            tuple[Any, dict[str, list[str]], globs.PatternIndex, globs.PatternIndex] | None
        ) = None

    @property
    def entries(self) -> dict[str, Entry]:
        """Every source file of the tree; judging a change needs it only when its caches are cold."""
        if self._entries is None:
            self._entries = manifest_entries(self.snapshot)
            self.snapshot.know(self._entries)
        return self._entries

    def has(self, manifest: str) -> bool:
        """Whether the tree has this source file, without listing every service when it need not."""
        if self._entries is not None:
            return manifest in self._entries
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
        self._alike_sources(paths)

    @classmethod
    def of(cls, snapshot: Snapshot) -> Catalog:
        """The one catalog of a snapshot (built once, whoever asks first)."""
        if not isinstance(
            snapshot.catalog, cls
        ):  # None until built: the snapshot, a layer below, holds it untyped
            snapshot.catalog = cls(snapshot)
        return snapshot.catalog

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
        service = self.defining(manifest)
        if service is None:
            raise KeyError(manifest)
        return service

    def defining(self, manifest: str) -> Service | None:
        """The service whose directory holds this source file, if that directory defines one here.

        A file named like a source need not define a service (a Backstage Group, an entity of
        another kind or type, a broken one made so by the change)."""
        return self.service_in(root_of(manifest))

    def all(self) -> list[Service]:
        """Every service of the tree: the one function a source plugs into."""
        roots = sorted({root_of(p) for p in self.entries})
        self.snapshot.read_many(sorted(self.entries))
        found = [s for r in roots if (s := self.service_in(r)) is not None]
        return sorted(found, key=lambda s: s.manifest)

    @property
    def _claims(self) -> list[tuple[str, str]]:
        """(source file, extra path) pairs: `paths:` globs and documents named outside the service's directory."""
        return ManifestIndex.of(self.snapshot.repo).claims(self.snapshot)

    @property
    def _claim_index(
        self,
    ) -> tuple[dict[str, list[str]], globs.PatternIndex, globs.PatternIndex]:
        """The claims as (root-reading path -> manifests, an index of the other claims, the same
        folded), rebuilt only when the claims are: a path's owners cost what the path is, not how
        many claims there are."""
        claims = self._claims
        if self._indexed is None or self._indexed[0] is not claims:
            readers: dict[str, list[str]] = {}
            others = []
            for manifest, claim in claims:
                if claim.startswith(ROOT_READING):
                    readers.setdefault(claim[len(ROOT_READING) :], []).append(manifest)
                else:
                    others.append((claim, manifest))
            folds = [(folded(claim), manifest) for claim, manifest in others]
            self._indexed = (
                claims,
                readers,
                globs.PatternIndex(others),
                globs.PatternIndex(folds),
            )
        return self._indexed[1], self._indexed[2], self._indexed[3]

    def owner_by_prefix(self, path: str) -> Service | None:
        """The service whose directory is the path's nearest ancestor that defines one."""
        directory = path
        while directory:
            directory = directory.rpartition("/")[0]
            service = self.service_in(f"{directory}/" if directory else "")
            if service is not None:
                return service
        return None

    def alike_owners(self, path: str) -> list[Service]:
        """Services whose directory a case-insensitive checkout merges with one of the path's
        ancestors (`services/Payments/` beside `services/payments/`, or a U+017F LONG S): on such a
        file system the path is inside that service's directory."""
        found = []
        for source in self._alike_sources([path]):
            if (service := self.defining(source)) is not None:
                found.append(service)
        return found

    def _alike_sources(self, paths: list[str]) -> list[str]:
        """Source files spelled alike (`gate.git.folded`), not equal, to one a path's ancestor
        directory could hold: asked of git once for every path not asked about before."""
        names = source_names(self.snapshot.repo)
        candidates = {f"{d}/{n}" if d else n for p in paths for d in _ancestors(p) for n in names}
        todo = sorted(c for c in candidates if c not in self._alike)
        if todo:
            found = self.snapshot.repo.alike(self.snapshot.rev, todo, same_name=True)
            for candidate in todo:
                self._alike[candidate] = [f for f in found.get(candidate, []) if f != candidate]
        return sorted({f for c in candidates for f in self._alike[c]})

    def owners(self, path: str) -> list[Service]:
        """Every service a path belongs to: its directory's service, plus any that claim it.

        A path claimed by several services is judged by all of them, so no `paths:` glob can
        move a file away from a stricter service's rules.
        """
        owners: dict[str, Service] = {}
        prefix = self.owner_by_prefix(path)
        if prefix:
            owners[prefix.manifest] = prefix
        for alike in self.alike_owners(path):
            owners.setdefault(alike.manifest, alike)
        readers, claimed, folded_claims = self._claim_index
        for manifest in readers.get(path, ()):
            reader = self._reads_from_root(manifest, ROOT_READING + path, path)
            if reader is not None:
                owners.setdefault(reader.manifest, reader)
        # a claimed directory spelled otherwise is the same one on a case-insensitive checkout
        for manifest in [*claimed.matching(path), *folded_claims.matching(folded(path))]:
            service = self.service_in(root_of(manifest))
            if service is not None:
                owners.setdefault(service.manifest, service)
        named = named_deploy_file(path)
        for service in self._by_deploy_name.get(named, []) if named else []:
            owners.setdefault(service.manifest, service)
        return sorted(owners.values(), key=lambda s: s.manifest)

    def _reads_from_root(self, manifest: str, claim: str, path: str) -> Service | None:
        """The service that reads `path` through the old root reading at this revision, if it does:
        a file a service reads is that service's material, wherever it lies."""
        if claim[len(ROOT_READING) :] != path:
            return None
        service = self.service_in(root_of(manifest))
        if service is None or not any(
            service.locate(self.snapshot, value).path == path for _, value in service.named_paths()
        ):
            return None
        return service

    @cached_property
    def _by_deploy_name(self) -> dict[str, list[Service]]:
        """Services by the names a repository-level deploy file may carry (name, telemetry.service_name):
        read only when a changed path is such a file."""
        found: dict[str, list[Service]] = {}
        for service in self.all():
            for name in {service.name, service.get("telemetry", "service_name")}:
                if isinstance(name, str) and name:
                    found.setdefault(name, []).append(service)
        return found

    @cached_property
    def team_slugs(self) -> dict[tuple[str, str], str]:
        """Backstage Group entities' GitHub teams (`github.com/team-slug`), from every catalog file of the tree."""
        files = [p for p in sorted(self.entries) if posixpath.basename(p) != MANIFEST]
        # Kept by the blob ids of every catalog file: a check reads them once, not on every run.
        key = hashlib.sha256(
            "\0".join(f"{p}\1{self.entries[p].sha}" for p in files).encode()
        ).hexdigest()[:32]
        store = Store(self.snapshot.repo.git_dir, "team-slugs", keep=8)
        kept = store.get(key)
        if isinstance(kept, list) and all(
            isinstance(k, list) and len(k) == 3 and all(isinstance(x, str) for x in k) for k in kept
        ):
            return {(k[0], k[1]): k[2] for k in kept}
        texts = self.snapshot.read_many(files)
        found: list[backstage.Entity] = []
        for path in files:
            if (
                path in texts
                and b"Group" in texts[path]
                and backstage.TEAM_SLUG.encode() in texts[path]
            ):  # parse only files that can hold one
                found += backstage.load_entities(texts[path], path)[0]
        slugs = backstage.team_slugs(found)
        store.put(
            key, [[namespace, name, slug] for (namespace, name), slug in sorted(slugs.items())]
        )
        return slugs


def _ancestors(path: str) -> list[str]:
    """The directories above a path, nearest first ("" is the repository root)."""
    found = []
    directory = path
    while directory:
        directory = directory.rpartition("/")[0]
        found.append(directory)
    return found
