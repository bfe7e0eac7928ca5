"""The exception ledger: recorded, scoped, expiring overrides, and who may approve them.

Trust model:
- entries in the base revision's ledger were reviewed when they merged: trusted;
- an entry the change adds or edits applies only when verified: the pull request has an APPROVED
  review on its current head commit by the entry's `approved_by`, who may approve that scope
  for that tier and is neither the requester nor the pull request's author; else "pending";
- expired entries never apply and are listed for clean-up; entries expiring within a day are flagged.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.resources import check_document
from gate.verdict import ServiceResult

DEFAULT_MAX_DAYS = {0: 3, 1: 7, 2: 14, 3: 14}
DEFAULT_APPROVERS: dict[str, dict[int, list[str]]] = {
    "findings": {0: ["vps"], 1: ["release-managers"], 2: ["release-managers"], 3: ["release-managers"]},
    "error-budget": {0: ["vps"], 1: ["directors"], 2: ["directors"], 3: ["release-managers"]},
    "risk": {0: ["vps"], 1: ["release-managers"], 2: ["release-managers"], 3: ["release-managers"]},
}
PLACEHOLDER_REASONS = {"", "todo", "tbd", "n/a", "na", "none", "-", "temp", "test", "fix", "wip", "asap", "because", "needed", "x"}


@dataclass(frozen=True)
class Exception_:
    id: str
    services: tuple[str, ...]
    rules: tuple[str, ...]
    reason: str
    ticket: str
    requested_by: str
    approved_by: str
    created: dt.date
    expires: dt.date
    pull_request: int | None = None
    line: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False)

    def covers(self, service: str, rule: str) -> bool:
        return service in self.services and any(
            rule == r or (r in ("error-budget", "risk") and rule.startswith(r)) for r in self.rules
        )

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id, "services": list(self.services), "rules": list(self.rules), "reason": self.reason,
            "ticket": self.ticket, "requested_by": self.requested_by, "approved_by": self.approved_by,
            "created": self.created.isoformat(), "expires": self.expires.isoformat(), "pull_request": self.pull_request,
        }


def waiver_kind(rule: str) -> str:
    if rule.startswith("error-budget"):
        return "error-budget"
    if rule.startswith("risk"):
        return "risk"
    return "findings"


def _handle(name: str) -> str:
    return name.lower().lstrip("@")


def parse_ledger(raw: bytes | None, path: str) -> list[Exception_]:
    """Every entry of a ledger file; a malformed ledger is a FatalError naming the file and line."""
    if raw is None:
        return []
    doc = gate_yaml.load(raw, path)
    if doc.data is None:
        return []
    check_document(doc.data, doc, path, "exceptions", "exception ledger")
    entries: list[Exception_] = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(doc.data.get("exceptions") or []):
        line = doc.line("exceptions", index)
        if item["id"] in seen:
            raise FatalError(f"exception id {item['id']!r} used twice (first on line {seen[item['id']]})", path, line)
        seen[item["id"]] = line
        dates = {}
        for key in ("created", "expires"):
            try:
                dates[key] = dt.date.fromisoformat(item[key])
            except ValueError:
                raise FatalError(f"exception {item['id']}: {key} {item[key]!r} is not a real date", path, doc.line("exceptions", index, key)) from None
        entries.append(Exception_(
            id=item["id"], services=tuple(item["services"]), rules=tuple(item["rules"]), reason=item["reason"].strip(),
            ticket=item["ticket"], requested_by=_handle(item["requested_by"]), approved_by=_handle(item["approved_by"]),
            created=dates["created"], expires=dates["expires"], pull_request=item.get("pull_request"), line=line, raw=dict(item),
        ))
    return entries


def static_problems(entry: Exception_, today: dt.date) -> str | None:
    """What makes an entry invalid whatever it would waive."""
    if entry.reason.lower().strip(" .!") in PLACEHOLDER_REASONS or len(entry.reason) < 10:
        return f"reason {entry.reason!r} is a placeholder; say why the risk is accepted"
    if entry.expires < entry.created:
        return f"expires {entry.expires} is before created {entry.created}"
    if entry.created > today:
        return f"created {entry.created} is in the future"
    if entry.approved_by == entry.requested_by:
        return f"approved by its own requester @{entry.approved_by}"
    return None


def lasts(entry: Exception_) -> int:
    """Calendar days the entry covers, both ends included (created 24th, expires 26th: 3 days)."""
    return (entry.expires - entry.created).days + 1


def expired_why(entry: Exception_) -> str:
    """The one hint every command gives for an expired entry."""
    return f"expired on {entry.expires}; remove it: gate exception revoke {entry.id} --reason \"...\""


def classify(entry: Exception_, tiers: dict[str, int], approvals: Approvals, today: dt.date, every_service: bool = False) -> str | None:
    """Why an entry is invalid, or None: the one classification `exception list`, `validate` and `check` share.

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
        if lasts(entry) > approvals.max_days(tier):
            return f"lasts {lasts(entry)} days; tier {tier} allows at most {approvals.max_days(tier)}"
        for kind in sorted({waiver_kind(r) for r in entry.rules}):
            ok, why = approvals.allowed(entry.approved_by, kind, tier)
            if not ok:
                return why
    return None


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
        table = self.settings.get("approvers", {}).get(kind)
        groups = {int(k): v for k, v in table.items()}.get(tier) if table else DEFAULT_APPROVERS[kind][tier]
        members = self.settings.get("groups", {})
        names = [g for g in groups or []]
        for group in names:
            for member in members.get(group, []):
                if "/" in member:
                    if self._team_member(member, approver):
                        return True, ""
                elif _handle(member) == approver:
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

    def approved_on_head(self, approver: str) -> tuple[bool, str]:
        if self.pr is None:
            return False, "not a GitHub pull request run: an exception added by the change needs an approving review"
        if approver == _handle(self.pr.author):
            return False, f"@{approver} is the pull request's author"
        if self._reviews is None:
            from gate import github

            try:
                self._reviews = github.latest_reviews(self.pr)
            except github.GitHubUnavailable as e:
                self.github_error = str(e)
                self._reviews = {}
        state, commit = self._reviews.get(approver, ("", ""))
        if state != "APPROVED":
            return False, f"@{approver} has not approved the pull request" + (f" (latest review: {state})" if state else "")
        if commit != self.pr.head_sha:
            return False, f"@{approver} approved an older commit ({commit[:12]}), not the head {self.pr.head_sha[:12]}"
        return True, ""


