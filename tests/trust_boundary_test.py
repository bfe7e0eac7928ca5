"""The trust boundary, from the attacker's side: a pull request never decides who judges it.

Each test is a single-PR trick by a hostile author against a service that must block (tier 0
payments, whose error budget is spent; tier 1 checkout, whose budget the test spends), and fails
if the trick turns the verdict into a pass. THREAT_MODEL.md lists them by class.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.budget.file import load as load_status
from gate.git import Repo
from gate.httpclient import Unavailable
from gate.report.json_report import budget as budget_json
from gate.verdict import Verdict

TARGETS = {
    0: ("payments", "services/payments/src/charge.py"),
    1: ("checkout", "services/checkout/src/app.py"),
}


def judge(repo: GitRepo, base: str = "main", head: str = "HEAD") -> Verdict:
    return check.run(Repo(repo.path), base=base, head=head, today=TODAY)


def spend_budget(repo: GitRepo, service: str) -> None:
    """The operator's SLO export (untracked, outside the change) says `service` spent its budget."""
    status = json.loads(repo.read("slo-status.json"))
    for slo in status["slos"]:
        if slo["service"] == service:
            for counts in slo["windows"].values():
                counts["good"] = round(counts["total"] * 0.95)
    repo.write("slo-status.json", json.dumps(status))


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def target(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str]:
    name, code = TARGETS[request.param]
    spend_budget(example, name)
    example.write(code, example.read(code) + "\n\ndef new_feature():\n    return 1\n")
    example.commit("feature")
    assert judge(example).verdict == "block", "precondition: the plain feature change blocks"
    example.git("reset", "-q", "--hard", "HEAD~1")
    return example, name, code


def feature(repo: GitRepo, code: str) -> None:
    repo.write(code, repo.read(code) + "\n\ndef new_feature():\n    return 1\n")


def flagged(v: Verdict) -> set[str]:
    """Every rule that fired, any severity, on a service or the repository."""
    return {f.rule for s in v.services for f in s.findings} | {f.rule for f in v.findings}


def rules(v: Verdict) -> set[str]:
    return {
        f.rule for s in v.services for f in s.findings if f.severity == "error" and not f.waiver
    } | {f.rule for f in v.findings if f.severity == "error"}


# -- 1. ownership from the head ----------------------------------------------------------------


def test_a_tier3_manifest_inside_the_service_does_not_take_its_code(
    target: tuple[GitRepo, str, str],
) -> None:
    repo, name, code = target
    src = os.path.dirname(code)
    repo.write(
        f"{src}/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: sidecar\ntier: 3\nowners: {team: t}\n",
    )
    feature(repo, code)
    repo.commit()
    v = judge(repo)
    assert v.verdict == "block" and name in {s.name for s in v.services}
    assert "service-identity" in flagged(v)


def test_deleting_the_manifest_and_adding_a_tier3_one_above_is_reported(
    target: tuple[GitRepo, str, str],
) -> None:
    repo, name, code = target
    repo.remove(f"services/{name}/service.yaml")
    repo.write(
        "services/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: everything\ntier: 3\nowners: {team: t}\n",
    )
    feature(repo, code)
    repo.commit()
    v = judge(repo)
    assert v.verdict == "block" and "manifest-removed" in rules(v)


# -- 2. identity from the head -------------------------------------------------------------------


def test_move_rename_and_lower_tier_is_judged_as_the_base_service(
    target: tuple[GitRepo, str, str],
) -> None:
    repo, name, code = target
    repo.git("mv", f"services/{name}", f"services/{name}-v2")
    manifest = f"services/{name}-v2/service.yaml"
    text = repo.read(manifest)
    text = (
        text.replace(f"name: {name}\n", f"name: {name}-v2\n")
        .replace("tier: 0\n", "tier: 3\n")
        .replace("tier: 1\n", "tier: 3\n")
    )
    repo.write(manifest, text)
    feature(repo, code.replace(f"services/{name}/", f"services/{name}-v2/"))
    repo.commit()
    v = judge(repo)
    (moved,) = [s for s in v.services if s.manifest == manifest]
    assert v.verdict == "block" and moved.tier <= 1 and moved.identity == name
    assert "error-budget" in {f.rule for f in moved.findings}


