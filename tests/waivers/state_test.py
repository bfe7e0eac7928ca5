"""One classification of a ledger entry: `gate check` and `gate exception list` agree on every state."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.git import Repo
from gate.resources import validator
from gate.settings import WaiverSettings
from gate.verdict import Verdict
from gate.waivers.records import WaiverReport
from gate.waivers.state import State

CONFIG = "exceptions:\n  max_days: {1: 7}\n  groups:\n    release-managers: [rita, approvals-bot]\n    directors: [dora]\n    vps: [victor]\n"
LEDGER = (
    "# reviewed by the release managers\napiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
)


def entry(
    id: str,
    created: str = "2026-11-23",
    expires: str = "2026-11-28",
    approved_by: str = "rita",
    requested_by: str = "dana",
) -> str:
    return (
        f"  - id: {id}\n    services: [search]\n    rules: [runbook-sections]\n    reason: Escalation contacts land with INC-77\n"
        f"    ticket: INC-77\n    requested_by: {requested_by}\n    approved_by: {approved_by}\n    created: {created}\n    expires: {expires}\n"
    )


ONE_PER_STATE = {  # on TODAY (2026-11-24), each entry in the state its id names
    "EXC-ACTIVE": entry("EXC-ACTIVE"),
    "EXC-EXPIRING": entry("EXC-EXPIRING", created="2026-11-20", expires="2026-11-25"),
    "EXC-EXPIRED": entry("EXC-EXPIRED", created="2026-11-10", expires="2026-11-12"),
    "EXC-INVALID": entry("EXC-INVALID", approved_by="mallory"),
    "EXC-STALE": entry("EXC-STALE"),
}


def report_of(v: Verdict) -> WaiverReport:
    assert v.exceptions is not None
    return v.exceptions


def check_states(report: WaiverReport) -> dict[str, State]:
    """The state `check` gave each entry, read back from its report (an unused trusted entry is not reported)."""
    states: dict[str, State] = {}
    for fate in report.applied:
        states[fate.entry.id] = State.ACTIVE if fate.origin == "base" else State.PENDING
    for fate in report.expiring:
        if fate.origin == "base":
            states[fate.entry.id] = State.EXPIRING
    for fate in report.pending:
        states[fate.entry.id] = State.PENDING
    for fate in report.expired:
        states[fate.entry.id] = State.EXPIRED
    for fate in report.invalid:
        states[fate.entry.id] = State.STALE if fate.origin == "stale" else State.INVALID
    return states


def list_states(gate_cli: Any, repo: GitRepo) -> dict[str, str]:
    code, out, err = gate_cli(
        "exception",
        "list",
        "--repo",
        repo.path,
        "--base",
        "main",
        "--as-of",
        TODAY.isoformat(),
        "--format",
        "json",
    )
    assert code == 0, err
    return {row["id"]: row["state"] for row in json.loads(out)["exceptions"]}


@pytest.fixture
def every_state(example: GitRepo) -> GitRepo:
    """main has one entry per trusted state; the change forks, main then revokes EXC-STALE, and the change adds EXC-PENDING."""
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.write("exceptions.yaml", LEDGER + "".join(ONE_PER_STATE.values()))
    example.commit("ledger")
    example.git("checkout", "-q", "-B", "change", "main")
    example.git("checkout", "-q", "main")
    example.write(
        "exceptions.yaml",
        LEDGER + "".join(text for name, text in ONE_PER_STATE.items() if name != "EXC-STALE"),
    )
    example.commit("revoke EXC-STALE")
    example.git("checkout", "-q", "change")
    example.write(
        "exceptions.yaml",
        example.read("exceptions.yaml") + entry("EXC-PENDING", created="2026-11-24"),
    )
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("search change, with a new exception")
    return example


def test_check_and_list_agree_on_every_state(every_state: GitRepo, gate_cli: Any) -> None:
    expected = {
        "EXC-ACTIVE": "active",
        "EXC-EXPIRING": "expiring",
        "EXC-EXPIRED": "expired",
        "EXC-INVALID": "invalid",
        "EXC-STALE": "stale",
        "EXC-PENDING": "pending",
    }
    assert {s.value for s in State} - {"applied"} == set(
        expected.values()
    )  # a new state needs a row here
    listed = list_states(gate_cli, every_state)
    assert listed == expected
    report = report_of(check.run(Repo(every_state.path), base="main", head="HEAD", today=TODAY))
    assert {k: v.value for k, v in check_states(report).items()} == expected
    assert [f.entry.id for f in report.applied] == [
        "EXC-ACTIVE"
    ]  # the first trusted entry that covers the finding


def test_listing_knows_an_entry_revoked_on_main_since_the_fork(
    every_state: GitRepo, gate_cli: Any
) -> None:
    """Was a disagreement: `exception list` called it pending ("applies once merged"), `check` refused it as stale."""
    code, out, _ = gate_cli(
        "exception",
        "list",
        "--repo",
        every_state.path,
        "--base",
        "main",
        "--as-of",
        TODAY.isoformat(),
    )
    assert code == 0
    assert (
        "stale    EXC-STALE  search: runbook-sections  approved by @rita, expires 2026-11-28  "
        "(revoked or edited on the base branch since this branch was cut; rebase)" in out
    )


def test_a_stale_entry_in_the_json_report_meets_the_schema(
    every_state: GitRepo, gate_cli: Any
) -> None:
    """Was a bug: the report said origin "stale", which the report schema did not allow."""
    code, out, _ = gate_cli(
        "check",
        "--repo",
        every_state.path,
        "--base",
        "main",
        "--as-of",
        TODAY.isoformat(),
        "--format",
        "json",
    )
    doc = json.loads(out)
    assert [(e["id"], e["origin"]) for e in doc["exceptions"]["invalid"]] == [
        ("EXC-INVALID", "base"),
        ("EXC-STALE", "stale"),
    ]
    assert list(validator("report").iter_errors(doc)) == []


@pytest.fixture
def pull_request(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A pull request opened by approvals-bot (no GitHub server: nothing here needs asking)."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {
                    "number": 42,
                    "user": {"login": "approvals-bot"},
                    "head": {"sha": "c0ffee" * 6 + "beef"},
                },
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")


def test_an_approver_who_authored_the_pull_request_is_invalid_whatever_the_handle(
    example: GitRepo, pull_request: None
) -> None:
    """Was a bug: pending and invalid were told apart by "approv" in the message, so an author named
    approvals-bot approving their own change read as "pending approval" instead of invalid."""
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.commit("config")
    example.git("checkout", "-q", "-B", "change", "main")
    example.write("exceptions.yaml", LEDGER + entry("EXC-SELF", approved_by="approvals-bot"))
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("search change, approved by its author")
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    report = report_of(v)
    assert report.pending == ()
    assert [(f.entry.id, f.why) for f in report.invalid] == [
        ("EXC-SELF", "@approvals-bot is the pull request's author")
    ]
    assert v.verdict == "block" and not any(f.waiver for s in v.services for f in s.findings)
    assert "exception-unapproved" not in {
        f.rule for f in v.findings
    }  # not an approval away from applying


# -- the classification itself, without git ---------------------------------------------------------

SETTINGS = WaiverSettings.parse(
    {"max_days": {1: 7}, "groups": {"release-managers": ["rita", "approvals-bot"]}}
)


def ledger_entry(id: str = "EXC-1", **fields: Any) -> Any:
    import datetime as dt

    from gate.waivers.model import LedgerEntry

    values: dict[str, Any] = {
        "services": ("search",),
        "rules": ("runbook-sections",),
        "reason": "Escalation contacts land with INC-77",
        "ticket": "INC-77",
        "requested_by": "dana",
        "approved_by": "rita",
        "created": dt.date(2026, 11, 23),
        "expires": dt.date(2026, 11, 28),
        **fields,
    }
    raw = {k: str(v) for k, v in values.items()}
    return LedgerEntry(id=id, raw={"id": id, **raw}, **values)


@pytest.mark.parametrize(
    "entry_fields, trusted, fork, state",
    [
        ({}, True, True, State.ACTIVE),
        ({"expires": TODAY}, True, True, State.EXPIRING),
        ({}, False, False, State.PENDING),
        (
            {"expires": TODAY},
            False,
            False,
            State.PENDING,
        ),  # pending first; check also lists it as expiring
        (
            {"created": TODAY.replace(day=1), "expires": TODAY.replace(day=5)},
            True,
            True,
            State.EXPIRED,
        ),
        ({"approved_by": "mallory"}, True, True, State.INVALID),
        ({"reason": "TODO"}, False, False, State.INVALID),
        ({}, False, True, State.STALE),
        (
            {"reason": "TODO"},
            False,
            True,
            State.STALE,
        ),  # stale before invalid: the base branch dropped it anyway
    ],
)
def test_classification_order(
    entry_fields: dict[str, Any], trusted: bool, fork: bool, state: State
) -> None:
    from gate.waivers.state import Ledgers, classify
    from gate.waivers.trust import Approvals

    entry = ledger_entry(**entry_fields)
    ledgers = Ledgers.of([entry] if trusted else [], [entry] if fork else [])
    standing = classify(entry, ledgers, {"search": 1}, Approvals(SETTINGS, None), TODAY)
    assert standing.state is state
    assert standing.expiring == (
        state in (State.EXPIRING, State.PENDING) and entry.expires <= TODAY.replace(day=25)
    )


class _PullRequest:
    number, author, head_sha = 42, "approvals-bot", "c0ffee" * 6 + "beef"


@pytest.mark.parametrize(
    "fields, origin_change, pr, expected",
    [
        ({}, False, None, (State.APPLIED, "")),
        (
            {},
            True,
            None,
            (
                State.PENDING,
                "not a GitHub pull request run: an exception added by the change needs an approving review",
            ),
        ),
        ({"pull_request": 7}, False, _PullRequest(), (State.INVALID, "scoped to pull request #7")),
        (
            {"approved_by": "approvals-bot"},
            True,
            _PullRequest(),
            (State.INVALID, "@approvals-bot is the pull request's author"),
        ),
        (
            {"approved_by": "approvals-bot"},
            False,
            _PullRequest(),
            (State.INVALID, "@approvals-bot is the pull request's author"),
        ),
    ],
)
def test_authorise_says_the_state_not_a_message_to_search(
    fields: dict[str, Any], origin_change: bool, pr: Any, expected: tuple[State, str]
) -> None:
    from gate.waivers.state import Origin, Standing, authorise
    from gate.waivers.trust import Approvals

    standing = Standing(
        ledger_entry(**fields),
        State.PENDING if origin_change else State.ACTIVE,
        Origin.CHANGE if origin_change else Origin.BASE,
        "",
    )
    assert authorise(standing, Approvals(SETTINGS, pr)) == expected
