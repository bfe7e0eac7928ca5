"""gate.waivers.trust: who may approve which waiver at which tier, and for how long (no GitHub needed here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo
from testing.github import pull_request_run, serve_reviews
from testing.repo import TODAY as CHECK_DAY

from gate import check
from gate.git import Repo
from gate.settings import WaiverSettings
from gate.verdict import Finding, Verdict
from gate.waivers.model import LedgerEntry
from gate.waivers.trust import APPROVERS, Approvals, approvers_text, problems, with_approvers

SETTINGS = WaiverSettings.parse(
    {
        "groups": {"release-managers": ["rita"], "directors": ["@Dora"], "vps": ["victor"]},
        "max_days": {1: 5},
    }
)
TODAY = dt.date(2026, 11, 22)
ENTRY = LedgerEntry(
    "EXC-1",
    ("search",),
    ("runbook-sections",),
    "Escalation section arrives with the rota",
    "INC-1",
    "dana",
    "rita",
    dt.date(2026, 11, 20),
    dt.date(2026, 11, 24),
)


def test_an_approver_of_the_tiers_group_is_allowed() -> None:
    approvals = Approvals(SETTINGS, None)
    assert problems(ENTRY, {"search": 1}, approvals, TODAY) is None
    assert approvals.allowed("dora", "error-budget", 1) == (
        True,
        "",
    )  # "@Dora" in the group is the handle dora


def test_the_wrong_group_the_tier_limit_and_unknown_services_are_problems() -> None:
    approvals = Approvals(SETTINGS, None)
    budget = dataclasses.replace(ENTRY, rules=("error-budget",))
    assert (
        problems(budget, {"search": 1}, approvals, TODAY)
        == "@rita may not approve error-budget exceptions for tier 1 (exceptions.approvers: directors)"
    )
    assert (
        problems(ENTRY, {"search": 0}, approvals, TODAY) == "lasts 5 days; tier 0 allows at most 3"
    )
    assert (
        problems(
            dataclasses.replace(ENTRY, expires=dt.date(2026, 11, 25)),
            {"search": 1},
            approvals,
            TODAY,
        )
        == "lasts 6 days; tier 1 allows at most 5"
    )  # .gate.yaml's max_days over the default 7
    assert problems(ENTRY, {}, approvals, TODAY, every_service=True) == "no service named 'search'"
    assert problems(ENTRY, {}, approvals, TODAY) is None  # check judges only the services it knows


def test_a_team_approver_without_a_pull_request_is_not_verified() -> None:
    approvals = Approvals(
        WaiverSettings.parse({"groups": {"release-managers": ["acme/release"]}}), None
    )
    ok, why = approvals.allowed("rita", "findings", 1)
    assert not ok and "team membership needs a GitHub pull request run to check" in why


def test_fix_texts_name_the_approvers_of_the_tier() -> None:
    assert (
        approvers_text("error-budget-fast-burn", 1, WaiverSettings.parse({}))
        == "tier 1: directors (exceptions.approvers.error-budget)"
    )
    assert (
        approvers_text(
            "runbook-sections", 2, WaiverSettings.parse({"approvers": {"findings": {2: []}}})
        )
        == "tier 2: nobody configured (exceptions.approvers.findings)"
    )
    finding = Finding("runbook-sections", "t", "error", "m", None, None, f"or ask {APPROVERS}")
    (named,) = with_approvers([finding], 0, WaiverSettings.parse({}))
    assert named.remediation == "or ask tier 0: vps (exceptions.approvers.findings)"


# -- the SLO route: an SLO change passes with an SLO reviewer's approval of the head commit ----------

SLO_HEAD = "5107" * 10


SLO_CONFIG = """\
exceptions:
  groups:
    sre: [sam]
    sre-leads: [lena]
  approvers:
    slo: {0: [sre-leads], 1: [sre], 2: [sre], 3: [sre]}
