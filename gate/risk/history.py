"""Mining history with one streamed `git log --numstat -z` process, never a process per commit."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

from gate.git import LogFormat, Repo, Stream, parse_numstat
from gate.reverts import reverted_ids

FIELDS = ("%H", "%P", "%ae", "%at", "%B")  # then git's file list
FIX = re.compile(
    r"\b(fix(e[sd])?|bug|defect|patch|hotfix|repair|regression|crash|broken)\b", re.IGNORECASE
)


class FileChange(NamedTuple):
    path: str
    added: int  # 0 for binary files
    deleted: int
    old_path: str | None = None


class Commit(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    author: str  # email, lower-case
    time: int  # author time, unix seconds
    message: str
    files: tuple[FileChange, ...]

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def is_fix(self) -> bool:
        return is_fix_message(self.message)

    @property
    def reverts(self) -> list[str]:
        return reverted_ids(self.message)


@lru_cache(maxsize=1024)  # a commit is asked twice when its own features are worked out
def is_fix_message(message: str) -> bool:
    """A fix or a revert, by its subject line (and a revert trailer anywhere)."""
    return bool(FIX.search(message.split("\n", 1)[0])) or bool(reverted_ids(message))


def stream(
    repo: Repo, *args: str, paths: list[str] | None = None, lines: bool = True, renames: bool = True
) -> Iterator[Commit]:
    """Commits of `git log ARGS` (newest first by default), parsed as they stream in.

    git starts at once, before the first commit is asked for, so it can work while the caller
    does something else. Without `lines`, files come without line counts (and renames as a
    deletion and an addition): git then compares trees only, never file contents, which is
    many times faster where only who touched what, and when, matters.
    """
    log = LogFormat(
        *FIELDS
    )  # separators no commit can contain (a message is the author's to write)
    return _parse_stream(
        repo.log_stream(*args, format=log.format, lines=lines, renames=renames, paths=paths),
        log,
        lines,
    )


# git matches every tree entry against every pathspec: a change to thousands of files made the
# files' history cost minutes. Past this many paths, ask by top-level directory and filter here.
WIDE_CHANGE = 64


def touching(repo: Repo, *args: str, paths: list[str]) -> Iterator[Commit]:
    """Commits of `git log ARGS -- PATHS` (names only), each with just its files among `paths`.

    A few paths are git's own pathspec. Many are asked by their top-level directories and the
    answer filtered as git's pathspec would: a rename whose other side is not wanted is an
    addition or a deletion. (History simplification can differ where a merge dropped a side
    branch's edits to these files; such commits are then counted too.)
    """
    if len(paths) <= WIDE_CHANGE:
        return stream(repo, *args, paths=paths, lines=False)
    wanted = set(paths)
    tops = sorted({p.split("/", 1)[0] for p in paths})
    return (
        c
        for c in (_only(c, wanted) for c in stream(repo, *args, paths=tops, lines=False))
        if c.files
    )


def _only(commit: Commit, wanted: set[str]) -> Commit:
    files = []
    for f in commit.files:
        new, old = f.path in wanted, f.old_path in wanted if f.old_path else False
        if new and (old or f.old_path is None):
            files.append(f)
        elif new:
            files.append(FileChange(f.path, f.added, f.deleted, None))
        elif old and f.old_path:  # (old is only true with an old path)
            files.append(FileChange(f.old_path, 0, 0, None))
    return commit._replace(files=tuple(files))


def _parse_stream(process: Stream, log: LogFormat, lines: bool = True) -> Iterator[Commit]:
    for record in log.stream(process):
        yield _parse(record, log, lines)


def _parse(record: bytes, log: LogFormat, lines: bool = True) -> Commit:
    (sha, parents, author, time, message), numstat = log.split(record)
    tokens = numstat.lstrip(b"\0\n").split(b"\0")
    files = []
    i = 0
    while not lines and i + 1 < len(tokens):  # --name-status: "M\0path\0" or "R100\0old\0new\0"
        status = tokens[i].strip()
        if status[:1] in (b"R", b"C") and i + 2 < len(tokens):
            files.append(FileChange(os.fsdecode(tokens[i + 2]), 0, 0, os.fsdecode(tokens[i + 1])))
            i += 3
        elif status:
            files.append(FileChange(os.fsdecode(tokens[i + 1]), 0, 0, None))
            i += 2
        else:
            i += 1
    while lines and i < len(tokens):
        token = tokens[i]
        if not token.strip():
            i += 1
            continue
        added, deleted, path, old, i = parse_numstat(tokens, i)
        files.append(
            FileChange(
                os.fsdecode(path.strip(b"\n")), added, deleted, os.fsdecode(old) if old else None
            )
        )
    return Commit(
        sha.decode(),
        tuple(parents.decode().split()),
        author.decode("utf-8", "replace").lower(),
        int(time or 0),
        message.decode("utf-8", "replace"),
        tuple(files),
    )
