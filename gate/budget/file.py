"""File source: a JSON status document exported by an SLO tool (schemas/budget-status.schema.json)."""

from __future__ import annotations

import os
from typing import Any

from gate.budget import Counts
from gate.budget.math import duration_text, parse_duration
from gate.budget.records import SLO
from gate.httpclient import Unavailable, parse_json
from gate.resources import errors_for
from gate.settings import SourceSettings

MAX_BYTES = 20 * 1024 * 1024


def _path(settings: SourceSettings) -> str:
    if settings.refused:
        raise Unavailable(settings.refused)
    path = os.environ.get("GATE_BUDGET_FILE") or settings.path
    if not path:
        raise Unavailable(
            "no status file configured (budgets.file.path in .gate.yaml or GATE_BUDGET_FILE)"
        )
    return str(path)


def _shown(settings: SourceSettings) -> str:
    """The status file as the user named it (its environment variable, or the path as configured)."""
    return str(os.environ.get("GATE_BUDGET_FILE") or settings.shown or settings.path)


def load(path: str, shown: str | None = None, schema: str = "budget-status") -> dict[str, Any]:
    """The exported document at `path` (a status document, or another of schemas/SCHEMA): a regular
    file reached without symlinks; its contents are never echoed in a message, which names it as
    `shown`."""
    try:
        return _load(path, schema)
    except Unavailable as e:
        raise Unavailable(str(e).replace(path, shown, 1) if shown else str(e)) from None


def _load(path: str, schema: str) -> dict[str, Any]:
    try:
        if os.path.realpath(path) != os.path.abspath(path):
            raise Unavailable(
                f"{path}: is or passes through a symlink; gate reads status files only at their real path"
            )
        fd = os.open(
            path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        )  # a FIFO must not hang the gate
        with os.fdopen(fd, "rb") as f:
            if not os.path.isfile(path) or os.fstat(f.fileno()).st_size > MAX_BYTES:
                raise Unavailable(f"{path}: not a regular file of at most {MAX_BYTES:,} bytes")
            doc: dict[str, Any] = parse_json(f.read(MAX_BYTES + 1), path)
    except FileNotFoundError:
        raise Unavailable(f"{path}: no such file") from None
    except OSError as e:
        raise Unavailable(f"{path}: {e.strerror}") from None
    errors = errors_for(schema, doc)  # a document seen before is not validated again
    if errors:
        raise Unavailable(f"{path}: {errors[0][1]}")
    return doc


def counts_of(entry: dict[str, Any], windows: list[int]) -> Counts:
    by_seconds = {parse_duration(k): v for k, v in entry.get("windows", {}).items()}
    counts: Counts = {}
    for window in windows:
        value = by_seconds.get(window)
        counts[window] = (float(value["good"]), float(value["total"])) if value else None
    return counts


def fetch(slo: SLO, settings: SourceSettings, windows: list[int]) -> Counts:
    path = _path(settings)
    doc = load(path, _shown(settings))
    for entry in doc["slos"]:
        if entry["service"] == slo.service and entry["slo"] == slo.name:
            return counts_of(entry, windows)
    raise Unavailable(f"{_shown(settings)}: no entry for service {slo.service!r} SLO {slo.name!r}")


def evidence(slo: SLO, settings: SourceSettings, window: int | None = None) -> str:
    return f"file {_shown(settings)}: service {slo.service!r}, SLO {slo.name!r}, window {duration_text(slo.window)}"
