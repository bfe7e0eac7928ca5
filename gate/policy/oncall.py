"""`oncall_exists`: the rotation `owners.oncall` names exists in the on-call tool, with at least the
tier's number of people and escalation levels (`telemetry.oncall` in the trusted config). Shipped
plug-in-style (gate.policy.plugins): imported only when a pack names it.

Sources (one function each, in SOURCES): PagerDuty (a schedule by id or name, its layers' users,
the escalation policies that use it), Opsgenie (a schedule by name, its rotations' users, the
escalations that notify it), or a file exported outside the repository, read like the budget and
drill status files. The APIs are asked only when the run may use the network (never the
pre-commit hook, `--offline` or `gate validate`), once per rotation per run, through the bounded
HTTP client; the first failure ends the asking for the run. The token comes from the environment
variable the trusted config names; nothing a change writes picks the URL or the token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple
from urllib.parse import quote

from gate import exported
from gate.catalog import Problem, Service
from gate.httpclient import Unavailable, redact, request_json
from gate.incidents import opsgenie, pagerduty
from gate.policy.kinds import CheckContext, CheckKind
from gate.settings import OncallSettings

STATUS_SCHEMA = "gate.oncall-status/v1"
MAX_PAGES = 5  # schedule listings followed (100 each)


class Rotation(NamedTuple):
    people: int
    levels: int  # escalation levels of the richest policy that pages it


class Answer(NamedTuple):
    rotation: Rotation | None  # None: the tool has no such rotation
    problem: str | None = None  # why the tool could not be asked


def oncall_exists(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    name = service.get("owners", "oncall")
    settings = ctx.telemetry.oncall
    if not isinstance(name, str) or not name or settings.source not in (*SOURCES, "file"):
        return []
    if settings.source != "file" and not ctx.network:
        return []  # the hook and offline runs stay offline
    answer = lookup(ctx, settings, name)
    line = service.line("owners", "oncall")
    where = "the on-call status file" if settings.source == "file" else settings.source
    if answer.problem is not None:
        return [
            Problem(
                f"on-call rotation {name!r} could not be checked: {answer.problem}",
                service.manifest,
                line,
            )
        ]
    if answer.rotation is None:
        return [
            Problem(f"on-call rotation {name!r} does not exist in {where}", service.manifest, line)
        ]
    problems = []
    people = settings.min_people.for_tier(service.tier)
    if people is not None and answer.rotation.people < people:
        problems.append(
            f"has {answer.rotation.people} people in {where}; tier {service.tier} needs at least {people}"
        )
    if answer.rotation.levels < settings.min_levels:
        problems.append(
            f"has {answer.rotation.levels} escalation level(s) in {where}; at least {settings.min_levels} are needed"
        )
    return [Problem(f"on-call rotation {name!r} {p}", service.manifest, line) for p in problems]


def lookup(ctx: CheckContext, settings: OncallSettings, name: str) -> Answer:
    """The rotation as the configured source has it, asked once per run; after the source first
    fails, every later rotation gets the same answer without asking."""
    key, down = ("oncall", name), ("oncall", "\0down")
    if key not in ctx.memo:
        if down in ctx.memo:
            ctx.memo[key] = ctx.memo[down]
        elif settings.source == "file":
            ctx.memo[key] = _exported(ctx, settings, name)
        else:
            try:
                ctx.memo[key] = SOURCES[settings.source or ""](settings, name)
            except Unavailable as e:
                ctx.memo[key] = ctx.memo[down] = Answer(None, str(e))
    answer: Answer = ctx.memo[key]
    return answer


def _get(settings: OncallSettings, path: str, headers: dict[str, str], **params: Any) -> Any:
    """One GET of the on-call API: its JSON body, None for a 404."""
    api = (
        settings.url
        or {"pagerduty": pagerduty.API, "opsgenie": opsgenie.API}[settings.source or ""]
    )
    url = f"{api.rstrip('/')}{path}"
    response = request_json(
        "GET",
        url,
        params=params or None,
        headers=headers,
        timeout=settings.timeout,
        retries=1,
        ok=(200, 404),
    )
    if response.status == 404:
        return None
    if response.status != 200 or not isinstance(response.body, dict):
        raise Unavailable(f"{redact(url)}: HTTP {response.status}")
    return response.body


def _pagerduty(settings: OncallSettings, name: str) -> Answer:
    headers = pagerduty.headers(settings.token_env, "telemetry.oncall.token_env")
    found = None
    for page in range(MAX_PAGES):
        listing = _get(settings, "/schedules", headers, query=name, limit=100, offset=page * 100)
        schedules = _dicts((listing or {}).get("schedules"))
        found = next((s for s in schedules if name in (s.get("id"), s.get("name"))), None)
        if found is not None or not (listing or {}).get("more"):
            break
    if found is None:
        return Answer(None)
    schedule = (
        _get(settings, f"/schedules/{quote(str(found.get('id')), safe='')}", headers) or {}
    ).get("schedule")
    schedule = schedule if isinstance(schedule, dict) else {}
    people = {
        str(u["user"].get("id"))
        for layer in _dicts(schedule.get("schedule_layers"))
        for u in _dicts(layer.get("users"))
        if isinstance(u.get("user"), dict)
    } or {str(u.get("id")) for u in _dicts(schedule.get("users"))}
    levels = 0
    for policy in _dicts(schedule.get("escalation_policies"))[:10]:
        detail = _get(
            settings, f"/escalation_policies/{quote(str(policy.get('id')), safe='')}", headers
        )
        body = (detail or {}).get("escalation_policy")
        rules = body.get("escalation_rules") if isinstance(body, dict) else None
        levels = max(levels, len(_dicts(rules)))
    return Answer(Rotation(len(people), levels))


def _opsgenie(settings: OncallSettings, name: str) -> Answer:
    headers = opsgenie.headers(settings.token_env, "telemetry.oncall.token_env")
    body = _get(settings, f"/v2/schedules/{quote(name, safe='')}", headers, identifierType="name")
    schedule = (body or {}).get("data")
    if not isinstance(schedule, dict):
        return Answer(None)
    people = {
        str(p.get("username") or p.get("id"))
        for rotation in _dicts(schedule.get("rotations"))
        for p in _dicts(rotation.get("participants"))
        if p.get("type") == "user"
    }
    escalations = _dicts((_get(settings, "/v2/escalations", headers) or {}).get("data"))
    ids = {schedule.get("id"), schedule.get("name"), name} - {None}
    levels = max(
        (
            len(rules)
            for e in escalations
            if (rules := _dicts(e.get("rules")))
            and any(
                isinstance(r.get("recipient"), dict)
                and r["recipient"].get("type") == "schedule"
                and ({r["recipient"].get("id"), r["recipient"].get("name")} & ids)
                for r in rules
            )
        ),
        default=0,
    )
    return Answer(Rotation(len(people), levels))


def _exported(ctx: CheckContext, settings: OncallSettings, name: str) -> Answer:
    """A rotation from the on-call status file an operator exports outside the repository:
    {schema: gate.oncall-status/v1, rotations: {NAME: {people: N or [names], escalation_levels: N}}}."""
    key = ("oncall-status-file",)
    if key not in ctx.memo:
        tracked = exported.tracked_by(ctx.head, ctx.trusted or ctx.base)
        path = settings.status_file or ""
        ctx.memo[key] = exported.read(path, ctx.head.repo.root, tracked, "the on-call status file")
    data, problem = ctx.memo[key]
    if problem is not None:
        return Answer(None, problem)
    if not isinstance(data, dict) or data.get("schema") != STATUS_SCHEMA:
        return Answer(None, f"the on-call status file is not a {STATUS_SCHEMA} document")
    rotations = data.get("rotations")
    entry = rotations.get(name) if isinstance(rotations, dict) else None
    if not isinstance(entry, dict):
        return Answer(None)
    people, levels = entry.get("people"), entry.get("escalation_levels")
    count = len(people) if isinstance(people, list) else people
    if not (isinstance(count, int) and isinstance(levels, int)) or isinstance(count, bool):
        return Answer(
            None, f"the on-call status file's entry for {name!r} needs people and escalation_levels"
        )
    return Answer(Rotation(count, levels))


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


SOURCES: dict[str, Callable[[OncallSettings, str], Answer]] = {
    "pagerduty": _pagerduty,
    "opsgenie": _opsgenie,
}  # the APIs; source `file` is read through the run's context (_exported)

KIND = CheckKind(
    oncall_exists,
    {"type": "object", "additionalProperties": False, "properties": {}},
    "the rotation owners.oncall names exists in PagerDuty, Opsgenie or the exported on-call file, with the tier's people and escalation levels (telemetry.oncall)",
)