def test_renaming_to_a_service_with_an_exception_borrows_nothing(
    target: tuple[GitRepo, str, str],
) -> None:
    repo, name, code = target
    repo.git("checkout", "-q", "main")
    repo.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        "  - id: EXC-CART\n    services: [cart]\n    rules: [error-budget, runbook-sections, risk]\n"
        "    reason: Cart migration window agreed with SRE in INC-5\n    ticket: INC-5\n    requested_by: dana\n"
        "    approved_by: victor\n    created: 2026-11-23\n    expires: 2026-11-25\n",
    )
    repo.write(
        ".gate.yaml",
        repo.read(".gate.yaml")
        + "exceptions:\n  max_days: {2: 14}\n  groups:\n    vps: [victor]\n    directors: [victor]\n",
    )
    repo.commit("ledger")
    repo.git("checkout", "-q", "-B", "change", "main")
    manifest = f"services/{name}/service.yaml"
    repo.write(manifest, repo.read(manifest).replace(f"name: {name}\n", "name: cart\n"))
    feature(repo, code)
    repo.commit()
    v = judge(repo)
    assert v.verdict == "block" and "error-budget" in rules(v)
    assert "service-identity" in flagged(v)


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_renaming_the_service_does_not_make_an_invalid_waiver_valid(
    example: GitRepo, tier: int
) -> None:
    """main's ledger holds an 11-day budget waiver for the target (tiers 0-1 allow 3 and 7 days):
    invalid, so the change blocks. The change also renames the service in its manifest; the
    waiver's tier was looked up by the head's name, found nothing, and applied unchecked."""
    name, code = TARGETS[tier]
    spend_budget(example, name)
    example.git("checkout", "-q", "main")
    example.write(
        "exceptions.yaml",
        _waiver(name)
        .replace("created: 2026-11-23", "created: 2026-11-20")
        .replace("expires: 2026-11-25", "expires: 2026-11-30"),
    )
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  groups:\n    vps: [victor]\n    directors: [victor]\n",
    )
    example.commit("an over-long waiver")
    example.git("checkout", "-q", "-B", "change", "main")
    feature(example, code)
    example.commit()
    assert judge(example).verdict == "block", (
        "precondition: the waiver is invalid at the service's tier"
    )
    manifest = f"services/{name}/service.yaml"
    example.replace(manifest, f"name: {name}\n", f"name: {name}-v2\n")
    example.commit("rename")
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)
    assert v.exceptions is not None and "EXC-1" in {fate.entry.id for fate in v.exceptions.invalid}


# -- 3. SLO definitions from the head ------------------------------------------------------------


def test_deleting_the_slos_does_not_switch_the_budget_off(target: tuple[GitRepo, str, str]) -> None:
    repo, name, code = target
    manifest = f"services/{name}/service.yaml"
    text = repo.read(manifest)
    start = text.index("slos:\n")
    end = text.index("runbook:")
    repo.write(manifest, text[:start] + text[end:])
    feature(repo, code)
    repo.commit()
    v = judge(repo)
    assert v.verdict == "block" and {"error-budget", "slo-definition-changed"} <= rules(v)


CHECKOUT_OPENSLO = """apiVersion: openslo/v1
kind: SLO
metadata:
  name: checkout-availability
spec:
  service: checkout
  indicator:
    metadata:
      name: checkout-good-requests
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{service="checkout",code!~"5.."}[{{window}}]))
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{service="checkout"}[{{window}}]))
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: checkout availability
      target: 0.999
"""


