"""Which past changes failed: reverted ones, and (SZZ) the ones whose lines a later fix changed."""
from __future__ import annotations

import re
from typing import Callable, Iterable

from gate.git import Repo
from gate.risk.history import Commit

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_PROSE = (".md", ".rst", ".txt", ".adoc")
MAX_FIX_FILES = 20  # a fix touching more files is a sweep, not a fix of specific lines


def reverted(commits: Iterable[Commit]) -> set[str]:
    """Commits a later commit says it reverts ("This reverts commit X"), matched by id prefix."""
    commits = list(commits)
    by_prefix: dict[str, list[str]] = {}
    for c in commits:
        by_prefix.setdefault(c.sha[:7], []).append(c.sha)
    failed = set()
    for c in commits:
        for short in c.reverts:
            matches = [sha for sha in by_prefix.get(short[:7], []) if sha.startswith(short)]
            if len(matches) == 1:
                failed.add(matches[0])
    return failed


def fix_inducing(repo: Repo, commits: list[Commit], tick: Callable[[], None] = lambda: None) -> set[str]:
    """SZZ: blame the lines each fix deleted or changed, in the fix's parent; those commits failed."""
    known = {c.sha: c for c in commits}
    failed: set[str] = set()
    for fix in commits:
        tick()
        if not fix.is_fix or fix.is_merge or not fix.parents or fix.reverts or len(fix.files) > MAX_FIX_FILES:
            continue
        parent = fix.parents[0]
        for path, ranges in _deleted_ranges(repo, parent, fix.sha).items():
            if not ranges or path.endswith(_PROSE):
                continue
            args = ["blame", "--porcelain", "-w"]
            for start, count in ranges[:50]:
                args += ["-L", f"{start},+{count}"]
            out = repo.run(*args, parent, "--", path, ok_codes=(0, 128))
            for line in out.split(b"\n"):
                sha = line[:40]
                if len(line) > 41 and line[40:41] == b" " and re.fullmatch(rb"[0-9a-f]{40}", sha):
                    origin = sha.decode()
                    if origin in known and known[origin].time <= fix.time and origin != fix.sha:
                        failed.add(origin)
    return failed


def _deleted_ranges(repo: Repo, parent: str, sha: str) -> dict[str, list[tuple[int, int]]]:
    out = repo.run("diff", "-U0", "--no-color", "--no-ext-diff", "--no-renames", parent, sha, ok_codes=(0, 128))
    ranges: dict[str, list[tuple[int, int]]] = {}
    path = None
    for line in out.split(b"\n"):
        if line.startswith(b"--- "):
            name = line[4:]
            path = name[2:].decode("utf-8", "replace") if name.startswith(b"a/") else None
        elif path and line.startswith(b"@@"):
            m = _HUNK.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                if count:
                    ranges.setdefault(path, []).append((start, count))
    return ranges
