"""One escaping layer per output kind.

Every string a reporter takes from a verdict may come from the change under review: a file
name, a manifest value, a ledger entry. Whatever it holds, it is shown (visibly escaped, never
dropped) and it cannot

- run as a CI log command: a GitHub Actions workflow command (`::name ...::` at the start of a
  line, after leading blanks), an Azure Pipelines logging command (`##vso[` anywhere in a line)
  or a TeamCity service message (`##teamcity[`);
- add a line, a heading, a table row or cell, a link, an image, an @-mention or HTML to a
  Markdown comment or job summary, or close the HTML block it sits in;
- make the JUnit XML, the JSON report or the SARIF invalid.
"""

from __future__ import annotations

import json
import re
from typing import Any

# Bidirectional controls (embeddings, overrides, isolates, marks): they reorder what a reader
# sees without changing what a machine reads ("Trojan Source"), so they are shown, never obeyed.
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
# C0 and C1 controls, DEL, Unicode line and paragraph separators, bidirectional controls, lone
# surrogates (a file name that is not UTF-8), and the two non-characters XML 1.0 forbids.
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff\ufffe\uffff]")
_BIDI_ONLY = re.compile(f"[{_BIDI}]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_CI_ANYWHERE = re.compile(r"#(#(?:vso|teamcity)\[)", re.IGNORECASE)
_WORKFLOW_COMMAND = re.compile(r"^([ \t]*):(?=:)", re.MULTILINE)


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode keeps it
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object) -> str:
    """One line of printable text: control characters become escapes (`\\n`, `\\x1b`, `\\u2028`)."""
    return _CONTROL.sub(_escape, str(value))


def _no_ci_commands(text: str) -> str:
    return _CI_ANYWHERE.sub(r"#\\\1", text)


def text(value: object) -> str:
    """A value on a line of a log: visible, and no Azure or TeamCity command inside it."""
    return _no_ci_commands(visible(value))


def stdout(output: str) -> str:
    """The last step before any command's output reaches a terminal or a CI log: no line starts a
    workflow command, no Azure or TeamCity command appears anywhere, and no bidirectional control
    reorders what is read. (Only the `github` format emits commands.)"""
    return _WORKFLOW_COMMAND.sub(r"\1\\:", _no_ci_commands(_BIDI_ONLY.sub(_escape, output)))


# -- JSON (the report, SARIF, GitLab Code Quality) ---------------------------------------------

_JSON_UNSAFE = re.compile(f"[\x7f-\x9f\u2028\u2029{_BIDI}\ud800-\udfff\ufffe\uffff]")


def json_dumps(document: Any, ensure_ascii: bool = False) -> str:
    """Deterministic JSON that any parser accepts and no log reads as a command: C1 controls,
    separators and lone surrogates as \\u escapes (json.loads gives back the very same string)."""
    out = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=ensure_ascii)
    out = _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", out)
    return _CI_ANYWHERE.sub(lambda m: "#\\u0023" + m.group(1)[1:], out)


def reported(value: float | None) -> float | None:
    """A ratio as every report shows it: six decimals, infinities as +-1e9 (JSON has no infinity)."""
    if value is None:
        return None
    if value in (float("inf"), float("-inf")):
        return -1e9 if value < 0 else 1e9
    return round(value, 6)


# -- Markdown and HTML (the pull-request comment, the job summary) -----------------------------

_MENTION = re.compile(
    r"@[^\s`|\\]*"
)  # @user, @org/team, and the @ of an e-mail address (autolinked)
# Markdown punctuation: emphasis, code, links, images, HTML, entities, tables, headings, strikethrough;
# `.` and `:` because GitHub links www.example.com and https://example.com on sight.
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()<>#!|~&:.])")


def md_text(value: object) -> str:
    """Prose in a table cell: shown as written, but inert. Mentions and e-mail addresses go into
    code spans (GitHub never links them there); every Markdown character is backslash-escaped."""
    out = []
    position = 0
    line = visible(value)
    for match in _MENTION.finditer(line):
        out.append(_MARKDOWN_PUNCTUATION.sub(r"\\\1", line[position : match.start()]))
        out.append(f"`{match.group()}`")
        position = match.end()
    out.append(_MARKDOWN_PUNCTUATION.sub(r"\\\1", line[position:]))
    return "".join(out)


def md_code(value: object) -> str:
    """A name or path in a table cell, as a code span (nothing inside one is Markdown, a link or a
    mention); `|` escaped because GitHub splits table cells before it reads code spans."""
    line = text(value).replace("|", "\\|")
    if not line:
        return ""
    fence = "`" * (max((len(run) for run in re.findall(r"`+", line)), default=0) + 1)
    pad = " " if line[0] in "` " or line[-1] in "` " else ""
    return f"{fence}{pad}{line}{pad}{fence}"


def html_code(value: object) -> str:
    """A name inside an HTML block (`<summary>`): escaped HTML, in <code> so no mention is linked."""
    return f"<code>{_html_escape(text(value))}</code>"


def _html_escape(value: str) -> str:
    """`html.escape(value, quote=True)`, without importing `html` (its entity table costs every run)."""
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value.replace('"', "&quot;").replace("'", "&#x27;")


# -- XML (JUnit) -----------------------------------------------------------------------------------


def xml(value: object) -> str:
    """Text or an attribute in XML 1.0: no character the standard forbids (ElementTree escapes <, &)."""
    return text(value)
