"""`gate check` end to end on real repositories: the bundled example and purpose-built ones."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.errors import FatalError
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator
from gate.verdict import Verdict


def judge(repo: GitRepo, base: str = "main", head: str = "HEAD", **kw: Any) -> Verdict:
    return check.run(Repo(repo.path), base=base, head=head, today=TODAY, **kw)


def rules_of(verdict: Verdict) -> dict[str, set[str]]:
    return {s.name: {f.rule for f in s.findings} for s in verdict.services} | {
        "(repository)": {f.rule for f in verdict.findings}
    }


def test_clean_change_passes(example: GitRepo) -> None:
    example.write("services/checkout/src/app.py", "def total(items):\n    return 0\n")
    example.commit()
    v = judge(example)
    assert v.verdict == "pass" and v.exit_code == 0
    assert [(s.name, s.tier, s.changed_files) for s in v.services] == [
        ("checkout", 1, ("services/checkout/src/app.py",))
    ]


def test_tier1_runbook_without_escalation_blocks_with_file_and_line(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    v = judge(example)
    assert v.verdict == "block" and v.exit_code == 1
    (finding,) = v.services[0].findings
    assert (finding.rule, finding.severity, finding.file, finding.line) == (
        "runbook-sections",
        "error",
        "services/search/docs/runbook.md",
        1,
    )
    assert "no 'Escalation' section" in finding.message and "Escalation" in finding.remediation


def test_changed_only_other_services_gaps_do_not_matter(example: GitRepo) -> None:
    example.write("services/payments/src/charge.py", "x = 1\n")
    example.commit()
    v = judge(example)
    assert [s.name for s in v.services] == ["payments"]
    assert rules_of(v)["payments"] == {
        "error-budget",
        "blast-radius",  # info: checkout depends on payments
    }  # only its own exhausted budget (see the demo status file)


def test_config_is_read_from_base_not_from_the_change(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.write(
        ".gate.yaml", example.read(".gate.yaml") + "  runbook-sections: off\nunowned: off\n"
    )
    example.commit()
    v = judge(example)
    assert v.verdict == "block"
    assert "runbook-sections" in rules_of(v)["search"]
    assert v.config_changed
    (note,) = v.findings
    assert note.rule == "gate-config-changed" and note.file == ".gate.yaml"


def test_base_config_is_honoured(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.replace(
        ".gate.yaml",
        "  dependencies-declared: info\n",
        "  dependencies-declared: info\n  runbook-sections: off\n",
    )
    example.commit("platform team relaxes runbook-sections")
    example.branch("fix")
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    assert judge(example).verdict == "pass"


def test_a_change_cannot_weaken_a_repository_pack(repo: GitRepo) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/strict.yaml]\n")
    repo.write(
        "policies/strict.yaml",
        "apiVersion: gate/v1\nkind: PolicyPack\nname: strict\nrules:\n"
        "  - {id: need-runbook, title: t, severity: error, check: {kind: file_exists, field: runbook}, remediation: add one}\n",
    )
    repo.write("svc/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\n")
    repo.commit()
    repo.branch("weaken")
    repo.write(
        "policies/strict.yaml",
        repo.read("policies/strict.yaml").replace("severity: error", "severity: info"),
    )
    repo.write("svc/app.py", "x = 1\n")
    repo.commit()
    v = judge(repo)
    assert v.verdict == "block" and rules_of(v)["svc"] == {"need-runbook"}
    assert "policies/strict.yaml" in v.findings[0].message


def test_broken_base_config_is_exit_2_naming_file_and_line(repo: GitRepo) -> None:
    repo.write(".gate.yaml", "version: 1\nrules:\n  no-such-rule: off\n")
    repo.commit()
    repo.branch("x")
    repo.write("a.txt", "a")
    repo.commit()
    with pytest.raises(FatalError) as info:
        judge(repo)
    assert (info.value.file, info.value.line, info.value.exit_code) == (".gate.yaml", 3, 2)


def test_explicit_config_path_must_exist_in_base(example: GitRepo) -> None:
    with pytest.raises(FatalError, match="not found in the base revision"):
        judge(example, config_path="ops/gate.yaml")


def test_unowned_change_warns_and_is_configurable(example: GitRepo) -> None:
    example.write("scripts/release.sh", "echo changed\n")
    example.write("README.md", "ignored by default\n")
    example.commit()
    v = judge(example)
    assert v.verdict == "warn" and v.exit_code == 0
    assert [(f.rule, f.file) for f in v.findings] == [("unowned-change", "scripts/release.sh")]


def test_tier_drop_is_judged_at_the_old_tier(example: GitRepo) -> None:
    example.replace("services/checkout/service.yaml", "tier: 1", "tier: 3")
    example.replace("services/checkout/service.yaml", "runbook: docs/runbook.md\n", "")
    example.commit()
    v = judge(example)
    (svc,) = v.services
    assert svc.tier == 1 and v.verdict == "block"
    assert {f.rule for f in svc.findings if f.severity == "error"} == {
        "manifest-drift",
        "runbook-present",
    }


def test_shared_path_claimed_by_paths_glob(example: GitRepo) -> None:
    example.write("libs/money/money.py", "x = 2\n")
    example.commit()
    assert [s.name for s in judge(example).services] == ["checkout"]


def test_rename_across_services_judges_both(example: GitRepo) -> None:
    example.git("mv", "services/cart/src/cart.py", "services/search/src/cart.py")
    example.commit()
    assert sorted(s.name for s in judge(example).services) == ["cart", "search"]


def test_deleting_a_manifest_but_keeping_the_code_blocks(example: GitRepo) -> None:
    example.remove("services/search/service.yaml")
    example.commit()
    v = judge(example)
    (svc,) = v.services
    assert svc.status == "removed" and v.verdict == "block"
    assert svc.findings[0].rule == "manifest-removed"


def test_deleting_a_whole_service_is_allowed(example: GitRepo) -> None:
    example.remove("services/admin-tools")
    example.commit()
    v = judge(example)
    assert [(s.name, s.status) for s in v.services] == [
        ("admin-tools", "removed")
    ] and v.verdict == "pass"


BAD_TIER0 = """\
apiVersion: gate/v1
kind: Service
name: vault
tier: 0
owners: {team: security}
slos:
  - {name: vault-freshness, sli: freshness, objective: 100, window: 1m}
  - openslo: slo/missing.yaml
