"""Files an operator exports from outside the repository (drill statuses, on-call rotations),
read as the trusted side: a path the repository tracks (at the head or the trusted tip, in any
letter case) is refused, since the change could write its own answers; symlinks are never
followed; size is bounded; a file that cannot be read adds nothing and says why, without echoing
its contents.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.snapshot import Snapshot

MAX_BYTES = 8 * 1024 * 1024


def read(path: str, root: str, tracked: Callable[[str], bool], what: str) -> tuple[Any, str | None]:
    """(the document at `path`, relative to the repository root at `root`, None) or (None, why
    not); `what` names the file in messages ("the drill status file")."""
    full = path if os.path.isabs(path) else os.path.join(root, path)
    inside = os.path.relpath(full, root).replace(os.sep, "/")
    if not inside.startswith("../") and tracked(inside):
        return None, f"{what} {path} is committed to the repository"
    try:
        if os.path.realpath(full) != os.path.abspath(full):
            raise OSError("is or passes through a symlink")
        with open(full, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise OSError(f"is over {MAX_BYTES:,} bytes")
        return gate_yaml.load(raw, path).data, None
    except OSError as e:
        return None, f"{what} {path} {getattr(e, 'strerror', None) or e}"
    except FatalError as e:
        return None, f"{what} {path}: {e.message}"


def tracked_by(*snapshots: Snapshot) -> Callable[[str], bool]:
    """Whether a repository path is in any of these revisions, in any letter case."""

    def tracked(path: str) -> bool:
        return any(s.entry(path) is not None for s in snapshots) or any(
            s.repo.spelled_alike(s.rev, path) for s in snapshots
        )

    return tracked
