"""gate.builtin_rules: the rules the gate raises itself, each documented and each raised somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from gate.builtin_rules import BUILTIN_RULES, builtin_finding
from gate.policy.rules import parse_pack
from gate.resources import data_dir

PACKAGE = Path(__file__).resolve().parents[1] / "gate"


def _sources() -> str:
    return "\n".join(
        p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p.name != "builtin_rules.py"
    )


def test_every_raised_builtin_is_documented_and_every_documented_one_is_used() -> None:
    text = _sources()
    raised = set(re.findall(r'builtin_finding\(\s*"([a-z0-9-]+)"', text))
    assert raised and raised <= set(BUILTIN_RULES)
    unused = {rule for rule in BUILTIN_RULES if f'"{rule}"' not in text}
    assert not unused, f"documented but never raised: {unused}"


def test_builtin_ids_never_shadow_a_pack_rule_and_are_fully_explained() -> None:
    pack = {
        r.id
        for r in parse_pack((data_dir("policies") / "default.yaml").read_bytes(), "default.yaml")
    }
    assert not pack & set(BUILTIN_RULES)
    for rule in BUILTIN_RULES.values():
        assert rule.title and rule.description and rule.remediation, rule.id


def test_a_builtin_finding_carries_its_rules_title_and_fix() -> None:
    f = builtin_finding("pack-pin-changed", "warning", "pin moved", ".gate.yaml", 3)
    rule = BUILTIN_RULES["pack-pin-changed"]
    assert (f.rule, f.title, f.severity, f.message, f.file, f.line, f.remediation) == (
        "pack-pin-changed",
        rule.title,
        "warning",
        "pin moved",
        ".gate.yaml",
        3,
        rule.remediation,
    )
