"""The changes behind a scorecard: first-parent commits, which of them failed, and their risk.

One streamed `git log -p -U0` over the window gives every change and its hunks. A change failed
when a later commit reverts it, or when a later fix deletes or rewrites lines it wrote (SZZ, as
`gate risk calibrate` labels changes). `git blame` per fix would cost seconds each on a long
history, so the lines' origins are tracked forward through the same patch stream instead: a line
written before the window has no known origin and blames nobody.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gate.git import LogFormat, Repo
from gate.risk.features import DAY, HistoryIndex, change_features
from gate.risk.features import Change as RiskChange
from gate.risk.history import Commit, FileChange, stream
from gate.risk.labels import MAX_FIX_FILES
from gate.risk.labels import reverted as reverted_by
from gate.risk.model import Model
from gate.risk.patch import EMPTY_PATCH
from gate.risk.patch import parse as parse_patch
from gate.risk.scale import neutral

_FIELDS = ("%H", "%P", "%ae", "%at", "%B")  # then the commit's patch
_HEADER = re.compile(
    rb"^(?:(?P<diff>diff --git )|rename (?P<rename>from|to) (?P<rpath>[^\n]*)|(?P<side>---|\+\+\+) (?P<spath>[^\n]*)"
    rb"|@@ -(?P<start>\d+)(?:,(?P<count>\d+))? \+\d+(?:,(?P<added>\d+))? @@)",
    re.M,
)
_PROSE = (".md", ".rst", ".txt", ".adoc")
MAX_BLAMED_HUNKS = 50  # as calibration's blame: a fix's first 50 hunks per file


@dataclass
class Mined:
    """Changes in the window (oldest first), the ones that failed, and each one's risk score."""

    changes: list[Commit] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)
    risk: dict[str, float] = field(
        default_factory=dict
    )  # sha -> score 0-100, for changes since `risk_since`
    # the history window (seconds) the risk features counted: the percentile scale's (None: full)
    risk_window: int | None = None


def unquote(name: bytes) -> bytes:
    """A path as git's diff headers print it: C-quoted when it holds odd bytes."""
    if not (name.startswith(b'"') and name.endswith(b'"') and len(name) >= 2):
        return name
    out = bytearray()
    body = name[1:-1]
    i = 0
    escapes = {
        ord("n"): 10,
        ord("t"): 9,
        ord('"'): 34,
        ord("\\"): 92,
        ord("a"): 7,
        ord("b"): 8,
        ord("f"): 12,
        ord("r"): 13,
        ord("v"): 11,
    }
    while i < len(body):
        c = body[i]
        if c == 92 and i + 1 < len(body):
            nxt = body[i + 1]
            if all(48 <= d <= 55 for d in body[i + 1 : i + 4]) and len(body[i + 1 : i + 4]) == 3:
                out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
                i += 4
                continue
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        out.append(c)
        i += 1
    return bytes(out)


def _side(header: bytes, prefix: bytes) -> str | None:
    """The path on a `--- a/x` or `+++ b/x` line; None for /dev/null."""
    name = unquote(header.rstrip(b"\n"))
    if name == b"/dev/null":
        return None
    return os.fsdecode(name[len(prefix) :]) if name.startswith(prefix) else os.fsdecode(name)


class _Patch:
    """One commit's files and hunks from a -U0 patch: (old path, new path, [(old start, old count, new count)])."""

    def __init__(self) -> None:
        self.files: list[tuple[str | None, str | None, list[tuple[int, int, int]]]] = []
        self.text = EMPTY_PATCH  # the lines added and deleted, for the risk features

    def parse(self, body: bytes) -> None:
        self.text = parse_patch(body)
        old: str | None = None
        new: str | None = None
        hunks: list[tuple[int, int, int]] = []
        started = False
        renamed = False
        for m in _HEADER.finditer(body):  # the regex skips the hunks' own lines in C
            if m.group("diff"):
                if started:
                    self.files.append((old, new, hunks))
                started, old, new, hunks, renamed = True, None, None, [], False
            elif m.group("rename"):
                renamed = True
                if m.group("rename") == b"from":
                    old = os.fsdecode(unquote(m.group("rpath")))
                else:
                    new = os.fsdecode(unquote(m.group("rpath")))
            elif (
                m.group("side") and not hunks and not renamed
            ):  # a deleted "-- x" line reads "--- x": only before hunks
                if m.group("side") == b"---":
                    old = _side(m.group("spath"), b"a/")
                else:
                    new = _side(m.group("spath"), b"b/")
            elif m.group("start"):
                hunks.append(
                    (
                        int(m.group("start")),
                        int(m.group("count") or b"1"),
                        int(m.group("added") or b"1"),
                    )
                )
        if started:
            self.files.append((old, new, hunks))