"""
TARGETS = {  # service -> (tier, its objective line, the SLO reviewer of that tier, the group)
    "checkout": (1, "objective: 99.9\n", "sam", "sre"),
    "payments": (0, "objective: 99.5\n", "lena", "sre-leads"),
}


@pytest.fixture(params=sorted(TARGETS))
def slo_pr(
    request: Any, example: GitRepo, httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> tuple[GitRepo, str]:
    """Pull request #42 by dana that only tightens one objective of a tier-0 or tier-1 service."""
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + SLO_CONFIG)
    example.commit("SLO reviewers")
    example.git("checkout", "-q", "-B", "change", "main")
    manifest = f"services/{request.param}/service.yaml"
    line = TARGETS[request.param][1]
    example.write(manifest, example.read(manifest).replace(line, line[:-1] + "5\n", 1))
    example.commit("tighten an SLO")
    pull_request_run(monkeypatch, tmp_path, httpserver, head_sha=SLO_HEAD)
    return example, request.param


def _slo_findings(v: Verdict) -> list[tuple[str, str]]:
    return [
        (f.severity, f.message)
        for s in v.services
        for f in s.findings
        if f.rule == "slo-definition-changed"
    ]


def _blocking(v: Verdict) -> set[str]:
    return {
        f.rule for s in v.services for f in s.findings if f.severity == "error" and not f.waiver
    }


def test_an_slo_only_change_passes_with_an_slo_reviewers_approval(
    slo_pr: tuple[GitRepo, str], httpserver: Any
) -> None:
    repo, service = slo_pr
    tier, _, reviewer, group = TARGETS[service]
    serve_reviews(httpserver, 42, (reviewer, "APPROVED", SLO_HEAD))
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=CHECK_DAY)
    ((severity, message),) = _slo_findings(v)
    assert severity == "info" and "slo-definition-changed" not in _blocking(v)
    assert message.endswith(f"(approved by @{reviewer}, an SLO reviewer for tier {tier}: {group})")
    if service == "checkout":  # it merges (runbook-co-change only warns: the runbook is unchanged)
        assert v.verdict == "warn" and v.exit_code == 0


@pytest.mark.parametrize(
    "reviews",
    [
        (),  # nobody approved
        (("{reviewer}", "APPROVED", "0ld" + "0" * 37),),  # an older commit
        (("dana", "APPROVED", SLO_HEAD),),  # the author
        (("rita", "APPROVED", SLO_HEAD),),  # not an SLO reviewer
        (("{other}", "APPROVED", SLO_HEAD),),  # the other tier's reviewer
        (("{reviewer}", "CHANGES_REQUESTED", SLO_HEAD),),
    ],
)
def test_without_an_slo_reviewers_approval_of_the_head_it_blocks_and_names_the_route(
    slo_pr: tuple[GitRepo, str], httpserver: Any, reviews: tuple[tuple[str, str, str], ...]
) -> None:
    repo, service = slo_pr
    tier, _, reviewer, group = TARGETS[service]
    other = next(t[2] for s, t in TARGETS.items() if s != service)
    given = [
        (login.format(reviewer=reviewer, other=other), state, sha) for login, state, sha in reviews
    ]
    serve_reviews(httpserver, 42, *given)
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=CHECK_DAY)
    assert v.verdict == "block" and "slo-definition-changed" in _blocking(v)
    (fix,) = [
        f.remediation for s in v.services for f in s.findings if f.rule == "slo-definition-changed"
    ]
    assert fix.startswith(
        f"Have an SLO reviewer for the service's tier (tier {tier}: {group} (exceptions.approvers.slo)) approve"
    )


def test_the_hook_warns_on_an_slo_edit(slo_pr: tuple[GitRepo, str]) -> None:
    repo, service = slo_pr
    manifest = f"services/{service}/service.yaml"
    repo.write(manifest, repo.read(manifest).replace("objective: 99", "objective: 98", 1))
    repo.git("add", "-A")
    v = check.run(Repo(repo.path), staged=True, today=CHECK_DAY)
    ((severity, message),) = _slo_findings(v)
    assert severity == "warning" and "the pull request needs an SLO reviewer's approval" in message
