"""The exception ledger end to end: trust from base, verification on GitHub, scope, expiry."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.github import pull_request_run
from testing.typed import present

from gate import check
from gate.errors import FatalError
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator
from gate.verdict import Verdict

CONFIG = """\
exceptions:
  max_days: {1: 7}
  groups:
    release-managers: [rita, "@acme/release-managers"]
    directors: [dora]
    vps: [victor]
"""
HEAD_SHA = "c0ffee" * 6 + "beef"


def entry(
    id: str = "EXC-1",
    services: str = "[search]",
    rules: str = "[runbook-sections]",
    approved_by: str = "rita",
    requested_by: str = "dana",
    created: str = "2026-11-23",
    expires: str = "2026-11-28",
    reason: str = "Escalation contacts land with the on-call rework in INC-77",
    extra: str = "",
) -> str:
    return (
        f"  - id: {id}\n    services: {services}\n    rules: {rules}\n    reason: {reason}\n    ticket: INC-77\n"
        f"    requested_by: {requested_by}\n    approved_by: {approved_by}\n    created: {created}\n    expires: {expires}\n{extra}"
    )


LEDGER = "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"


def ledger_setup(example: GitRepo, base_entries: str = "", change_entries: str = "") -> None:
    """Ledger on main with `base_entries`; the change touches search and adds `change_entries`."""
    example.git("checkout", "-q", "main")
    if "exceptions:" not in example.read(".gate.yaml"):
        example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    if base_entries:
        example.write("exceptions.yaml", LEDGER + base_entries)
    example.commit("ledger")
    example.git("checkout", "-q", "-B", "change", "main")
    example.write("services/search/src/query.py", "x = 1\n")
    if change_entries:
        example.write(
            "exceptions.yaml",
            (example.read("exceptions.yaml") if base_entries else LEDGER) + change_entries,
        )
    example.commit("search change")


def judge(example: GitRepo) -> Verdict:
    return check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)


@pytest.fixture
def github(httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """A pull request event, and a local server speaking GitHub's review and team REST shapes."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {
                    "number": 42,
                    "user": {"login": "dana"},
                    "head": {"sha": HEAD_SHA},
                },
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_secret_token")

    def reviews(*items: tuple[str, str, str]) -> None:
        body = [
            {"id": i, "user": {"login": login}, "state": state, "commit_id": sha}
            for i, (login, state, sha) in enumerate(items)
        ]
        httpserver.expect_request("/repos/acme/shop/pulls/42/reviews").respond_with_json(body)

    httpserver.reviews = reviews
    return httpserver


def waived_rules(v: Verdict) -> dict[str, str]:
    return {f.rule: f.waiver.id for s in v.services for f in s.findings if f.waiver}


def test_base_trusted_exception_is_applied(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry())
    v = judge(example)
    assert v.verdict == "pass" and waived_rules(v) == {"runbook-sections": "EXC-1"}
    assert [f.entry.id for f in present(v.exceptions).applied] == ["EXC-1"]
    assert v.services[0].exceptions_applied[0].entry.approved_by == "rita"
    text = renderer("text")(v)
    assert (
        "waived  runbook-sections" in text
        and "waived by exception EXC-1 (approved by @rita, expires 2026-11-28, INC-77)" in text
    )
    doc = json.loads(renderer("json")(v))
    assert list(validator("report").iter_errors(doc)) == []
    assert (
        doc["summary"]["waived"] == 1
        and doc["services"][0]["findings"][0]["waived"]["id"] == "EXC-1"
    )


def test_forged_in_the_change_is_pending_not_applied(example: GitRepo) -> None:
    ledger_setup(example, change_entries=entry())
    v = judge(example)
    assert v.verdict == "block" and waived_rules(v) == {}
    (pending,) = present(v.exceptions).pending
    assert pending.origin == "change" and "needs an approving review" in (pending.why or "")
    assert "pending  EXC-1" in renderer("text")(v)


def test_verified_approval_on_head_is_applied(example: GitRepo, github: Any) -> None:
    github.reviews(("rita", "APPROVED", HEAD_SHA))
    ledger_setup(example, change_entries=entry())
    v = judge(example)
    assert v.verdict == "pass" and waived_rules(v) == {"runbook-sections": "EXC-1"}


def test_approval_on_an_older_commit_is_not_enough(example: GitRepo, github: Any) -> None:
    github.reviews(("rita", "APPROVED", "0" * 40))
    ledger_setup(example, change_entries=entry())
    v = judge(example)
    assert v.verdict == "block" and "approved an older commit" in present(
        present(v.exceptions).pending[0].why
    )


def test_a_later_changes_requested_review_withdraws_approval(example: GitRepo, github: Any) -> None:
    github.reviews(
        ("rita", "APPROVED", HEAD_SHA),
        ("rita", "COMMENTED", HEAD_SHA),
        ("rita", "CHANGES_REQUESTED", HEAD_SHA),
    )
    ledger_setup(example, change_entries=entry())
    assert "latest review: CHANGES_REQUESTED" in present(
        present(judge(example).exceptions).pending[0].why
    )


