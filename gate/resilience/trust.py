"""Which resilience record judges a service: what the trusted tip records, plus what the pull
request claims only where the claim is proven.

A drill record the change adds or edits (a bumped date, a new record, evidence pointed elsewhere,
`rollback.last_tested` rewritten), a lowered or dropped `dr_tier` and a stateful service declared
stateless are claims. A drill claim counts only when its evidence exists (a repository file at the
head that names the drill's date, or an https URL) AND a resilience reviewer for the tier approved
the head commit (GitHub review, not the author: gate.waivers.trust.Approvals); any other claim
needs the approval alone. A claim that does not count leaves the trusted value in place, and the
finding says why. Drill records the change deletes still count: history is not the change's to erase.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from gate.exported import tracked_by
from gate.github import pull_request_from_env
from gate.resilience import status
from gate.resilience.record import LEGACY, Drill, Resilience, of
from gate.resilience.status import Exported
from gate.waivers.trust import Approvals

if TYPE_CHECKING:
    from gate.catalog import Service
    from gate.config import Config
    from gate.settings import ResilienceSettings
    from gate.snapshot import Snapshot


class DrillContext(Protocol):
    """What judging a resilience record needs of the check context (gate.policy.kinds.CheckContext)."""

    head: Snapshot
    base: Snapshot
    trusted: Snapshot | None
    memo: dict[Any, Any]
    resilience: ResilienceSettings
    approvals: Approvals | None

    def trusted_service(self, service: Service) -> Service | None: ...


KIND = "resilience"  # the approvers' kind: resilience.reviewers in .gate.yaml


class Unproven(NamedTuple):
    """A claim of the change that does not count, and why."""

    claim: str
    why: str
    kind: str | None = None  # the drill kind it is about (None: an objective or the DR tier)


class Judged(NamedTuple):
    record: Resilience  # what the rules read
    unproven: tuple[Unproven, ...] = ()

    def because(self, kind: str | None = None) -> str:
        """' (the change's restore drill of ... does not count: why)' for the claims about `kind`."""
        found = [u for u in self.unproven if kind is None or u.kind in (kind, None)]
        return "".join(f" ({u.claim} does not count: {u.why})" for u in found)


def judged(ctx: DrillContext, service: Service) -> Judged:
    """The record that judges `service` (asked once per service and run)."""
    key = (KIND, service.manifest)
    if key not in ctx.memo:
        ctx.memo[key] = _judge(ctx, service)
    found: Judged = ctx.memo[key]
    return found


def exported(ctx: DrillContext) -> Exported:
    """The drill status file's records (read once per run)."""
    key = ("resilience-status", "")
    if not ctx.resilience.status_file:
        return status.NONE
    if key not in ctx.memo:
        tracked = tracked_by(ctx.head, ctx.trusted or ctx.base)
        ctx.memo[key] = status.read(ctx.resilience.status_file, ctx.head.repo.root, tracked)
    found: Exported = ctx.memo[key]
    return found


def _judge(ctx: DrillContext, service: Service) -> Judged:
    head = of(service)
    trusted = ctx.trusted_service(service)
    outside = exported(ctx)
    extra = outside.drills.get(trusted.name if trusted is not None else service.name, ())
    noted = (Unproven("the exported drill records", outside.problem),) if outside.problem else ()
    if (
        trusted is not None
        and trusted.files == service.files
        and all((ctx.trusted or ctx.base).read(f) == ctx.head.read(f) for f in service.files)
    ):  # the manifest is the trusted one: nothing claimed
        return Judged(head._replace(drills=head.drills + extra), noted)
    base = of(trusted) if trusted is not None and trusted.parsed else Resilience()
    base = base._replace(drills=base.drills + extra)
    known = {d.key for d in base.drills}
    claims = [d for d in head.drills if d.key not in known]
    unproven: list[Unproven] = []
    level = base.level(service.tier) if base.dr_tier is not None else service.tier
    approval = _approval(ctx, level) if claims or _lowered(base, head) else (None, "")
    accepted = []
    for drill in claims:
        why = evidence_problem(ctx, service, drill) or approval[1]
        if why:
            unproven.append(Unproven(f"the change's {drill.describe()}", why, drill.kind))
        else:
            accepted.append(drill)
    in_head = {d.key: d for d in head.drills}
    drills = tuple(in_head.get(d.key, d._replace(line=None)) for d in base.drills) + tuple(accepted)
    record = head._replace(drills=drills)
    record, lowered = _objectives(base, record, approval[1])
    return Judged(record, tuple(unproven + lowered) + noted)


def _lowered(base: Resilience, head: Resilience) -> bool:
    dropped = base.dr_tier is not None and (head.dr_tier is None or head.dr_tier > base.dr_tier)
    return dropped or (base.stateful and not head.stateful)


def _objectives(
    base: Resilience, record: Resilience, why: str
) -> tuple[Resilience, list[Unproven]]:
    """A lowered DR tier or a stateful service turned stateless keeps the trusted value unless approved."""
    unproven = []
    if (
        why
        and base.dr_tier is not None
        and (record.dr_tier is None or record.dr_tier > base.dr_tier)
    ):
        now = "removed" if record.dr_tier is None else f"lowered to {record.dr_tier}"
        unproven.append(Unproven(f"the change's dr_tier {now} (was {base.dr_tier})", why))
        record = record._replace(dr_tier=base.dr_tier)
    if why and base.stateful and not record.stateful:
        unproven.append(Unproven("the change's stateful: false (was true)", why, "restore"))
        record = record._replace(stateful=True)
    return record, unproven


def _approval(ctx: DrillContext, tier: int) -> tuple[str | None, str]:
    """(the resilience reviewer who approved the head commit, or None and why not)."""
    if ctx.approvals is None:
        groups = ", ".join(ctx.resilience.reviewers.for_tier(tier)) or "nobody configured"
        return None, (
            f"it needs an approving review by the tier-{tier} resilience reviewers ({groups}) "
            "on the pull request's head commit"
        )
    return ctx.approvals.verified_approver(KIND, tier)


def evidence_problem(ctx: DrillContext, service: Service, drill: Drill) -> str | None:
    """Why a drill record's evidence does not prove it, or None."""
    if drill.legacy:
        return f"{LEGACY} names no evidence; record the drill in resilience.drills with its report"
    if drill.date is None:
        return f"{drill.written!r} is not a date (YYYY-MM-DD)"
    if drill.evidence is None:
        return "it names no evidence"
    if drill.evidence.startswith("https://"):
        return None
    if drill.evidence.startswith("http://"):
        return f"its evidence {drill.evidence} is not an https URL"
    path = service.locate(ctx.head, drill.evidence).path
    text = ctx.head.read(path) if path is not None else None
    if text is None:
        return f"its evidence {drill.evidence} is not a file in the repository"
    if drill.written.encode() not in text:
        return f"its evidence {path} does not mention {drill.written}"
    return None


def approvals(config: Config, mode: str) -> Approvals | None:
    """The pull request's reviews, read with the resilience reviewers as the `resilience` approvers
    (groups from exceptions.groups); None outside a GitHub pull request run of commits."""
    if mode != "commits":
        return None
    pull_request = pull_request_from_env()
    if pull_request is None:
        return None
    settings = config.exceptions._replace(
        approvers=MappingProxyType(
            {**config.exceptions.approvers, KIND: config.resilience.reviewers}
        )
    )
    return Approvals(settings, pull_request)