def _openslo_document(repo: GitRepo, tier: int) -> str:
    """The target's availability SLO as an OpenSLO document on main (checkout's is inline in the example)."""
    if tier == 0:
        return "services/payments/slo/availability.yaml"
    manifest = "services/checkout/service.yaml"
    repo.git("checkout", "-q", "main")
    text = repo.read(manifest)
    start, end = (
        text.index("  - name: checkout-availability\n"),
        text.index("  - name: checkout-latency\n"),
    )
    repo.write(manifest, text[:start] + "  - openslo: slo/availability.yaml\n" + text[end:])
    repo.write("services/checkout/slo/availability.yaml", CHECKOUT_OPENSLO)
    repo.commit("checkout: availability SLO as an OpenSLO document")
    repo.git("checkout", "-q", "-B", "change", "main")
    return "services/checkout/slo/availability.yaml"


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_loosening_the_objective_measures_with_the_base_objective(
    example: GitRepo, tier: int
) -> None:
    name, code = TARGETS[tier]
    spend_budget(example, name)
    doc = _openslo_document(example, tier)
    target = re.search(r"target: (0\.\d+)", example.read(doc))
    assert target
    feature(example, code)
    example.commit()
    assert judge(example).verdict == "block", "precondition: the plain feature change blocks"
    example.replace(doc, f"target: {target.group(1)}", "target: 0.5")
    example.commit("loosen")
    v = judge(example)
    assert v.verdict == "block" and {"error-budget", "slo-definition-changed"} <= rules(v)
    (judged,) = [s for s in v.services if s.name == name]
    assert judged.budget and f"{name}-availability" in {
        slo["slo"] for slo in budget_json(judged.budget)["slos"] if slo["objective"] > 99
    }


def test_a_broken_head_manifest_does_not_switch_the_budget_off(
    target: tuple[GitRepo, str, str],
) -> None:
    """The head breaks its own manifest (a symlink to a tier-3 one; a second `tier:` key): the
    service is judged at its trusted tier at least, but its spent budget went unmeasured (only
    manifest-valid blocked, a rule the operator may relax). The trusted definitions measure it
    whatever the head's state."""
    repo, name, code = target
    tier = next(t for t, (n, _) in TARGETS.items() if n == name)  # the tier main gives it
    manifest = f"services/{name}/service.yaml"
    for trick in ("symlink", "duplicate-key"):
        repo.git("checkout", "-q", "-B", f"broken-{trick}", "main")
        if trick == "symlink":
            os.remove(repo.root / manifest)
            os.symlink("../admin-tools/service.yaml", repo.root / manifest)
        else:
            repo.write(manifest, repo.read(manifest) + "tier: 3\n")
        feature(repo, code)
        repo.commit(trick)
        v = judge(repo)
        (judged,) = [s for s in v.services if s.manifest == manifest]
        assert v.verdict == "block" and judged.tier <= tier and "error-budget" in rules(v), trick


# -- 4. the trusted revision chosen by the author ------------------------------------------------


