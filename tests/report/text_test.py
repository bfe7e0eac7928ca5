"""gate.report.text: the terminal report, one line per fact, values never obeyed as control text."""

from __future__ import annotations

import dataclasses

from gate.report import renderer
from gate.verdict import Finding, Verdict


def test_headline_services_findings_and_waivers_in_order(blocked: Verdict) -> None:
    lines = renderer("text")(blocked).splitlines()
    assert (
        lines[0]
        == f"gate: BLOCK - 2 changed service(s), {blocked.base[:12]}..{blocked.head[:12]}: 1 error(s), 1 warning(s), 1 info"
    )
    search = next(i for i, line in enumerate(lines) if "search (tier" in line)
    assert lines[search].startswith("BLOCK") and any(
        "runbook-sections" in line for line in lines[search + 1 :]
    )
    assert "repository" in lines and any(
        "scripts/release.sh" in line for line in lines[lines.index("repository") :]
    )
    assert any(line.startswith("  waived  error-budget  services/payments/") for line in lines)


def test_a_value_with_line_breaks_and_escapes_stays_on_its_line(blocked: Verdict) -> None:
    hostile = Finding(
        "unowned-change", "t", "warning", "evil\nFORGED: pass\x1b[2J", "x.sh", None, "fix"
    )
    text = renderer("text")(dataclasses.replace(blocked, findings=(hostile,)))
    assert "\nFORGED: pass" not in text and "\x1b" not in text


def test_an_undecided_service_heading_keeps_a_space_before_its_name(blocked: Verdict) -> None:
    service = blocked.services[0]
    unavailable = Finding(
        "error-budget-unavailable", "t", "error", "source down", None, None, "retry"
    )
    undecided = dataclasses.replace(
        blocked,
        verdict="block",
        services=(dataclasses.replace(service, findings=(unavailable,)),),
        findings=(),
    )
    text = renderer("text")(undecided)
    assert f"UNDECIDED {service.name} (tier" in text
