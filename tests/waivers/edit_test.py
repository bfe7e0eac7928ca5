"""The ledger editor keeps every byte the user wrote: edits are textual, through the YAML door."""

from __future__ import annotations

import difflib
from typing import Any

import pytest
from conftest import GitRepo

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.waivers.edit import append, entry_text, record_revocation, remove
from gate.waivers.model import parse_ledger

CONFIG = "exceptions:\n  max_days: {1: 7}\n  groups:\n    release-managers: [rita]\n    directors: [dora]\n    vps: [victor]\n"
USER_LEDGER = """\
# Owned by the release managers: café ☕ (keep this line)
apiVersion: gate/v1   # trailing comment
kind: ExceptionLedger
revoked:
  - {id: EXC-OLD, date: '2026-11-01', reason: Fixed properly in INC-3}
# entries below, oldest first
exceptions:
    # the big one
    - id: EXC-A
      services: [search]
      rules:
        - runbook-sections
      reason: >-
        Escalation section arrives
        with the new rota
      ticket: "INC-1"
      requested_by: dana
      approved_by: rita
      created: 2026-11-20
      expires: 2026-11-26
    # second
    - {id: EXC-B, services: [cart], rules: [codeowners], reason: "Team rename in flight, CODEOWNERS follows", ticket: INC-2, requested_by: dana, approved_by: rita, created: 2026-11-23, expires: 2026-11-29}
    # the end
"""
ADD = (
    "exception",
    "add",
    "--service",
    "search",
    "--rule",
    "runbook-sections",
    "--ticket",
    "INC-9",
    "--requested-by",
    "dana",
    "--approved-by",
    "rita",
    "--days",
    "3",
    "--as-of",
    "2026-11-24",
)


def changes(before: str, after: str) -> list[tuple[str, list[str], list[str]]]:
    """Every line-level difference: (kind, lines removed, lines added)."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    return [
        (op, a[i1:i2], b[j1:j2])
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
        if op != "equal"
    ]


@pytest.fixture
def ledger_repo(example: GitRepo) -> GitRepo:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.commit("config")
    example.write("exceptions.yaml", USER_LEDGER)
    return example


def test_add_then_revoke_touch_only_their_own_lines(ledger_repo: GitRepo, gate_cli: Any) -> None:
    code, _, err = gate_cli(
        *ADD, "--reason", "Escalation contacts land with INC-9", "--repo", ledger_repo.path
    )
    assert code == 0, err
    added = ledger_repo.read("exceptions.yaml")
    assert added.startswith(USER_LEDGER)  # appended after the user's last line, comments and all
    assert [op for op, _, _ in changes(USER_LEDGER, added)] == ["insert"]
    code, _, err = gate_cli(
        "exception",
        "revoke",
        "EXC-A",
        "--reason",
        "The rota landed early",
        "--by",
        "rita",
        "--as-of",
        "2026-11-24",
        "--repo",
        ledger_repo.path,
    )
    assert code == 0, err
    revoked = ledger_repo.read("exceptions.yaml")
    (record, cut) = changes(added, revoked)
    assert record == (
        "insert",
        [],
        ["  - {id: EXC-A, date: '2026-11-24', by: rita, reason: The rota landed early}\n"],
    )
    assert (
        cut[0] == "delete"
        and cut[1][0] == "    - id: EXC-A\n"
        and cut[1][-1] == "      expires: 2026-11-26\n"
    )
    assert (
        "    # the big one\n" in revoked and "    # second\n    - {id: EXC-B" in revoked
    )  # the others' comments stay
    assert [e.id[:13] for e in parse_ledger(revoked.encode(), "exceptions.yaml")] == [
        "EXC-B",
        "EXC-20261124-",
    ]  # order kept


def test_a_reason_ending_in_dots_is_written_as_given(ledger_repo: GitRepo, gate_cli: Any) -> None:
    """Was a bug: stripping YAML's end-of-document marker also cut the user's own "..." off a value."""
    reason = "Waiting for the vendor's fix..."
    code, _, err = gate_cli(*ADD, "--reason", reason, "--repo", ledger_repo.path)
    assert code == 0, err
    (entry,) = [
        e
        for e in parse_ledger(ledger_repo.read("exceptions.yaml").encode(), "exceptions.yaml")
        if e.id.startswith("EXC-20261124-")
    ]
    assert entry.reason == reason
    assert (
        entry_text({"ticket": "INC-1...", "rules": ["a..."]}, 0)
        == "- ticket: INC-1...\n  rules: [a...]\n"
    )


def test_an_empty_flow_list_after_multibyte_text_is_replaced_in_place() -> None:
    text = "# Ledger — ☕ café\napiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: []  # none yet\n"
    out = append(text, {"id": "EXC-1"}, "exceptions.yaml")
    assert (
        out
        == "# Ledger — ☕ café\napiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: # none yet\n  - id: EXC-1\n"
    )


def test_revocation_record_goes_into_an_existing_revoked_list() -> None:
    """Was a bug: the record went below the comment that sits above `exceptions:`, parting them."""
    out = record_revocation(
        USER_LEDGER,
        {"id": "EXC-A", "date": "2026-11-24", "reason": "done: early"},
        "exceptions.yaml",
    )
    assert out == USER_LEDGER.replace(
        "Fixed properly in INC-3}\n",
        "Fixed properly in INC-3}\n  - {id: EXC-A, date: '2026-11-24', reason: 'done: early'}\n",
    )


@pytest.mark.parametrize(
    "broken, line", [("exceptions:\n  - [unclosed\n", 3), ("a: 1\na: 2\nexceptions: []\n", 2)]
)
def test_a_broken_ledger_is_refused_with_its_line_and_left_alone(broken: str, line: int) -> None:
    with pytest.raises(FatalError) as e:
        append(broken, {"id": "EXC-1"}, "exceptions.yaml")
    assert e.value.file == "exceptions.yaml" and e.value.line == line


def test_remove_ignores_items_that_are_not_entries() -> None:
    text = "exceptions:\n  - just a string\n  - id: EXC-1\n    ticket: T\n"
    assert remove(text, "EXC-1", "exceptions.yaml") == "exceptions:\n  - just a string\n"
    with pytest.raises(FatalError, match="no exception with id 'EXC-2'"):
        remove(text, "EXC-2", "exceptions.yaml")


def test_the_yaml_door_spans_and_flow() -> None:
    root = gate_yaml.spans("a: [1, 2]\nb:\n  - x\n", "f.yaml")
    assert root is not None and root.kind == "mapping"
    (ka, va), (kb, vb) = root.value
    assert (ka.value, va.kind, va.flow, va.start, va.end) == ("a", "sequence", True, 3, 9)
    assert (kb.line, vb.kind, vb.flow, vb.column, [i.value for i in vb.value]) == (
        1,
        "sequence",
        False,
        2,
        ["x"],
    )
    assert gate_yaml.spans("", "f.yaml") is None
    with pytest.raises(FatalError, match="nested deeper"):
        gate_yaml.spans("[" * 200 + "]" * 200, "f.yaml")
    assert (
        gate_yaml.flow({"id": "X", "date": "2026-11-24"}) == "{id: X, date: '2026-11-24'}"
    )  # keys in the caller's order
    assert gate_yaml.flow("...") == "'...'" and gate_yaml.flow("ok...") == "ok..."
