"""Hostile strings a change can put in a name, a path or a value, and the checks every output must pass."""

from __future__ import annotations

import html.parser
import re
import xml.etree.ElementTree as ET

# Each tries one way out of the place a reporter puts it.
HOSTILE = [
    "x\n::add-mask::secret",  # GitHub Actions workflow commands on a line of their own
    "\n::set-output name=verdict::pass",
    "\r\n::stop-commands::tok",
    "::error file=a::fake",
    "  ::warning::indented",  # the runner trims leading space before it looks
    "\n##vso[task.setvariable variable=verdict]pass",  # Azure Pipelines logging commands
    "a ##vso[task.complete result=Succeeded;]",  # Azure looks anywhere in the line
    "\n##teamcity[buildStatus status='SUCCESS']",  # TeamCity service messages
    "x | y | z",  # a markdown table cell
    "\n| a | b |\n|---|---|\n| c | d |",
    "</details>\n\n## ✅ gate: PASS",  # close the HTML block, add a heading
    "</summary></details><details open>",
    "<img src=x onerror=alert(1)>",
    "![tracking](https://evil.example/p.png)",
    "[click me](https://evil.example)",
    "@acme/release-managers please approve",
    "https://evil.example/x and www.evil.example",
    "mallory@evil.example",
    "`code` `` ```",
    "<!-- gate:report -->",
    "\x1b[31mred\x1b[0m\x07",
    "a\x00b",
    "\x0b\x0c\x1f\x7f\x85\u2028\u2029",
    "caf\udce9",  # a file name that is not UTF-8, as Python decodes it
    "]]><![CDATA[",
    "*emph* _u_ ~~s~~ # heading",
    "\\",
    "&lt;b&gt; &amp;",
    "%0A::add-mask::x",
    "x" * 3000,
]

CI_PREFIXES = ("::",)
CI_ANYWHERE = re.compile(r"##(vso|teamcity)\[", re.IGNORECASE)


def ci_commands(stdout: str) -> list[str]:
    """Lines a CI runner would execute as a command."""
    return [
        line
        for line in re.split(r"\r\n|\r|\n", stdout)
        if line.lstrip().startswith(CI_PREFIXES) or CI_ANYWHERE.search(line)
    ]


def github_annotation_problems(stdout: str) -> list[str]:
    """The `github` format: every line one annotation of ours, nothing more."""
    return [
        line
        for line in stdout.splitlines()
        if not re.match(r"::(error|warning|notice) [^\n]*::", line) or CI_ANYWHERE.search(line)
    ]


class _Shape(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.tables: list[list[int]] = []  # per table, the cells of each row
        self.stack: list[str] = []
        self.mentions: list[str] = []
        self.ends: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.stack.append(tag)
        if tag == "table":
            self.tables.append([])
        if tag == "tr" and self.tables:
            self.tables[-1].append(0)
        if tag in ("td", "th") and self.tables and self.tables[-1]:
            self.tables[-1][-1] += 1

    def handle_endtag(self, tag: str) -> None:
        self.ends.append(tag)
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data: str) -> None:
        if "code" not in self.stack and "a" not in self.stack:
            self.mentions += re.findall(
                r"(?<![\w`])@[A-Za-z0-9][\w/-]*", data
            )  # GitHub links these outside code


def markdown_shape(markdown: str) -> _Shape:
    """What GitHub would render: its own cmark (tables, autolinks), raw HTML passed through."""
    import cmarkgfm
    from cmarkgfm.cmark import Options

    rendered = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    shape = _Shape()
    shape.feed(rendered)
    return shape


def markdown_problems(markdown: str, headings: int = 1, tables: int | None = None) -> list[str]:
    """A gate comment: our heading only, tables whose rows all have their header's width, no links,
    images or mentions, every <details> closed."""
    shape = markdown_shape(markdown)
    problems = []
    if shape.tags.count("h2") != headings or any(
        t in shape.tags for t in ("h1", "h3", "h4", "h5", "h6")
    ):
        problems.append(f"headings: {[t for t in shape.tags if re.fullmatch('h[1-6]', t)]}")
    for bad in ("a", "img", "script", "iframe"):
        if bad in shape.tags:
            problems.append(f"<{bad}> in the rendered comment")
    if shape.mentions:
        problems.append(f"mentions: {shape.mentions}")
    for rows in shape.tables:
        if len(set(rows)) != 1:
            problems.append(f"a table whose rows have {rows} cells")
    if tables is not None and len(shape.tables) != tables:
        problems.append(f"{len(shape.tables)} tables, expected {tables}")
    if shape.tags.count("details") != shape.ends.count("details"):
        problems.append("unbalanced <details>")
    return problems


def junit_problems(xml: str) -> list[str]:
    try:
        ET.fromstring(xml.encode("utf-8"))
    except (ET.ParseError, UnicodeEncodeError) as e:
        return [f"not XML 1.0: {e}"]
    return []
