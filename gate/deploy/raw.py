"""Raw YAML deploy objects: files, directories and globs of multi-document YAML, read from git."""

from __future__ import annotations

from gate import globs
from gate.deploy import Found, Settings, Spec
from gate.deploy.objects import Fault, K8sObject, parse
from gate.snapshot import Snapshot

MAX_FILES = 500  # one source's files; more is a fault, not a slow check
YAML = (".yaml", ".yml", ".json")


def files_of(snapshot: Snapshot, path: str) -> list[str]:
    """The YAML files a path names: the file itself, every YAML file under a directory, or a glob's matches."""
    if any(c in path for c in "*?["):
        return sorted(
            p
            for p, e in snapshot.files.items()
            if e.mode.startswith("100") and p.endswith(YAML) and globs.matches(path, p)
        )
    if snapshot.is_file(path):
        return [path]
    return sorted(
        p for p, e in snapshot.under(path).items() if e.mode.startswith("100") and p.endswith(YAML)
    )


def read_files(snapshot: Snapshot, paths: list[str], via: str = "raw") -> Found:
    faults: list[Fault] = []
    if len(paths) > MAX_FILES:
        faults.append(
            Fault(
                "broken",
                f"{len(paths):,} YAML files, over the {MAX_FILES}-file limit: the first {MAX_FILES} were read",
                paths[0],
            )
        )
        paths = paths[:MAX_FILES]
    contents = snapshot.read_many(paths)
    objects: list[K8sObject] = []
    for path in paths:
        if path not in contents:
            continue
        found, problems = parse(contents[path], path, via)
        objects += found
        faults += problems
    return Found(tuple(objects), tuple(faults), tuple(p for p in paths if p in contents))


def read(snapshot: Snapshot, spec: Spec, settings: Settings) -> Found:
    paths = files_of(snapshot, spec.path)
    if not paths and spec.named_in:
        return Found(
            faults=(
                Fault(
                    "broken",
                    f"deploy path {spec.path!r} names no YAML file",
                    spec.named_in,
                    spec.line,
                ),
            )
        )
    return read_files(snapshot, paths)
