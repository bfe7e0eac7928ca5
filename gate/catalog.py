"""Service discovery: every service.yaml in a tree, and which services own a changed path."""
from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gate import globs
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.git import Snapshot
from gate.resources import schema_errors, validator

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

    def documents(self) -> dict[str, str]:
        """Repository paths of the runbook, rollback plan and OpenSLO files this manifest names."""
        docs: dict[str, str] = {}
        for role, value in (("runbook", self.get("runbook")), ("rollback plan", self.get("rollback", "plan"))):
            if isinstance(value, str) and not value.startswith("https://"):
                docs[value] = role
        for slo in self.get("slos") or []:
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
        Problem(f"schema: {message}", manifest, doc.line(*path)) for path, message in schema_errors(validator("service"), data)
    )
    name = data.get("name") if isinstance(data.get("name"), str) and data.get("name") else fallback_name
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
        files = self.snapshot.files
        self.manifests = tuple(sorted(p for p in files if posixpath.basename(p) == MANIFEST))
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
    def _claims(self) -> list[tuple[Service, str]]:
        """(service, extra path) pairs: `paths:` globs and the documents a manifest names."""
        claims: list[tuple[Service, str]] = []
        for service in self.all():
            claims += [(service, g) for g in service.globs]
            claims += [(service, d) for d in service.documents()]
        return claims

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
        for service, claim in self._claims:
            if claim == path or globs.matches(claim, path):
                owners.setdefault(service.manifest, service)
        return sorted(owners.values(), key=lambda s: s.manifest)
