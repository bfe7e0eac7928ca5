"""Who may approve a waiver, and whether the pull request shows the approval.

Trust model:
- entries in the base revision's ledger were reviewed when they merged: trusted;
- an entry the change adds or edits applies only when verified: the pull request has an APPROVED
  review on its current head commit by the entry's `approved_by`, who may approve that scope
  for that tier and is neither the requester nor the pull request's author; else it is pending;
- expired entries never apply and are listed for clean-up; entries expiring within a day are flagged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from gate.settings import WaiverSettings
from gate.waivers.model import LedgerEntry, handle, static_problems, waiver_kind

APPROVERS = "{approvers}"  # in a rule's remediation: who may approve an exception for it, per tier
ANY_APPROVERS = "the approvers for the service's tier (exceptions.approvers in .gate.yaml)"
SLO_REVIEWERS = (
    "{slo_reviewers}"  # in a rule's remediation: who may approve an SLO change, per tier
)
ANY_SLO_REVIEWERS = "exceptions.approvers.slo in .gate.yaml"


def any_tier(remediation: str) -> str:
    """A rule's fix as `explain` and the rule catalogue show it, for no tier in particular."""
    return remediation.replace(APPROVERS, ANY_APPROVERS).replace(SLO_REVIEWERS, ANY_SLO_REVIEWERS)


class Approvals:
    """Who may approve, and what GitHub says about the pull request (cached per run)."""

    def __init__(self, settings: WaiverSettings, pull_request: Any) -> None:
        self.settings = settings
        self.pr = pull_request
        self._reviews: dict[str, tuple[str, str]] | None = None
        self._teams: dict[tuple[str, str, str], bool] = {}
        self.github_error: str | None = None

    def max_days(self, tier: int) -> int:
        return self.settings.max_days.for_tier(tier)

    def allowed(self, approver: str, kind: str, tier: int) -> tuple[bool, str]:
        """(may approve, why not). Team membership is asked of GitHub; unverifiable means no."""
        names = self.settings.approver_groups(kind, tier)
        for group in names:
            for member in self.settings.members(group):
                if "/" in member:
                    if self._team_member(member, approver):
                        return True, ""
                elif handle(member) == approver:
                    return True, ""
        need = ", ".join(names) or "nobody configured"
        teams = (
            " (team membership needs a GitHub pull request run to check)"
            if self.pr is None and any("/" in m for g in names for m in self.settings.members(g))
            else ""
        )
        return (
            False,
            f"@{approver} may not approve {kind} exceptions for tier {tier} (exceptions.approvers: {need}){teams}",
        )

    def _team_member(self, team: str, user: str) -> bool:
        org, slug = team.lstrip("@").split("/", 1)
        key = (org, slug, user)
        if key not in self._teams:
            from gate import github

            try:
                self._teams[key] = (
                    github.team_member(self.pr, org, slug, user) if self.pr else False
                )
            except github.GitHubUnavailable as e:
                self.github_error = str(e)
                self._teams[key] = False
        return self._teams[key]

    def is_author(self, approver: str) -> bool:
        return self.pr is not None and approver == handle(self.pr.author)

    def _latest_reviews(self) -> dict[str, tuple[str, str]]:
        if self._reviews is None:
            from gate import github

            try:
                self._reviews = github.latest_reviews(self.pr) if self.pr else {}
            except github.GitHubUnavailable as e:
                self.github_error = str(e)
                self._reviews = {}
        return self._reviews

    def verified_approver(self, kind: str, tier: int) -> tuple[str | None, str]:
        """(someone who approved the head commit and may approve `kind` at `tier`, or None; why not).
        The pull request's author never counts."""
        if self.pr is None:
            return None, "not a GitHub pull request run: it needs an approving review"
        approvers = sorted(
            login
            for login, (state, commit) in self._latest_reviews().items()
            if state == "APPROVED" and commit == self.pr.head_sha and not self.is_author(login)
        )
        for login in approvers:
            if self.allowed(login, kind, tier)[0]:
                return login, ""
        need = ", ".join(self.settings.approver_groups(kind, tier)) or "nobody configured"
        return None, f"no approval of the head commit by the tier-{tier} approvers ({need})"

    def approved_on_head(self, approver: str) -> str | None:
        """Why the pull request does not show `approver`'s approval of its head commit, or None when it does."""
        if self.pr is None:
            return "not a GitHub pull request run: an exception added by the change needs an approving review"
        state, commit = self._latest_reviews().get(approver, ("", ""))
        if state != "APPROVED":
            return f"@{approver} has not approved the pull request" + (
                f" (latest review: {state})" if state else ""
            )
        if commit != self.pr.head_sha:
            return f"@{approver} approved an older commit ({commit[:12]}), not the head {self.pr.head_sha[:12]}"
        return None


