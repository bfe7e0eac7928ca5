"""The gate's caches under <git dir>/gate/: JSON files, written atomically, never trusted blindly.

Every cached value is a pure function of git objects named in its key (a commit id, a blob id)
or of content digested into it, so a cached answer is exactly what working it out again would
give. A missing, unreadable or malformed file counts as absent; a read-only repository works,
only slower. Callers check the shape of what they load.

A cache is only as trustworthy as whatever could write to it. On a developer's machine that is
the developer; in CI, an earlier step may have run the pull request's own code, which could
plant "this manifest is valid" or "no service claims this path". So in CI (`CI` or
`GITHUB_ACTIONS` set) caches are off unless `GATE_CACHE=on` says the runner is trusted; a fresh
CI runner starts cold anyway. `GATE_CACHE=off` turns them off anywhere.
"""

from __future__ import annotations

import json
import os
from typing import Any

from gate import atomic


def enabled() -> bool:
    setting = os.environ.get("GATE_CACHE", "").strip().lower()
    if setting in ("on", "1", "true", "yes"):
        return True
    if setting in ("off", "0", "false", "no"):
        return False
    return not (os.environ.get("CI") or os.environ.get("GITHUB_ACTIONS"))


def read_json(path: str) -> Any:
    """The JSON value in `path`, or None when it is missing or unreadable (or caches are off)."""
    if not enabled():
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_json(path: str, value: Any) -> None:
    """Write `value` to `path` atomically (a concurrent reader sees the old file or the new one)."""
    if not enabled():
        return
    try:
        atomic.write(
            path, json.dumps(value)
        )  # the C encoder; json.dump to a file encodes in Python
    except OSError:
        pass


class Store:
    """id -> a JSON value, one file per id under <git dir>/gate/NAME/, the newest `keep` kept
    (all of them when `keep` is 0). The one cache mechanism: every cache goes through `enabled()`."""

    def __init__(self, git_dir: str, name: str, keep: int = 32) -> None:
        self.folder = os.path.join(git_dir, "gate", name)
        self.keep = keep

    @classmethod
    def under(cls, folder: str, keep: int = 32) -> Store:
        """A store in `folder` itself, for a caller that was handed its place under <git dir>/gate/."""
        store = cls("", "", keep)
        store.folder = folder
        return store

    def get(self, key: str) -> Any:
        return read_json(os.path.join(self.folder, f"{key}.json"))

    def newest_name(self) -> str | None:
        """The id most recently written, when there is one."""
        if not enabled():
            return None
        try:
            names = [n for n in os.listdir(self.folder) if n.endswith(".json")]
            return max(names, key=lambda n: os.stat(os.path.join(self.folder, n)).st_mtime)[:-5]
        except (OSError, ValueError):
            return None

    def newest(self) -> tuple[str, Any] | None:
        """The most recently written (id, value), when there is one."""
        name = self.newest_name()
        found = self.get(name) if name is not None else None
        return (name, found) if name is not None and found is not None else None

    def put(self, key: str, value: Any) -> None:
        write_json(os.path.join(self.folder, f"{key}.json"), value)
        if self.keep <= 0 or not enabled():
            return
        try:  # the oldest go; never the one just written, whatever the clock's resolution
            others = [n for n in os.listdir(self.folder) if n != f"{key}.json"]
            names = sorted(others, key=lambda n: os.stat(os.path.join(self.folder, n)).st_mtime)
            for stale in names[: len(names) - (self.keep - 1)] if len(names) >= self.keep else []:
                os.unlink(os.path.join(self.folder, stale))
        except OSError:
            pass
