"""gate.waivers.trust: who may approve which waiver at which tier, and for how long (no GitHub needed here)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from gate.settings import WaiverSettings
from gate.verdict import Finding
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
