from __future__ import annotations

import pytest

from gate.config import Config
from gate.errors import FatalError
from gate.policy.rules import Rule, apply_overrides, parse_pack
from gate.resources import data_dir

HEAD = "apiVersion: gate/v1\nkind: PolicyPack\nname: p\nrules:\n"


def _pack(body: str) -> list[Rule]:
    return parse_pack((HEAD + body).encode(), "policies/p.yaml")


def _error(body: str) -> FatalError:
    with pytest.raises(FatalError) as info:
        _pack(body)
    assert info.value.file == "policies/p.yaml"
    return info.value


def test_default_pack_loads_and_every_rule_is_explained() -> None:
    rules = parse_pack((data_dir("policies") / "default.yaml").read_bytes(), "default.yaml")
    ids = [r.id for r in rules]
    assert len(ids) == len(set(ids)) >= 15
    for rule in rules:
        assert rule.title and rule.remediation, rule.id
    by_id = {r.id: r for r in rules}
    assert by_id["runbook-sections"].severities == {0: "error", 1: "error", 2: "warning", 3: "info"}
    assert by_id["rollback-tested"].params(0) == {"drill": "rollback"}
    assert by_id["restore-tested"].severities == {0: "error", 1: "error", 2: "warning"}


def test_severity_string_with_tiers() -> None:
    rule = _pack(
        "  - {id: r, title: t, severity: warning, tiers: [0, 2], check: {kind: codeowners}, remediation: fix}\n"
    )[0]
    assert rule.severities == {0: "warning", 2: "warning"}


def test_unknown_check_kind_names_file_and_line() -> None:
    e = _error(
        "  - id: ok\n    title: t\n    severity: error\n    check: {kind: file_exits, field: runbook}\n    remediation: fix\n"
    )
    assert e.line == 8
    assert "unknown check kind 'file_exits'" in e.message and "file_exists" in e.message


def test_bad_check_parameters() -> None:
    e = _error(
        "  - {id: r, title: t, severity: error, check: {kind: max_age, field: rollback.last_tested}, remediation: fix}\n"
    )
    assert "check parameters" in e.message and "missing required field days" in e.message


def test_invalid_json_schema_fragment() -> None:
    e = _error(
        "  - {id: r, title: t, severity: error, check: {schema: {type: nonsense}}, remediation: fix}\n"
    )
    assert "not a valid JSON Schema" in e.message


def test_duplicate_rule_ids() -> None:
    body = (
        "  - {id: r, title: t, severity: error, check: {kind: codeowners}, remediation: fix}\n" * 2
    )
    e = _error(body)
    assert e.line == 6 and "defined twice (first on line 5)" in e.message


def test_pack_schema_errors() -> None:
    e = _error(
        "  - {id: Bad_Id, title: t, severity: fatal, check: {kind: codeowners}, remediation: fix}\n"
    )
    assert "invalid policy pack" in e.message and e.line == 5


def test_overrides() -> None:
    rules = _pack(
        "  - {id: a, title: t, severity: {0: error, 1: error, 2: warning}, check: {kind: max_age, field: rollback.last_tested, days: 90}, remediation: fix}\n"
        "  - {id: b, title: t, severity: error, check: {kind: codeowners}, remediation: fix}\n"
    )
    config = Config(
        rules={"a": {"severity": "info", "tiers": [0], "params": {"days": 30}}, "b": "off"}
    )
    a, b = apply_overrides(rules, config)
    assert a.severities == {0: "info"} and a.params(0)["days"] == 30
    assert b.severities == {}


def test_override_of_unknown_rule_and_bad_params() -> None:
    rules = _pack(
        "  - {id: a, title: t, severity: error, check: {kind: max_age, field: rollback.last_tested, days: 9}, remediation: fix}\n"
    )
    with pytest.raises(FatalError, match="unknown rule id 'nope'"):
        apply_overrides(rules, Config(rules={"nope": "off"}))
    with pytest.raises(FatalError, match="check parameters"):
        apply_overrides(rules, Config(rules={"a": {"params": {"days": "soon"}}}))
