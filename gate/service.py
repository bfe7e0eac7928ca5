"""The Service record: one service as its source files define it, and the paths it names.

How a directory's source files become a Service is gate/catalog.py's job; which files those are
in a tree, gate/manifest_index.py's.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from gate import yaml as gate_yaml

if TYPE_CHECKING:
    from gate.snapshot import Snapshot

MANIFEST = "service.yaml"


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
    legacy: bool = (
        False  # found only under the old reading (repository root), not beside the manifest
    )
    other: str | None = None  # the path under the other reading, when that one exists instead


@dataclass(frozen=True)
class Problem:
    """Something wrong with a file, pinned to a line."""

    message: str
    file: str
    line: int | None = None
    fix: str = ""  # what to do, when the rule's remediation does not fit this problem


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
    legacy_paths: bool = (
        True  # a service.yaml written before paths were relative to it may mean the root
    )

    @property
    def parsed(self) -> bool:
        return self.data is not None

    @property
    def files(self) -> tuple[str, ...]:
        return self.sources or (self.manifest,)

    @property
    def team(self) -> str | None:
        """The owning team as the catalog resolved it (service.yaml or the Backstage entity)."""
        value = self.get("owners", "team")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def oncall(self) -> str | None:
        """The on-call rotation as the catalog resolved it."""
        value = self.get("owners", "oncall")
        return value if isinstance(value, str) and value.strip() else None

    @property
    def lifecycle(self) -> str | None:
        value = self.get("lifecycle")
        return value if isinstance(value, str) else None

    def path(self, value: str) -> str | None:
        """The repository path a value in this manifest names (see `manifest_path`)."""
        return manifest_path(self.root, value)

    def locate(self, snapshot: Snapshot, value: str, trusted: Snapshot | None = None) -> Located:
        """Where to read a path this manifest names: beside the manifest (or from the root with a
        leading /); a service.yaml whose path exists only from the repository root keeps its old
        meaning, flagged `legacy` so the rule manifest-paths can say how to write it now.

        Which reading applies is decided by the files of `trusted` (the base branch's tip; the
        snapshot itself when judging one revision), never by the files of the revision judged: a
        change cannot redirect a path by adding or deleting files. Only a path the tip has under
        neither reading (a new document) is read as the judged revision has it. `other` (a hint
        for messages) is the other reading when `snapshot` has that file instead."""
        path = self.path(value)
        if value.startswith("/"):
            other = manifest_path(self.root, value.lstrip("/"))
            if path is not None and snapshot.entry(path) is not None:
                return Located(path, value)
            return Located(
                path,
                value,
                other=other if other and other != path and snapshot.is_file(other) else None,
            )
        root_reading = manifest_path("", value)
        if root_reading is None or root_reading == path:
            return Located(path, value)
        for decider in (trusted, snapshot) if trusted is not None else (snapshot,):
            if path is not None and decider.entry(path) is not None:
                return Located(path, value)
            if decider.entry(root_reading) is not None:
                if self.legacy_paths:
                    return Located(root_reading, value, legacy=True)
                break
        missing = path is None or snapshot.entry(path) is None
        hint = root_reading if missing and snapshot.entry(root_reading) is not None else None
        return Located(path, value, other=hint)

    def reads(self, snapshot: Snapshot) -> dict[str, str]:
        """Repository paths of the documents this service reads at a revision (`documents`, with a
        path the old root reading finds there in place of the one beside the manifest)."""
        docs: dict[str, str] = {}
        for role, value in self.named_paths():
            path = self.locate(snapshot, value).path
            if path is not None:
                docs[path] = role
        return docs

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
        for role, value in (
            ("runbook", self.get("runbook")),
            ("rollback plan", self.get("rollback", "plan")),
        ):
            if isinstance(value, str) and not value.startswith(("https://", "http://")):
                found.append((role, value))
        for slo in self.items("slos"):
            if isinstance(slo, dict) and isinstance(slo.get("openslo"), str):
                found.append(("OpenSLO document", slo["openslo"]))
            if isinstance(slo, dict) and isinstance(slo.get("sloth"), str):
                found.append(("Sloth spec", slo["sloth"]))
        return found

    def flag_claims(self) -> list[str]:
        """The feature-flag file a `strategy: feature-flag` rollback relies on (`rollback.flag_file`):
        production reads it at run time, so wherever it lives a change to it is a change to the service."""
        value = self.get("rollback", "flag_file")
        path = self.path(value) if isinstance(value, str) else None
        return [path] if path is not None else []

    def deploy_claims(self) -> list[str]:
        """Repository paths and globs of the deploy objects `deploy:` names (a directory as dir/**):
        the service's files wherever they live, so a change to them is judged as a change to it."""
        deploy = self.get("deploy")
        if not isinstance(deploy, dict):
            return []
        helm = deploy.get("helm")
        helm = helm if isinstance(helm, dict) else {}
        values: list[Any] = [
            *self.items("deploy", "paths"),
            deploy.get("kustomize"),
            helm.get("chart"),
            *self.items("deploy", "helm", "values"),
        ]
        found = []
        for value in values:
            path = self.path(value) if isinstance(value, str) else None
            if path is None:
                continue
            is_file = path.endswith((".yaml", ".yml", ".json")) or any(c in path for c in "*?[")
            found.append(path if is_file else path + "/**")
        return found


# Repository-level directories of deploy objects, one file (or directory) per service, named after it.
SHARED_DEPLOY_DIRS = ("kubernetes-manifests",)


def named_deploy_file(path: str) -> str | None:
    """The service name a repository-level deploy file is named after
    (`kubernetes-manifests/cart.yaml`, `kubernetes-manifests/cart/...` -> cart), else None."""
    top, _, rest = path.partition("/")
    if top not in SHARED_DEPLOY_DIRS or not rest:
        return None
    first = rest.split("/", 1)[0]
    stem, dot, ext = first.rpartition(".")
    if "/" in rest:
        return first
    return stem if dot and ext in ("yaml", "yml", "json") else None


def globs_of(data: dict[str, Any]) -> tuple[str, ...]:
    paths = data.get("paths")
    return tuple(p for p in paths if isinstance(p, str)) if isinstance(paths, list) else ()


def root_of(manifest: str) -> str:
    directory = manifest.rpartition("/")[0]
    return directory + "/" if directory else ""
