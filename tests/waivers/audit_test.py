"""gate.waivers.audit: every exception event, read from the ledger's git history."""

from __future__ import annotations

import datetime as dt

from conftest import GitRepo

from gate.git import Repo
from gate.waivers.audit import audit_csv, history

LEDGER = """\
apiVersion: gate/v1
kind: ExceptionLedger
exceptions:
  - id: EXC-A
    services: [search]
    rules: [runbook-sections]
    reason: Escalation section arrives with the new rota
    ticket: INC-1
    requested_by: dana
    approved_by: rita
    created: 2026-11-20
    expires: 2026-11-26
"""


def test_events_follow_the_ledger_history_and_expiry(repo: GitRepo) -> None:
    repo.write("exceptions.yaml", LEDGER)
    added = repo.commit("add")
    repo.write("exceptions.yaml", LEDGER.replace("2026-11-26", "2026-11-28"))
    changed = repo.commit("extend")
    events = history(Repo(repo.path), "exceptions.yaml", dt.date(2026, 12, 1))
    assert [(e["event"], e["id"], e["commit"]) for e in events] == [
        ("added", "EXC-A", added),
        ("changed", "EXC-A", changed),
        ("expired", "EXC-A", None),
    ]
    assert (
        events[0]["author"] == "Ada Author <ada@example.com>" and events[2]["date"] == "2026-11-28"
    )
    assert audit_csv(events).splitlines()[0].startswith("date,event,id,services")


def test_an_author_name_with_separator_bytes_is_reported_not_a_crash(repo: GitRepo) -> None:
    """The author's name and e-mail are theirs to write, \x1e, \x1f and all: the audit names them as written."""
    repo.write("exceptions.yaml", LEDGER)
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "-m",
        "add\x1fforged\x1f\x1f",
        "--author=Mal\x1flory\x1fx <m\x1f@example.com>",
    )
    (event,) = history(Repo(repo.path), "exceptions.yaml", dt.date(2026, 11, 21))
    assert event["event"] == "added" and event["author"] == "Mal\x1flory\x1fx <m\x1f@example.com>"
    assert event["commit"] == repo.git("rev-parse", "HEAD")