def apply(
    results: list[ServiceResult], base_entries: list[Exception_], head_entries: list[Exception_],
    approvals: Approvals, today: dt.date, ledger: str, fork_entries: list[Exception_] | None = None,
    catalog: dict[str, int] | None = None,
) -> tuple[list[ServiceResult], dict[str, Any]]:
    """Waive the findings valid exceptions cover; report every entry's fate.

    `base_entries` are the base branch tip's (trusted); `fork_entries` the ledger where the change
    forked: an entry there that the tip no longer has was revoked or edited since, and never applies.
    `catalog` (every service's tier) is given by `validate`; `check` knows the tiers of the services it judges."""
    from dataclasses import replace

    tiers = catalog if catalog is not None else _tiers(results)

    def same(a: Exception_ | None, b: Exception_) -> bool:
        # Same content, wherever it sits in the file (a line added above it does not make it new).
        return a is not None and a.raw == b.raw

    base_by_id = {e.id: e for e in base_entries}
    fork_by_id = {e.id: e for e in (base_entries if fork_entries is None else fork_entries)}
    report: dict[str, list[dict[str, Any]]] = {"applied": [], "pending": [], "expired": [], "expiring": [], "invalid": []}
    usable: list[tuple[Exception_, str]] = []  # (entry, origin)
    for entry in head_entries:
        origin = "base" if same(base_by_id.get(entry.id), entry) else "change"
        info = {**entry.summary(), "origin": origin, "ledger": ledger, "line": entry.line}
        if origin == "change" and same(fork_by_id.get(entry.id), entry):
            report["invalid"].append({**info, "origin": "stale", "why": "revoked or edited on the base branch since this branch was cut; rebase"})
            continue
        problem = classify(entry, tiers, approvals, today, every_service=catalog is not None)
        if problem:
            report["invalid"].append({**info, "why": problem})
        elif entry.expires < today:
            report["expired"].append({**info, "why": expired_why(entry)})
        else:
            if (entry.expires - today).days <= 1:
                report["expiring"].append({**info, "why": f"expires on {entry.expires}"})
            usable.append((entry, origin))
    outcome: dict[str, tuple[str, str]] = {}  # id -> (state, why)
    new_results = []
    for result in results:
        findings = []
        applied_here: dict[str, dict[str, Any]] = {}
        for finding in result.findings:
            waiver = None
            if finding.severity in ("error", "warning"):
                for entry, origin in usable:
                    if not entry.covers(result.identity or result.name, finding.rule):
                        continue
                    ok, why = _authorised(entry, origin, result.tier, waiver_kind(finding.rule), approvals)
                    if not ok:
                        outcome.setdefault(entry.id, ("pending" if origin == "change" and "approv" in why else "invalid", why))
                        continue
                    waiver = {"id": entry.id, "approved_by": entry.approved_by, "reason": entry.reason,
                              "expires": entry.expires.isoformat(), "ticket": entry.ticket}
                    outcome[entry.id] = ("applied", "")
                    applied_here[entry.id] = {**entry.summary(), "origin": origin}
                    break
            findings.append(replace(finding, waiver=waiver) if waiver else finding)
        new_results.append(replace(result, findings=tuple(findings), exceptions_applied=tuple(applied_here.values())))
    for entry, origin in usable:
        state, why = outcome.get(entry.id, ("unused", ""))
        info = {**entry.summary(), "origin": origin, "ledger": ledger, "line": entry.line}
        if state == "applied":
            report["applied"].append(info)
        elif state == "pending":
            report["pending"].append({**info, "why": why})
        elif state == "invalid":
            report["invalid"].append({**info, "why": why})
        elif origin == "change":
            report["pending"].append({**info, "why": "added by this change; applies once approved (it matched no finding here)"})
    if approvals.github_error:
        report["github_error"] = [{"why": approvals.github_error}]
    return new_results, report


