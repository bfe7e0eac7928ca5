"""gate.report.escape: one escaping layer per output kind, for strings the change under review wrote."""

from __future__ import annotations

import html
import json

import cmarkgfm

from gate.report import escape


def test_visible_keeps_one_line_and_shows_what_was_hidden() -> None:
    assert escape.visible("a\nb\r\tc\x1b[31m\u2028d") == "a\\nb\\r\\tc\\x1b[31m\\u2028d"
    assert (
        escape.visible("caf\udce9.py") == "caf\\xe9.py"
    )  # a file name that was not UTF-8: its byte, shown


def test_no_ci_log_command_survives() -> None:
    out = escape.stdout(
        "ok\n  ::set-output name=verdict::pass\n##vso[task.setvariable]x ##teamcity[buildStatus]"
    )
    assert "\n  ::" not in out and "##vso[" not in out and "##teamcity[" not in out
    assert escape.text("##VSO[task.complete]") == "#\\#VSO[task.complete]"


def test_json_is_valid_gives_back_the_same_string_and_carries_no_command() -> None:
    value = {"path": "a\u2028b\x85c\udcff", "note": "##vso[task.complete result=Succeeded]"}
    out = escape.json_dumps(value)
    assert json.loads(out) == value
    assert "\u2028" not in out and "\x85" not in out and "##vso[" not in out


def test_markdown_text_is_inert() -> None:
    hostile = (
        "[click](https://evil.example) @org/admins <img src=x> | cell ![i](x) www.evil.example"
    )
    html = cmarkgfm.github_flavored_markdown_to_html(f"| a |\n|---|\n| {escape.md_text(hostile)} |")
    assert "<a " not in html and "<img" not in html and html.count("<td>") == 1
    assert "<code>@org/admins</code>" in html  # a mention in a code span is never a ping


def test_markdown_code_spans_hold_any_backticks_and_pipes() -> None:
    span = escape.md_code("a``b|c")
    html = cmarkgfm.github_flavored_markdown_to_html(f"| a |\n|---|\n| {span} |")
    assert html.count("<td>") == 1 and "<code>a``b|c</code>" in html
    assert escape.md_code("") == ""


def test_html_code_escapes_markup() -> None:
    assert (
        escape.html_code('</summary><script>"')
        == "<code>&lt;/summary&gt;&lt;script&gt;&quot;</code>"
    )


def test_html_code_escapes_as_the_standard_library_does() -> None:
    for name in ["a&b<c>\"d'e", "&amp;", "", "</summary><img src=x>", "\u2028x"]:
        assert (
            escape.html_code(name) == f"<code>{html.escape(escape.text(name), quote=True)}</code>"
        )
