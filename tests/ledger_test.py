"""`gate exception add|list|revoke|audit`: edits keep the user's text, history is complete."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest
from conftest import GitRepo

CONFIG = "exceptions:\n  max_days: {1: 7}\n  groups:\n    release-managers: [rita]\n    directors: [dora]\n    vps: [victor]\n"
USER_LEDGER = """\
# Owned by the release managers. Keep entries short.
apiVersion: gate/v1
kind: ExceptionLedger
exceptions:
    # the big one
    - id: EXC-A
      services: [search]
      rules: [runbook-sections]
      reason: "Escalation section arrives with the new rota"   # quoted on purpose
      ticket: INC-1
      requested_by: dana
      approved_by: rita
      created: 2026-11-20
      expires: 2026-11-26
    # second
    - id: EXC-B
      services: [cart]
      rules: [codeowners]
      reason: Team rename in flight, CODEOWNERS follows
      ticket: INC-2
      requested_by: dana
      approved_by: rita
      created: 2026-11-23
      expires: 2026-11-29
"""
ADD = (
    "exception",
    "add",
    "--service",
    "search",
    "--rule",
    "runbook-sections",
    "--reason",
    "Escalation contacts land with INC-9",
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


@pytest.fixture
def ledger_repo(example: GitRepo) -> GitRepo:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.commit("config")
    return example


def test_add_appends_and_keeps_every_byte_of_the_user_file(
    ledger_repo: GitRepo, gate_cli: Any
) -> None:
    ledger_repo.write("exceptions.yaml", USER_LEDGER)
    code, out, err = gate_cli(*ADD, "--repo", ledger_repo.path)
    assert code == 0, err
    new = re.search(r"added (EXC-20261124-[0-9a-f]{6}) to exceptions.yaml \(", out)
    assert new and "expires 2026-11-26)" in out  # --days 3: the 24th to the 26th
    text = ledger_repo.read("exceptions.yaml")
    assert text.startswith(USER_LEDGER)
    assert text[len(USER_LEDGER) :] == (
        f"    - id: {new.group(1)}\n      services: [search]\n      rules: [runbook-sections]\n"
        "      reason: Escalation contacts land with INC-9\n      ticket: INC-9\n      requested_by: dana\n"
        "      approved_by: rita\n      created: '2026-11-24'\n      expires: '2026-11-26'\n"
    )


def test_add_creates_a_new_ledger_and_fills_an_empty_list(
    ledger_repo: GitRepo, gate_cli: Any
) -> None:
    assert gate_cli(*ADD, "--repo", ledger_repo.path)[0] == 0
    assert ledger_repo.read("exceptions.yaml").startswith("# Exception ledger")
    ledger_repo.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: []  # none yet\n",
    )
    assert gate_cli(*ADD, "--repo", ledger_repo.path)[0] == 0
    text = ledger_repo.read("exceptions.yaml")
    assert re.search(r"exceptions: # none yet\n  - id: EXC-20261124-[0-9a-f]{6}\n", text)


@pytest.mark.parametrize(
    "change, words",
    [
        (("--reason", "TODO"), "reason 'TODO' is a placeholder"),
        (("--approved-by", "dana"), "approved by its own requester"),
        (("--approved-by", "mallory"), "@mallory may not approve findings exceptions for tier 1"),
        (("--days", "30"), "search is tier 1, which allows at most 7 days"),
        (("--service", "nope"), "no service named 'nope'"),
        (("--rule", "no-such-rule"), "unknown rule id 'no-such-rule'"),
        (("--rule", "error-budget"), "@rita may not approve error-budget exceptions for tier 1"),
    ],
)
def test_add_refuses_invalid_entries_and_writes_nothing(
    ledger_repo: GitRepo, gate_cli: Any, change: tuple[str, str], words: str
) -> None:
    ledger_repo.write("exceptions.yaml", USER_LEDGER)
    args = list(ADD)
    flag = args.index(change[0])
    args[flag + 1] = change[1]
    code, _, err = gate_cli(*args, "--repo", ledger_repo.path)
    assert code == 2 and words in err
    assert ledger_repo.read("exceptions.yaml") == USER_LEDGER


def test_add_refuses_when_exceptions_is_not_last(ledger_repo: GitRepo, gate_cli: Any) -> None:
    ledger_repo.write(
        "exceptions.yaml", "exceptions: []\napiVersion: gate/v1\nkind: ExceptionLedger\n"
    )
    code, _, err = gate_cli(*ADD, "--repo", ledger_repo.path)
    assert code == 2 and "exceptions.yaml:1: cannot append safely" in err


def test_revoke_cuts_out_one_entry_only(ledger_repo: GitRepo, gate_cli: Any) -> None:
    ledger_repo.write("exceptions.yaml", USER_LEDGER)
    why = ("--reason", "Ended early: the fix shipped", "--as-of", "2026-11-24", "--by", "@rita")
    code, out, _ = gate_cli("exception", "revoke", "EXC-A", *why, "--repo", ledger_repo.path)
    assert code == 0 and "revoked EXC-A" in out
    text = ledger_repo.read("exceptions.yaml")
    assert (
        "- id: EXC-A" not in text
        and "# the big one" in text
        and "# second\n    - id: EXC-B" in text
    )
    code, _, _ = gate_cli("exception", "revoke", "EXC-B", *why, "--repo", ledger_repo.path)
    assert code == 0 and ledger_repo.read("exceptions.yaml").endswith("    # second\n")
    assert (
        "revoked:\n  - {id: EXC-A, date: '2026-11-24', by: rita, reason: 'Ended early: the fix shipped'}\n  - {id: EXC-B,"
        in ledger_repo.read("exceptions.yaml")
    )
    code, _, err = gate_cli("exception", "revoke", "EXC-B", *why, "--repo", ledger_repo.path)
    assert code == 2 and "no exception with id 'EXC-B'" in err


def test_list_states(ledger_repo: GitRepo, gate_cli: Any) -> None:
    ledger_repo.write("exceptions.yaml", USER_LEDGER)
    ledger_repo.commit("ledger")
    ledger_repo.branch("x")
    code, out, err = gate_cli(*ADD, "--pr", "5", "--repo", ledger_repo.path)
    assert code == 0, err
    new = out.split()[1]

    def states(day: str) -> dict[str, str]:
        code, out, _ = gate_cli(
            "exception", "list", "--repo", ledger_repo.path, "--as-of", day, "--format", "json"
        )
        return {row["id"]: row["state"] for row in json.loads(out)["exceptions"]}

    assert states("2026-11-26") == {
        "EXC-A": "expiring",
        "EXC-B": "active",
        new: "pending",
    }
    assert states("2026-11-27") == {
        "EXC-A": "expired",
        "EXC-B": "active",
        new: "expired",
    }
    assert states("2026-11-28")["EXC-B"] == "expiring"
    code, out, _ = gate_cli(
        "exception", "list", "--repo", ledger_repo.path, "--as-of", "2026-11-25"
    )
    assert "expiring EXC-A" in out and "active   EXC-B" in out and f"pending  {new}" in out


def test_malformed_ledger_is_exit_2_with_line(ledger_repo: GitRepo, gate_cli: Any) -> None:
    ledger_repo.write("exceptions.yaml", USER_LEDGER.replace("ticket: INC-2\n", "ticket: [INC-2\n"))
    code, _, err = gate_cli("exception", "list", "--repo", ledger_repo.path)
    assert code == 2 and err.startswith("gate: error: exceptions.yaml:") and "invalid YAML" in err


def test_audit_from_git_history(ledger_repo: GitRepo, gate_cli: Any) -> None:
    ledger_repo.write("exceptions.yaml", USER_LEDGER)
    ledger_repo.commit("add two exceptions")
    ledger_repo.replace("exceptions.yaml", "expires: 2026-11-29", "expires: 2026-11-30")
    ledger_repo.commit("extend EXC-B")
    assert (
        gate_cli(
            "exception",
            "revoke",
            "EXC-B",
            "--reason",
            "Team rename finished early",
            "--repo",
            ledger_repo.path,
        )[0]
        == 0
    )
    ledger_repo.commit("revoke EXC-B")
    code, out, _ = gate_cli(
        "exception",
        "audit",
        "--repo",
        ledger_repo.path,
        "--format",
        "json",
        "--as-of",
        "2026-12-01",
    )
    events = [(e["event"], e["id"]) for e in json.loads(out)["events"]]
    assert events == [
        ("added", "EXC-A"),
        ("added", "EXC-B"),
        ("changed", "EXC-B"),
        ("revoked", "EXC-B"),
        ("expired", "EXC-A"),
    ]
    code, out, _ = gate_cli(
        "exception", "audit", "--repo", ledger_repo.path, "--format", "csv", "--as-of", "2026-12-01"
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert (
        rows[0]["author"] == "Ada Author <ada@example.com>"
        and rows[0]["approved_by"] == "rita"
        and rows[0]["services"] == "search"
    )
    code, out, _ = gate_cli(
        "exception", "audit", "--repo", ledger_repo.path, "--as-of", "2026-12-01"
    )
    assert (
        "revoked  EXC-B" in out
        and "approved by @rita" in out
        and "revoked because: Team rename finished early" in out
    )