def problems(
    entry: LedgerEntry,
    tiers: dict[str, int],
    approvals: Approvals,
    today: dt.date,
    every_service: bool = False,
) -> str | None:
    """Why an entry is invalid whoever reviews it, or None.

    `tiers` are the services the caller knows (name -> tier); with `every_service` (list, validate:
    the whole catalog) a service missing from it is unknown. `check` knows the services it judges.
    """
    problem = static_problems(entry, today)
    if problem:
        return problem
    if every_service:
        unknown = [s for s in entry.services if s not in tiers]
        if unknown:
            return f"no service named {', '.join(map(repr, unknown))}"
    for tier in sorted({tiers[s] for s in entry.services if s in tiers}):
        if entry.lasts() > approvals.max_days(tier):
            return (
                f"lasts {entry.lasts()} days; tier {tier} allows at most {approvals.max_days(tier)}"
            )
        for kind in sorted({waiver_kind(r) for r in entry.rules}):
            ok, why = approvals.allowed(entry.approved_by, kind, tier)
            if not ok:
                return why
    return None


KINDS = ("findings", "error-budget", "risk", "slo")


def approver_table(settings: WaiverSettings) -> list[dict[str, Any]]:
    """Per tier: how long an exception may last and, per kind of waiver, the groups (and their
    members) who may approve it: `gate exception groups`."""
    return [
        {
            "tier": tier,
            "max_days": settings.max_days.for_tier(tier),
            "approvers": {
                kind: {
                    group: list(settings.members(group))
                    for group in settings.approver_groups(kind, tier)
                }
                for kind in KINDS
            },
        }
        for tier in range(4)
    ]


def slo_route(
    findings: list[Any], tier: int, approvals: Approvals | None, staged: bool
) -> list[Any]:
    """The SLO route: a change to an SLO definition passes with an approval of the pull request's
    head commit by an SLO reviewer for the tier (exceptions.approvers.slo); the pre-commit hook,
    which cannot see reviews, warns. Every other finding is returned as it is."""
    out = []
    for f in findings:
        if f.rule != "slo-definition-changed" or f.severity == "info":
            out.append(f)
            continue
        groups = ", ".join(approvals.settings.approver_groups("slo", tier)) if approvals else ""
        approver, _ = approvals.verified_approver("slo", tier) if approvals else (None, "")
        if approver:
            f = replace(
                f,
                severity="info",
                message=f"{f.message} (approved by @{approver}, an SLO reviewer for tier {tier}: {groups})",
            )
        elif staged:
            f = replace(
                f,
                severity="warning",
                message=f"{f.message} (a warning here: the pull request needs an SLO reviewer's approval)",
            )
        out.append(f)
    return out


def approvers_text(rule: str, tier: int, settings: WaiverSettings, kind: str = "") -> str:
    """Who may approve an exception for `rule` at `tier`: 'tier 1: release-managers (exceptions.approvers.findings)'."""
    kind = kind or waiver_kind(rule)
    return f"tier {tier}: {', '.join(settings.approver_groups(kind, tier)) or 'nobody configured'} (exceptions.approvers.{kind})"


def with_approvers(findings: list[Any], tier: int, settings: WaiverSettings) -> list[Any]:
    """Findings whose fix mentions an exception (or the SLO route) name the groups that may approve
    it for this tier."""
    return [
        replace(
            f,
            remediation=f.remediation.replace(
                APPROVERS, approvers_text(f.rule, tier, settings)
            ).replace(SLO_REVIEWERS, approvers_text(f.rule, tier, settings, "slo")),
        )
        if APPROVERS in f.remediation or SLO_REVIEWERS in f.remediation
        else f
        for f in findings
    ]
