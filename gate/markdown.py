"""Just enough Markdown: the headings of a document and whether each section has content.

Runbooks and rollback plans come from the change under review: one pass over the lines, no
pattern that can backtrack, and a size limit checked before any of it.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import NamedTuple

MAX_BYTES = 1024 * 1024  # runbooks and rollback plans; a bigger one is a finding, not read


class Heading(NamedTuple):
    level: int
    text: str
    line: int
    has_content: bool


def _indent_ok(line: str) -> tuple[bool, str]:
    body = line.lstrip(" ")
    return len(line) - len(body) <= 3, body


def _atx(line: str) -> tuple[int, str] | None:
    """(level, text) of an ATX heading line (`## Title ##`), else None."""
    ok, body = _indent_ok(line)
    if not ok or not body.startswith("#"):
        return None
    level = len(body) - len(body.lstrip("#"))
    rest = body[level:]
    if level > 6 or (rest and rest[0] not in " \t"):
        return None
    text = rest.strip(" \t")
    closing = text.rstrip("#")
    if closing != text and closing and closing[-1] in " \t":
        text = closing.rstrip(" \t")  # a closing sequence of #s after a space
    return level, text


def _setext(line: str) -> int | None:
    """1 for a `===` underline, 2 for `---`, else None."""
    ok, body = _indent_ok(line)
    body = body.rstrip(" \t")
    if not ok or not body or body[0] not in "=-" or body.strip(body[0]):
        return None
    return 1 if body[0] == "=" else 2


def _fence(line: str) -> str | None:
    ok, body = _indent_ok(line)
    if ok and (body.startswith("```") or body.startswith("~~~")):
        return body[0] * 3
    return None


def headings(text: str) -> list[Heading]:
    lines = text.splitlines()
    found: list[tuple[int, str, int]] = []  # level, text, index
    # content[k]: lines with content (not blank, not heading-like) among the first k, so any
    # section's content is one subtraction
    content = [0] * (len(lines) + 1)
    count = 0
    fence: str | None = None
    previous_atx = False
    comment = False  # inside an HTML comment: rendered as nothing, so neither headings nor content
    for i, line in enumerate(lines):
        if not fence and (comment or line.lstrip(" ").startswith("<!--")):
            opened = line.find("<!--")
            comment = (
                "-->" not in line[opened + 4 :]
                if opened >= 0 and not comment
                else "-->" not in line
            )
            content[i + 1] = count
            previous_atx = False
            continue
        first = line.lstrip(" ")[:1]
        atx = _atx(line) if first == "#" else None
        setext = _setext(line) if first in ("=", "-") else None
        if line.strip() and not atx and not setext:
            count += 1
        content[i + 1] = count
        marker = _fence(line) if first in ("`", "~") else None
        if marker:
            fence = None if fence and marker == fence else (fence or marker)
            previous_atx = False
            continue
        if fence:
            continue
        if atx:
            found.append((atx[0], atx[1], i))
            previous_atx = True
            continue
        if (
            setext
            and i > 0
            and lines[i - 1].strip()
            and not previous_atx
            and not (found and found[-1][2] == i - 1)
        ):
            found.append((setext, lines[i - 1].strip(), i - 1))
        previous_atx = False
    # a section ends at the next heading of the same or a higher level: one stack, one pass
    ends = [len(lines)] * len(found)
    open_: list[int] = []
    for n, (level, _, index) in enumerate(found):
        while open_ and found[open_[-1]][0] >= level:
            ends[open_.pop()] = index
        open_.append(n)
    result = []
    for n, (level, title, index) in enumerate(found):
        start = min(index + 1, ends[n])
        result.append(Heading(level, title, index + 1, content[ends[n]] > content[start]))
    return result


def anchor(text: str) -> str:
    """The anchor GitHub (and MkDocs' toc) gives a heading: lower case, punctuation dropped
    (hyphens and underscores kept), spaces as hyphens."""
    kept = "".join(c for c in text.strip().lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


# A line that only stands in for content: TODO/TBD/FIXME notes, "fill in", lorem ipsum, "coming soon".
# List markers, quotes, emphasis, HTML tags and entities around it do not make it content.
_PLACEHOLDER = re.compile(
    r"(?:todo|to do|tbd|tba|fixme|xxx)(?:\W.*)?"  # a note, whatever follows it
    r"|(?:n/?a|wip|placeholder|coming soon)"  # alone on its line
    r"|(?:please )?fill (?:this |it )?in(?:\W.*)?"
    r"|to be (?:written|added|defined|done|determined|decided)(?:\W.*)?"
    r"|.*\blorem ipsum\b.*",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"^(?:[-*+>]|\d+[.)]|\[[ x]\])\s*|[*_`~]+|<[^<>]*>|&#?\w{1,32};")


def is_placeholder(lines: list[str]) -> bool:
    """True when a section's every non-empty, non-heading line only stands in for content (TODO,
    TBD, FIXME, "fill in", lorem ipsum, or nothing a reader sees: HTML comments, tags, entities,
    invisible characters, punctuation): such a section counts as missing."""
    body = [ln.strip() for ln in _uncommented(lines) if not ln.lstrip().startswith("#")]
    return bool([ln for ln in body if ln]) and all(_stands_in(ln) for ln in body if ln)


def _uncommented(lines: list[str]) -> list[str]:
    """The lines with HTML comments (`<!-- ... -->`, across lines too) cut out: one pass."""
    kept: list[str] = []
    inside = False
    for line in lines:
        out, at = [], 0
        while at <= len(line):
            if inside:
                end = line.find("-->", at)
                if end < 0:
                    break
                inside, at = False, end + 3
            else:
                start = line.find("<!--", at)
                out.append(line[at:] if start < 0 else line[at:start])
                if start < 0:
                    break
                inside, at = True, start + 4
        kept.append("".join(out))
    return kept


def _stands_in(line: str) -> bool:
    # as a reader sees it: entities decoded (`&#84;ODO` is TODO), invisible characters dropped
    seen = "".join(c for c in html.unescape(line) if unicodedata.category(c) != "Cf")
    bare = _MARKUP.sub("", seen)
    return (
        not any(c.isalnum() for c in bare)
        or _PLACEHOLDER.fullmatch(bare.strip(" :-.!?()[]")) is not None
    )
