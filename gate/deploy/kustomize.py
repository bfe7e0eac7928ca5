"""A Kustomize directory, rendered with `kubectl kustomize` when kubectl is on PATH.

Without kubectl (or in the hook's staged run) the resources the kustomization lists are read as
written (bases followed, patches not applied), and a fault says so. Rendered objects point back
at the file that wrote an object of the same kind and name, so a finding still has a line.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile

from gate import yaml as gate_yaml
from gate.deploy import Found, Settings, Spec, render
from gate.deploy.objects import Fault, K8sObject, parse
from gate.deploy.raw import YAML, read_files
from gate.errors import FatalError
from gate.git import INDEX
from gate.snapshot import Snapshot

NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
MAX_DEPTH = 10


def kustomization(snapshot: Snapshot, directory: str) -> str | None:
    for name in NAMES:
        path = posixpath.join(directory, name) if directory else name
        if snapshot.is_file(path):
            return path
    return None


def read(snapshot: Snapshot, spec: Spec, settings: Settings) -> Found:
    where = kustomization(snapshot, spec.path)
    if where is None:
        return Found(
            faults=(
                Fault(
                    "broken",
                    f"{spec.path} has no kustomization.yaml",
                    spec.named_in or spec.path,
                    spec.line,
                ),
            )
        )
    as_written = read_files(snapshot, written(snapshot, spec.path), "raw")
    if remote(snapshot, spec.path):
        why = "it names a remote resource, which gate never fetches"
    elif snapshot.rev == INDEX and not settings.staged:
        why = "not rendered in the staged (pre-commit) run"
    elif not render.available("kubectl"):
        why = "kubectl is not on PATH"
    else:
        return _rendered(snapshot, spec.path, where, settings, as_written)
    note = Fault(
        "unrendered",
        f"Kustomize {spec.path}: {why}; judged instead: its resources as written, without patches ({len(as_written.objects)} object(s) from {len(as_written.judged)} file(s))",
        where,
    )
    return Found(as_written.objects, (note, *as_written.faults), as_written.judged)


def _entries(snapshot: Snapshot, directory: str) -> list[str]:
    """What a kustomization lists under `resources`, `bases` and `components`."""
    where = kustomization(snapshot, directory)
    raw = snapshot.read(where) if where else None
    if raw is None or where is None:
        return []
    try:
        data = gate_yaml.load(raw, where).data
    except FatalError:
        return []
    if not isinstance(data, dict):
        return []
    listed = [e for key in ("resources", "bases", "components") for e in data.get(key) or []]
    return [e for e in listed if isinstance(e, str)]


def _is_remote(entry: str) -> bool:
    return "://" in entry or entry.startswith(
        ("github.com/", "git@", "gitlab.com/", "bitbucket.org/")
    )


def remote(snapshot: Snapshot, directory: str, depth: int = 0) -> bool:
    """Whether the kustomization, or a local base it builds on, names a remote resource."""
    if depth > MAX_DEPTH:
        return False
    for entry in _entries(snapshot, directory):
        if _is_remote(entry):
            return True
        path = posixpath.normpath(posixpath.join(directory, entry))
        if (
            not path.startswith("..")
            and not path.endswith(YAML)
            and remote(snapshot, path, depth + 1)
        ):
            return True
    return False


def written(snapshot: Snapshot, directory: str, depth: int = 0) -> list[str]:
    """The YAML files a kustomization lists under `resources` (and the old `bases`), directories followed."""
    if depth > MAX_DEPTH:
        return []
    found: list[str] = []
    for entry in _entries(snapshot, directory):
        if _is_remote(entry):
            continue
        path = posixpath.normpath(posixpath.join(directory, entry))
        if path.startswith(".."):
            continue
        if path.endswith(YAML) and snapshot.is_file(path):
            found.append(path)
        else:
            found += written(snapshot, path, depth + 1)
    return list(dict.fromkeys(found))


def _rendered(
    snapshot: Snapshot, directory: str, where: str, settings: Settings, as_written: Found
) -> Found:
    top = directory.split("/")[0] if "/" in directory else directory
    folder = tempfile.mkdtemp(prefix="gate-kustomize-")
    try:
        refused = render.materialise(snapshot, top, folder)
        if refused:
            return Found(
                faults=(Fault("broken", f"Kustomize {directory}: not rendered: {refused}", where),)
            )
        outcome = render.run(
            ["kubectl", "kustomize", os.path.join(folder, *directory.split("/"))],
            folder,
            settings.timeout,
            settings.max_bytes,
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if outcome.status != "ok":
        return Found(
            faults=(
                Fault(
                    "broken",
                    f"Kustomize {directory}: {outcome.message}; nothing from it was judged",
                    where,
                ),
            )
        )
    objects, faults = parse(outcome.output, where, "kustomize", settings.max_bytes)
    return Found(tuple(point_back(objects, as_written.objects)), tuple(faults), as_written.judged)


def point_back(
    rendered: list[K8sObject], written_objects: tuple[K8sObject, ...]
) -> list[K8sObject]:
    """Each rendered object with the file and lines of the written object of its kind and name."""
    by_key = {(o.kind, o.name): o for o in written_objects}
    found = []
    for obj in rendered:
        origin = by_key.get((obj.kind, obj.name))
        found.append(K8sObject(obj.data, origin.file, origin.doc, obj.via) if origin else obj)
    return found
