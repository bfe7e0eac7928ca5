"""gate/waivers/records.py: the waiver stage's report, one line per entry and fate, in the order reports show them."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from gate.waivers.model import LedgerEntry
from gate.waivers.records import Fate, WaiverReport
from gate.waivers.state import State


def _entry(id: str) -> LedgerEntry:
    return LedgerEntry(
        id,
        ("search",),
        ("runbook-sections",),
        "reason",
        "INC-1",
        "dana",
        "rita",
        dt.date(2026, 11, 1),
        dt.date(2026, 11, 5),
    )


def test_by_state_lists_every_fate_in_report_order() -> None:
    report = WaiverReport(
        "exceptions.yaml",
        applied=(Fate(_entry("A"), "base"),),
        pending=(Fate(_entry("P"), "change", "unapproved"),),
        expired=(Fate(_entry("X"), "base", "expired"),),
        expiring=(Fate(_entry("E"), "base"),),
        invalid=(Fate(_entry("S"), "stale", "revoked"),),
    )
    assert [(state, fate.entry.id) for state, fate in report.by_state()] == [
        (State.APPLIED, "A"),
        (State.PENDING, "P"),
        (State.EXPIRING, "E"),
        (State.EXPIRED, "X"),
        (State.INVALID, "S"),
    ]


def test_the_report_is_a_record() -> None:
    report = WaiverReport("exceptions.yaml")
    assert report.by_state() == [] and report.github_error is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.ledger = "other.yaml"  # type: ignore[misc]  # the point: frozen
