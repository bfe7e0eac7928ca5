"""Packs shared across repositories, pinned by digest.

`.gate.yaml` (read from the base revision) names a pack in another git repository at a full
commit id, with the pack file's sha256:

    packs:
      - default
      - git: https://git.example.com/platform/policies.git
        rev: 3f6c1e0d9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e
        path: packs/payments.yaml
        sha256: 9b74c9897bac770ffc029102a200c5de...

The first run fetches that one commit (shallow) into gate's cache and keeps the file by its
digest; every later run reads the cache, verifies the digest again and never touches the
network. A pin that cannot be had fails closed: a wrong digest or a missing file is bad config
(exit 2), a commit that cannot be fetched leaves the gate undecided (exit 3). Moving a pin is a
config change: the base's pin judges the change, and `pack-pin-changed` says what moved.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Any

from gate import atomic
from gate.config import Config
from gate.errors import FatalError


class Undecided(FatalError):
    """The pinned pack cannot be had: the gate cannot decide (exit 3), and does not pass."""

    exit_code = 3


@dataclass(frozen=True)
class Pin:
    git: str
    rev: str
    path: str
    sha256: str
    line: int | None = None

    @property
    def label(self) -> str:
        return f"{self.git}@{self.rev[:12]}:{self.path}"


def parse_pin(raw: dict[str, Any], config: Config) -> Pin:
    index = next((i for i, p in enumerate(config.packs) if p is raw), None)
    line = config.line("packs", index) if index is not None else None
    return Pin(str(raw["git"]), str(raw["rev"]), str(raw["path"]), str(raw["sha256"]), line)


def pins(config: Config) -> list[Pin]:
    return [parse_pin(p, config) for p in config.packs if isinstance(p, dict)]


def cache_dir() -> str:
    """`GATE_PACK_CACHE`, else `$XDG_CACHE_HOME/gate/packs`, else `~/.cache/gate/packs`."""
    explicit = os.environ.get("GATE_PACK_CACHE")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gate", "packs")


def read(pin: Pin, config: Config) -> tuple[str, bytes]:
    """(label, bytes) of a pinned pack: from the cache when it verifies, else fetched once and verified.
    The cache is safe even where other caches are off (CI): nothing is used that fails the digest."""
    folder = cache_dir()
    kept = os.path.join(folder, "files", f"{pin.sha256}.yaml")
    try:
        with open(kept, "rb") as f:
            raw = f.read()
        if hashlib.sha256(raw).hexdigest() == pin.sha256:
            return pin.label, raw
    except OSError:
        pass
    raw = fetch(pin, config, folder)
    _keep(kept, raw)
    return pin.label, raw


def fetch(pin: Pin, config: Config, folder: str) -> bytes:
    from gate.git import FetchError, fetch_file

    scratch = None
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError:  # no usable cache (read-only home): fetch into a scratch folder, every run
        folder = scratch = tempfile.mkdtemp(prefix="gate-packs-")
    try:
        repository = os.path.join(
            folder, "repos", hashlib.sha256(pin.git.encode()).hexdigest()[:32]
        )  # one per remote
        raw = fetch_file(repository, pin.git, pin.rev, pin.path)
    except FetchError as e:
        raise Undecided(
            f"shared pack {pin.label}: {e.message}; the gate cannot judge without it (fail closed)",
            config.path,
            pin.line,
        ) from None
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    if raw is None:
        raise FatalError(
            f"shared pack {pin.label}: commit {pin.rev} has no file {pin.path}",
            config.path,
            pin.line,
        )
    digest = hashlib.sha256(raw).hexdigest()
    if digest != pin.sha256:
        raise FatalError(
            f"shared pack {pin.label}: sha256 is {digest}, but the pin says {pin.sha256}; "
            "the pack is not what was reviewed (fail closed)",
            config.path,
            pin.line,
        )
    return raw


def _keep(path: str, raw: bytes) -> None:
    """Write atomically; a read-only cache only costs a fetch next time."""
    try:
        atomic.write(path, raw)
    except OSError:
        pass


def pin_findings(base: Config, head_snapshot: Any) -> list[Any]:
    """`pack-pin-changed` for a change whose .gate.yaml moves, adds or removes a shared-pack pin.
    The head's pins are only compared, never fetched: the change does not choose what gate downloads."""
    from gate import config as gate_config
    from gate.builtin_rules import builtin_finding

    try:
        head = gate_config.load(head_snapshot, base.path)
    except FatalError:
        return []  # an unreadable head config is already a config change the base judges
    return [
        builtin_finding(
            "pack-pin-changed",
            "warning",
            f"this change {what}; the base revision's pin judges it, the new pin applies after merge",
            base.path,
            head.line("packs"),
        )
        for what in moved(base, head)
    ]


def moved(base: Config, head: Config) -> list[str]:
    """What a change does to the shared-pack pins: each moved, added or removed pin, in words."""
    old = {(p.git, p.path): p for p in pins(base)}
    new = {(p.git, p.path): p for p in pins(head)}
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if a is None and b is not None:
            out.append(f"adds shared pack {b.label}")
        elif b is None and a is not None:
            out.append(f"removes shared pack {a.label}")
        elif a is not None and b is not None and (a.rev, a.sha256) != (b.rev, b.sha256):
            out.append(f"moves shared pack {a.git}:{a.path} from {a.rev[:12]} to {b.rev[:12]}")
    return out