runbook: docs/runbook.md
rollback: {strategy: revert, plan: docs/rollback.md, last_tested: 2020-01-01}
telemetry:
  service_name: vault
  metrics: [vault_http_requests_total]
"""


def test_every_default_rule_fires_on_a_bad_tier0_service(example: GitRepo) -> None:
    example.write("services/vault/service.yaml", BAD_TIER0)
    example.write("services/vault/docs/runbook.md", "# vault\n## Symptoms\nx\n")
    example.commit()
    v = judge(example)
    fired = rules_of(v)["vault"]
    assert fired == {
        "owners-oncall",
        "codeowners",
        "slo-sane",
        "slo-window",
        "slo-files-exist",
        "runbook-sections",
        "rollback-plan-exists",
        "rollback-tested",
        "rollback-last-tested-deprecated",
        "dr-objectives",
        "failover-exercised",
        "gameday-run",
        "loadtest-run",
        "capacity-headroom",
        "telemetry-declared",
        "telemetry-names",
        "dependencies-declared",
        "error-budget-unavailable",  # tier 0 fails closed: the status file has no entry for vault
    }
    assert v.services[0].status == "added"


def test_rules_that_need_absence(example: GitRepo) -> None:
    example.write(
        "services/bare/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: bare\ntier: 0\n"
    )
    example.write(
        "services/bad/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: bad\ntier: 1\nsurprise: 1\n",
    )
    example.write(
        "services/low/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: low\ntier: 2\nowners: {team: shopping}\nslos: [{name: a, sli: availability, objective: 99, window: 28d}]\nrunbook: services/low/r.md\n",
    )
    example.write(
        "services/low/r.md",
        "# r\n## Symptoms\nx\n## Diagnosis\nx\n## Mitigation\nx\n## Escalation\nx\n",
    )
    example.commit()
    fired = rules_of(judge(example))
    assert {
        "owners-team",
        "slo-defined",
        "runbook-present",
        "rollback-plan",
        "telemetry-declared",
    } <= fired["bare"]
    assert "manifest-valid" in fired["bad"]
    assert "slo-objective-tier" in fired["low"]


def test_hostile_runbook_paths_are_rejected_and_never_read(example: GitRepo) -> None:
    for path in ("../../../etc/passwd", "/etc/passwd", "file:///etc/passwd"):
        example.replace(
            "services/checkout/service.yaml", "runbook: docs/runbook.md", f"runbook: {path}"
        )
        example.commit()
        v = judge(example)
        (svc,) = v.services
        assert v.verdict == "block"
        # /etc/passwd means the repository's own etc/passwd (a leading / is the repository root): absent here
        assert any(
            f.rule in ("manifest-valid", "runbook-present") and "runbook" in f.message
            for f in svc.findings
        ), path
        assert not any("root:" in f.message for f in svc.findings)
        example.replace(
            "services/checkout/service.yaml", f"runbook: {path}", "runbook: docs/runbook.md"
        )


def test_unparsable_manifest_is_one_finding_with_line(example: GitRepo) -> None:
    example.write(
        "services/cart/service.yaml", "apiVersion: gate/v1\nname: cart\ntier: 2\n  owners: x\n"
    )
    example.commit()
    (svc,) = judge(example).services
    assert [(f.rule, f.file, f.line) for f in svc.findings] == [
        ("manifest-valid", "services/cart/service.yaml", 4)
    ]


def test_staged_change(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.git("add", "services/search/src/query.py")
    example.write("services/checkout/src/app.py", "unstaged = True\n")
    v = check.run(Repo(example.path), staged=True, today=TODAY)
    assert (
        v.mode == "staged" and [s.name for s in v.services] == ["search"] and v.verdict == "block"
    )


def test_staged_in_a_repository_without_commits(repo: GitRepo) -> None:
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 3\nowners: {team: t}\n",
    )
    repo.git("add", "-A")
    v = check.run(Repo(repo.path), staged=True, today=TODAY)
    assert [s.name for s in v.services] == ["svc"] and v.verdict in ("pass", "warn")


def test_json_report_is_deterministic_and_valid(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.write("scripts/new.sh", "x\n")
    example.commit()
    first = renderer("json")(judge(example))
    second = renderer("json")(judge(example))
    assert first == second
    doc = json.loads(first)
    assert list(validator("report").iter_errors(doc)) == []
    assert doc["schema"] == "gate.report/v1" and doc["verdict"] == "block"
    assert doc["summary"]["blocked_services"] == ["search"]
    service = doc["services"][0]
    assert {"name", "tier", "findings", "risk", "budget", "exceptions_applied"} <= set(service)
    assert service["findings"][0]["rule"] == "runbook-sections"


def test_check_and_validate_modify_nothing(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    example.write("services/cart/src/cart.py", "uncommitted work\n")
    before = {
        p: open(os.path.join(r, p), "rb").read()
        for r, _, files in os.walk(example.root)
        for p in files
        if ".git" not in r
    }
    status = example.git("status", "--porcelain")
    judge(example)
    check.validate(Repo(example.path), today=TODAY)
    after = {
        p: open(os.path.join(r, p), "rb").read()
        for r, _, files in os.walk(example.root)
        for p in files
        if ".git" not in r
    }
    assert before == after and example.git("status", "--porcelain") == status


def test_validate_judges_every_service(example: GitRepo) -> None:
    v = check.validate(Repo(example.path), today=TODAY)
    verdicts = {s.name: s.verdict for s in v.services}
    assert verdicts == {
        "admin-tools": "pass",
        "auth": "pass",
        "cart": "warn",
        "checkout": "pass",
        "notifications": "block",  # its latest restore drill failed (drill-failed)
        "payments": "pass",
        "search": "block",
    }


def test_directory_named_service_yaml_is_not_a_manifest(repo: GitRepo) -> None:
    repo.write("svc/service.yaml/notes.txt", "x")
    repo.commit()
    repo.branch("c")
    repo.write("svc/service.yaml/notes.txt", "y")
    repo.commit()
    v = judge(repo)
    assert v.services == () and [f.rule for f in v.findings] == ["unowned-change"]


def test_merge_commit_head_and_first_commit(example: GitRepo) -> None:
    example.write("services/cart/src/cart.py", "x = 1\n")
    example.commit("on change")
    example.git("checkout", "-q", "main")
    example.write("services/payments/src/charge.py", "y = 1\n")
    example.commit("on main")
    example.git("checkout", "-q", "change")
    example.git("merge", "-q", "--no-edit", "main")
    v = judge(example)
    assert [s.name for s in v.services] == ["cart"]  # main's own change is not this change's


def test_first_commit_judged_against_nothing(repo: GitRepo) -> None:
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 3\nowners: {team: t}\n",
    )
    head = repo.commit()
    from gate import config as gate_config
    from gate.git import EMPTY
    from gate.policy.rules import load_rules
    from gate.snapshot import Snapshot

    r = Repo(repo.path)
    base, snap = Snapshot(r, EMPTY), Snapshot(r, head)
    v = check.judge(
        r.changes(EMPTY, head),
        base,
        snap,
        gate_config.Config(),
        load_rules(gate_config.Config(), base),
        TODAY,
        "commits",
    )
    assert [(s.name, s.status) for s in v.services] == [("svc", "added")]


def test_validate_warns_when_gate_files_have_no_codeowners(example: GitRepo) -> None:
    example.write("exceptions.yaml", "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: []\n")
    example.replace(".github/CODEOWNERS", "*                         @acme/platform\n", "")
    example.commit()
    v = check.validate(Repo(example.path), today=TODAY)
    assert [(f.rule, f.file) for f in v.findings] == [
        ("gate-files-owned", "exceptions.yaml")
    ]  # .gate.yaml keeps its line
    example.write(
        ".github/CODEOWNERS",
        example.read(".github/CODEOWNERS") + "/exceptions.yaml @acme/release-managers\n",
    )
    example.commit()
    assert check.validate(Repo(example.path), today=TODAY).findings == ()


def test_moving_a_service_while_lowering_its_tier_is_judged_at_the_old_tier(
    example: GitRepo,
) -> None:
    example.git("mv", "services/checkout", "services/checkout-v2")
    example.replace("services/checkout-v2/service.yaml", "tier: 1", "tier: 3")
    example.replace("services/checkout-v2/service.yaml", "runbook: docs/runbook.md\n", "")
    example.commit()
    v = judge(example)
    moved = next(s for s in v.services if s.manifest == "services/checkout-v2/service.yaml")
    assert moved.tier == 1
    assert {"manifest-drift", "runbook-present"} <= {
        f.rule for f in moved.findings if f.severity == "error"
    }


def test_a_warm_check_never_lists_every_service(
    example: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second run on a change reads only what the change touches: cost follows the change."""
    from gate import catalog
    from gate.git import Repo as GitLayer

    example.write("services/checkout/src/app.py", "print('changed')\n")
    example.write(
        "services/cart/src/cart.py", example.read("services/cart/src/cart.py") + "# edit\n"
    )
    example.commit("two services")
    first = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)

    def refuse(*args: object, **kw: object) -> None:
        raise AssertionError(f"a warm run listed the whole tree: {args}")

    monkeypatch.setattr(catalog, "manifest_entries", refuse)
    monkeypatch.setattr(GitLayer, "tree", refuse)
    monkeypatch.setattr(GitLayer, "named", refuse)
    second = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    assert [s.name for s in first.services] == ["cart", "checkout"]
    assert renderer("json")(second) == renderer("json")(first)