def test_a_branch_cut_while_a_rule_was_off_is_judged_by_the_tip(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    config = example.read(".gate.yaml")
    example.write(".gate.yaml", config.replace("rules:\n", "rules:\n  runbook-sections: off\n"))
    example.commit("turn runbook-sections off for the incident week")
    example.git("checkout", "-q", "-B", "old-branch", "main")
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", config)
    example.commit("runbook-sections back on")
    example.git("checkout", "-q", "old-branch")
    example.write("services/search/src/query.py", "x = 1\n")  # search's runbook lacks Escalation
    example.commit()
    v = judge(example)
    assert v.verdict == "block" and "runbook-sections" in rules(v)


def test_an_exception_revoked_on_main_no_longer_applies_to_an_old_branch(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        "  - id: EXC-1\n    services: [search]\n    rules: [runbook-sections]\n"
        "    reason: Escalation contacts land with the on-call rework in INC-77\n    ticket: INC-77\n"
        "    requested_by: dana\n    approved_by: release-manager-rita\n    created: 2026-11-23\n    expires: 2026-11-26\n",
    )
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  groups:\n    release-managers: [release-manager-rita]\n",
    )
    example.commit("waiver")
    example.git("checkout", "-q", "-B", "old-branch", "main")
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    assert judge(example).verdict != "block"  # the waiver works while main has it
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: []\n")
    example.commit("revoke EXC-1")
    example.git("checkout", "-q", "old-branch")
    v = judge(example)
    assert v.verdict == "block" and "runbook-sections" in rules(v)


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_branch_cut_while_the_budget_gate_was_relaxed_is_judged_by_the_tip(
    example: GitRepo, tier: int
) -> None:
    """main relaxed the budget gate to a warning for a week; a branch cut then is judged by the tip, which blocks again."""
    name, code = TARGETS[tier]
    spend_budget(example, name)
    example.git("checkout", "-q", "main")
    config = example.read(".gate.yaml")
    example.write(
        ".gate.yaml",
        config.replace("budgets:\n", "budgets:\n  on_exhausted: {0: warn, 1: warn}\n", 1),
    )
    example.commit("budgets only warn during the migration week")
    example.git("checkout", "-q", "-B", "old-branch", "main")
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", config)
    example.commit("budgets block again")
    example.git("checkout", "-q", "old-branch")
    feature(example, code)
    example.commit()
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


def _waiver(name: str) -> str:
    return (
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        f"  - id: EXC-1\n    services: [{name}]\n    rules: [error-budget]\n"
        "    reason: Provider migration agreed with SRE in INC-77\n    ticket: INC-77\n"
        "    requested_by: dana\n    approved_by: victor\n    created: 2026-11-23\n    expires: 2026-11-25\n"
    )


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_budget_waiver_revoked_on_main_no_longer_applies_to_an_old_branch(
    example: GitRepo, tier: int
) -> None:
    name, code = TARGETS[tier]
    spend_budget(example, name)
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", _waiver(name))
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  groups:\n    vps: [victor]\n    directors: [victor]\n",
    )
    example.commit("waiver")
    example.git("checkout", "-q", "-B", "old-branch", "main")
    feature(example, code)
    example.commit()
    assert judge(example).verdict != "block", "precondition: the waiver works while main has it"
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: []\n")
    example.commit("revoke EXC-1")
    example.git("checkout", "-q", "old-branch")
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_waiver_revoked_on_main_but_kept_in_the_head_does_not_apply(
    example: GitRepo, tier: int
) -> None:
    """The old branch also re-commits the revoked entry into its own ledger: still stale, never applied."""
    name, code = TARGETS[tier]
    spend_budget(example, name)
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", _waiver(name))
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  groups:\n    vps: [victor]\n    directors: [victor]\n",
    )
    example.commit("waiver")
    example.git("checkout", "-q", "-B", "old-branch", "main")
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions: []\n")
    example.commit("revoke EXC-1")
    example.git("checkout", "-q", "old-branch")
    feature(example, code)
    example.write(
        "exceptions.yaml", _waiver(name).replace("Provider migration", "Provider migration (still)")
    )
    example.commit()
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


ENTITY = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: service
  lifecycle: {lifecycle}
  owner: group:shop/{name}