def _tiers(results: list[ServiceResult]) -> dict[str, int]:
    """Each judged service's tier by the name its exceptions apply by (its base identity), strictest
    first: a name the head gave it must not leave a waiver unchecked against its tier."""
    tiers: dict[str, int] = {}
    for result in results:
        key = result.identity or result.name
        tiers[key] = min(result.tier, tiers.get(key, result.tier))
    return tiers


def _authorised(entry: Exception_, origin: str, tier: int, kind: str, approvals: Approvals) -> tuple[bool, str]:
    if entry.pull_request is not None and (approvals.pr is None or approvals.pr.number != entry.pull_request):
        return False, f"scoped to pull request #{entry.pull_request}"
    if approvals.pr is not None and entry.approved_by == _handle(approvals.pr.author):
        return False, f"@{entry.approved_by} is the pull request's author"
    if origin == "change":
        return approvals.approved_on_head(entry.approved_by)
    return True, ""


APPROVERS = "{approvers}"  # in a rule's remediation: who may approve an exception for it, per tier
ANY_APPROVERS = "the approvers for the service's tier (exceptions.approvers in .gate.yaml)"


def approvers_text(rule: str, tier: int, settings: dict[str, Any]) -> str:
    """Who may approve an exception for `rule` at `tier`: 'tier 1: release-managers (exceptions.approvers.findings)'."""
    kind = waiver_kind(rule)
    table = settings.get("approvers", {}).get(kind)
    groups = {int(k): v for k, v in table.items()}.get(tier) if table else DEFAULT_APPROVERS[kind][tier]
    return f"tier {tier}: {', '.join(groups or []) or 'nobody configured'} (exceptions.approvers.{kind})"


def with_approvers(findings: list[Any], tier: int, settings: dict[str, Any]) -> list[Any]:
    """Findings whose fix mentions an exception name the groups that may approve it for this tier."""
    from dataclasses import replace

    return [replace(f, remediation=f.remediation.replace(APPROVERS, approvers_text(f.rule, tier, settings)))
            if APPROVERS in f.remediation else f for f in findings]
