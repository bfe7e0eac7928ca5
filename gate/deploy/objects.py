"""Kubernetes objects as gate reads them: one record per object, with where it was written.

Raw YAML (multi-document streams) goes through the one YAML door with its limits; what a renderer
printed (`kubectl kustomize`, `helm template`) is read the same way, each object pointed back at
the template Helm names in its `# Source:` comment, else at what was rendered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from gate import yaml as gate_yaml
from gate.errors import FatalError

MAX_FILE_BYTES = gate_yaml.MAX_BYTES  # one raw YAML file
MAX_RENDERED_BYTES = 8 * 1024 * 1024  # one renderer's whole output
MAX_RENDERED_NODES = 800_000

WORKLOADS = ("Deployment", "StatefulSet", "Rollout", "DaemonSet")
_SOURCE = re.compile(r"^# Source: (\S+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Fault:
    """Why some deploy objects could not be judged. `kind`: unrendered (no tool, or the hook's
    staged run) or broken (unparsable YAML, a failing render, a timeout, output over the limit)."""

    kind: str
    message: str
    file: str
    line: int | None = None


@dataclass(frozen=True, eq=False)
class K8sObject:
    """One Kubernetes object and the file (and line) it was written in."""

    data: dict[str, Any]
    file: str
    doc: gate_yaml.Document | None  # None: rendered, lines unknown
    via: str = "raw"  # raw | kustomize | helm

    @property
    def kind(self) -> str:
        return str(self.data.get("kind") or "")

    @property
    def api(self) -> str:
        return str(self.data.get("apiVersion") or "")

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        return str(meta.get("name") or "") if isinstance(meta, dict) else ""

    @property
    def labels(self) -> dict[str, str]:
        return _labels(self.data.get("metadata"))

    @property
    def pod_labels(self) -> dict[str, str]:
        template = self.get("spec", "template")
        return _labels(template.get("metadata")) if isinstance(template, dict) else {}

    @property
    def is_workload(self) -> bool:
        return self.kind in WORKLOADS

    @property
    def title(self) -> str:
        return f"{self.kind} {self.name}"

    def get(self, *path: Any) -> Any:
        value: Any = self.data
        for step in path:
            if isinstance(value, dict) and step in value:
                value = value[step]
            elif isinstance(value, list) and isinstance(step, int) and 0 <= step < len(value):
                value = value[step]
            else:
                return None
        return value

    def line(self, *path: Any) -> int | None:
        return self.doc.line(*path) if self.doc is not None else None

    def pod_spec(self) -> dict[str, Any]:
        spec = self.get("spec", "template", "spec")
        return spec if isinstance(spec, dict) else {}

    def containers(self) -> list[tuple[int, dict[str, Any]]]:
        found = self.pod_spec().get("containers")
        if not isinstance(found, list):
            return []
        return [(i, c) for i, c in enumerate(found) if isinstance(c, dict)]


def _labels(meta: Any) -> dict[str, str]:
    labels = meta.get("labels") if isinstance(meta, dict) else None
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def parse(
    raw: bytes | str, file: str, via: str = "raw", max_bytes: int = MAX_FILE_BYTES
) -> tuple[list[K8sObject], list[Fault]]:
    """The objects of one YAML stream (lists of kind `List` opened); a stream the YAML door refuses
    is one broken fault naming the file and line, never an exception."""
    try:
        text = gate_yaml.decode(raw, file, max_bytes) if isinstance(raw, bytes) else raw
        if len(text) > max_bytes:
            raise FatalError(
                f"output is {len(text):,} characters, over the {max_bytes:,} limit", file
            )
        nodes = MAX_RENDERED_NODES if via != "raw" else gate_yaml.MAX_NODES
        docs = gate_yaml.load_all(text, file, nodes)
    except FatalError as e:
        return [], [Fault("broken", e.message, e.file or file, e.line)]
    sources = _sources(text) if via == "helm" else []
    found: list[K8sObject] = []
    for doc in docs:
        where = _source_at(sources, doc.start) or file
        kept = doc if via == "raw" else None
        if isinstance(doc.data, dict) and doc.data.get("kind") == "List":
            items = doc.data.get("items")
            found += [K8sObject(i, where, None, via) for i in items or [] if _is_object(i)]
        elif _is_object(doc.data):
            found.append(K8sObject(doc.data, where, kept, via))
    return found, []


def _is_object(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("kind"), str) and "apiVersion" in data


def _sources(text: str) -> list[tuple[int, str]]:
    """(line index, template path) of every `# Source:` comment Helm writes above an object."""
    return [(text.count("\n", 0, m.start()), m.group(1)) for m in _SOURCE.finditer(text)]


def _source_at(sources: list[tuple[int, str]], start: int) -> str | None:
    """The last `# Source:` at or before a document's first line."""
    found = None
    for line, path in sources:
        if line > start + 1:
            break
        found = path
    return found
