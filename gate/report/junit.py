"""JUnit XML: one test case per service x rule checked, for CI dashboards."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from gate.report.escape import xml
from gate.verdict import Verdict


def render(v: Verdict) -> str:
    suites = ET.Element("testsuites", name="gate")
    total = failures = skipped = 0
    for service in list(v.services) + [None]:
        name = service.name if service else "(repository)"
        findings = list(service.findings) if service else list(v.findings)
        rule_ids = list(
            dict.fromkeys((service.checked if service else ()) + tuple(f.rule for f in findings))
        )
        if not rule_ids:
            continue
        suite = ET.SubElement(suites, "testsuite", name=xml(f"gate.{name}"))
        suite_failures = suite_skipped = 0
        for rule_id in rule_ids:
            case = ET.SubElement(
                suite, "testcase", classname=xml(f"gate.{name}"), name=xml(rule_id)
            )
            mine = [f for f in findings if f.rule == rule_id]
            blocking = [f for f in mine if f.severity in ("error", "warning") and not f.waiver]
            if blocking:
                worst = "error" if any(f.severity == "error" for f in blocking) else "warning"
                failure = ET.SubElement(
                    case, "failure", type=worst, message=xml(blocking[0].message)[:500]
                )
                failure.text = "\n".join(
                    f"{f.severity}: {xml(f.file or '')}{':' + str(f.line) if f.line else ''} {xml(f.message)}\nfix: {xml(f.remediation)}"
                    for f in blocking
                )
                suite_failures += 1
            elif mine and all(f.waiver for f in mine if f.severity != "info"):
                if any(f.waiver for f in mine):
                    w = next(f.waiver for f in mine if f.waiver)
                    ET.SubElement(
                        case,
                        "skipped",
                        message=xml(
                            f"waived by exception {w.id} (@{w.approved_by}, until {w.expires})"
                        ),
                    )
                    suite_skipped += 1
            if mine:
                out = ET.SubElement(case, "system-out")
                out.text = "\n".join(f"{f.severity}: {xml(f.message)}" for f in mine)
        suite.set("tests", str(len(rule_ids)))
        suite.set("failures", str(suite_failures))
        suite.set("errors", "0")
        suite.set("skipped", str(suite_skipped))
        total += len(rule_ids)
        failures += suite_failures
        skipped += suite_skipped
    suites.set("tests", str(total))
    suites.set("failures", str(failures))
    suites.set("errors", "0")
    suites.set("skipped", str(skipped))
    ET.indent(suites)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"
    )
