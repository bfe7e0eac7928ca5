"""The first hour with gate, for its three users (issue 21): no dead ends, no silent failures.

One test (or a few) per item of the issue, numbered as there; the walkthrough that follows
README's "Use it on your repository" section lives in tests/walkthrough_test.py.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.typed import present

from gate import check
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator


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
    code, _, err = gate_cli(
        "risk", "calibrate", "--repo", repo.path, "--output", str(repo.root / "m.json")
    )
    assert code == 2 and "git log failed" in err and "internal error" not in err
    assert not (repo.root / "m.json").exists()


def test_1_check_with_incomplete_history_says_so_and_does_not_lower_risk(repo: GitRepo) -> None:
    repo.write(
        "services/a/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: a\ntier: 3\nowners: {team: t}\n",
    )
    shas = _history(repo, 5)
    repo.branch("change")
    repo.write("services/a/src/app.py", "x = 'new'\n")
    repo.commit("feature")
    _loose_object(repo, repo.git("rev-parse", f"{shas[1]}^{{tree}}")).unlink()
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    risk = present(v.services[0].risk)
    assert present(risk.history).startswith("incomplete: git log failed")
    assert any(f.startswith("history incomplete") for f in risk.factors)
    assert "history incomplete" in renderer("text")(v)
    assert list(validator("report").iter_errors(json.loads(renderer("json")(v)))) == []


# -- 2. calibrate and evaluate on a short history ----------------------------------------------


def test_2_calibrate_and_evaluate_on_a_short_history_say_why(repo: GitRepo, gate_cli: Any) -> None:
    _history(repo, 3)
    code, out, err = gate_cli(
        "risk", "calibrate", "--repo", repo.path, "--output", str(repo.root / "m.json")
    )
    assert (
        code == 0
        and "kept the default model" in out
        and "not enough labelled history (3 changes, 0 failed; need" in out
    ), out + err
    assert "internal error" not in err and not (repo.root / "m.json").exists()
    code, out, _ = gate_cli("risk", "evaluate", "--repo", repo.path)
    assert "not enough labelled history (3 changes, 0 failed; need" in out


# -- 3. undecided is not a block; CI exports are skipped offline --------------------------------


def _undecided(repo: GitRepo) -> Any:
    from budget import budget_repo
    from testing.prometheus import free_port

    budget_repo.build(repo, f"http://127.0.0.1:{free_port()}")
    repo.write("services/healthy/src/app.py", "x = 2\n")
    repo.commit("feature")
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)


def test_3_undecided_has_its_own_headline_in_every_format(repo: GitRepo) -> None:
    v = _undecided(repo)
    assert v.exit_code == 3 and v.headline == "undecided"
    text = renderer("text")(v)
    assert (
        text.startswith("gate: UNDECIDED") and "BLOCK" not in text and "could not decide:" in text
    )
    assert "gate: **UNDECIDED**" in renderer("markdown")(v) and "BLOCK" not in renderer("markdown")(
        v
    )
    doc = json.loads(renderer("json")(v))
    assert doc["undecided"]["reason"].startswith("could not measure")
    assert list(validator("report").iter_errors(doc)) == []
    assert "::error title=gate UNDECIDED::" in renderer("github")(v)


def test_3_a_decided_block_has_no_undecided_reason(example: GitRepo) -> None:
    example.remove("services/checkout/docs/runbook.md")
    example.commit()
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    assert (
        v.exit_code == 1
        and v.headline == "block"
        and json.loads(renderer("json")(v))["undecided"] is None
    )


def test_3_a_missing_ci_export_does_not_fail_the_offline_hook(repo: GitRepo) -> None:
    repo.write(
        ".gate.yaml",
        "version: 1\npacks: [policies/empty.yaml]\nbudgets:\n  source: file\n  file: {path: build/slo-status.json}\n",
    )
    repo.write(
        "policies/empty.yaml", "apiVersion: gate/v1\nkind: PolicyPack\nname: empty\nrules: []\n"
    )
    from budget import budget_repo

    repo.write("services/pay/service.yaml", budget_repo.manifest("pay", tier=0))
    repo.commit("services")
    repo.write("services/pay/src/app.py", "x = 1\n")
    repo.git("add", "-A")
    v = check.run(Repo(repo.path), staged=True, today=TODAY, offline=True)
    assert v.exit_code == 0, renderer("text")(v)
    (slo,) = present(v.services[0].budget).slos
    assert slo.state == "not-measured" and "CI export" in present(slo.reason)
    # Online (in CI), the same missing file is still a fail-closed "could not decide".
    repo.commit("feature")
    online = check.run(Repo(repo.path), base="HEAD~1", head="HEAD", today=TODAY)
    assert online.exit_code == 3


# -- the release manager --------------------------------------------------------------------------

RM_CONFIG = "exceptions:\n  max_days: {1: 7}\n  groups:\n    release-managers: [rita]\n    directors: [dora]\n    vps: [victor]\n"
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
    "--as-of",
    "2026-11-24",
)
LEDGER_HEAD = "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"


@pytest.fixture
def rm_repo(example: GitRepo) -> GitRepo:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + RM_CONFIG)
    example.commit("config")
    return example


def _added(out: str) -> str:
    found = re.search(r"added (EXC-20261124-[0-9a-f]{6}) ", out)
    assert found, out
    return found.group(1)


def test_12_exception_ids_are_never_reused(rm_repo: GitRepo, gate_cli: Any) -> None:
    code, out, err = gate_cli(*ADD, "--days", "3", "--repo", rm_repo.path)
    first = _added(out)
    rm_repo.commit("grant")
    assert (
        gate_cli(
            "exception",
            "revoke",
            first,
            "--reason",
            "The escalation rota landed early",
            "--repo",
            rm_repo.path,
        )[0]
        == 0
    )
    code, out, err = gate_cli(
        *ADD, "--days", "2", "--repo", rm_repo.path
    )  # revoke not committed yet
    assert code == 0, err
    second = _added(out)
    rm_repo.commit("revoke one, grant another")
    # Even an entry cut out by hand (no revocation record) keeps its id out of reach once committed.
    from gate.waivers.edit import remove

    rm_repo.write(
        "exceptions.yaml", remove(rm_repo.read("exceptions.yaml"), second, "exceptions.yaml")
    )
    rm_repo.commit("cut out by hand")
    code, out, _ = gate_cli(*ADD, "--days", "2", "--repo", rm_repo.path)
    third = _added(out)
    code, out, _ = gate_cli(*ADD, "--days", "2", "--repo", rm_repo.path)  # the same, again
    assert len({first, second, third, _added(out)}) == 4
    rm_repo.commit("grant again")
    code, out, _ = gate_cli(
        "exception", "audit", "--repo", rm_repo.path, "--format", "json", "--as-of", "2026-11-24"
    )
    events = json.loads(out)["events"]
    by_id: dict[str, set[str]] = {}
    for e in events:
        by_id.setdefault(e["id"], set()).add(e["expires"])
    assert all(len(expiries) == 1 for expiries in by_id.values()), by_id  # one id, one exception


def _ledger(rm_repo: GitRepo, entries: str) -> None:
    rm_repo.write("exceptions.yaml", LEDGER_HEAD + entries)
    rm_repo.commit("ledger")


def _entry(
    id: str,
    services: str = "[search]",
    approved_by: str = "rita",
    created: str = "2026-11-23",
    expires: str = "2026-11-26",
) -> str:
    return (
        f"  - id: {id}\n    services: {services}\n    rules: [runbook-sections]\n    reason: Escalation contacts land with INC-77\n"
        f"    ticket: INC-77\n    requested_by: dana\n    approved_by: {approved_by}\n    created: {created}\n    expires: {expires}\n"
    )


def test_13_list_validate_and_check_classify_an_entry_the_same_way(
    rm_repo: GitRepo, gate_cli: Any
) -> None:
    rm_repo.write(
        "services/search/docs/runbook.md", "# search runbook\n\n## Symptoms\nSlow queries.\n"
    )  # runbook-sections fails
    _ledger(
        rm_repo,
        _entry("EXC-LONG", expires="2026-12-20")
        + _entry("EXC-WHO", approved_by="mallory")
        + _entry("EXC-NOBODY", services="[serch]")
        + _entry("EXC-OK"),
    )
    expected = {
        "EXC-LONG": "lasts 28 days; tier 1 allows at most 7",
        "EXC-WHO": "@mallory may not approve findings exceptions for tier 1 (exceptions.approvers: release-managers)",
        "EXC-NOBODY": "no service named 'serch'",
    }
    code, out, _ = gate_cli(
        "exception",
        "list",
        "--repo",
        rm_repo.path,
        "--base",
        "main",
        "--as-of",
        "2026-11-24",
        "--format",
        "json",
    )
    rows = {r["id"]: r for r in json.loads(out)["exceptions"]}
    assert {i: r["why"] for i, r in rows.items() if r["state"] == "invalid"} == {
        i: w for i, w in expected.items()
    }
    assert rows["EXC-OK"]["state"] == "active"

    code, out, _ = gate_cli(
        "validate", "--repo", rm_repo.path, "--as-of", "2026-11-24", "--format", "json"
    )
    doc = json.loads(out)
    assert {e["id"]: e["why"] for e in doc["exceptions"]["invalid"]} == expected
    search = next(s for s in doc["services"] if s["name"] == "search")
    waived = [f for f in search["findings"] if f["waived"]]
    assert waived and all(
        f["waived"]["id"] == "EXC-OK" for f in waived
    )  # validate shows the waivers that apply
    code, out, _ = gate_cli("validate", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert "waived by exception EXC-OK" in out

    rm_repo.git("checkout", "-q", "-B", "change", "main")
    rm_repo.write("services/search/src/query.py", "x = 1\n")
    rm_repo.commit("search change")
    v = check.run(Repo(rm_repo.path), base="main", head="HEAD", today=TODAY)
    invalid = {f.entry.id: f.why for f in present(v.exceptions).invalid}
    assert invalid == {
        k: w for k, w in expected.items() if k != "EXC-NOBODY"
    }  # check judges the services it was given
    assert [f.entry.id for f in present(v.exceptions).applied] == ["EXC-OK"]


def test_14_revoke_records_a_reason_shown_by_audit(rm_repo: GitRepo, gate_cli: Any) -> None:
    _ledger(rm_repo, _entry("EXC-A"))
    code, _, err = gate_cli("exception", "revoke", "EXC-A", "--repo", rm_repo.path)
    assert code == 2 and "--reason" in err
    code, out, err = gate_cli(
        "exception",
        "revoke",
        "EXC-A",
        "--reason",
        "Runbook fixed in INC-78",
        "--repo",
        rm_repo.path,
        "--as-of",
        "2026-11-24",
    )
    assert code == 0, err
    assert "revoked:\n  - {id: EXC-A, date: '2026-11-24', by: " in rm_repo.read("exceptions.yaml")
    rm_repo.commit("revoke")
    code, out, _ = gate_cli("exception", "audit", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert "revoked  EXC-A" in out and "Runbook fixed in INC-78" in out
    assert ", revoked by " in out  # the git identity that ran the revoke, when no --by is given
    code, out, _ = gate_cli(
        "exception", "audit", "--repo", rm_repo.path, "--as-of", "2026-11-24", "--format", "csv"
    )
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
    assert code == 0 and "expires 2026-11-26)" in out  # the 24th, 25th and 26th
    code, out, err = gate_cli(*ADD, "--days", "7", "--repo", rm_repo.path)
    assert code == 0 and "expires 2026-11-30)" in out, err
    code, _, err = gate_cli(*ADD, "--days", "8", "--repo", rm_repo.path)  # tier 1 allows 7
    assert code == 2 and "allows at most 7 days" in err


def test_14_the_expired_hint_is_the_same_everywhere(rm_repo: GitRepo, gate_cli: Any) -> None:
    _ledger(rm_repo, _entry("EXC-OLD", created="2026-11-10", expires="2026-11-12"))
    hint = "expired on 2026-11-12; remove it: gate exception revoke EXC-OLD --reason"
    code, out, _ = gate_cli(
        "exception", "list", "--repo", rm_repo.path, "--base", "main", "--as-of", "2026-11-24"
    )
    assert hint in out
    code, out, _ = gate_cli("validate", "--repo", rm_repo.path, "--as-of", "2026-11-24")
    assert hint in out
    rm_repo.git("checkout", "-q", "-B", "change", "main")
    rm_repo.write("services/search/src/query.py", "x = 1\n")
    rm_repo.commit("search change")
    v = check.run(Repo(rm_repo.path), base="main", head="HEAD", today=TODAY)
    assert present(present(v.exceptions).expired[0].why).startswith(hint)


def test_14_a_revocation_record_does_not_make_other_entries_new(
    rm_repo: GitRepo, gate_cli: Any
) -> None:
    _ledger(rm_repo, _entry("EXC-A") + _entry("EXC-B", services="[cart]"))
    rm_repo.git("checkout", "-q", "-B", "change", "main")
    assert (
        gate_cli(
            "exception",
            "revoke",
            "EXC-B",
            "--reason",
            "Cart runbook fixed early",
            "--repo",
            rm_repo.path,
        )[0]
        == 0
    )
    rm_repo.write(
        "services/search/docs/runbook.md", "# search runbook\n\n## Symptoms\nSlow queries.\n"
    )
    rm_repo.commit("revoke EXC-B, change search")
    v = check.run(Repo(rm_repo.path), base="main", head="HEAD", today=TODAY)
    assert [(f.entry.id, f.origin) for f in present(v.exceptions).applied] == [("EXC-A", "base")]
    code, out, _ = gate_cli(
        "exception", "audit", "--repo", rm_repo.path, "--format", "json", "--as-of", "2026-11-24"
    )
    assert [(e["event"], e["id"]) for e in json.loads(out)["events"]] == [
        ("added", "EXC-A"),
        ("added", "EXC-B"),
        ("revoked", "EXC-B"),
    ]


# -- the platform engineer ------------------------------------------------------------------------


def test_4_init_prints_the_next_steps(
    repo: GitRepo, gate_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("init")
    monkeypatch.chdir(repo.root)
    code, out, _ = gate_cli("init", "services/orders", "--tier", "1", "--team", "orders")
    assert code == 0
    assert "/services/orders/ @<org>/orders" in out and "CODEOWNERS" in out
    assert "git add services/orders .github/CODEOWNERS && git commit" in out
    for field in (
        "telemetry.dashboards",
        "telemetry.alerts",
        "resilience.drills",
        "docs/runbook.md",
        "docs/rollback.md",
    ):
        assert field in out, field


def test_4_validate_says_when_manifests_are_not_committed(
    repo: GitRepo, gate_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("init")
    monkeypatch.chdir(repo.root)
    gate_cli("init", "services/orders", "--tier", "1", "--team", "orders")
    code, out, _ = gate_cli("validate", "--repo", repo.path)
    assert "no service is touched by this change" not in out
    assert (
        "0 services at" in out
        and "services/orders/service.yaml is in the working tree but not in" in out
        and "commit it" in out
    )
    code, out, _ = gate_cli("validate", "--repo", repo.path, "--format", "markdown")
    assert (
        "changed service" not in out
        and "0 service(s) at" in out
        and "services/orders/service" in out
    )  # prose is Markdown-escaped


def test_5_template_runbook_and_rollback_plan_are_still_the_template(
    repo: GitRepo, gate_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.commit("init")
    monkeypatch.chdir(repo.root)
    gate_cli("init", "services/orders", "--tier", "1", "--team", "orders")
    repo.commit("orders")
    v = check.validate(Repo(repo.path), today=TODAY)
    messages = {(f.rule, f.message) for f in v.services[0].findings}
    for section in ("Symptoms", "Diagnosis", "Mitigation", "Escalation"):
        assert (
            "runbook-sections",
            f"services/orders/docs/runbook.md: section {section!r} is still the template from `gate init`",
        ) in messages
    assert (
        "rollback-plan-exists",
        "rollback.plan 'docs/rollback.md' is still the template from `gate init`",
    ) in messages
    repo.write(
        "services/orders/docs/runbook.md",
        repo.read("services/orders/docs/runbook.md").replace(
            "Which alerts page, what users see.",
            "OrdersHighErrorRate pages; checkout shows 'try again'.",
        ),
    )
    repo.commit("real symptoms")
    v = check.validate(Repo(repo.path), today=TODAY)
    assert not any("'Symptoms' is still the template" in f.message for f in v.services[0].findings)


OTEL_SERVICE = """\
apiVersion: gate/v1
kind: Service
name: orders
tier: 1
owners: {team: orders}
telemetry:
  service_name: orders
  metrics: [%s]
