"""Just enough Markdown: the headings of a document and whether each section has content."""
from __future__ import annotations

import re
from typing import NamedTuple

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(```+|~~~+)")


class Heading(NamedTuple):
    level: int
    text: str
    line: int
    has_content: bool


def headings(text: str) -> list[Heading]:
    lines = text.splitlines()
    found: list[tuple[int, str, int]] = []  # level, text, index
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            marker = m.group(1)[0] * 3
            fence = None if fence and marker == fence else (fence or marker)
            continue
        if fence:
            continue
        m = _ATX.match(line)
        if m:
            found.append((len(m.group(1)), (m.group(2) or "").strip(), i))
        elif i > 0 and _SETEXT.match(line) and lines[i - 1].strip() and not _ATX.match(lines[i - 1]):
            if not (found and found[-1][2] == i - 1):
                found.append((1 if line.strip()[0] == "=" else 2, lines[i - 1].strip(), i - 1))
    result = []
    for n, (level, title, index) in enumerate(found):
        end = len(lines)
        for later_level, _, later_index in found[n + 1 :]:
            if later_level <= level:
                end = later_index
                break
        skip = 2 if index + 1 < len(lines) and _SETEXT.match(lines[index + 1]) else 1
        body = [ln for ln in lines[index + skip : end] if ln.strip() and not _ATX.match(ln) and not _SETEXT.match(ln)]
        result.append(Heading(level, title, index + 1, bool(body)))
    return result
