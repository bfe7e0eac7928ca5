"""gate.baseline.model: fingerprints that survive reformatting and moves, the file's format and records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import TODAY
from hypothesis import given
from hypothesis import strategies as st

from gate.baseline.model import (
    Entry,
    Place,
    fingerprint_of,
    parse,
    parse_kept,
    record,
    recordable,
    render,
    subject,
)
from gate.errors import FatalError
from gate.verdict import Finding


def finding(message: str, file: str | None, line: int | None = 3) -> Finding:
    return Finding("slo-valid", "t", "error", message, file, line, "fix")


PLACE = Place(
    "search",
    "services/search/",
    "services/search/service.yaml",
    {
        "services/search/slo/a.yaml": "OpenSLO document",
        "services/search/slo/b.yaml": "OpenSLO document",
        "services/search/docs/runbook.md": "runbook",
    },
)


@given(
    a=st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}\.ya?ml", fullmatch=True),
    b=st.from_regex(r"[a-z]{1,8}/[a-z]{1,8}\.ya?ml", fullmatch=True),
)
def test_two_same_named_items_in_different_files_stay_two(a: str, b: str) -> None:
    """The same message about two files of one service: two fingerprints, however the files are named."""
    if a == b:
        return
    fa, fb = (f"services/search/{p}" for p in (a, b))
    assert fingerprint_of(finding(f"{fa}: objective missing", fa), PLACE) != fingerprint_of(
        finding(f"{fb}: objective missing", fb), PLACE
    )


def test_two_documents_of_one_role_stay_two_and_a_moved_service_keeps_its_fingerprint() -> None:
    a, b = "services/search/slo/a.yaml", "services/search/slo/b.yaml"
    assert fingerprint_of(finding(f"{a}: bad", a), PLACE) != fingerprint_of(
        finding(f"{b}: bad", b), PLACE
    )
    moved = Place(
        "search",
        "apps/search/",
        "apps/search/service.yaml",
        {"apps/search/slo/a.yaml": "OpenSLO document"},
    )
    assert fingerprint_of(finding(f"{a}: bad", a), PLACE) == fingerprint_of(
        finding("apps/search/slo/a.yaml: bad", "apps/search/slo/a.yaml", 40), moved
    )


def test_line_numbers_never_reach_the_subject() -> None:
    one = finding(
        "services/search/service.yaml:12: owners.oncall missing (line 12)", PLACE.manifest
    )
    two = finding(
        "services/search/service.yaml:30: owners.oncall missing (line 30)", PLACE.manifest, 30
    )
    assert subject(one, PLACE) == subject(two, PLACE) and "12" not in subject(one, PLACE)


def test_budget_and_risk_are_never_recordable() -> None:
    assert recordable(finding("x", None))
    for rule in ("error-budget", "error-budget-burn", "risk-high"):
        assert not recordable(Finding(rule, "t", "error", "x", None, None, "fix"))


def test_record_keeps_first_dates_and_prune_adds_nothing() -> None:
    first, later = dt.date(2026, 1, 1), dt.date(2026, 6, 1)
    old_f = finding("services/search/service.yaml: a", PLACE.manifest)
    new_f = finding("services/search/service.yaml: b", PLACE.manifest)
    existing = record([(old_f, PLACE)], first, [], prune=False)
    now = record([(old_f, PLACE), (new_f, PLACE)], later, existing, prune=False)
    assert sorted(e.since for e in now) == [first, later]
    pruned = record([(new_f, PLACE)], later, existing, prune=True)
    assert pruned == []  # the old one was fixed; the new one is not added by --prune
    twice = record([(old_f, PLACE), (old_f, PLACE)], later, existing, prune=True)
    assert [e.count for e in twice] == [1]  # --prune never raises a count


def test_render_and_parse_round_trip_with_hostile_strings() -> None:
    entries = [
        Entry('se"rv\nice: {x}', "rule-1", "0123456789abcdef", TODAY, 2, "a # b: 'c' \u202e"),
        Entry("search", "rule-2", "fedcba9876543210", TODAY),
    ]
    back = parse(render(entries).encode(), "gate-baseline.yaml")
    assert [
        (e.service, e.rule, e.fingerprint, e.since, e.count, e.subject) for e in back
    ] == sorted((e.service, e.rule, e.fingerprint, e.since, e.count, e.subject) for e in entries)
    assert parse(render([]).encode(), "gate-baseline.yaml") == []


@pytest.mark.parametrize(
    "text, where",
    [
        ("apiVersion: gate/v1\nkind: Baseline\nfindings:\n  - {service: s}\n", 4),
        ("apiVersion: gate/v1\nkind: Baseline\nfindings: [\n", None),
        (
            "apiVersion: gate/v1\nkind: Baseline\nfindings:\n"
            "  - {service: s, rule: r, fingerprint: 0123456789abcdef, since: 2026-02-31}\n",
            4,
        ),
    ],
)
def test_a_broken_file_is_one_error_naming_the_file_and_line(text: str, where: int | None) -> None:
    with pytest.raises(FatalError) as e:
        parse(text.encode(), "gate-baseline.yaml")
    assert e.value.file == "gate-baseline.yaml" and (where is None or e.value.line == where)


@pytest.mark.parametrize(
    "fingerprint", ["9398552308680002", "1e10000000000000", "0000000000000000"]
)
def test_a_fingerprint_of_digits_stays_a_string(fingerprint: str) -> None:
    """A fingerprint is 16 hex digits: about one in 2,000 is all decimal digits (or reads as a float)
    and, written bare, YAML read it back as a number: the whole baseline became invalid."""
    entry = Entry(
        "svc", "runbook-sections", fingerprint, TODAY, 1, "<runbook> has no 'Escalation' section"
    )
    (back,) = parse(render([entry]).encode(), "gate-baseline.yaml")
    assert back.fingerprint == fingerprint


def test_a_kept_parse_is_the_parse_and_a_damaged_store_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GATE_CACHE", "on")
    entries = [
        Entry(f"svc-{i}", "runbook-sections", f"{i:016x}", TODAY, 1 + i % 2, f"<runbook> {i}")
        for i in range(50)
    ]
    raw = render(entries).encode()
    first = parse_kept(raw, "gate-baseline.yaml", str(tmp_path))
    assert first == parse(raw, "gate-baseline.yaml")
    (kept,) = (tmp_path / "gate" / "baseline").iterdir()
    assert parse_kept(raw, "gate-baseline.yaml", str(tmp_path)) == first  # read from the store
    kept.write_text('[["only", "three", "fields"]]')
    assert parse_kept(raw, "gate-baseline.yaml", str(tmp_path)) == first