"""


def _metric_findings(repo: GitRepo, metrics: str, config: str = "") -> list[str]:
    repo.write("services/orders/service.yaml", OTEL_SERVICE % metrics)
    if config:
        repo.write(".gate.yaml", config)
    repo.commit("orders")
    v = check.validate(Repo(repo.path), today=TODAY)
    return [f.message for f in v.services[0].findings if f.rule == "telemetry-names"]


def test_6_opentelemetry_names_are_accepted_at_tier_1(repo: GitRepo) -> None:
    names = "http.server.request.duration, http.server.active_requests, db.client.operation.duration, http_requests_total"
    assert _metric_findings(repo, names) == []


@pytest.mark.parametrize(
    "name, words",
    [
        ("Http.Server.Request.Duration", "lowercase"),
        ("http.server.request.duration_seconds", "unit"),
        ("http.server.request.durationMs", "lowercase"),
        ("http.server.requests_total", "_total"),
        ("9http.server.duration", "not a valid OpenTelemetry instrument name"),
        ("http..server", "empty namespace"),
        ("http.server-request.duration", "snake_case"),
        ("orders.http.server.request.duration", "service name 'orders'"),
    ],
)
def test_6_opentelemetry_names_are_checked_by_opentelemetry_rules(
    repo: GitRepo, name: str, words: str
) -> None:
    found = _metric_findings(repo, name)
    assert found and any(words in m for m in found), found


def test_6_the_convention_is_configurable_per_repository(repo: GitRepo) -> None:
    prometheus_only = (
        "version: 1\nrules:\n  telemetry-names: {params: {conventions: [prometheus]}}\n"
    )
    found = _metric_findings(repo, "http.server.request.duration", prometheus_only)
    assert found and "OpenTelemetry names are not accepted here" in found[0]
    otel_only = "version: 1\nrules:\n  telemetry-names: {params: {conventions: [opentelemetry]}}\n"
    assert _metric_findings(repo, "http.server.request.duration", otel_only) == []
    assert any("_total" in m for m in _metric_findings(repo, "http_requests_total", otel_only))


def test_7_unowned_ignore_adds_to_the_defaults_and_can_drop_one(repo: GitRepo) -> None:
    repo.write(
        "services/a/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: a\ntier: 3\nowners: {team: t}\n",
    )
    repo.write(".gate.yaml", 'version: 1\nunowned_ignore: ["tools/**", "!README*"]\n')
    repo.commit("base")
    repo.branch("change")
    for path in (
        "tools/x.sh",
        "exceptions.yaml",
        ".pre-commit-config.yaml",
        "README.md",
        "scripts/deploy.sh",
    ):
        repo.write(path, "x\n")
    repo.commit("change")
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    unowned = sorted(present(f.file) for f in v.findings if f.rule == "unowned-change")
    assert unowned == ["README.md", "scripts/deploy.sh"]


def test_7_the_docs_show_the_default_unowned_ignore() -> None:
    from gate.config import DEFAULT_UNOWNED_IGNORE

    page = (Path(__file__).resolve().parents[1] / "docs" / "configuration.md").read_text()
    assert all(f"`{p}`" in page for p in DEFAULT_UNOWNED_IGNORE)


def test_8_telemetry_declared_names_the_missing_fields(repo: GitRepo) -> None:
    repo.write("services/orders/service.yaml", OTEL_SERVICE % "http.server.request.duration")
    repo.commit("orders")
    v = check.validate(Repo(repo.path), today=TODAY)
    (message,) = [f.message for f in v.services[0].findings if f.rule == "telemetry-declared"]
    named = message.split("(missing: ", 1)[1].rstrip(")").split(", ")
    assert sorted(named) == ["telemetry.alerts", "telemetry.dashboards"], message


def test_8_fix_texts_name_the_approvers_of_the_tier(example: GitRepo) -> None:
    example.replace("services/checkout/service.yaml", "objective: 99.9", "objective: 99.8")
    example.replace("services/payments/service.yaml", "objective: 99.5", "objective: 99.4")
    example.commit()
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    by_service = {s.name: {f.rule: f for f in s.findings} for s in v.services}
    finding = by_service["checkout"]["slo-objective-tier"]
    assert "lower severity" not in finding.remediation and "waive" in finding.remediation
    assert "tier 1: release-managers (exceptions.approvers.findings)" in finding.remediation, (
        finding.remediation
    )
    drift = by_service["payments"]["manifest-drift"]
    assert "tier 0: vps" in drift.remediation and "release manager" not in drift.remediation


def test_8_an_exempt_budget_finding_does_not_say_wait(repo: GitRepo, prometheus: Any) -> None:
    from budget import budget_repo

    budget_repo.build(repo, prometheus.url)
    repo.write("services/exhausted/docs/runbook.md", "# runbook\nmore\n")
    repo.commit("docs only")
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    (finding,) = v.services[0].findings
    assert finding.severity == "info" and "exempt" in finding.message
    assert (
        "Wait until the budget recovers" not in finding.remediation
        and "nothing to do" in finding.remediation.lower()
    )
    repo.write("services/exhausted/src/app.py", "x = 9\n")
    repo.commit("feature")
    blocked = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    assert "tier 1: directors" in blocked.services[0].findings[0].remediation


def test_8_risk_high_never_fires_on_a_medium_score() -> None:
    from gate.catalog import Service
    from gate.risk.findings import risk_findings
    from gate.settings import RiskSettings
    from gate.verdict import RiskResult

    service = Service("s", "s/", "s/service.yaml", 0, {"tier": 0}, None, (), ())
    settings = RiskSettings.parse({"thresholds": {0: {"warn": 50, "block": 99}}})
    medium = RiskResult(55, "medium", (), "default")
    (finding,) = risk_findings(medium, service, settings, TODAY)
    assert finding.rule == "risk-threshold" and "medium" in finding.message
    high = RiskResult(92, "high", (), "default")
    assert [f.rule for f in risk_findings(high, service, settings, TODAY)][0] == "risk-high"


def test_8_docs_links_are_https_and_shown(repo: GitRepo, gate_cli: Any) -> None:
    pack = (
        "apiVersion: gate/v1\nkind: PolicyPack\nname: p\nrules:\n  - id: team\n    title: t\n    severity: error\n"
        "    check: {schema: {required: [owners]}}\n    remediation: add owners\n    docs: %s\n"
    )
    repo.write("services/a/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: a\ntier: 3\n")
    repo.write(".gate.yaml", "version: 1\npacks: [p.yaml]\n")
    repo.write("p.yaml", pack % "see the wiki")
    repo.commit("x")
    code, _, err = gate_cli("validate", "--repo", repo.path)
    assert code == 2 and "p.yaml" in err and "docs" in err
    repo.write("p.yaml", pack % "https://wiki.example.com/gate/team")
    repo.commit("x")
    code, out, _ = gate_cli("validate", "--repo", repo.path)
    assert code == 1 and "docs: https://wiki.example.com/gate/team" in out
    root = Path(__file__).resolve().parents[1]
    for page in [root / "README.md", *(root / "docs").rglob("*.md")]:
        assert "a remediation and a docs link" not in page.read_text(), page


def test_9_explain_without_an_argument_lists_every_rule_and_kind(
    gate_cli: Any, tmp_path: Path
) -> None:
    from gate.builtin_rules import BUILTIN_RULES
    from gate.policy.kinds import KINDS

    code, out, _ = gate_cli("explain", "--repo", str(tmp_path))
    assert code == 0
    assert all(rule in out for rule in ("runbook-sections", "telemetry-names", *BUILTIN_RULES))
    assert all(kind in out for kind in KINDS)


def test_9_unknown_names_get_did_you_mean(example: GitRepo, gate_cli: Any) -> None:
    code, _, err = gate_cli("explain", "runbook-section", "--repo", example.path)
    assert code == 2 and "did you mean 'runbook-sections'" in err and "known rules:" not in err
    code, _, err = gate_cli(
        "exception",
        "add",
        "--repo",
        example.path,
        "--service",
        "serch",
        "--rule",
        "runbook-sections",
        "--reason",
        "a long enough reason here",
        "--ticket",
        "T-1",
        "--requested-by",
        "dana",
        "--approved-by",
        "rita",
        "--days",
        "2",
    )
    assert code == 2 and "did you mean 'search'" in err
    code, _, err = gate_cli("budget", "chekout", "--repo", example.path, "--offline")
    assert code == 2 and "did you mean 'checkout'" in err


def test_9_a_bad_date_names_its_option(example: GitRepo, gate_cli: Any) -> None:
    code, _, err = gate_cli("validate", "--repo", example.path, "--as-of", "2026-13-01")
    assert code == 2 and "--as-of" in err
    code, _, err = gate_cli(
        "exception",
        "add",
        "--repo",
        example.path,
        "--service",
        "search",
        "--rule",
        "runbook-sections",
        "--reason",
        "a long enough reason here",
        "--ticket",
        "T-1",
        "--requested-by",
        "dana",
        "--approved-by",
        "rita",
        "--expires",
        "soon",
    )
    assert code == 2 and "--expires" in err


def test_9_every_option_of_every_command_has_help() -> None:
    import click

    from gate.cli import cli

    def walk(command: click.Command, path: str) -> list[str]:
        missing = [
            f"{path} {p.opts[0]}"
            for p in command.params
            if isinstance(p, click.Option) and not p.help
        ]
        if isinstance(command, click.Group):
            ctx = click.Context(command)
            for name in command.list_commands(ctx):  # the commands imported on first use too
                sub = command.get_command(ctx, name)
                assert sub is not None, name
                missing += walk(sub, f"{path} {name}")
        return missing

    assert walk(cli, "gate") == []


@pytest.mark.parametrize(
    "path",
    [
        "deploy/flagd.json",
        "config/flags.flagd.json",
        "services/x/openfeature.yaml",
        "ops/feature-toggles.yaml",
        "ld-flags.json",
        "unleash/export.json",
        "launchdarkly/flags.json",
        "flagsmith.json",
    ],
)
def test_10_feature_flag_files_of_common_systems(path: str) -> None:
    from gate.risk.features import kind_counts

    assert kind_counts([path])["feature_flags"] == 1


def test_10_ordinary_files_are_not_feature_flags() -> None:
    from gate.risk.features import kind_counts

    assert (
        kind_counts(["src/flagship.py", "docs/platform.md", "src/reflag.py"])["feature_flags"] == 0
    )


def test_11_format_and_output_pair_unambiguously(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    out_json, out_sarif = tmp_path / "gate.json", tmp_path / "gate.sarif"
    code, out, _ = gate_cli(
        "check",
        "--repo",
        example.path,
        "--base",
        "main",
        "--format",
        "text",
        "--format",
        f"json={out_json}",
        "--format",
        f"sarif={out_sarif}",
    )
    assert (
        out.startswith("gate: BLOCK")
        and json.loads(out_json.read_text())["schema"] == "gate.report/v1"
    )
    assert json.loads(out_sarif.read_text())["version"] == "2.1.0"
    code, _, err = gate_cli(
        "check", "--repo", example.path, "--base", "main", "--format", "yaml=x.yaml"
    )
    assert code == 2 and "yaml" in err


def test_11_check_github_outside_actions_writes_nothing_into_the_working_tree(
    example: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "RUNNER_"))}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gate.cli import main; main()",
            "check",
            "--github",
            "--base",
            "main",
            "--no-comment",
        ],
        cwd=example.root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert example.git("status", "--porcelain", "--untracked-files=all") == ""


def test_1_a_missing_blob_is_an_error_not_a_missing_file(example: GitRepo, gate_cli: Any) -> None:
    blob = example.git("rev-parse", "main:services/search/docs/runbook.md")
    example.git("repack", "-q", "-a", "-d")  # objects in a pack: unpack all but the runbook
    packs = list((example.root / ".git" / "objects" / "pack").glob("*.pack"))
    for pack in packs:
        data = pack.read_bytes()
        pack.unlink()
        pack.with_suffix(".idx").unlink()
        subprocess_unpack(example, data)
    _loose_object(example, blob).unlink()
    code, _, err = gate_cli("validate", "--repo", example.path)
    assert code == 2 and "git cat-file failed" in err and blob in err


def subprocess_unpack(repo: GitRepo, data: bytes) -> None:
    import subprocess

    subprocess.run(["git", "unpack-objects", "-q"], cwd=repo.root, input=data, check=True)


def test_1_scorecard_history_on_a_damaged_clone_is_an_error(repo: GitRepo) -> None:
    from gate.git import GitError
    from gate.risk.model import DEFAULT_MODEL
    from gate.scorecard.history import mine

    shas = _history(repo, 6)
    _loose_object(repo, repo.git("rev-parse", f"{shas[2]}^{{tree}}")).unlink()
    with pytest.raises(GitError, match="git log failed"):
        mine(Repo(repo.path), shas[-1], 0, 0, 0, lambda paths: 2, DEFAULT_MODEL)
