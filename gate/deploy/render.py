"""The one runner of renderers (`kubectl kustomize`, `helm template`) and offline checkers
(`promtool check rules`): the only subprocess outside gate/git.py, and only for programs named in
RENDERERS.

A renderer reads files, never git: the tree it renders is written from the snapshot into a fresh
temporary directory (regular files only, symlinks never followed, bounded in count and size). It
runs with no network (proxies pointed at a closed port, git limited to local files), its own HOME,
a time limit (the whole process group is killed) and a limit on what it may write. Every way it
can fail comes back as an Outcome, never an exception.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass

from gate.snapshot import Snapshot

RENDERERS = ("kubectl", "helm", "promtool")
MAX_FILES = 5000
MAX_TREE_BYTES = 32 * 1024 * 1024
_CLOSED = "http://127.0.0.1:9"  # the discard port: nothing listens, so nothing is fetched


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | missing | failed | timeout | too-large
    output: bytes = b""
    message: str = ""


def available(program: str) -> bool:
    return program in RENDERERS and shutil.which(program) is not None


def materialise(snapshot: Snapshot, top: str, folder: str) -> str | None:
    """Write the snapshot's regular files under `top` (a directory, "" for all) into `folder`;
    a reason when the tree is over the limits."""
    listing = snapshot.under(top) if top else snapshot.files
    paths = sorted(p for p, e in listing.items() if e.mode.startswith("100"))
    if len(paths) > MAX_FILES:
        return f"{top or 'the repository'} has {len(paths):,} files, over the {MAX_FILES:,}-file limit for rendering"
    contents = snapshot.read_many(paths)
    if sum(len(c) for c in contents.values()) > MAX_TREE_BYTES:
        return f"{top or 'the repository'} holds over {MAX_TREE_BYTES:,} bytes, the limit for rendering"
    for path, content in contents.items():
        target = os.path.join(folder, *path.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(content)
    return None


def run(argv: list[str], cwd: str, timeout: float, max_bytes: int) -> Outcome:
    """Run one renderer; its standard output when it exits 0 within `timeout` seconds and writes at
    most `max_bytes`."""
    if not argv or argv[0] not in RENDERERS:
        return Outcome(
            "failed", message=f"{argv[0] if argv else '(nothing)'} is not a renderer gate runs"
        )
    program = shutil.which(argv[0])
    if program is None:
        return Outcome("missing", message=f"{argv[0]} is not on PATH")
    home = tempfile.mkdtemp(prefix="gate-render-home-")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": home,
        "LC_ALL": "C",
        "HTTP_PROXY": _CLOSED,
        "HTTPS_PROXY": _CLOSED,
        "http_proxy": _CLOSED,
        "https_proxy": _CLOSED,
        "NO_PROXY": "",
        "GIT_ALLOW_PROTOCOL": "file",
        "KUBECONFIG": os.path.join(home, "kubeconfig"),
        "HELM_CACHE_HOME": os.path.join(home, "cache"),
        "HELM_CONFIG_HOME": os.path.join(home, "config"),
        "HELM_DATA_HOME": os.path.join(home, "data"),
    }
    try:
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            process = subprocess.Popen(
                [program, *argv[1:]],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                start_new_session=True,
                preexec_fn=lambda: _limit_writes(max_bytes),
            )
            try:
                status = process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(process)
                return Outcome("timeout", message=f"{argv[0]} did not finish in {timeout:g} s")
            size = out.seek(0, os.SEEK_END)
            if size > max_bytes or status == -signal.SIGXFSZ:
                return Outcome("too-large", message=f"{argv[0]} wrote over {max_bytes:,} bytes")
            if status != 0:
                err.seek(0)
                words = err.read(2000).decode("utf-8", "replace").strip().splitlines()
                return Outcome(
                    "failed",
                    message=f"{argv[0]} exited {status}: {'; '.join(words[:2]) or 'no message'}",
                )
            out.seek(0)
            return Outcome("ok", out.read())
    except OSError as e:
        return Outcome("failed", message=f"{argv[0]} could not run: {e.strerror or e}")
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _limit_writes(max_bytes: int) -> None:
    """In the child: no file it writes (its output included) may pass max_bytes + 1."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes + 1, max_bytes + 1))


def _kill(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
