"""The records every reporter reads (gate/verdict.py): one severity order, one rule record."""

from __future__ import annotations

import re
from pathlib import Path

from gate.builtin_rules import BUILTIN_RULES
from gate.check import rule_catalog
from gate.config import Config
from gate.policy.rules import apply_overrides, parse_pack
from gate.verdict import SEVERITIES, SEVERITY_RANK, Finding, RuleInfo, Severity, Verdict
from gate.waivers.trust import ANY_APPROVERS

PACK = b"""apiVersion: gate/v1
kind: PolicyPack
name: test
rules:
  - id: runbook-exists
    title: Has a runbook
    severity: {0: error, 1: warning, 2: info}
    check: {kind: file_exists, field: runbook}
    remediation: "Write one, or ask {approvers} for an exception."
    docs: https://example.com/runbooks
"""


def finding(severity: Severity, rule: str = "r") -> Finding:
    return Finding(rule, "t", severity, "m", None, None, "fix")


def test_one_severity_order() -> None:
    assert SEVERITIES == ("info", "warning", "error") and [
        SEVERITY_RANK[s] for s in SEVERITIES
    ] == [0, 1, 2]
    ordered = sorted([finding("info"), finding("error"), finding("warning")], key=Finding.sort_key)
    assert [f.severity for f in ordered] == ["error", "warning", "info"]
    v = Verdict(
        "block",
        "a",
        "b",
        (),
        (finding("warning"), finding("error")),
        ".gate.yaml",
        False,
        "2026-11-24",
        "commits",
    )
    assert list(v.counts.items()) == [("error", 1), ("warning", 1), ("info", 0)]
    # No module defines the order again.
    root = Path(__file__).parents[1] / "gate"
    again = re.compile(
        r"""["']info["']\s*:\s*0|["']error["']\s*:\s*2\b|\(\s*["']error["'],\s*["']warning["'],\s*["']info["']\s*\)"""
    )
    found = [str(p) for p in root.rglob("*.py") if again.search(p.read_text(encoding="utf-8"))]
    assert found == []


def test_an_override_without_a_severity_for_a_tier_takes_the_strictest() -> None:
    (rule,) = parse_pack(PACK, "pack.yaml")
    config = Config(rules={"runbook-exists": {"tiers": [0, 1, 2, 3]}})
    (updated,) = apply_overrides([rule], config)
    assert updated.severities[3] == "error"


def test_one_rule_record_for_pack_rules_and_the_gates_own() -> None:
    (rule,) = parse_pack(PACK, "pack.yaml")
    assert isinstance(rule.info, RuleInfo) and all(
        isinstance(b, RuleInfo) for b in BUILTIN_RULES.values()
    )
    assert (rule.id, rule.title, rule.docs) == (
        "runbook-exists",
        "Has a runbook",
        "https://example.com/runbooks",
    )
    catalog = rule_catalog([rule])
    assert catalog["runbook-exists"] == RuleInfo(
        "runbook-exists",
        "Has a runbook",
        "",
        f"Write one, or ask {ANY_APPROVERS} for an exception.",
        "https://example.com/runbooks",
    )
    assert "{approvers}" not in catalog["runbook-exists"].remediation
    assert list(catalog)[0] == "runbook-exists" and set(BUILTIN_RULES) <= set(catalog)
