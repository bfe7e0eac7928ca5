"""gate.demo: the demo repository, its scenarios and its SLO export, as `gate demo` and the golden reports use them."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from gate.demo import SCENARIOS, build, incidents_document, status_document
from gate.incidents.record import incidents_of
from gate.resources import validator


def test_scenarios_are_named_once_and_expect_a_real_verdict() -> None:
    names = [s.branch for s in SCENARIOS]
    assert len(names) == len(set(names)) >= 8
    assert {s.expected for s in SCENARIOS} <= {"pass", "warn", "block"} and {"pass", "block"} <= {
        s.expected for s in SCENARIOS
    }


def test_the_slo_export_is_valid_and_says_payments_spent_its_budget() -> None:
    doc = status_document()
    assert list(validator("budget-status").iter_errors(doc)) == []
    payments = next(s for s in doc["slos"] if s["slo"] == "payments-availability")
    month = payments["windows"]["28d"]
    assert month["good"] / month["total"] < 0.9995  # its objective: the budget is spent


def test_the_incident_export_is_valid_and_gives_auth_two_actions_45_days_overdue() -> None:
    today = dt.date(2026, 11, 24)
    doc = incidents_document(today)
    assert list(validator("incidents").iter_errors(doc)) == []
    (auth,) = [i for i in incidents_of(doc) if "auth" in i.services]
    late = [a.id for a in auth.actions if a.days_past_due(today) == 45]
    assert late == ["AUTH-101", "AUTH-102"] and auth.postmortem_published is not None
    closing = next(s for s in SCENARIOS if s.branch == "auth-closes-action")
    assert "AUTH-101" in closing.title  # the scenario's commit message names the action it closes


def test_build_makes_main_plus_one_payments_change_with_dated_placeholders_filled(
    tmp_path: Path,
) -> None:
    build(tmp_path, dt.date(2026, 11, 22))
    log = subprocess.run(
        ["git", "-C", str(tmp_path), "log", "--format=%s", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.splitlines() == ["payments: retry card authorisation 5 times", "acme monorepo"]
    tracked = subprocess.run(
        ["git", "-C", str(tmp_path), "ls-files"], capture_output=True, text=True, check=True
    ).stdout
    assert "__RECENT_DATE__" not in "".join(
        p.read_text(encoding="utf-8", errors="replace") for p in tmp_path.rglob("*.yaml")
    )
    assert (
        "slo-status.json" not in tracked.split() and (tmp_path / "slo-status.json").is_file()
    )  # the export is not committed
    assert "incidents.json" not in tracked.split() and (tmp_path / "incidents.json").is_file()
