"""Drill records exported from where a team tracks its drills: a JSON or YAML file outside the
repository (`resilience.status_file` in .gate.yaml), trusted like the base branch's record.

    {"schema": "gate.drill-status/v1",
     "services": {"checkout": {"drills": [{"kind": "restore", "date": "2026-10-01",
                                            "result": "pass", "evidence": "https://..."}]}}}

A file the repository tracks (at the head or the trusted tip, in any letter case) is refused: the
change could write its own drills. A file that cannot be read adds nothing, and says why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import NamedTuple

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.resilience.record import Drill, drill_of

SCHEMA = "gate.drill-status/v1"
MAX_BYTES = 8 * 1024 * 1024


class Exported(NamedTuple):
    drills: Mapping[str, tuple[Drill, ...]]  # service name -> its exported drills
    problem: str | None = None  # why the file added nothing


NONE = Exported({})


def read(path: str | None, root: str, tracked: Callable[[str], bool]) -> Exported:
    """The status file at `path` (relative: to the repository root at `root`)."""
    if not path:
        return NONE
    full = path if os.path.isabs(path) else os.path.join(root, path)
    inside = os.path.relpath(full, root).replace(os.sep, "/")
    if not inside.startswith("../") and tracked(inside):
        return Exported({}, f"the drill status file {path} is committed to the repository")
    try:
        if os.path.realpath(full) != os.path.abspath(full):
            raise OSError("is or passes through a symlink")
        with open(full, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise OSError(f"is over {MAX_BYTES:,} bytes")
        data = gate_yaml.load(raw, path).data
    except OSError as e:
        return Exported({}, f"the drill status file {path} {getattr(e, 'strerror', None) or e}")
    except FatalError as e:
        return Exported({}, f"the drill status file {path}: {e.message}")
    return parse(data, path)


def parse(data: object, path: str) -> Exported:
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return Exported({}, f"the drill status file {path} is not a {SCHEMA} document")
    services = data.get("services")
    found: dict[str, tuple[Drill, ...]] = {}
    for name, entry in (services if isinstance(services, dict) else {}).items():
        items = entry.get("drills") if isinstance(entry, dict) else None
        drills = (drill_of(item, path, None) for item in (items if isinstance(items, list) else ()))
        found[str(name)] = tuple(d for d in drills if d is not None)
    return Exported(found)
