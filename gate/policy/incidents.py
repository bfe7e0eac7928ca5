"""The incident check kinds: a Sev1/Sev2 without its postmortem past the deadline, corrective actions
long past due. Each reads the run's incident book (gate.incidents.book: the source the trusted
`.gate.yaml` names) for the service under its trusted and its head name, counts days on the run's
trusted clock (never a commit's date), and is quiet for a change that goes through anyway
(gate.incidents.exempt: it closes an action, a verified revert, reliability material only)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from gate.catalog import Problem, Service
from gate.incidents.record import Action, Incident, add_business_days, business_days_after

if TYPE_CHECKING:
    import datetime as dt

    from gate.incidents.book import Book


class IncidentContext(Protocol):
    """What the incident kinds need of the check context (gate.policy.kinds.CheckContext)."""

    today: dt.date
    incidents: Book | None
    touched: dict[str, list[str]] | None

    def trusted_service(self, service: Service) -> Service | None: ...


TITLE_CHARS = 80
SHOWN = 5  # actions named in one message; the rest are counted


def _book(ctx: IncidentContext) -> Book | None:
    book = ctx.incidents
    if book is None or not book.configured or book.loaded.problem:
        return None  # no source, or one that could not answer (incidents-unavailable says so)
    return book


def _incidents(ctx: IncidentContext, book: Book, service: Service) -> tuple[Incident, ...]:
    """The service's incidents, by its name at the trusted tip and in the head: a rename escapes none."""
    trusted = ctx.trusted_service(service)
    names = [service.name] + ([trusted.name] if trusted is not None and trusted.parsed else [])
    return book.of(names)


def _exempt(
    ctx: IncidentContext, book: Book, service: Service, found: tuple[Incident, ...]
) -> bool:
    changed = tuple(sorted(ctx.touched.get(service.manifest, ()))) if ctx.touched else ()
    actions = tuple(a for i in found for a in i.actions)
    return book.exemption(service, changed, actions) is not None


def _title(text: str) -> str:
    text = " ".join(text.split())
    return f' "{text[:TITLE_CHARS]}{"…" if len(text) > TITLE_CHARS else ""}"' if text else ""


def postmortem_overdue(
    ctx: IncidentContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    """Every resolved incident of a postmortem severity has its postmortem within the tier's business days."""
    book = _book(ctx)
    if book is None:
        return []
    settings, found = book.settings, _incidents(ctx, book, service)
    limit = settings.postmortem_business_days.for_tier(service.tier)
    late = []
    for incident in found:
        if (
            incident.severity in settings.postmortem_severities
            and incident.postmortems_tracked
            and incident.resolved is not None
            and incident.postmortem_published is None
        ):
            resolved = incident.resolved.date()
            days = business_days_after(resolved, ctx.today, settings.holidays)
            if days > limit:
                due = add_business_days(resolved, limit, settings.holidays)
                late.append((incident, resolved, days, due))
    if not late or _exempt(ctx, book, service, found):
        return []
    return [
        Problem(
            f"incident {incident.id} ({incident.severity}{_title(incident.title)}, resolved {resolved}) "
            f"has no postmortem {days} business days later; tier {service.tier} needs one within "
            f"{limit} business days (due {due}): feature changes wait until it is published",
            service.manifest,
            1,
        )
        for incident, resolved, days, due in late
    ]


def _described(action: Action, today: Any) -> str:
    return (
        f"{action.id}{_title(action.title)} (owner {action.owner}, due {action.due}, "
        f"{action.days_past_due(today)} days past due)"
    )


def actions_overdue(
    ctx: IncidentContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    """No corrective action of the service's incidents is more than the tier's days past due."""
    book = _book(ctx)
    if book is None:
        return []
    found = _incidents(ctx, book, service)
    limit = book.settings.action_overdue_days.for_tier(service.tier)
    late = [
        (incident, [a for a in incident.actions if a.days_past_due(ctx.today) > limit])
        for incident in found
    ]
    late = [(incident, actions) for incident, actions in late if actions]
    if not late or _exempt(ctx, book, service, found):
        return []
    problems = []
    for incident, actions in late:
        actions.sort(key=lambda a: (a.due, a.id))
        shown = "; ".join(_described(a, ctx.today) for a in actions[:SHOWN])
        more = f"; and {len(actions) - SHOWN} more" if len(actions) > SHOWN else ""
        count = f"{len(actions)} corrective action{'s' if len(actions) > 1 else ''}"
        problems.append(
            Problem(
                f"incident {incident.id} ({incident.severity}{_title(incident.title)}) has {count} "
                f"more than {limit} days past due: {shown}{more}; feature changes to this tier-{service.tier} "
                "service wait until they close (a change that closes one names it in each of its commits)",
                service.manifest,
                1,
            )
        )
    return problems


_NONE: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
# name -> (check, JSON Schema of its parameters, summary): built into gate.policy.kinds.KINDS.
KINDS: dict[str, tuple[Any, dict[str, Any], str]] = {
    "postmortem_overdue": (
        postmortem_overdue,
        _NONE,
        "every resolved incident of a postmortem severity (incidents.postmortem_severities) has its postmortem "
        "within the tier's business days (incidents.postmortem_business_days, weekends and incidents.holidays off)",
    ),
    "actions_overdue": (
        actions_overdue,
        _NONE,
        "no corrective action of the service's incidents is more than the tier's days past due (incidents.action_overdue_days)",
    ),
}