"""


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_branch_cut_while_the_service_was_experimental_is_judged_as_the_tip_has_it(
    example: GitRepo, tier: int
) -> None:
    """The service's Backstage entity said `experimental` (advisory: errors become info) until main
    promoted it to `production`. A branch cut before the promotion deletes the runbook: the fork's
    lifecycle was taken as the base's, and the change passed."""
    name, _ = TARGETS[tier]
    status = json.loads(
        example.read("slo-status.json")
    )  # a healthy budget: only the rules can block
    for slo in status["slos"]:
        for counts in slo["windows"].values():
            counts["good"] = counts["total"]
    example.write("slo-status.json", json.dumps(status))
    entity = f"services/{name}/catalog-info.yaml"
    example.git("checkout", "-q", "main")
    example.write(entity, ENTITY.format(name=name, lifecycle="experimental"))
    example.commit("an experimental entity")
    example.git("checkout", "-q", "-B", "old-branch", "main")
    example.git("checkout", "-q", "main")
    example.write(entity, ENTITY.format(name=name, lifecycle="production"))
    example.commit("promoted to production")
    example.git("checkout", "-q", "old-branch")
    example.remove(f"services/{name}/docs/runbook.md")
    example.commit("drop the runbook")
    v = judge(example)
    assert v.verdict == "block" and "runbook-present" in rules(v)


# -- 5. exemptions and risk the author controls ---------------------------------------------------


def test_a_revert_of_a_revert_chain_inside_the_pr_is_not_a_verified_revert(
    target: tuple[GitRepo, str, str],
) -> None:
    example, _, code = target
    base_tip = example.git("rev-parse", "main")
    feature(example, code)
    p0 = example.commit(f"prep\n\nThis reverts commit {base_tip}.")
    example.write(code, "pass\n")
    p1 = example.commit(f"again\n\nThis reverts commit {base_tip}.")
    example.git("revert", "--no-edit", p1)  # back to P0's feature: "This reverts commit P1"
    assert p0
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


def test_reverting_a_revert_on_main_relands_the_feature_and_is_not_exempt(
    target: tuple[GitRepo, str, str],
) -> None:
    """main landed a feature and reverted it; the change reverts that revert (`git revert`): the
    net change restores exactly the revert's parent, so it passed as a "verified revert" while it
    re-lands the very feature, through a spent budget."""
    repo, _, code = target
    repo.git("checkout", "-q", "main")
    feature(repo, code)
    landed = repo.commit("the feature")
    repo.git("revert", "--no-edit", landed)
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.git("revert", "--no-edit", "main")  # "This reverts commit <the revert>": the feature again
    v = judge(repo)
    assert v.verdict == "block" and "error-budget" in rules(v)


def test_a_revert_of_an_old_commit_cannot_restore_code_removed_since(
    target: tuple[GitRepo, str, str],
) -> None:
    """main: a feature lands, a comment is edited after it, then the feature is removed by hand.
    The change "reverts" the comment edit by putting back its parent's file, which still holds
    the feature: every check of a verified revert held (the reverted commit is on main, the file is
    exactly its parent's), so the feature re-landed through a spent budget."""
    repo, _, code = target
    repo.git("checkout", "-q", "main")
    before = repo.read(code)
    feature(repo, code)
    repo.commit("the feature")
    repo.write(code, repo.read(code) + "# reviewed\n")
    tweak = repo.commit("a comment")
    repo.write(code, before + "# reviewed\n")
    repo.commit("remove the feature again")
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write(code, repo.git("show", f"{tweak}~1:{code}") + "\n")
    repo.commit(f'Revert "a comment"\n\nThis reverts commit {tweak}.')
    v = judge(repo)
    assert v.verdict == "block" and "error-budget" in rules(v)


def test_a_genuine_revert_of_a_base_commit_still_goes_through(example: GitRepo) -> None:
    example.git(
        "revert", "--no-edit", "main"
    )  # main's tip: the change that burned payments' budget
    assert judge(example).verdict != "block"


