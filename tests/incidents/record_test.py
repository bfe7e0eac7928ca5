"""The incident record (gate/incidents/record.py): one normal form, and the business-day calendar."""

from __future__ import annotations

import datetime as dt

import pytest

from gate.incidents.record import (
    Action,
    add_business_days,
    business_days_after,
    incident_of,
    moment,
    named,
)

D = dt.date.fromisoformat


def _naive(start: dt.date, end: dt.date, holidays: tuple[dt.date, ...]) -> int:
    days = [start + dt.timedelta(days=i) for i in range(1, (end - start).days + 1)]
    return sum(1 for d in days if d.weekday() < 5 and d not in holidays)


def test_business_days_skip_weekends_and_holidays() -> None:
    assert business_days_after(D("2026-11-20"), D("2026-11-27")) == 5  # Friday to Friday
    assert business_days_after(D("2026-11-20"), D("2026-11-22")) == 0  # the weekend
    assert business_days_after(D("2026-11-20"), D("2026-11-20")) == 0
    assert business_days_after(D("2026-11-27"), D("2026-11-20")) == 0  # the past
    holidays = (D("2026-11-21"), D("2026-11-26"))  # a Saturday holiday counts once, as a weekend
    assert business_days_after(D("2026-11-20"), D("2026-11-27"), holidays) == 4
    assert add_business_days(D("2026-11-20"), 5) == D("2026-11-27")
    assert add_business_days(D("2026-11-20"), 5, holidays) == D("2026-11-30")


def test_business_days_agree_with_counting_day_by_day() -> None:
    holidays = (D("2026-01-01"), D("2026-05-01"), D("2026-05-02"), D("2026-12-25"))
    start = D("2025-12-20")
    for offset in range(0, 400, 3):
        for length in (0, 1, 2, 6, 7, 8, 13, 40, 365):
            s = start + dt.timedelta(days=offset)
            e = s + dt.timedelta(days=length)
            assert business_days_after(s, e, holidays) == _naive(s, e, holidays), (s, e)


def test_moments_are_utc_whatever_their_zone() -> None:
    assert moment("2026-10-01") == dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc)
    assert moment("2026-10-01T23:30:00-02:00") == dt.datetime(
        2026, 10, 2, 1, 30, tzinfo=dt.timezone.utc
    )
    assert moment("2026-10-01T09:00Z").hour == 9
    assert moment("2026-10-01 09:00").tzinfo is not None
    with pytest.raises(ValueError):
        moment("2026-02-30")


def test_an_incident_normalised_once() -> None:
    found = incident_of(
        {
            "id": "INC-1",
            "services": ["pay", "pay", "cart"],
            "severity": "sev2",
            "started": "2026-10-01T09:00:00Z",
            "resolved": "2026-10-01T11:30:00Z",
            "postmortem": {"url": "https://w/INC-1", "published": "2026-10-05"},
            "actions": [
                {
                    "id": "A-1",
                    "owner": "dana",
                    "due": "2026-10-20",
                    "state": "closed",
                    "closed": "2026-10-18",
                    "closed_by": {"commit": "abc1234"},
                },
                {"id": "A-2", "owner": "lee", "due": "2026-10-20", "state": "open"},
            ],
            "caused_by": {"pull_requests": [12]},
        }
    )
    assert found.services == ("pay", "cart") and found.hits(["cart"]) and not found.hits(["x"])
    assert found.time_to_restore == dt.timedelta(hours=2, minutes=30)
    assert found.postmortem_published == D("2026-10-05")
    assert found.actions[0].closed_on_time() and found.actions[0].closed_by_commit == "abc1234"
    assert found.actions[1].days_past_due(D("2026-11-24")) == 35
    assert found.actions[0].days_past_due(D("2026-11-24")) == 0
    assert found.caused_by_pull_requests == (12,)


def test_an_action_not_yet_due_is_not_past_due() -> None:
    assert Action("A", "o", D("2026-12-01"), "open").days_past_due(D("2026-11-24")) == 0


def test_ids_named_are_whole_tokens() -> None:
    assert named("Cap retries\n\nCloses PAY-311.") >= {"pay-311"}
    assert "pay-311" not in named("Closes PAY-3110 and XPAY-311")
    assert "inc-7-1" in named("fix (INC-7-1): cap")
