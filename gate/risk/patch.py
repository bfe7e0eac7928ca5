"""The text a change adds and deletes, per file, from a `git diff -U0` (or `git log -p -U0`) patch.

One parser for `gate check` (the change's own diff) and for calibration (each commit's patch in the
history), so both compute the added-code features from the same text the same way.
"""

from __future__ import annotations

import codecs
import os
from typing import Any, NamedTuple

ADDED_LIMIT = 4 << 20  # bytes of a patch read for the added-code features; past this it is cut


class Patch(NamedTuple):
    """Each file's added and deleted lines (without the leading "+" or "-"), by the file's path on
    that side. A file missing from `added` was not read (a patch past the reading limit)."""

    added: dict[str, str]
    deleted: dict[str, str]
    # each file's count of lines added and deleted (a patch without renames names one path a file)
    counts: dict[str, tuple[int, int]] = {}


EMPTY_PATCH = Patch({}, {})


def parse(out: bytes, cut: bool = False) -> Patch:
    """The patch text of one diff. With `cut` (the text stopped short), the file being read when
    it stopped is left out of `added`, so its lines count as unread, never as fewer."""
    added: dict[str, list[str]] = {}
    deleted: dict[str, list[str]] = {}
    plus: list[str] | None = None
    minus: list[str] | None = None
    header = False  # between "diff --git" and the first "@@": "--- a/x" and "+++ b/x" name the file
    for line in out.split(b"\n"):
        if line.startswith(b"diff --git "):
            header, plus, minus = True, None, None
        elif header and line.startswith(b"--- "):
            name = _unquote(line[4:])
            minus = deleted.setdefault(name[2:], []) if name.startswith("a/") else None
        elif header and line.startswith(b"+++ "):
            name = _unquote(line[4:])
            plus = added.setdefault(name[2:], []) if name.startswith("b/") else None
        elif line.startswith(b"@@"):
            header = False
        elif header:
            continue
        elif line.startswith(b"+") and plus is not None:
            plus.append(line[1:].decode("utf-8", "replace"))
        elif line.startswith(b"-") and minus is not None:
            minus.append(line[1:].decode("utf-8", "replace"))
    if cut and plus is not None:
        added = {path: lines for path, lines in added.items() if lines is not plus}
    return Patch(
        {path: "\n".join(lines) for path, lines in added.items()},
        {path: "\n".join(lines) for path, lines in deleted.items()},
        {p: (len(added.get(p, ())), len(deleted.get(p, ()))) for p in {*added, *deleted}},
    )


def _unquote(raw: bytes) -> str:
    """A path as `git diff` prints it: as is, or C-quoted ("b/tab\\there") when it holds odd bytes;
    git ends the line with a tab when the name holds a space."""
    raw = raw[:-1] if raw.endswith(b"\t") else raw
    if raw.startswith(b'"') and raw.endswith(b'"'):
        decoded: Any = codecs.escape_decode(raw[1:-1])[0]  # bytes; older typeshed says str
        raw = decoded
    return os.fsdecode(raw)
