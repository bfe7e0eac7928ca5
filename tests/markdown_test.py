from __future__ import annotations

import pytest

from gate.markdown import headings, is_placeholder


def test_atx_setext_and_code_fences() -> None:
    text = "# Title\nintro\n\nSymptoms\n--------\npages\n\n```\n## Not a heading\n```\n## Diagnosis ##\n\n## Mitigation\n"
    found = [(h.level, h.text, h.line, h.has_content) for h in headings(text)]
    assert found == [
        (1, "Title", 1, True),
        (2, "Symptoms", 4, True),
        (2, "Diagnosis", 11, False),
        (2, "Mitigation", 13, False),
    ]


def test_section_content_includes_subsections_text() -> None:
    text = "## Escalation\n### Primary\ncall x\n"
    first = headings(text)[0]
    assert first.text == "Escalation" and first.has_content


def test_html_comments_hide_headings_and_content() -> None:
    """A runbook wrapped in <!-- --> renders as an empty page: none of its sections count."""
    from gate.markdown import headings

    hidden = headings("# runbook\n\n<!--\n## Symptoms\nalerts page\n## Escalation\ncall sre\n-->\n")
    assert [(h.text, h.has_content) for h in hidden] == [("runbook", False)]
    shown = headings("# runbook\n<!-- reviewed 2026-11 -->\n## Symptoms\nalerts page\n")
    assert [(h.text, h.has_content) for h in shown] == [("runbook", True), ("Symptoms", True)]
    fenced = headings("```\n<!--\n```\n## Symptoms\nalerts page\n")
    assert [h.text for h in fenced] == ["Symptoms"]


@pytest.mark.parametrize(
    "text",
    [
        "TODO",
        "- [ ] TBD\n* FIXME: later",
        "_Fill in the steps._",
        "Lorem ipsum dolor sit amet, consectetur.",
        "<!-- real steps\nin the wiki -->\nTBD",
        "\u200b\n&nbsp;\n<br>",
        "...",
        "T\u200bODO",  # an invisible character inside the word
        "&#84;&#66;D",  # TBD, as entities
    ],
)
def test_placeholders_only_stand_in_for_content(text: str) -> None:
    assert is_placeholder(text.splitlines())


@pytest.mark.parametrize(
    "text",
    [
        "",  # empty is "no content", a different finding
        "Page payments-secondary.\nTODO: add the phone tree",
        "<!-- note --> Roll back with `deploy rollback`.",
        "1. Fill the cache from the replica.",
        "N/A -> see [the platform runbook](https://wiki.example.com/rb)",
    ],
)
def test_real_content_is_no_placeholder(text: str) -> None:
    assert not is_placeholder(text.splitlines())
