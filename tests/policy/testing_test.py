"""`gate test`: rule examples judged by the real engine, never-firing and example-less rules flagged."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

from gate.policy.rules import parse_pack
from gate.policy.testing import schema_accepts_everything
from gate.resources import data_dir

PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: payments
rules:
  - id: pci-scope
    title: Payments services declare their PCI scope
    severity: error
    check:
      schema: {required: [description], properties: {description: {pattern: "PCI"}}}
      message: description must state the PCI scope
    remediation: Say "PCI in scope" or "PCI out of scope" in description.
    examples:
      - name: states its scope
        expect: quiet
        manifest: {description: "PCI out of scope"}
      - name: no description
        expect: fires
        message: PCI scope
      - name: wrong on purpose
        expect: fires
        manifest: {description: "PCI in scope"}
  - id: typo-rule
    title: A typo makes this schema accept everything
    severity: error
    check:
      schema: {requird: [dependencies]}
    remediation: r
    examples:
      - name: should fire
        expect: fires
  - id: migrations-reviewed
    title: Migrations need a DBA
    severity: warning
    when: ["migrations/**"]
    check: {kind: file_exists, field: runbook}
    remediation: r
"""


def write_pack(tmp_path: Path, text: str = PACK, examples: str | None = None) -> str:
    pack = tmp_path / "payments.yaml"
    pack.write_text(text, encoding="utf-8")
    if examples is not None:
        (tmp_path / "payments.examples.yaml").write_text(examples, encoding="utf-8")
    return str(pack)


def test_default_pack_passes_and_covers_every_rule(gate_cli: Any, tmp_path: Path) -> None:
    code, out, _ = gate_cli("test", "default", "--repo", str(tmp_path))
    assert code == 0, out
    rules = parse_pack((data_dir("policies") / "default.yaml").read_bytes(), "default.yaml")
    for rule in rules:
        assert f"  ok   {rule.id}  " in out
    assert f"{len(rules)} rules," in out and "0 failed; 0 never-fires, 0 without examples" in out


def test_the_three_findings_and_exit_1(gate_cli: Any, repo: GitRepo, tmp_path: Path) -> None:
    repo.write("services/a/service.yaml", "x: 1\n")
    repo.commit()
    pack = write_pack(tmp_path)
    code, out, _ = gate_cli("test", pack, "--repo", repo.path)
    assert code == 1
    assert (
        f"mismatch: {pack}:19: example 'wrong on purpose': expected it to fire, but it was quiet"
        in out
    )
    assert (
        "typo-rule" in out
        and "never-fires: check.schema accepts every manifest (JSON Schema ignores the unknown keyword(s) requird)"
        in out
    )
    assert "never-fires: no path in the repository matches its when: glob(s) migrations/**" in out
    assert "no-examples: has no examples" in out
    assert "  ok   " not in out.split("pci-scope")[0]
    assert "3 rules, 4 examples: 2 passed, 2 failed; 2 never-fires, 1 without examples" in out


def test_when_glob_is_alive_when_the_repository_has_the_path(
    gate_cli: Any, repo: GitRepo, tmp_path: Path
) -> None:
    repo.write("services/a/migrations/001.sql", "select 1;\n")
    repo.commit()
    _, out, _ = gate_cli("test", write_pack(tmp_path), "--repo", repo.path)
    assert "matches its when" not in out and "migrations-reviewed" in out


def test_message_substring_must_match(gate_cli: Any, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, PACK.replace("message: PCI scope", "message: PCI zone"))
    _, out, _ = gate_cli("test", pack, "--repo", str(tmp_path))
    assert (
        "example 'no description': it fired, but no message contains 'PCI zone' (got: description must state the PCI scope)"
        in out
    )


def test_quiet_example_that_fires(gate_cli: Any, tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path, PACK.replace('{description: "PCI out of scope"}', '{description: "no idea"}')
    )
    _, out, _ = gate_cli("test", pack, "--repo", str(tmp_path))
    assert (
        "example 'states its scope': expected quiet, but it fired: description must state the PCI scope"
        in out
    )


def test_examples_file_beside_the_pack(gate_cli: Any, tmp_path: Path) -> None:
    examples = (
        "apiVersion: gate/v1\nkind: PolicyExamples\nexamples:\n  migrations-reviewed:\n"
        "    - name: migration without a runbook\n      expect: fires\n      files: {migrations/1.sql: x}\n"
        "    - name: no migration touched\n      expect: quiet\n      changed: [src/app.py]\n"
    )
    pack = write_pack(tmp_path, examples=examples)
    _, out, _ = gate_cli("test", pack, "--repo", str(tmp_path))
    assert "migrations-reviewed  2/2 examples" in out and "migrations-reviewed  0/0" not in out


def test_examples_for_an_unknown_rule_is_bad_input(gate_cli: Any, tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path, examples="apiVersion: gate/v1\nkind: PolicyExamples\nexamples:\n  pci-scoep: []\n"
    )
    code, _, err = gate_cli("test", pack, "--repo", str(tmp_path))
    assert code == 2
    assert (
        err.strip()
        == f"gate: error: {tmp_path / 'payments.examples.yaml'}:4: examples for rule 'pci-scoep', which the pack does not define"
    )