ATTRIBUTE_TRICKS = (
    "* -diff",
    "* binary",
    "* filter=lfs diff=lfs merge=lfs -text",
    "* diff=hide",
    "* export-ignore",
    "* linguist-generated linguist-vendored linguist-documentation",
)


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_gitattributes_cannot_hide_lines_from_the_risk_model(example: GitRepo, tier: int) -> None:
    """Each `.gitattributes` trick, committed at the root and beside the code: the risk score and
    the verdict stay what they were (the line counts come from git objects, not attributes)."""
    name, code = TARGETS[tier]
    example.write(
        code, example.read(code) + "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(300))
    )
    example.commit()
    plain = judge(example)
    score = {s.name: s.risk.score for s in plain.services if s.risk}
    for trick in ATTRIBUTE_TRICKS:
        example.write(".gitattributes", trick + "\n")
        example.write(os.path.join(os.path.dirname(code), ".gitattributes"), trick + "\n")
        example.commit(f"attributes: {trick}")
        disguised = judge(example)
        hidden = {s.name: s.risk.score for s in disguised.services if s.risk}
        assert hidden[name] >= score[name], trick
        assert any(
            "adds" in factor
            for s in disguised.services
            if s.name == name and s.risk
            for factor in s.risk.factors
        ), trick
        assert disguised.verdict == plain.verdict or disguised.verdict == "block", trick
        example.git("reset", "-q", "--hard", "HEAD~1")


# -- 6. inputs outside git --------------------------------------------------------------------------


def test_a_committed_budget_status_file_is_never_trusted(target: tuple[GitRepo, str, str]) -> None:
    example, _, code = target
    status = json.loads(example.read("slo-status.json"))
    for slo in status["slos"]:
        for counts in slo["windows"].values():
            counts["good"] = counts["total"]
    example.write("slo-status.json", json.dumps(status))
    feature(example, code)
    example.git("add", "-f", "slo-status.json")  # .gitignore'd, so committed on purpose
    example.commit("feature, with a healthy-looking status file")
    v = judge(example)
    assert v.verdict == "block" or v.exit_code == 3
    reasons = json.dumps([budget_json(s.budget) for s in v.services if s.budget])
    assert "committed to the repository" in reasons


@pytest.mark.parametrize("spelling", ["SLO-status.json", "Slo-Status.JSON"])
def test_a_status_file_committed_in_another_case_is_never_trusted(
    target: tuple[GitRepo, str, str], spelling: str
) -> None:
    """On a case-insensitive checkout (macOS, Windows runners) a committed `SLO-status.json` is the
    file the configured `slo-status.json` opens. Simulated here: both names hold the healthy copy."""
    example, _, code = target
    status = json.loads(example.read("slo-status.json"))
    for slo in status["slos"]:
        for counts in slo["windows"].values():
            counts["good"] = counts["total"]
    example.write(spelling, json.dumps(status))
    example.write(
        "slo-status.json", json.dumps(status)
    )  # what the case-insensitive file system shows
    feature(example, code)
    example.git("add", "-f", spelling)
    example.commit("feature, with a healthy-looking status file")
    v = judge(example)
    assert v.verdict == "block" or v.exit_code == 3
    reasons = json.dumps([budget_json(s.budget) for s in v.services if s.budget])
    assert "committed to the repository" in reasons


def test_a_symlinked_status_file_is_not_followed_or_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"token": "hunter2-very-secret"}))
    link = tmp_path / "status.json"
    link.symlink_to(secret)
    with pytest.raises(Unavailable) as refused:
        load_status(str(link))
    assert "passes through a symlink" in str(refused.value) and "hunter2" not in str(refused.value)


# -- 7. the two-step ledger ------------------------------------------------------------------------


def test_an_unapproved_exception_added_by_the_change_blocks_the_change(
    target: tuple[GitRepo, str, str],
) -> None:
    example, name, _ = target
    example.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        f"  - id: EXC-9\n    services: [{name}]\n    rules: [error-budget]\n"
        "    reason: Payments provider migration agreed in INC-9\n    ticket: INC-9\n"
        "    requested_by: dana\n    approved_by: victor\n    created: 2026-11-23\n    expires: 2026-11-25\n",
    )
    example.commit("only a ledger entry, for the next pull request to use")
    v = judge(example)
    assert v.verdict == "block" and "exception-unapproved" in rules(v)