class Origins:
    """Who wrote each line of each file, followed forward through patches (None: before the window)."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str | None]] = {}

    def apply(self, sha: str, patch: _Patch, blame: bool) -> set[str]:
        """Apply one commit; when `blame`, return the commits whose lines it deleted or rewrote."""
        blamed: set[str] = set()
        for old, new, hunks in patch.files:
            current = self.lines.pop(old, []) if old is not None else []
            if new is None:
                continue  # deleted
            for index, (start, count, added) in enumerate(sorted(hunks, reverse=True)):
                at = start if count == 0 else start - 1  # -U0: "-a,0" inserts after line a
                if len(current) < at + count:
                    current.extend([None] * (at + count - len(current)))
                if (
                    blame
                    and count
                    and index < MAX_BLAMED_HUNKS
                    and not (new or "").endswith(_PROSE)
                ):
                    blamed.update(o for o in current[at : at + count] if o is not None and o != sha)
                current[at : at + count] = [sha] * added
            self.lines[new] = current
        return blamed


def _parse(record: bytes, log: LogFormat) -> tuple[Commit, _Patch]:
    (sha, parents, author, when, message), body = log.split(record)
    time = int(when or 0)
    patch = _Patch()
    patch.parse(body)
    files = []
    for old, new, hunks in patch.files:
        path = new or old
        if path is None:
            continue
        files.append(
            FileChange(
                path,
                sum(h[2] for h in hunks),
                sum(h[1] for h in hunks),
                old if old != new and new else None,
            )
        )
    commit = Commit(
        sha.decode(),
        tuple(parents.decode().split()),
        author.decode("utf-8", "replace").lower(),
        time,
        message.decode("utf-8", "replace"),
        tuple(files),
    )
    return commit, patch


def patch_stream(repo: Repo, head: str, since: int) -> Iterator[tuple[Commit, _Patch]]:
    """First-parent changes since `since` (unix seconds), newest first, with their -U0 patches.

    A merge counts as one change, diffed against its first parent: what landed on the branch.
    """
    log = LogFormat(
        *_FIELDS
    )  # separators no commit can contain (a message is the author's to write)
    for record in log.stream(repo.first_parent_patches(head, log.format, *_since(since))):
        yield _parse(record, log)


def _since(when: int) -> list[str]:
    return [f"--since=@{when}"] if when > 0 else []  # git reads "@0" as no date at all


def mine(
    repo: Repo,
    head: str,
    since: int,
    risk_since: int,
    history_since: int,
    tier_of: Any,
    model: Model,
    risk_window: int | None = None,
) -> Mined:
    """Changes from `since` to `head` with failure labels; the ones since `risk_since` get a risk
    score from `risk_window` seconds (the scale's) of the history since `history_since`."""
    start = min(since, risk_since)
    older: list[Commit] = []
    thread = None
    failures: list[
        Exception
    ] = []  # a git that fails in the thread fails the run, never shortens the history
    if history_since < start:  # the features' history before the window: names and line counts only

        def read_older() -> None:
            try:
                older.extend(
                    stream(
                        repo,
                        "--first-parent",
                        "--diff-merges=first-parent",
                        *_since(history_since),
                        f"--until=@{start - 1}",
                        head,
                        lines=False,
                    )
                )
            except Exception as e:  # re-raised in the caller's thread below
                failures.append(e)

        thread = threading.Thread(target=read_older, daemon=True)
        thread.start()
    newest_first = list(patch_stream(repo, head, start))
    if thread is not None:
        thread.join()
    if failures:
        raise failures[0]
    mined, index = Mined(risk_window=risk_window), HistoryIndex(risk_window)
    for commit in reversed(older):
        if commit.time >= history_since:
            index.add(commit)
    origins = Origins()
    changes = [c for c, _ in reversed(newest_first)]
    reverted = reverted_by(changes)
    for commit, patch in reversed(newest_first):
        fix = (
            commit.is_fix
            and not commit.is_merge
            and not commit.reverts
            and len(commit.files) <= MAX_FIX_FILES
        )
        blamed = origins.apply(commit.sha, patch, blame=fix)
        mined.failed.update(b for b in blamed if b != commit.sha)
        if commit.time >= risk_since and commit.files:
            tier = tier_of([f.path for f in commit.files])
            if tier is not None:
                change = RiskChange(commit.author, commit.time, commit.files, commit.message, tier)
                features = change_features(index, change, None, patch.text)
                mined.risk[commit.sha] = neutral(model, features)  # placed on the scale later
        index.add(commit)
        if commit.time >= since:
            mined.changes.append(commit)
    mined.failed |= set(reverted)
    return mined


__all__ = ["DAY", "Mined", "mine", "unquote"]
