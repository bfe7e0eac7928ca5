"""A service's deploy objects: where they are, read or rendered, as records the rules judge.

One module per source of objects, each with `read(snapshot, spec, settings) -> Found`, listed in
SOURCES and imported only when a service uses it: raw YAML files (`gate.deploy.raw`), a Kustomize
directory (`gate.deploy.kustomize`, rendered with `kubectl kustomize`), a Helm chart
(`gate.deploy.helm`, rendered with `helm template`). `gate.deploy.find` decides which sources a
service has (its manifest's `deploy:` at the trusted tip and in the head, else common layouts) and
`gate.deploy.rules` holds the check kinds the default pack names.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Protocol

from gate.deploy.objects import MAX_RENDERED_BYTES, Fault, K8sObject
from gate.snapshot import Snapshot

SOURCES = {
    "paths": "gate.deploy.raw",
    "kustomize": "gate.deploy.kustomize",
    "helm": "gate.deploy.helm",
}


@dataclass(frozen=True)
class Spec:
    """One place a service's objects come from: raw paths, a Kustomize directory or a Helm chart."""

    source: str  # a key of SOURCES
    path: str  # repository path: a file, a directory or a glob (paths); the directory (kustomize, helm)
    values: tuple[str, ...] = ()  # Helm values files, repository paths
    named_in: str = ""  # the manifest that names it ("" when found by layout)
    line: int | None = None
    release: str = "release"  # Helm's release name


@dataclass(frozen=True)
class Settings:
    """How rendering runs: never in the pre-commit hook's staged run unless `staged`."""

    staged: bool = False
    timeout: float = 30.0
    max_bytes: int = MAX_RENDERED_BYTES


@dataclass(frozen=True)
class Found:
    objects: tuple[K8sObject, ...] = ()
    faults: tuple[Fault, ...] = ()
    judged: tuple[str, ...] = field(default=())  # the files read


class Source(Protocol):
    def read(self, snapshot: Snapshot, spec: Spec, settings: Settings) -> Found: ...


def source(name: str) -> Source:
    module: Source = importlib.import_module(SOURCES[name])
    return module