def test_the_users_git_settings_never_change_a_verdict(example: GitRepo) -> None:
    """Colour, signatures in logs, quoting and renames settings must not leak into what gate parses
    (a regression guard: every command gate runs uses -z or --format, which these settings must not reach)."""
    example.write("services/checkout/src/app.py", "print('changed')\n")
    example.write("services/checkout/src/café ü.py", "x = 1\n")
    example.git("mv", "services/cart/src/cart.py", "services/cart/src/basket.py")
    example.commit("edit and rename")
    plain = renderer("json")(check.run(Repo(example.path), base="main", head="HEAD", today=TODAY))
    for key, value in (
        ("color.ui", "always"),
        ("color.diff", "always"),
        ("log.showSignature", "true"),
        ("diff.renames", "copies"),
        ("core.quotepath", "true"),
        ("diff.noprefix", "true"),
        ("log.decorate", "full"),
    ):
        example.git("config", key, value)
    import shutil

    shutil.rmtree(example.root / ".git" / "gate", ignore_errors=True)
    assert (
        renderer("json")(check.run(Repo(example.path), base="main", head="HEAD", today=TODAY))
        == plain
    )


@pytest.mark.parametrize("service, tier", [("payments", 0), ("search", 1)])
def test_a_manifest_the_change_breaks_keeps_its_tier_and_removes_no_slos(
    example: GitRepo, service: str, tier: int
) -> None:
    """Invalid YAML in the head's manifest: the service is still headed (and judged) with its
    trusted tier, and the SLO finding says the manifest is unreadable instead of "removes" SLOs
    that are still there."""
    manifest = f"services/{service}/service.yaml"
    example.write(manifest, example.read(manifest) + "owners: [unclosed\n")
    example.commit("break the manifest")
    v = judge(example)
    (result,) = [s for s in v.services if s.name == service or s.manifest == manifest]
    assert result.tier == tier and v.verdict == "block"
    slo = [f.message for f in result.findings if f.rule == "slo-definition-changed"]
    assert slo and all("removes" not in m for m in slo)
    assert slo[0].startswith(f"this change leaves {manifest} unreadable")
    assert f"(tier {tier}, services/{service}/)" in renderer("text")(v)


def test_validate_reads_the_revisions_own_baseline_and_gate_baseline_still_sees_the_debt(
    example: GitRepo, gate_cli: Any
) -> None:
    """After adopting gate with a baseline, `gate validate` on main no longer blocks on the debt it
    records (info, with its age), while `gate baseline --prune` still finds it and keeps it."""
    example.git("checkout", "-q", "main")
    before = check.validate(Repo(example.path), "HEAD", today=TODAY)
    assert before.verdict == "block"
    code, _, err = gate_cli("baseline", "--repo", example.path, "--as-of", TODAY.isoformat())
    assert code == 0, err
    example.commit("adopt with a baseline")
    after = check.validate(Repo(example.path), "HEAD", today=TODAY)
    assert after.verdict != "block"
    recorded = [f for s in after.services for f in s.findings if "(baselined:" in f.message]
    assert recorded and all(f.severity == "info" for f in recorded)
    text = example.read("gate-baseline.yaml")
    code, _, err = gate_cli(
        "baseline", "--prune", "--repo", example.path, "--as-of", TODAY.isoformat()
    )
    assert code == 0 and example.read("gate-baseline.yaml") == text, err