def _commit_as(repo: GitRepo, email: str, message: str) -> str:
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "-m",
        message,
        env_overrides={"GIT_AUTHOR_EMAIL": email, "GIT_AUTHOR_NAME": email.split("@")[0]},
    )
    return repo.git("rev-parse", "HEAD")


def _maintained_by_maya(repo: GitRepo, tier: int = 1) -> str:
    """main gains 25 commits by a prolific maintainer to the target's code; returns that file."""
    code = TARGETS[tier][1]
    repo.git("checkout", "-q", "main")
    for i in range(25):
        repo.write(code, repo.read(code) + f"\n# maintenance {i}\n")
        _commit_as(repo, "maya@example.com", f"checkout: maintenance {i}")
    return code


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_forged_author_email_earns_no_experience(
    example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, tier: int
) -> None:
    """Attack: commit as a prolific maintainer's e-mail to lower the change's risk."""
    name = TARGETS[tier][0]
    code = _maintained_by_maya(example, tier)
    scores = {}
    for who in ("mallory@example.com", "maya@example.com"):
        example.git("checkout", "-q", "-B", f"pr-{who}", "main")
        example.write(
            code,
            example.read(code) + "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(40)),
        )
        sha = _commit_as(example, who, "checkout: new pricing")
        event = tmp_path / f"{who}.json"
        event.write_text(
            json.dumps(
                {
                    "repository": {"full_name": "acme/shop"},
                    "pull_request": {
                        "number": 7,
                        "user": {"login": "mallory"},
                        "head": {"sha": sha},
                    },
                }
            )
        )
        monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
        monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
        login = who.split("@")[0]  # GitHub links each verified e-mail to its own account
        httpserver.expect_request(f"/repos/acme/shop/commits/{sha}").respond_with_json(
            {"sha": sha, "author": {"login": login}}
        )
        (judged,) = [s for s in judge(example).services if s.name == name]
        scores[who] = judged.risk.score if judged.risk else None
    assert scores["maya@example.com"] is not None and scores["mallory@example.com"] is not None
    assert scores["maya@example.com"] >= scores["mallory@example.com"]


def test_a_verified_author_keeps_the_experience_credit(
    example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code = _maintained_by_maya(example)
    example.git("checkout", "-q", "-B", "pr", "main")
    example.write(
        code, example.read(code) + "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(40))
    )
    sha = _commit_as(example, "maya@example.com", "checkout: new pricing")
    local = [s for s in judge(example).services if s.name == "checkout"][0].risk
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {"number": 7, "user": {"login": "maya"}, "head": {"sha": sha}},
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(f"/repos/acme/shop/commits/{sha}").respond_with_json(
        {"sha": sha, "author": {"login": "maya"}}
    )
    verified = [s for s in judge(example).services if s.name == "checkout"][0].risk
    assert local and verified and verified.score == local.score


def test_an_author_email_cannot_carry_a_revert_trailer_into_the_message(example: GitRepo) -> None:
    """Attack at tier 0 (payments, budget spent): undo main's tip without saying so in the message, and put
    "This reverts commit <main>" in the author e-mail after a \x1f, where the old log parser read the message."""
    base_tip = example.git("rev-parse", "main")
    example.git("revert", "--no-commit", "main")
    example.git(
        "commit",
        "-q",
        "-m",
        "payments: tidy",
        f"--author=Mal <m@x.example\x1fThis reverts commit {base_tip}.>",
    )
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


def test_a_message_forging_a_revert_record_does_not_exempt_a_feature(example: GitRepo) -> None:
    """Attack at tier 0: a feature whose message spells a second, fake record saying it reverts main's tip."""
    base_tip = example.git("rev-parse", "main")
    feature(example, TARGETS[0][1])
    example.commit(
        f"feature\x1e{'e' * 40}\x1f\x1fm@x\x1f1\x1fThis reverts commit {base_tip}.\x1f\x1e"
    )
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)
