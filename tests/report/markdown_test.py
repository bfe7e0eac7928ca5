"""gate.report.markdown: the pull-request comment."""

from __future__ import annotations

from gate.report import renderer
from gate.report.markdown import MARKER, truncate
from gate.verdict import Verdict


def test_markdown_verdict_first_with_marker_table_and_fixes(blocked: Verdict) -> None:
    text = renderer("markdown")(blocked)
    lines = text.splitlines()
    assert lines[0] == MARKER and lines[1] == "## ⛔ gate: **BLOCK**"
    assert "| `search` | 1 | ⛔ block | 1 | 0 |" in text
    assert "| 🛑 error | `runbook-sections` | `services/search/docs/runbook.md:1` |" in text
    assert (
        "waived by **EXC-BUDGET** (`@victor`, until 2026-11-25)" in text
    )  # a mention in code: nobody is pinged
    assert "<details open><summary><b><code>search</code></b>" in text


def test_markdown_truncation_keeps_under_the_limit_and_links_the_report() -> None:
    text = "\n".join(f"| row {i} | {'x' * 50} |" for i in range(5000))
    cut = truncate("<details>\n" + text, 65_536, "https://github.example/run/1")
    assert len(cut) <= 65_536 and cut.endswith(
        "see [the full report](https://github.example/run/1).\n"
    )
    assert cut.count("<details") == cut.count("</details>")