def test_self_approval_is_invalid(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(approved_by="rita", requested_by="rita"))
    v = judge(example)
    assert v.verdict == "block" and "approved by its own requester" in present(
        present(v.exceptions).invalid[0].why
    )


def test_approver_who_authored_the_pull_request(example: GitRepo, github: Any) -> None:
    github.reviews(("dana", "APPROVED", HEAD_SHA))
    ledger_setup(example, change_entries=entry(approved_by="dana", requested_by="sam"))
    v = judge(example)
    assert v.verdict == "block"
    report = present(v.exceptions)
    why = present((report.pending + report.invalid)[0].why)
    assert "may not approve" in why or "author" in why


def test_non_release_manager_approver(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(approved_by="mallory"))
    v = judge(example)
    assert v.verdict == "block"
    assert present(v.exceptions).invalid[0].why == (
        "@mallory may not approve findings exceptions for tier 1 (exceptions.approvers: release-managers)"
        " (team membership needs a GitHub pull request run to check)"
    )


def test_team_membership_through_the_api(example: GitRepo, github: Any) -> None:
    github.reviews(("tom", "APPROVED", HEAD_SHA))
    github.expect_request("/orgs/acme/teams/release-managers/memberships/tom").respond_with_json(
        {"state": "active", "role": "member"}
    )
    ledger_setup(example, change_entries=entry(approved_by="tom"))
    assert judge(example).verdict == "pass"


def test_team_non_member(example: GitRepo, github: Any) -> None:
    github.reviews(("tim", "APPROVED", HEAD_SHA))
    github.expect_request("/orgs/acme/teams/release-managers/memberships/tim").respond_with_json(
        {"message": "Not Found"}, status=404
    )
    ledger_setup(example, change_entries=entry(approved_by="tim"))
    assert judge(example).verdict == "block"


def test_expired_is_listed_and_not_applied(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(created="2026-11-10", expires="2026-11-15"))
    v = judge(example)
    assert v.verdict == "block"
    assert "expired on 2026-11-15; remove it: gate exception revoke EXC-1 --reason" in present(
        present(v.exceptions).expired[0].why
    )
    assert "expired  EXC-1" in renderer("text")(v)


def test_expiring_within_a_day_is_flagged(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(expires=(TODAY + dt.timedelta(days=1)).isoformat()))
    v = judge(example)
    assert v.verdict == "pass" and present(v.exceptions).expiring[0].entry.id == "EXC-1"


def test_over_long_for_the_tier(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(created="2026-11-20", expires="2026-12-20"))
    v = judge(example)
    assert v.verdict == "block" and "lasts 31 days; tier 1 allows at most 7" in present(
        present(v.exceptions).invalid[0].why
    )


@pytest.mark.parametrize(
    "services, rules", [("[checkout]", "[runbook-sections]"), ("[search]", "[codeowners]")]
)
def test_wrong_scope_waives_nothing(example: GitRepo, services: str, rules: str) -> None:
    ledger_setup(example, base_entries=entry(services=services, rules=rules))
    v = judge(example)
    assert v.verdict == "block" and present(v.exceptions).applied == ()


def test_pull_request_scope(example: GitRepo, github: Any) -> None:
    ledger_setup(example, base_entries=entry(extra="    pull_request: 41\n"))
    assert judge(example).verdict == "block"
    ledger_setup(example, base_entries=entry(extra="    pull_request: 42\n"))
    assert judge(example).verdict == "pass"


HOTFIX = (
    "exception",
    "add",
    "--service",
    "search",
    "--rule",
    "runbook-sections",
    "--reason",
    "Hotfix for INC-81 cannot wait for the escalation rota",
    "--ticket",
    "INC-81",
    "--requested-by",
    "dana",
    "--approved-by",
    "rita",
    "--days",
    "5",
    "--as-of",
    TODAY.isoformat(),
)


def test_a_hotfix_exception_added_on_its_pull_request_waives_no_other(
    example: GitRepo, github: Any, gate_cli: Any, tmp_path: Path
) -> None:
    """A release manager adds the hotfix's exception inside pull request #42 (no --pr given): it is
    scoped to #42, applies there once approved, and after it merges it does not waive #43."""
    ledger_setup(example)
    example.git("checkout", "-q", "-B", "hotfix", "main")
    example.write("services/search/src/query.py", "x = 2\n")
    code, out, err = gate_cli(*HOTFIX, "--repo", example.path)
    assert code == 0 and "waives only pull request #42" in out, err
    assert "    pull_request: 42\n" in example.read("exceptions.yaml")
    example.commit("hotfix with its exception")
    github.reviews(("rita", "APPROVED", HEAD_SHA))
    assert judge(example).verdict == "pass"
    example.git("checkout", "-q", "main")
    example.git("merge", "-q", "--no-ff", "hotfix", "-m", "Merge pull request #42")
    example.git("checkout", "-q", "-B", "feature", "main")
    example.write("services/search/src/query.py", "x = 3\n")
    example.commit("unrelated feature")
    with pytest.MonkeyPatch.context() as mp:
        pull_request_run(mp, tmp_path, github, number=43, author="fred", head_sha=HEAD_SHA)
        v = judge(example)
    assert v.verdict == "block" and waived_rules(v) == {}
    assert [(f.entry.pull_request, f.why) for f in present(v.exceptions).invalid] == [
        (42, "scoped to pull request #42")
    ]


