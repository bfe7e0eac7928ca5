"""Drill records exported from where a team tracks its drills: a JSON or YAML file outside the
repository (`resilience.status_file` in .gate.yaml), trusted like the base branch's record.

    {"schema": "gate.drill-status/v1",
     "services": {"checkout": {"drills": [{"kind": "restore", "date": "2026-10-01",
                                            "result": "pass", "evidence": "https://..."}]}}}

A file the repository tracks (at the head or the trusted tip, in any letter case) is refused: the
change could write its own drills. A file that cannot be read adds nothing, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import NamedTuple

from gate import exported
from gate.resilience.record import Drill, drill_of

SCHEMA = "gate.drill-status/v1"


class Exported(NamedTuple):
    drills: Mapping[str, tuple[Drill, ...]]  # service name -> its exported drills
    problem: str | None = None  # why the file added nothing


NONE = Exported({})


def read(path: str | None, root: str, tracked: Callable[[str], bool]) -> Exported:
    """The status file at `path` (relative: to the repository root at `root`)."""
    if not path:
        return NONE
    data, problem = exported.read(path, root, tracked, "the drill status file")
    return Exported({}, problem) if problem else parse(data, path)


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
