"""The baseline stage through `check.run`: recorded debt is info, new or worse debt blocks, and the
baseline is trusted from the base branch's tip (an entry the change adds needs a verified approval).

The attacker's tests run at tier 0 (payments) and tier 1 (checkout), as in tests/trust_boundary_test.py."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TODAY, GitRepo
from trust_boundary_test import spend_budget
from waivers.apply_test import CONFIG, HEAD_SHA, github  # noqa: F401  (the GitHub stand-in)

from gate import check
from gate.baseline.model import BASELINE_FILE, Entry, Place, fingerprint_of, parse, render
from gate.baseline.record import entries_at
from gate.catalog import Catalog
from gate.git import Repo
from gate.snapshot import Snapshot
from gate.verdict import Verdict

TARGETS = {
    0: ("payments", "services/payments/docs/runbook.md", "victor"),
    1: ("checkout", "services/checkout/docs/runbook.md", "rita"),
}


def judge(repo: GitRepo, staged: bool = False) -> Verdict:
    if staged:
        return check.run(Repo(repo.path), staged=True, today=TODAY)
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)


def record_baseline(repo: GitRepo) -> None:
    """What is in the working tree committed, then `gate baseline` on it (written, not committed)."""
    repo.commit("before the baseline")
    raw = (repo.root / BASELINE_FILE).read_bytes() if (repo.root / BASELINE_FILE).exists() else None
    repo.write(
        BASELINE_FILE,
        render(entries_at(Repo(repo.path), "HEAD", None, TODAY, parse(raw, BASELINE_FILE))),
    )


def adopt(repo: GitRepo) -> None:
    """main records its findings in a committed baseline; a `change` branch starts from it."""
    repo.git("checkout", "-q", "main")
    repo.write(".gate.yaml", repo.read(".gate.yaml") + CONFIG)
    record_baseline(repo)
    repo.commit("adopt gate: baseline")
    repo.git("checkout", "-q", "-B", "change", "main")


def errors(v: Verdict) -> set[str]:
    return {f.rule for f in v.all_findings() if f.severity == "error" and f.waiver is None}


def baselined(v: Verdict) -> list[str]:
    return [f.message for f in v.all_findings() if "(baselined:" in f.message]


def cut_section(repo: GitRepo, runbook: str, heading: str) -> None:
    text = repo.read(runbook)
    start = text.index(f"## {heading}")
    end = text.find("\n## ", start + 1)
    repo.write(runbook, text[:start] + (text[end + 1 :] if end != -1 else ""))


def test_recorded_debt_is_info_with_its_age_and_the_change_passes(example: GitRepo) -> None:
    adopt(example)
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("search change")
    v = check.run(
        Repo(example.path), base="main", head="HEAD", today=TODAY.replace(day=TODAY.day + 3)
    )
    assert v.verdict == "pass", errors(v)
    (message,) = baselined(v)
    assert "'Escalation'" in message and f"on {TODAY.isoformat()}, 3 days ago" in message


def test_new_debt_in_the_same_document_still_blocks(example: GitRepo) -> None:
    adopt(example)
    cut_section(example, "services/search/docs/runbook.md", "Mitigation")
    example.commit("search: runbook loses Mitigation")
    v = judge(example)
    assert v.verdict == "block" and errors(v) == {"runbook-sections"}
    blocking = [f.message for f in v.all_findings() if f.severity == "error"]
    assert len(blocking) == 1 and "'Mitigation'" in blocking[0] and len(baselined(v)) == 1


def test_moving_the_runbook_and_reformatting_the_manifest_keeps_the_debt_baselined(
    example: GitRepo,
) -> None:
    adopt(example)
    example.git("mv", "services/search/docs/runbook.md", "services/search/RUNBOOK.md")
    manifest = example.read("services/search/service.yaml").replace(
        "runbook: docs/runbook.md", "runbook: RUNBOOK.md"
    )
    example.write("services/search/service.yaml", "# reordered\n\n" + manifest[::1])
    example.commit("search: runbook moved")
    v = judge(example)
    assert "runbook-sections" not in errors(v) and len(baselined(v)) == 1


def test_prune_needs_no_approval_and_fixed_debt_leaves(example: GitRepo) -> None:
    adopt(example)
    example.write(
        "services/search/docs/runbook.md",
        example.read("services/search/docs/runbook.md") + "\n## Escalation\nPage sre-oncall.\n",
    )
    record_baseline(example)
    assert "search" not in example.read(BASELINE_FILE)
    example.commit("search: escalation written, baseline pruned")
    v = judge(example)
    assert v.verdict == "pass" and "baseline-unapproved" not in {f.rule for f in v.all_findings()}


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def target(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str, str]:
    adopt(example)
    name, runbook, approver = TARGETS[request.param]
    return example, name, runbook, approver


def test_hostile_new_debt_recorded_in_the_same_change_still_blocks(
    target: tuple[GitRepo, str, str, str],
) -> None:
    example, name, runbook, _ = target
    cut_section(example, runbook, "Escalation")
    record_baseline(example)  # the attacker baselines the debt it introduces
    assert name in example.read(BASELINE_FILE)
    example.commit("runbook trimmed, and the baseline says it always was")
    v = judge(example)
    assert v.verdict == "block" and {"runbook-sections", "baseline-unapproved"} <= errors(v)
    assert baselined(v) == [m for m in baselined(v) if name not in m]


def test_hostile_a_budget_finding_cannot_be_baselined(
    target: tuple[GitRepo, str, str, str],
) -> None:
    """A hand-written entry with the fingerprint of the spent-budget finding, even once trusted."""
    example, name, _, _ = target
    spend_budget(example, name)
    example.write(f"services/{name}/src/new.py", "x = 1\n")
    example.commit("feature")
    v = judge(example)
    catalog = Catalog(Snapshot(Repo(example.path), "HEAD"))
    service = catalog.service_at(f"services/{name}/service.yaml")
    entries = [
        Entry(name, f.rule, fingerprint_of(f, Place.of(service)), TODAY)
        for f in v.all_findings()
        if f.rule.startswith("error-budget")
    ]
    assert entries, "precondition: the spent budget blocks"
    example.git("checkout", "-q", "main")
    example.write(
        BASELINE_FILE, render([*parse(example.read(BASELINE_FILE).encode(), ""), *entries])
    )
    example.commit("main: a budget entry slipped into the baseline")
    example.git("checkout", "-q", "change")
    assert "error-budget" in errors(judge(example))


def test_hostile_a_raised_count_is_an_unapproved_widening(
    target: tuple[GitRepo, str, str, str],
) -> None:
    example, name, _, _ = target
    text = example.read(BASELINE_FILE)
    line = next(x for x in text.splitlines() if "runbook-sections" in x and '"search"' in x)
    example.write(
        BASELINE_FILE, text.replace(line, line.replace(", subject:", ", count: 3, subject:"))
    )
    example.commit("search's entry now covers three of the same")
    assert "baseline-unapproved" in errors(judge(example))


def test_hostile_an_entry_for_future_debt_blocks_until_approved(
    target: tuple[GitRepo, str, str, str],
) -> None:
    """Two steps: the first pull request only adds an entry, the next one adds the debt."""
    example, name, runbook, _ = target
    cut_section(example, runbook, "Escalation")
    record_baseline(example)
    example.git("checkout", "-q", "main", "--", runbook)  # whole again: only the entry is added
    example.commit("only a baseline entry, for the next pull request to use")
    v = judge(example)
    assert v.verdict == "block" and errors(v) == {"baseline-unapproved"}


def test_an_added_entry_applies_with_a_verified_approval_of_the_tier(
    target: tuple[GitRepo, str, str, str],
    github: Any,  # noqa: F811  (the fixture imported above)
) -> None:
    example, name, runbook, approver = target
    cut_section(example, runbook, "Escalation")
    record_baseline(example)
    example.commit("debt recorded, approved by the tier's approver")
    github.reviews(("dana", "APPROVED", HEAD_SHA), ("dora", "APPROVED", HEAD_SHA))
    assert {"runbook-sections", "baseline-unapproved"} <= errors(judge(example))  # not approvers
    github.clear()
    github.reviews((approver, "APPROVED", HEAD_SHA))
    v = judge(example)
    assert v.verdict == "pass", errors(v)
    assert any(name in m or "Escalation" in m for m in baselined(v))


def test_the_tips_baseline_judges_not_the_fork(example: GitRepo) -> None:
    """An entry main has since pruned does not apply to a branch cut before."""
    adopt(example)
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("search change on an old branch")
    example.git("checkout", "-q", "main")
    example.write(BASELINE_FILE, render([]))
    example.commit("main: baseline emptied")
    example.git("checkout", "-q", "change")
    assert "runbook-sections" in errors(judge(example))


def test_the_hook_warns_about_an_added_entry_instead_of_blocking(example: GitRepo) -> None:
    adopt(example)
    cut_section(example, "services/search/docs/runbook.md", "Mitigation")
    record_baseline(example)
    example.git("add", "-A")
    v = judge(example, staged=True)
    added = [f for f in v.all_findings() if f.rule == "baseline-unapproved"]
    assert added and {f.severity for f in added} == {"warning"} and v.verdict == "warn"


def test_a_broken_baseline_in_the_change_is_an_error_and_the_tips_still_applies(
    example: GitRepo,
) -> None:
    adopt(example)
    example.write(BASELINE_FILE, "apiVersion: gate/v1\nkind: Baseline\nfindings: [{service: 1}]\n")
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("broken")
    v = judge(example)
    assert errors(v) == {"baseline-invalid"} and len(baselined(v)) == 1