def test_malformed_example_names_file_and_line(gate_cli: Any, tmp_path: Path) -> None:
    pack = write_pack(tmp_path, PACK.replace("expect: quiet", "expect: silent", 1))
    code, _, err = gate_cli("test", pack, "--repo", str(tmp_path))
    assert (
        code == 2
        and err.startswith(f"gate: error: {pack}:14: invalid policy pack")
        and len(err.splitlines()) == 1
    )


def test_impossible_as_of_date_is_bad_input(gate_cli: Any, tmp_path: Path) -> None:
    pack = write_pack(
        tmp_path,
        PACK.replace(
            "        message: PCI scope\n",
            "        message: PCI scope\n        as_of: '2026-02-30'\n",
        ),
    )
    code, _, err = gate_cli("test", pack, "--repo", str(tmp_path))
    assert (
        code == 2
        and err.strip()
        == f"gate: error: {pack}:16: rule pci-scope, example 'no description': as_of '2026-02-30' is not a date"
    )


def test_hostile_example_paths_stay_in_the_throwaway_repository(
    gate_cli: Any, tmp_path: Path
) -> None:
    """A pack under review is code from the change: its examples must not write outside git objects."""
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    examples = (
        "apiVersion: gate/v1\nkind: PolicyExamples\nexamples:\n  migrations-reviewed:\n"
        f"    - name: escape\n      expect: fires\n      files: {{'../../../../../../../{victim}': pwned}}\n"
    )
    code, _, err = gate_cli(
        "test", write_pack(tmp_path, examples=examples), "--repo", str(tmp_path)
    )
    assert victim.read_text() == "keep\n"
    assert (
        code == 2
        and "is not a plain relative path inside the repository" in err
        and "payments.examples.yaml:5:" in err
    )


def test_explain_shows_examples(gate_cli: Any, tmp_path: Path) -> None:
    code, out, _ = gate_cli("explain", "runbook-sections", "--repo", str(tmp_path))
    assert code == 0
    assert "examples (`gate test` runs them):" in out
    assert "fires (\"has no 'Escalation' section\"): no escalation section" in out
    assert "quiet: all four sections with content" in out


@pytest.mark.parametrize(
    "schema, trivial, unknown",
    [
        ({}, True, []),
        ({"requird": ["owners"]}, True, ["requird"]),
        ({"required": ["owners"]}, False, []),
        ({"properties": {"owners": {"description": "x"}}}, True, []),
        ({"properties": {"owners": {"required": ["team"]}}}, False, []),
        ({"properties": {"tier": {"maximum": 2}}}, False, []),
        ({"anyOf": [{"required": ["a"]}, {}]}, True, []),
        ({"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}, False, []),
        ({"not": {}}, False, []),
        ({"if": {"required": ["a"]}, "then": {"title": "x"}}, True, []),
    ],
)
def test_schema_accepts_everything(
    schema: dict[str, Any], trivial: bool, unknown: list[str]
) -> None:
    found: list[str] = []
    assert schema_accepts_everything(schema, found) is trivial
    assert found == unknown


def test_explain_shows_examples_kept_beside_a_repository_pack(gate_cli: Any, repo: GitRepo) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/payments.yaml]\n")
    repo.write("policies/payments.yaml", PACK)
    repo.write(
        "policies/payments.examples.yaml",
        "apiVersion: gate/v1\nkind: PolicyExamples\nexamples:\n  migrations-reviewed:\n"
        "    - name: migration without a runbook\n      expect: fires\n      files: {migrations/1.sql: x}\n",
    )
    repo.commit()
    code, out, _ = gate_cli("explain", "migrations-reviewed", "--repo", repo.path)
    assert code == 0 and '  fires: migration without a runbook\n    migrations/1.sql: "x"' in out


DATED = """\
apiVersion: gate/v1
kind: PolicyPack
name: rollout
rules:
  - id: pci-scope
    title: Payments services declare their PCI scope
    severity: error
    enforce_from: 2027-01-15
    campaign: pci-2027
    check:
      schema: {required: [description]}
      message: description must state the PCI scope
    remediation: Say "PCI in scope" or "PCI out of scope" in description.
    examples:
      - name: before its date it warns
        expect: fires
        as_of: 2027-01-14
        severity: warning
      - name: from its date it blocks
        expect: fires
        as_of: 2027-01-15
        severity: error
      - name: said wrongly
        expect: fires
        as_of: 2027-01-01
        severity: error
"""


def test_enforce_from_examples_run_by_gate_test(gate_cli: Any, tmp_path: Path) -> None:
    """A dated rule warns before its day and blocks from it; `gate test` runs both examples, and an
    example that expects the wrong severity for its day fails and says why."""
    pack = write_pack(tmp_path, DATED)
    code, out, _ = gate_cli("test", pack, "--repo", str(tmp_path))
    assert code == 1
    assert "example 'said wrongly': it fired as warning, not error (as of 2027-01-01)" in out
    assert "before its date it warns" not in out.split("said wrongly")[0].split("FAIL")[-1]
    code, out, _ = gate_cli(
        "test",
        write_pack(tmp_path, DATED.split("      - name: said wrongly")[0]),
        "--repo",
        str(tmp_path),
    )
    assert code == 0, out
    (rule,) = parse_pack(DATED.encode(), "rollout.yaml")
    assert (str(rule.enforce_from), rule.campaign) == ("2027-01-15", "pci-2027")