def test_adding_an_exception_on_a_branch_asks_which_pull_request(
    example: GitRepo, gate_cli: Any
) -> None:
    ledger_setup(example)
    example.git("checkout", "-q", "-B", "hotfix", "main")
    code, _, err = gate_cli(*HOTFIX, "--repo", example.path)
    assert code == 2 and "on branch 'hotfix', not 'main'" in err and "--pr N" in err
    assert "--any-pr" in err and not (Path(example.path) / "exceptions.yaml").exists()
    code, out, err = gate_cli(*HOTFIX, "--pr", "7", "--repo", example.path)
    assert code == 0 and "waives only pull request #7" in out, err
    code, out, err = gate_cli(*HOTFIX, "--any-pr", "--repo", example.path)
    assert code == 0 and "waives every pull request to these services" in out, err
    assert "pull_request" not in example.read("exceptions.yaml").split("- id:")[2]
    code, _, err = gate_cli(*HOTFIX, "--any-pr", "--pr", "7", "--repo", example.path)
    assert code == 2 and "at most one of --pr and --any-pr" in err


def test_placeholder_reason(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(reason="TODO"))
    assert "placeholder" in present(present(judge(example).exceptions).invalid[0].why)


def test_error_budget_needs_a_director(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        ".gate.yaml", example.read(".gate.yaml") + CONFIG.replace("{1: 7}", "{0: 3, 1: 7}")
    )
    short = {
        "services": "[payments]",
        "rules": "[error-budget]",
        "expires": "2026-11-25",
    }  # 3 days, both ends included
    example.write(
        "exceptions.yaml",
        LEDGER
        + entry(approved_by="rita", **short)
        + entry(id="EXC-2", approved_by="victor", **short),
    )
    example.commit("ledger")
    example.git("checkout", "-q", "-B", "change", "main")
    example.write("services/payments/src/charge.py", "x = 2\n")
    example.commit()
    v = judge(example)
    assert v.verdict == "pass" and waived_rules(v) == {
        "error-budget": "EXC-2"
    }  # tier 0 budget: a VP
    assert "may not approve error-budget exceptions for tier 0" in present(
        present(v.exceptions).invalid[0].why
    )


def test_malformed_base_ledger_is_exit_2_with_file_and_line(
    example: GitRepo, gate_cli: Any
) -> None:
    ledger_setup(example, base_entries=entry(expires="someday"))
    with pytest.raises(FatalError) as info:
        judge(example)
    assert (info.value.file, info.value.line) == ("exceptions.yaml", 12)
    code, _, err = gate_cli("check", "--repo", example.path, "--base", "main")
    assert code == 2 and err.startswith("gate: error: exceptions.yaml:12: invalid exception ledger")


def test_impossible_dates_and_duplicate_ids(example: GitRepo) -> None:
    ledger_setup(example, base_entries=entry(expires="2026-02-30"))
    with pytest.raises(FatalError, match="is not a real date"):
        judge(example)


def test_a_duplicate_id_that_landed_invalidates_only_its_own_entries(example: GitRepo) -> None:
    """Two branches each added an entry with one id and both merged: those two entries are invalid
    (neither waives), every other entry still applies, and the check still decides."""
    twins = entry(id="EXC-D") + entry(
        id="EXC-D", reason="Second branch took the same id for INC-78"
    )
    ledger_setup(example, base_entries=twins)
    v = judge(example)
    assert v.verdict == "block" and waived_rules(v) == {}
    invalid = {f.entry.id: f.why for f in present(v.exceptions).invalid}
    assert invalid == {"EXC-D": "id EXC-D is used by 2 entries (lines 4, 13); give each its own id"}
    ledger_setup(example, base_entries=twins + entry(id="EXC-OK"))
    v = judge(example)
    assert v.verdict == "pass" and waived_rules(v) == {"runbook-sections": "EXC-OK"}


def test_change_that_breaks_the_ledger_blocks_but_base_entries_still_count(
    example: GitRepo,
) -> None:
    ledger_setup(example, base_entries=entry())
    example.write("exceptions.yaml", example.read("exceptions.yaml") + "  - {broken\n")
    example.commit()
    v = judge(example)
    assert [f.rule for f in v.findings] == ["exceptions-ledger-invalid"] and v.verdict == "block"
    assert waived_rules(v) == {"runbook-sections": "EXC-1"}


def test_token_never_in_output(example: GitRepo, github: Any) -> None:
    github.reviews(("rita", "APPROVED", HEAD_SHA))
    ledger_setup(example, change_entries=entry())
    v = judge(example)
    assert "ghs_secret_token" not in renderer("json")(v) + renderer("text")(v)
