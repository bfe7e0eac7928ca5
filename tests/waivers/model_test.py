"""gate.waivers.model: ledger entries as read from exceptions.yaml, and what makes one invalid on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gate.errors import FatalError
from gate.waivers.model import expired_why, parse_ledger, revocations, static_problems, waiver_kind

ENTRY = """\
  - id: EXC-{n}
    services: [search]
    rules: [{rule}]
    reason: Escalation section arrives with the new rota
    ticket: INC-1
    requested_by: '@Dana'
    approved_by: rita
    created: 2026-11-20
    expires: {expires}
"""


def ledger(*entries: str, tail: str = "") -> bytes:
    return (
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n" + "".join(entries) + tail
    ).encode()


def test_entries_carry_their_line_handles_and_dates() -> None:
    a, b = parse_ledger(
        ledger(
            ENTRY.format(n=1, rule="runbook-sections", expires="2026-11-26"),
            ENTRY.format(n=2, rule="error-budget", expires="2026-11-22"),
        ),
        "exceptions.yaml",
    )
    assert (a.id, a.line, a.requested_by, a.expires, a.lasts()) == (
        "EXC-1",
        4,
        "dana",
        dt.date(2026, 11, 26),
        7,
    )
    assert (
        b.line == 13
        and b.covers("search", "error-budget-fast-burn")
        and not b.covers("cart", "error-budget")
    )
    assert a.covers("search", "runbook-sections") and not a.covers(
        "search", "runbook-sections-extra"
    )
    assert (
        a.summary()["created"] == "2026-11-20"
        and a.same_as(dataclasses.replace(a, line=40))
        and not a.same_as(b)
    )


def test_missing_or_empty_ledger_has_no_entries() -> None:
    assert (
        parse_ledger(None, "exceptions.yaml") == [] and parse_ledger(b"", "exceptions.yaml") == []
    )


@pytest.mark.parametrize(
    "text, words",
    [
        (
            ledger(ENTRY.format(n=1, rule="x", expires="2026-02-30")),
            "exceptions.yaml:12: exception EXC-1: expires '2026-02-30' is not a real date",
        ),
        (b"apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: [1\n", "exceptions.yaml:"),
    ],
)
def test_a_malformed_ledger_names_file_and_line(text: bytes, words: str) -> None:
    with pytest.raises(FatalError) as e:
        parse_ledger(text, "exceptions.yaml")
    assert str(e.value).startswith(words) or words in str(e.value)


def test_a_duplicated_id_marks_only_the_entries_that_share_it() -> None:
    entries = parse_ledger(
        ledger(
            ENTRY.format(n=1, rule="x", expires="2026-11-26"),
            ENTRY.format(n=2, rule="y", expires="2026-11-26"),
            ENTRY.format(n=1, rule="z", expires="2026-11-26"),
        ),
        "exceptions.yaml",
    )
    assert [(e.id, e.duplicate_lines) for e in entries] == [
        ("EXC-1", (4, 22)),
        ("EXC-2", ()),
        ("EXC-1", (4, 22)),
    ]
    today = dt.date(2026, 11, 22)
    assert static_problems(entries[0], today) == (
        "id EXC-1 is used by 2 entries (lines 4, 22); give each its own id"
    )
    assert static_problems(entries[1], today) is None


def test_static_problems_and_the_expired_hint() -> None:
    (entry,) = parse_ledger(
        ledger(ENTRY.format(n=1, rule="x", expires="2026-11-26")), "exceptions.yaml"
    )
    today = dt.date(2026, 11, 22)
    assert static_problems(entry, today) is None
    assert "placeholder" in str(static_problems(dataclasses.replace(entry, reason="tbd"), today))
    assert "before created" in str(
        static_problems(dataclasses.replace(entry, expires=dt.date(2026, 11, 1)), today)
    )
    assert "in the future" in str(static_problems(entry, dt.date(2026, 11, 19)))
    assert (
        static_problems(dataclasses.replace(entry, approved_by="dana"), today)
        == "approved by its own requester @dana"
    )
    assert (
        expired_why(entry)
        == 'expired on 2026-11-26; remove it: gate exception revoke EXC-1 --reason "..."'
    )


def test_revocations_and_waiver_kinds() -> None:
    raw = ledger(tail="revoked:\n  - {id: EXC-9, date: 2026-11-21, reason: done}\n  - junk\n")
    assert list(revocations(raw, "exceptions.yaml")) == ["EXC-9"] and revocations(None, "x") == {}
    assert [
        waiver_kind(r) for r in ("error-budget-fast-burn", "risk-high", "runbook-sections")
    ] == ["error-budget", "risk", "findings"]
