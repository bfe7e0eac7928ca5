"""The first hour with gate, for its three users (issue 21): no dead ends, no silent failures.

One test (or a few) per item of the issue, numbered as there; the walkthrough that follows
README's "Use it on your repository" section lives in tests/walkthrough_test.py.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gate import check
from gate.errors import FatalError
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator

from conftest import TODAY, GitRepo


def _loose_object(repo: GitRepo, sha: str) -> Path:
    return repo.root / ".git" / "objects" / sha[:2] / sha[2:]


def _history(repo: GitRepo, n: int) -> list[str]:
    shas = []
    for i in range(n):
        repo.write("services/a/src/app.py", f"x = {i}\n")
        shas.append(repo.commit(f"change {i}"))
    return shas


# -- 1. a git stream that fails mid-way is never swallowed -------------------------------------


def test_1_history_stream_that_dies_is_an_error_naming_git_log(repo: GitRepo) -> None:
    from gate.git import GitError
    from gate.risk.history import stream

    shas = _history(repo, 6)
    tree = repo.git("rev-parse", f"{shas[2]}^{{tree}}")
    _loose_object(repo, tree).unlink()  # a damaged clone: one commit's tree is gone
    with pytest.raises(GitError) as info:
        list(stream(Repo(repo.path), shas[-1]))
    assert "git log" in str(info.value) and tree[:7] in str(info.value)


def test_1_calibrate_on_a_damaged_history_fails_loudly(repo: GitRepo, gate_cli: Any) -> None:
    shas = _history(repo, 6)
    _loose_object(repo, repo.git("rev-parse", f"{shas[2]}^{{tree}}")).unlink()
    code, _, err = gate_cli("risk", "calibrate", "--repo", repo.path, "--output", str(repo.root / "m.json"))
    assert code == 2 and "git log failed" in err and "internal error" not in err
    assert not (repo.root / "m.json").exists()


def test_1_check_with_incomplete_history_says_so_and_does_not_lower_risk(repo: GitRepo) -> None:
    repo.write("services/a/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: a\ntier: 3\nowners: {team: t}\n")
    shas = _history(repo, 5)
    repo.branch("change")
    repo.write("services/a/src/app.py", "x = 'new'\n")
    repo.commit("feature")
    _loose_object(repo, repo.git("rev-parse", f"{shas[1]}^{{tree}}")).unlink()
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    risk = v.services[0].risk
    assert risk["history"].startswith("incomplete: git log failed")
    assert any(f.startswith("history incomplete") for f in risk["factors"])
    assert "history incomplete" in renderer("text")(v)
    assert list(validator("report").iter_errors(json.loads(renderer("json")(v)))) == []


# -- 2. calibrate and evaluate on a short history ----------------------------------------------


def test_2_calibrate_and_evaluate_on_a_short_history_say_why(repo: GitRepo, gate_cli: Any) -> None:
    _history(repo, 3)
    code, _, err = gate_cli("risk", "calibrate", "--repo", repo.path, "--output", str(repo.root / "m.json"))
    assert code == 2 and "not enough labelled history (3 changes, 0 failed; need" in err, err
    assert "internal error" not in err and not (repo.root / "m.json").exists()
    code, out, _ = gate_cli("risk", "evaluate", "--repo", repo.path)
    assert "not enough labelled history (3 changes, 0 failed; need" in out


# -- 3. undecided is not a block; CI exports are skipped offline --------------------------------


def _undecided(repo: GitRepo) -> Any:
    from budget import budget_repo
    from prometheus_server import free_port

    budget_repo.build(repo, f"http://127.0.0.1:{free_port()}")
    repo.write("services/healthy/src/app.py", "x = 2\n")
    repo.commit("feature")
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)


def test_3_undecided_has_its_own_headline_in_every_format(repo: GitRepo) -> None:
    v = _undecided(repo)
    assert v.exit_code == 3 and v.headline == "undecided"
    text = renderer("text")(v)
    assert text.startswith("gate: UNDECIDED") and "BLOCK" not in text and "could not decide:" in text
    assert "gate: **UNDECIDED**" in renderer("markdown")(v) and "BLOCK" not in renderer("markdown")(v)
    doc = json.loads(renderer("json")(v))
    assert doc["undecided"]["reason"].startswith("could not measure")
    assert list(validator("report").iter_errors(doc)) == []
    assert "::error title=gate UNDECIDED::" in renderer("github")(v)


def test_3_a_decided_block_has_no_undecided_reason(example: GitRepo) -> None:
    example.remove("services/checkout/docs/runbook.md")
    example.commit()
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    assert v.exit_code == 1 and v.headline == "block" and json.loads(renderer("json")(v))["undecided"] is None


def test_3_a_missing_ci_export_does_not_fail_the_offline_hook(repo: GitRepo) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/empty.yaml]\nbudgets:\n  source: file\n  file: {path: build/slo-status.json}\n")
    repo.write("policies/empty.yaml", "apiVersion: gate/v1\nkind: PolicyPack\nname: empty\nrules: []\n")
    from budget import budget_repo

    repo.write("services/pay/service.yaml", budget_repo.manifest("pay", tier=0))
    repo.commit("services")
    repo.write("services/pay/src/app.py", "x = 1\n")
    repo.git("add", "-A")
    v = check.run(Repo(repo.path), staged=True, today=TODAY, offline=True)
    assert v.exit_code == 0, renderer("text")(v)
    (slo,) = v.services[0].budget["slos"]
    assert slo["state"] == "not-measured" and "CI export" in slo["reason"]
    # Online (in CI), the same missing file is still a fail-closed "could not decide".
    repo.commit("feature")
    online = check.run(Repo(repo.path), base="HEAD~1", head="HEAD", today=TODAY)
    assert online.exit_code == 3


# -- the release manager --------------------------------------------------------------------------

RM_CONFIG = ("exceptions:\n  max_days: {1: 7}\n  groups:\n    release-managers: [rita]\n    directors: [dora]\n    vps: [victor]\n")
ADD = ("exception", "add", "--service", "search", "--rule", "runbook-sections", "--reason", "Escalation contacts land with INC-9",
       "--ticket", "INC-9", "--requested-by", "dana", "--approved-by", "rita", "--as-of", "2026-11-24")
LEDGER_HEAD = "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"


@pytest.fixture
def rm_repo(example: GitRepo) -> GitRepo:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + RM_CONFIG)
    example.commit("config")
    return example


def test_12_exception_ids_are_never_reused(rm_repo: GitRepo, gate_cli: Any) -> None:
    assert gate_cli(*ADD, "--days", "3", "--repo", rm_repo.path)[0] == 0
    rm_repo.commit("grant")
    assert gate_cli("exception", "revoke", "EXC-20261124-1", "--reason", "The escalation rota landed early", "--repo", rm_repo.path)[0] == 0
    code, out, err = gate_cli(*ADD, "--days", "2", "--repo", rm_repo.path)  # revoke not committed yet
    assert code == 0 and "added EXC-20261124-2" in out, err
    rm_repo.commit("revoke one, grant another")
    # Even an entry cut out by hand (no revocation record) keeps its id out of reach once committed.
    from gate.ledger import remove

    rm_repo.write("exceptions.yaml", remove(rm_repo.read("exceptions.yaml"), "EXC-20261124-2", "exceptions.yaml"))
    rm_repo.commit("cut out by hand")
    code, out, _ = gate_cli(*ADD, "--days", "2", "--repo", rm_repo.path)
    assert "added EXC-20261124-3" in out
    rm_repo.commit("grant again")
    code, out, _ = gate_cli("exception", "audit", "--repo", rm_repo.path, "--format", "json", "--as-of", "2026-11-24")
    events = json.loads(out)["events"]
    by_id: dict[str, set[str]] = {}
    for e in events:
        by_id.setdefault(e["id"], set()).add(e["expires"])
    assert all(len(expiries) == 1 for expiries in by_id.values()), by_id  # one id, one exception


def _ledger(rm_repo: GitRepo, entries: str) -> None:
    rm_repo.write("exceptions.yaml", LEDGER_HEAD + entries)
    rm_repo.commit("ledger")


def _entry(id: str, services: str = "[search]", approved_by: str = "rita", created: str = "2026-11-23", expires: str = "2026-11-26") -> str:
    return (f"  - id: {id}\n    services: {services}\n    rules: [runbook-sections]\n    reason: Escalation contacts land with INC-77\n"
            f"    ticket: INC-77\n    requested_by: dana\n    approved_by: {approved_by}\n    created: {created}\n    expires: {expires}\n")


def test_13_list_validate_and_check_classify_an_entry_the_same_way(rm_repo: GitRepo, gate_cli: Any) -> None:
    rm_repo.write("services/search/docs/runbook.md", "# search runbook\n\n## Symptoms\nSlow queries.\n")  # runbook-sections fails
    _ledger(rm_repo, _entry("EXC-LONG", expires="2026-12-20") + _entry("EXC-WHO", approved_by="mallory")
            + _entry("EXC-NOBODY", services="[serch]") + _entry("EXC-OK"))
    expected = {"EXC-LONG": "lasts 28 days; tier 1 allows at most 7", "EXC-WHO": "@mallory may not approve findings exceptions for tier 1 (exceptions.approvers: release-managers)",
                "EXC-NOBODY": "no service named 'serch'"}
    code, out, _ = gate_cli("exception", "list", "--repo", rm_repo.path, "--base", "main", "--as-of", "2026-11-24", "--format", "json")
    rows = {r["id"]: r for r in json.loads(out)["exceptions"]}
    assert {i: r["why"] for i, r in rows.items() if r["state"] == "invalid"} == {i: w for i, w in expected.items()}
    assert rows["EXC-OK"]["state"] == "active"

    code, out, _ = gate_cli("validate", "--repo", rm_repo.path, "--as-of", "2026-11-24", "--format", "json")
    doc = json.loads(out)
    assert {e["id"]: e["why"] for e in doc["exceptions"]["invalid"]} == expected
    search = next(s for s in doc["services"] if s["name"] == "search")
    waived = [f for f in search["findings"] if f["waived"]]
    assert waived and all(f["waived"]["id"] == "EXC-OK" for f in waived)  # validate shows the waivers that apply
    code, out, _ = gate_cli("validate", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert "waived by exception EXC-OK" in out

    rm_repo.git("checkout", "-q", "-B", "change", "main")
    rm_repo.write("services/search/src/query.py", "x = 1\n")
    rm_repo.commit("search change")
    v = check.run(Repo(rm_repo.path), base="main", head="HEAD", today=TODAY)
    invalid = {e["id"]: e["why"] for e in v.exceptions["invalid"]}
    assert invalid == {k: w for k, w in expected.items() if k != "EXC-NOBODY"}  # check judges the services it was given
    assert [e["id"] for e in v.exceptions["applied"]] == ["EXC-OK"]


def test_14_revoke_records_a_reason_shown_by_audit(rm_repo: GitRepo, gate_cli: Any) -> None:
    _ledger(rm_repo, _entry("EXC-A"))
    code, _, err = gate_cli("exception", "revoke", "EXC-A", "--repo", rm_repo.path)
    assert code == 2 and "--reason" in err
    code, out, err = gate_cli("exception", "revoke", "EXC-A", "--reason", "Runbook fixed in INC-78", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert code == 0, err
    assert "revoked:\n  - {id: EXC-A, date: '2026-11-24', reason: Runbook fixed in INC-78}\n" in rm_repo.read("exceptions.yaml")
    rm_repo.commit("revoke")
    code, out, _ = gate_cli("exception", "audit", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert "revoked  EXC-A" in out and "Runbook fixed in INC-78" in out
    code, out, _ = gate_cli("exception", "audit", "--repo", rm_repo.path, "--as-of", "2026-11-24", "--format", "csv")
    assert "Runbook fixed in INC-78" in out


def test_14_add_cannot_be_future_dated(rm_repo: GitRepo, gate_cli: Any) -> None:
    import datetime as dt

    future = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=30)).isoformat()
    args = [a if a != "2026-11-24" else future for a in ADD]
    code, _, err = gate_cli(*args, "--days", "3", "--repo", rm_repo.path)
    assert code == 2 and "--as-of" in err and "future" in err
    assert not (rm_repo.root / "exceptions.yaml").exists()


def test_14_days_counts_calendar_days_including_today(rm_repo: GitRepo, gate_cli: Any) -> None:
    code, out, _ = gate_cli(*ADD, "--days", "3", "--repo", rm_repo.path)
    assert code == 0 and "(expires 2026-11-26)" in out  # the 24th, 25th and 26th
    code, out, err = gate_cli(*ADD, "--days", "7", "--repo", rm_repo.path)
    assert code == 0 and "(expires 2026-11-30)" in out, err
    code, _, err = gate_cli(*ADD, "--days", "8", "--repo", rm_repo.path)  # tier 1 allows 7
    assert code == 2 and "allows at most 7 days" in err


def test_14_the_expired_hint_is_the_same_everywhere(rm_repo: GitRepo, gate_cli: Any) -> None:
    _ledger(rm_repo, _entry("EXC-OLD", created="2026-11-10", expires="2026-11-12"))
    hint = "expired on 2026-11-12; remove it: gate exception revoke EXC-OLD --reason"
    code, out, _ = gate_cli("exception", "list", "--repo", rm_repo.path, "--base", "main", "--as-of", "2026-11-24")
    assert hint in out
    code, out, _ = gate_cli("validate", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert hint in out
    rm_repo.git("checkout", "-q", "-B", "change", "main")
    rm_repo.write("services/search/src/query.py", "x = 1\n")
    rm_repo.commit("search change")
    v = check.run(Repo(rm_repo.path), base="main", head="HEAD", today=TODAY)
    assert v.exceptions["expired"][0]["why"].startswith(hint)


def test_14_a_revocation_record_does_not_make_other_entries_new(rm_repo: GitRepo, gate_cli: Any) -> None:
    _ledger(rm_repo, _entry("EXC-A") + _entry("EXC-B", services="[cart]"))
    rm_repo.git("checkout", "-q", "-B", "change", "main")
    assert gate_cli("exception", "revoke", "EXC-B", "--reason", "Cart runbook fixed early", "--repo", rm_repo.path)[0] == 0
    rm_repo.write("services/search/docs/runbook.md", "# search runbook\n\n## Symptoms\nSlow queries.\n")
    rm_repo.commit("revoke EXC-B, change search")
    v = check.run(Repo(rm_repo.path), base="main", head="HEAD", today=TODAY)
    assert [(e["id"], e["origin"]) for e in v.exceptions["applied"]] == [("EXC-A", "base")]
    code, out, _ = gate_cli("exception", "audit", "--repo", rm_repo.path, "--format", "json", "--as-of", "2026-11-24")
    assert [(e["event"], e["id"]) for e in json.loads(out)["events"]] == [("added", "EXC-A"), ("added", "EXC-B"), ("revoked", "EXC-B")]
