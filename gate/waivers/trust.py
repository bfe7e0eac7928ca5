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

from gate.waivers.model import LedgerEntry, handle, static_problems, waiver_kind

DEFAULT_MAX_DAYS = {0: 3, 1: 7, 2: 14, 3: 14}
DEFAULT_APPROVERS: dict[str, dict[int, list[str]]] = {
    "findings": {0: ["vps"], 1: ["release-managers"], 2: ["release-managers"], 3: ["release-managers"]},
    "error-budget": {0: ["vps"], 1: ["directors"], 2: ["directors"], 3: ["release-managers"]},
    "risk": {0: ["vps"], 1: ["release-managers"], 2: ["release-managers"], 3: ["release-managers"]},
}
APPROVERS = "{approvers}"  # in a rule's remediation: who may approve an exception for it, per tier
ANY_APPROVERS = "the approvers for the service's tier (exceptions.approvers in .gate.yaml)"


class Approvals:
    """Who may approve, and what GitHub says about the pull request (cached per run)."""

    def __init__(self, settings: dict[str, Any], pull_request: Any) -> None:
        self.settings = settings
        self.pr = pull_request
        self._reviews: dict[str, tuple[str, str]] | None = None
        self._teams: dict[tuple[str, str, str], bool] = {}
        self.github_error: str | None = None

    def max_days(self, tier: int) -> int:
        table = {int(k): v for k, v in self.settings.get("max_days", {}).items()}
        return int(table.get(tier, DEFAULT_MAX_DAYS[tier]))

    def allowed(self, approver: str, kind: str, tier: int) -> tuple[bool, str]:
        """(may approve, why not). Team membership is asked of GitHub; unverifiable means no."""
        names = _groups(self.settings, kind, tier)
        members = self.settings.get("groups", {})
        for group in names:
            for member in members.get(group, []):
                if "/" in member:
                    if self._team_member(member, approver):
                        return True, ""
                elif handle(member) == approver:
                    return True, ""
        need = ", ".join(names) or "nobody configured"
        teams = " (team membership needs a GitHub pull request run to check)" if self.pr is None and any(
            "/" in m for g in names for m in members.get(g, [])) else ""
        return False, f"@{approver} may not approve {kind} exceptions for tier {tier} (exceptions.approvers: {need}){teams}"

    def _team_member(self, team: str, user: str) -> bool:
        org, slug = team.lstrip("@").split("/", 1)
        key = (org, slug, user)
        if key not in self._teams:
            from gate import github

            try:
                self._teams[key] = github.team_member(self.pr, org, slug, user) if self.pr else False
            except github.GitHubUnavailable as e:
                self.github_error = str(e)
                self._teams[key] = False
        return self._teams[key]

    def is_author(self, approver: str) -> bool:
        return self.pr is not None and approver == handle(self.pr.author)

    def approved_on_head(self, approver: str) -> str | None:
        """Why the pull request does not show `approver`'s approval of its head commit, or None when it does."""
        if self.pr is None:
            return "not a GitHub pull request run: an exception added by the change needs an approving review"
        if self._reviews is None:
            from gate import github

            try:
                self._reviews = github.latest_reviews(self.pr)
            except github.GitHubUnavailable as e:
                self.github_error = str(e)
                self._reviews = {}
        state, commit = self._reviews.get(approver, ("", ""))
        if state != "APPROVED":
            return f"@{approver} has not approved the pull request" + (f" (latest review: {state})" if state else "")
        if commit != self.pr.head_sha:
            return f"@{approver} approved an older commit ({commit[:12]}), not the head {self.pr.head_sha[:12]}"
        return None


def _groups(settings: dict[str, Any], kind: str, tier: int) -> list[str]:
    table = settings.get("approvers", {}).get(kind)
    groups = {int(k): v for k, v in table.items()}.get(tier) if table else DEFAULT_APPROVERS[kind][tier]
    return list(groups or [])


def problems(entry: LedgerEntry, tiers: dict[str, int], approvals: Approvals, today: dt.date, every_service: bool = False) -> str | None:
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
            return f"lasts {entry.lasts()} days; tier {tier} allows at most {approvals.max_days(tier)}"
        for kind in sorted({waiver_kind(r) for r in entry.rules}):
            ok, why = approvals.allowed(entry.approved_by, kind, tier)
            if not ok:
                return why
    return None


def approvers_text(rule: str, tier: int, settings: dict[str, Any]) -> str:
    """Who may approve an exception for `rule` at `tier`: 'tier 1: release-managers (exceptions.approvers.findings)'."""
    kind = waiver_kind(rule)
    return f"tier {tier}: {', '.join(_groups(settings, kind, tier)) or 'nobody configured'} (exceptions.approvers.{kind})"


def with_approvers(findings: list[Any], tier: int, settings: dict[str, Any]) -> list[Any]:
    """Findings whose fix mentions an exception name the groups that may approve it for this tier."""
    return [replace(f, remediation=f.remediation.replace(APPROVERS, approvers_text(f.rule, tier, settings)))
            if APPROVERS in f.remediation else f for f in findings]
