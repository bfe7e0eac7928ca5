"""The scorecard's data: every service at one revision, roll-ups per team and tier, and monthly trends.

Pure where it can be: `build` reads git and the budget sources, everything after it works on
the plain dict that the JSON output is (schema: schemas/scorecard.schema.json).
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

from gate import config as gate_config
from gate.baseline.model import BASELINE_FILE, parse_kept
from gate.budget.slo import slos_of
from gate.budget.status import STATE_ORDER
from gate.errors import FatalError
from gate.git import Repo
from gate.graph import describe
from gate.incidents.book import Book, place_of
from gate.resilience import status as drill_status
from gate.revision import open_revision
from gate.risk.scale import bounded_window, scale_for
from gate.scorecard.delivery import Unit
from gate.scorecard.delivery import section as delivery_section
from gate.scorecard.history import DAY, Mined, mine
from gate.scorecard.readiness import REQUIREMENTS, Judged, Readiness
from gate.scorecard.resilience import section as dr_readiness
from gate.service import Service
from gate.settings import AdoptionSettings, Campaign, ScorecardSettings, WaiverSettings
from gate.snapshot import Snapshot
from gate.waivers.model import LedgerEntry, parse_ledger
from gate.waivers.state import Ledgers, classify
from gate.waivers.trust import Approvals

SCHEMA = "gate.scorecard/v1"
TIERS = (0, 1, 2, 3)
RISK_LEVELS = ("low", "medium", "high", "critical")
CHANGE_DAYS = 90
# Worst first: a service's budget state is its worst SLO's (the budget domain's one order), then
# the scorecard's own "no SLOs at all".
BUDGET_ORDER: tuple[str, ...] = (*STATE_ORDER, "no-slos")
WAIVER_STATES = ("active", "expiring", "expired", "invalid")


def build(
    repo: Repo,
    rev: str | None,
    config_path: str | None,
    today: dt.date,
    offline: bool,
    months: int | None,
    since: dt.date | None,
) -> dict[str, Any]:
    """Scorecard of `rev` (default: the checked-out branch) as of `today`; trend over `months` months or since `since`."""
    from gate import resources

    resources.remember_in(os.path.join(repo.git_dir, "gate"))
    name = rev or repo.branch() or "HEAD"  # what the user has checked out
    revision = open_revision(repo, name, config_path)
    snap, config, rules = revision.snapshot, revision.config, revision.rules
    commit, settings = snap.rev, config.scorecard
    points, window_start, trend_start = _windows(today, months, since)
    readiness = Readiness(repo, rules, config.github_org, config.resilience, config.backstage)

    # History streams from git while the services are judged.
    tier_lookup: dict[str, Callable[[list[str]], int | None]] = {}
    ready = threading.Event()
    model = _risk_model(config, snap)  # read before the thread: it must not share the cat-file pipe
    mined = _mine_while_judging(
        repo, commit, config, model, trend_start, window_start, tier_lookup, ready
    )
    judged: list[Judged] = []
    try:
        _, judged = readiness.at(commit, today)
    finally:
        tier_lookup["f"] = _tier_lookup(judged)
        ready.set()
    ledger = _ledger(snap, config, today, judged)
    budgets = _budgets(repo, snap, config, judged, offline)
    history = _on_the_scale(repo, commit, model, config.risk.history_days, mined())
    by_root = _changes_by_root(history, judged, window_start)
    rows = [(j, by_root.get(j.service.root, [])) for j in judged]
    services = [_service_row(j, ledger, budgets, history, changes, snap) for j, changes in rows]
    services = _with_debt(services, _debt_by_service(repo, snap) or {})
    card: dict[str, Any] = {
        "schema": SCHEMA,
        "revision": {"name": name, "commit": commit},
        "as_of": today.isoformat(),
        "offline": offline,
        "config": config.path if config.found else "(defaults)",
        "window_days": CHANGE_DAYS,
        "rules": {r.id: r.title for r in rules},
        "services": services,
        **rollups(services, rules),
        "waivers": ledger["summary"],
        "adoption": adoption(
            services, settings.adoption, _start(repo, commit, settings.adoption), today
        ),
        "trend": None,
        "resilience": _resilience(repo, snap, config, judged, today),
        "delivery": _delivery(repo, snap, config, services, judged, today, offline, history),
        "campaigns": campaigns(services, rules, settings.campaigns, today),
        "graph": graph_section([j.service for j in judged if j.service.parsed]),
    }
    if points:
        card["trend"] = trend(
            repo, readiness, commit, points, history, settings, config, card["adoption"]
        )
    resources.save_memo()
    return card


def graph_section(services: list[Service]) -> dict[str, Any]:
    """The hard dependencies between the revision's services, tier inversions and tier-0 cycles
    (gate.graph.describe, as `gate graph` has them), and each service's system."""
    report = describe(services)
    known = {s.name for s in services}
    edges = [
        {
            "from": e.source,
            "to": e.target,
            "fallback": bool(e.dependency.fallback),
            "inversion": e.inversion,
        }
        for e in report.edges
        if e.dependency.kind == "hard" and not e.dependency.external and e.target in known
    ]
    systems = {
        s.name: system.strip()
        for s in services
        if isinstance(system := s.get("system"), str) and system.strip()
    }
    return {
        "edges": sorted(edges, key=lambda e: (e["from"], e["to"])),
        "cycles": [list(c.path) for c in report.cycles],
        "systems": dict(sorted(systems.items())),
    }


def _windows(
    today: dt.date, months: int | None, since: dt.date | None
) -> tuple[list[dt.date], int, int]:
    """The trend's month ends, and where the change window and the trend's history start (epoch seconds)."""
    end = int(dt.datetime.combine(today, dt.time.max, dt.timezone.utc).timestamp())
    points = month_ends(today, months, since) if months or since else []
    window_start = end - CHANGE_DAYS * DAY
    trend_start = (
        int(dt.datetime.combine(_month_start(points[0]), dt.time(), dt.timezone.utc).timestamp())
        if points
        else window_start
    )
    return points, window_start, trend_start


def _resilience(
    repo: Repo, snap: Snapshot, config: gate_config.Config, judged: list[Judged], today: dt.date
) -> dict[str, Any]:
    """DR readiness at the scored revision, with the drills exported outside the repository."""
    exported = drill_status.read(
        config.resilience.status_file, repo.root, lambda p: snap.entry(p) is not None
    )
    return dr_readiness([j.service for j in judged], config.resilience, today, exported)


def _delivery(
    repo: Repo,
    snap: Snapshot,
    config: gate_config.Config,
    services: list[dict[str, Any]],
    judged: list[Judged],
    today: dt.date,
    offline: bool,
    history: Mined,
) -> dict[str, Any]:
    """The four keys and incident learning (gate.scorecard.delivery), with the revision's incident
    source (the trusted settings at the default branch; --offline asks no network source)."""
    book = Book(config.incidents, place_of(snap, snap), offline=offline)
    loaded = book.loaded
    incidents = loaded.incidents if book.configured and loaded.problem is None else None
    roots = {j.service.root: j.service.name for j in judged if j.service.parsed}
    tiers = dict.fromkeys(roots, 0)

    def owner(path: str) -> str | None:
        root = _owner_root(path, tiers)
        return None if root is None else roots[root]

    units = [Unit(s["name"], s["tier"], s["team"]) for s in services if s["parsed"]]
    found = delivery_section(
        repo,
        snap.rev,
        today,
        units,
        owner,
        incidents,
        config.incidents,
        month_ends(today, 12, None),
        history.failed,
        config.scorecard.deployment_tags,
        CHANGE_DAYS,
    )
    return {
        **found,
        "incidents_from": loaded.evidence or None,
        "incidents_problem": loaded.problem,
    }


def _mine_while_judging(
    repo: Repo,
    commit: str,
    config: gate_config.Config,
    model: Any,
    trend_start: int,
    window_start: int,
    tier_lookup: dict[str, Callable[[list[str]], int | None]],
    ready: threading.Event,
) -> Callable[[], Mined]:
    """Start streaming the change history from git on a thread; the call returned waits for it (raising what it raised).

    Tiers are asked of `tier_lookup["f"]` once `ready` is set: the services are judged meanwhile on the main thread."""
    mined: dict[str, Mined] = {}

    def tier_when_ready(paths: list[str]) -> int | None:
        ready.wait()  # the services are judged on the main thread while git streams the history
        return tier_lookup["f"](paths)

    def mine_history() -> None:
        history_days = config.risk.history_days
        # the risk features count the history the percentile scale's changes were featured with
        narrow = bounded_window(repo, commit, history_days)
        mined["m"] = mine(
            repo,
            commit,
            min(trend_start, window_start),
            window_start,
            window_start - history_days * DAY,
            tier_when_ready,
            model,
            history_days * DAY if narrow is None else narrow,
        )

    failure: list[BaseException] = []

    def guarded() -> None:
        try:
            mine_history()
        except BaseException as e:  # noqa: BLE001 - raised again on the main thread
            failure.append(e)

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()

    def result() -> Mined:
        thread.join()
        if failure:
            raise failure[0]
        return mined["m"]

    return result


def _changes_by_root(
    history: Mined, judged: list[Judged], window_start: int
) -> dict[str | None, list[Any]]:
    """The changes of the scorecard's window, by the root of each service they touch (None: no service's)."""
    roots = {j.service.root: j.service.tier for j in judged}
    by_root: dict[str | None, list[Any]] = {}
    for c in history.changes:
        if c.time >= window_start:
            for root in {_owner_root(f.path, roots) for f in c.files}:
                by_root.setdefault(root, []).append(c)
    return by_root


def _on_the_scale(repo: Repo, commit: str, model: Any, days: int, history: Mined) -> Mined:
    """Each change's risk as `gate check` reports it: its percentile on the scale drawn at this
    revision (the repository's recent changes, or the model's reference changes)."""
    window = None if history.risk_window == days * DAY else history.risk_window
    scale = scale_for(repo, commit, model, days, window=window)
    if scale is not None:
        history.risk.update({sha: scale.percentile(p) for sha, p in history.risk.items()})
    return history


def _risk_model(config: gate_config.Config, snap: Snapshot) -> Any:
    from gate.risk.model import DEFAULT_MODEL, load

    path = config.risk.model
    if not path:
        return DEFAULT_MODEL
    raw = snap.read(str(path))
    if raw is None:
        raise FatalError(
            "risk model not found at this revision (write it with `gate risk calibrate`)", str(path)
        )
    return load(raw, str(path))


def _tier_lookup(judged: list[Judged]) -> Callable[[list[str]], int | None]:
    """Paths -> the strictest tier of the services owning them by directory (None: no service)."""
    roots = {j.service.root: j.service.tier for j in judged}
    memo: dict[str, int | None] = {}

    def tier_of(paths: list[str]) -> int | None:
        tiers: list[int] = []
        for path in paths:
            directory = path.rpartition("/")[0]
            if directory not in memo:
                root = _owner_root(path, roots)
                memo[directory] = None if root is None else roots[root]
            tier = memo[directory]
            if tier is not None:
                tiers.append(tier)
        return min(tiers) if tiers else None

    return tier_of


def _owner_root(path: str, roots: dict[str, int]) -> str | None:
    probe = path.rpartition("/")[0]
    while True:
        root = f"{probe}/" if probe else ""
        if root in roots:
            return root
        if not probe:
            return None
        probe = probe.rpartition("/")[0]


def _ledger(
    snap: Snapshot, config: gate_config.Config, today: dt.date, judged: list[Judged]
) -> dict[str, Any]:
    """Waivers per service from the revision's ledger (trusted: it is the default branch),
    classified by the one classification `check`, `validate` and `exception list` use."""
    entries = parse_ledger(snap.read(config.ledger_path), config.ledger_path)
    return waiver_states(
        entries, today, config.exceptions, {j.service.name: j.service.tier for j in judged}
    )


def waiver_states(
    entries: list[LedgerEntry], today: dt.date, settings: WaiverSettings, tiers: dict[str, int]
) -> dict[str, Any]:
    """Each entry's state (active, expiring, expired, invalid), per service and in all."""
    ledgers = Ledgers.of(entries)
    approvals = Approvals(settings, None)
    per_service: dict[str, dict[str, int]] = {}
    active: list[LedgerEntry] = []
    summary = dict.fromkeys(WAIVER_STATES, 0)
    listed = []
    for entry in entries:
        state = classify(entry, ledgers, tiers, approvals, today, every_service=True).state.value
        summary[state] += 1
        if state in ("active", "expiring"):
            active.append(entry)
        for service in entry.services:
            per_service.setdefault(service, dict.fromkeys(WAIVER_STATES, 0))[state] += 1
        listed.append(
            {
                "id": entry.id,
                "state": state,
                "services": list(entry.services),
                "rules": list(entry.rules),
                "expires": entry.expires.isoformat(),
                "approved_by": entry.approved_by,
                "ticket": entry.ticket,
            }
        )
    return {
        "per_service": per_service,
        "active": active,
        "summary": {**summary, "entries": sorted(listed, key=lambda e: (e["expires"], e["id"]))},
    }


def rule_states(j: Judged, active: list[LedgerEntry]) -> dict[str, str]:
    """A service's rule states with the exceptions in force applied ("waived"): the one reading
    of readiness, for the headline and for every trend point alike."""
    states = j.states()
    for entry in active:
        for rule, state in states.items():
            if state != "pass" and entry.covers(j.service.name, rule):
                states[rule] = "waived"
    return states


def _budgets(
    repo: Repo, snap: Snapshot, config: gate_config.Config, judged: list[Judged], offline: bool
) -> dict[str, dict[str, Any]]:
    """Service manifest -> {state, slos: [{name, state, remaining}]} from the configured budget source."""
    env = ("GATE_PROMETHEUS_URL", "GATE_BUDGET_FILE", "GATE_BUDGET_URL")
    configured = config.budgets.configured or any(os.environ.get(v) for v in env)
    out: dict[str, dict[str, Any]] = {}
    with_slos = [j for j in judged if j.has["slos"] and j.service.parsed]
    if not configured:
        for j in with_slos:
            out[j.service.manifest] = {
                "state": "not-measured",
                "reason": "no budget source configured (budgets: in .gate.yaml)",
                "slos": [],
            }
        return out
    from gate.budget.status import anchored, measure, result

    settings = anchored(config.budgets, repo.root)
    for j in with_slos:
        slos, problems = slos_of(j.service, snap)
        statuses = [measure(slo, settings, offline, j.service.tier) for slo in slos]
        worst = result(statuses, problems, None).state  # as `check` and `gate budget` judge it
        reasons = sorted({s.reason for s in statuses if s.reason} | {p.message for p in problems})
        out[j.service.manifest] = {
            "state": worst,
            "reason": "; ".join(reasons) or None,
            "slos": [
                {
                    "name": s.slo.name,
                    "state": s.state,
                    "remaining": None if s.remaining is None else round(s.remaining, 4),
                }
                for s in statuses
            ],
        }
    return out


def rollups(services: list[dict[str, Any]], rules: list[Any]) -> dict[str, Any]:
    """The card's roll-ups: per tier, per team, the fleet, and the rules failing most."""
    return {
        "tiers": [
            rollup(f"tier {t}", [s for s in services if s["tier"] == t], tier=t) for t in TIERS
        ],
        "teams": [
            rollup(team, [s for s in services if s["team"] == team])
            for team in sorted({s["team"] for s in services})
        ],
        "fleet": rollup("all services", services),
        "top_failing_rules": top_failing(services, {r.id: r.title for r in rules}),
    }


def _service_row(
    j: Judged,
    ledger: dict[str, Any],
    budgets: dict[str, dict[str, Any]],
    history: Mined,
    changes: list[Any],
    snap: Snapshot,
) -> dict[str, Any]:
    service = j.service
    states = rule_states(j, ledger["active"])
    team = service.get("owners", "team")
    failing = sorted(r for r, s in states.items() if s == "error")
    risk = dict.fromkeys(RISK_LEVELS, 0)
    for c in changes:
        if c.sha in history.risk:
            risk[_level(history.risk[c.sha])] += 1
    failed = sum(1 for c in changes if c.sha in history.failed)
    budget = budgets.get(service.manifest) or {
        "state": "no-slos" if not j.has["slos"] else "not-measured",
        "reason": None,
        "slos": [],
    }
    return {
        "name": service.name,
        "manifest": service.manifest,
        "tier": service.tier,
        "team": team if isinstance(team, str) and team.strip() else "(no team)",
        "parsed": service.parsed,
        "ready": not failing,
        "rules": dict(sorted(states.items())),
        "failing_rules": failing,
        "has": j.has,
        "slo_count": len(slos_of(service, snap)[0]),  # the records: a document may define several
        "budget": budget,
        "waivers": ledger["per_service"].get(service.name, dict.fromkeys(WAIVER_STATES, 0)),
        "changes": {
            "count": len(changes),
            "failed": failed,
            "failure_rate": _rate(failed, len(changes)),
            "risk": risk,
        },
    }


def _level(score: float) -> str:
    from gate.risk.model import level

    return level(score)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def rollup(label: str, services: list[dict[str, Any]], tier: int | None = None) -> dict[str, Any]:
    n = len(services)
    ready = sum(1 for s in services if s["ready"])
    slo = sum(1 for s in services if s["has"]["slos"])
    budgets = dict.fromkeys(BUDGET_ORDER, 0)
    for s in services:
        budgets[s["budget"]["state"]] = budgets.get(s["budget"]["state"], 0) + 1
    waivers = dict.fromkeys(WAIVER_STATES, 0)
    for s in services:
        for k in WAIVER_STATES:
            waivers[k] += s["waivers"][k]
    changes = sum(s["changes"]["count"] for s in services)
    failed = sum(s["changes"]["failed"] for s in services)
    risk = {lvl: sum(s["changes"]["risk"][lvl] for s in services) for lvl in RISK_LEVELS}
    row: dict[str, Any] = {
        "label": label,
        "services": n,
        "ready": ready,
        "ready_share": _rate(ready, n),
        "slo_covered": slo,
        "slo_share": _rate(slo, n),
        "budgets": {k: v for k, v in budgets.items() if v},
        "waivers": waivers,
        "changes": changes,
        "failed": failed,
        "failure_rate": _rate(failed, changes),
        "risk": risk,
        "baselined": sum(s.get("baselined", 0) for s in services),
    }
    if tier is not None:
        row["tier"] = tier
    return row


def _tier_point(group: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "services": len(group),
        "ready": sum(1 for s in group if s["ready"]),
        "slo_covered": sum(1 for s in group if s["has"]["slos"]),
    }


def baselined_debt(repo: Repo, snap: Snapshot) -> int | None:
    """Findings recorded in the revision's gate-baseline.yaml (counts included); None when the file
    cannot be read. Over the trend, its burn-down."""
    debt = _debt_by_service(repo, snap)
    return None if debt is None else sum(debt.values())


def _with_debt(services: list[dict[str, Any]], debt: dict[str, int]) -> list[dict[str, Any]]:
    return [{**row, "baselined": debt.get(row["name"], 0)} for row in services]


def _debt_by_service(repo: Repo, snap: Snapshot) -> dict[str, int] | None:
    try:
        entries = parse_kept(snap.read(BASELINE_FILE), BASELINE_FILE, repo.git_dir)
    except FatalError:
        return None
    debt: dict[str, int] = {}
    for e in entries:
        debt[e.service] = debt.get(e.service, 0) + e.count
    return debt


def top_failing(
    services: list[dict[str, Any]], titles: dict[str, str], limit: int = 10
) -> list[dict[str, Any]]:
    counts: dict[str, dict[str, Any]] = {}
    for s in services:
        for rule in s["failing_rules"]:
            row = counts.setdefault(
                rule,
                {
                    "rule": rule,
                    "title": titles.get(rule, rule),
                    "services": 0,
                    "tiers": dict.fromkeys((str(t) for t in TIERS), 0),
                },
            )
            row["services"] += 1
            row["tiers"][str(s["tier"])] += 1
    return sorted(counts.values(), key=lambda r: (-r["services"], r["rule"]))[:limit]


def _start(repo: Repo, commit: str, adoption: AdoptionSettings) -> dt.date:
    if adoption.start:
        try:
            return dt.date.fromisoformat(str(adoption.start))
        except ValueError:
            raise FatalError(
                f"scorecard.adoption.start {adoption.start!r} is not a date (YYYY-MM-DD)",
                gate_config.CONFIG_FILE,
            ) from None
    # adopted when .gate.yaml first arrived; a repository without one, at its first commit
    first = repo.first_added(commit, gate_config.CONFIG_FILE)
    if first is None:
        first = min(repo.root_times(commit), default=0)
    return dt.datetime.fromtimestamp(first, dt.timezone.utc).date()


def adopted(service: dict[str, Any], requires: Sequence[str]) -> bool:
    return all(service["has"].get(r, False) for r in requires)


def adoption(
    services: list[dict[str, Any]], settings: AdoptionSettings, start: dt.date, today: dt.date
) -> dict[str, Any]:
    """Share of services in the target tiers that have everything required, against the milestone in force."""
    counted = [s for s in services if s["tier"] in settings.tiers]
    met = sum(1 for s in counted if adopted(s, settings.requires))
    months = (
        (today.year - start.year) * 12
        + today.month
        - start.month
        - (1 if today.day < start.day else 0)
    )
    milestones = sorted(settings.milestones.items())
    due = [(m, share) for m, share in milestones if months >= m]
    target = due[-1][1] if due else None
    upcoming = next(((m, share) for m, share in milestones if months < m), None)
    share = _rate(met, len(counted))
    return {
        "tiers": list(settings.tiers),
        "requires": list(settings.requires),
        "start": start.isoformat(),
        "months": max(0, months),
        "services": len(counted),
        "met": met,
        "share": share,
        "target": target,
        "on_target": None if target is None or share is None else share * 100 >= target,
        "milestones": [
            {"months": m, "share": s, "due": _add_months(start, m).isoformat()}
            for m, s in milestones
        ],
        "next": None
        if upcoming is None
        else {
            "months": upcoming[0],
            "share": upcoming[1],
            "due": _add_months(start, upcoming[0]).isoformat(),
        },
        "missing": {
            r: sum(1 for s in counted if not s["has"].get(r, False)) for r in settings.requires
        },
    }


def campaigns(
    services: list[dict[str, Any]],
    rules: list[Any],
    configured: Sequence[Campaign],
    today: dt.date,
) -> list[dict[str, Any]]:
    """Each rollout campaign's progress: of the services its rules judge, how many pass them all
    (a waived or still-warning rule is not done), against its target date and its rules' dates."""
    by_name = {c.name: c for c in configured}
    members: dict[str, list[Any]] = {}
    for rule in rules:
        if rule.campaign:
            members.setdefault(rule.campaign, []).append(rule)
    out = []
    for name in sorted(set(by_name) | set(members)):
        ids = sorted(r.id for r in members.get(name, []))
        scope = [s for s in services if any(i in s["rules"] for i in ids)]
        done = [s for s in scope if all(s["rules"].get(i, "pass") == "pass" for i in ids)]
        campaign = by_name.get(name)
        out.append(
            {
                "name": name,
                "title": campaign.title if campaign else "",
                "target": campaign.target.isoformat() if campaign else None,
                "days_left": (campaign.target - today).days if campaign else None,
                "rules": ids,
                "enforce_from": {
                    r.id: r.enforce_from.isoformat()
                    for r in members.get(name, [])
                    if r.enforce_from
                },
                "services": len(scope),
                "done": len(done),
                "share": _rate(len(done), len(scope)),
                "remaining": sorted(s["name"] for s in scope if s not in done),
            }
        )
    return out


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_ends(today: dt.date, months: int | None, since: dt.date | None) -> list[dt.date]:
    """The last day of each month in the trend (the current month's point is `today`)."""
    first = (
        _month_start(since) if since else _add_months(_month_start(today), -((months or 12) - 1))
    )
    points = []
    month = first
    while month <= today:
        end = month.replace(day=calendar.monthrange(month.year, month.month)[1])
        points.append(min(end, today))
        month = _add_months(month, 1)
    return points


def trend(
    repo: Repo,
    readiness: Readiness,
    head: str,
    points: list[dt.date],
    history: Mined,
    settings: ScorecardSettings,
    config: gate_config.Config,
    adoption_now: dict[str, Any],
) -> list[dict[str, Any]]:
    rows = []
    start = dt.date.fromisoformat(adoption_now["start"])
    by_month: dict[str, list[Any]] = {}
    for c in history.changes:
        by_month.setdefault(
            dt.datetime.fromtimestamp(c.time, dt.timezone.utc).strftime("%Y-%m"), []
        ).append(c)
    for day in points:
        label = day.strftime("%Y-%m")
        moment = int(dt.datetime.combine(day, dt.time.max, dt.timezone.utc).timestamp())
        if day == points[-1]:
            found = head  # the last point is the revision scored
        else:
            found = repo.first_parent_before(head, moment)
        changes = by_month.get(label, [])
        failed = sum(1 for c in changes if c.sha in history.failed)
        activity: dict[str, Any] = {
            "changes": len(changes),
            "failed": failed,
            "failure_rate": _rate(failed, len(changes)),
        }
        if not found:
            rows.append({"month": label, "date": day.isoformat(), "commit": None, **activity})
            continue
        snap, judged = readiness.at(found, day)
        try:
            ledger: dict[str, Any] | None = _ledger(snap, config, day, judged)
        except FatalError:
            ledger = None  # a month whose ledger did not parse: its waivers are unknown
        waivers = None if ledger is None else ledger["summary"]
        active = [] if ledger is None else ledger["active"]
        services: list[dict[str, Any]] = [
            {
                "tier": j.service.tier,
                "ready": "error" not in rule_states(j, active).values(),
                "has": j.has,
            }
            for j in judged
        ]
        tiers = {str(t): _tier_point([s for s in services if s["tier"] == t]) for t in TIERS}
        counted = [s for s in services if s["tier"] in settings.adoption.tiers]
        met = sum(1 for s in counted if adopted(s, settings.adoption.requires))
        months = (day.year - start.year) * 12 + day.month - start.month
        due = [share for m, share in sorted(settings.adoption.milestones.items()) if months >= m]
        rows.append(
            {
                "month": label,
                "date": day.isoformat(),
                "commit": found,
                **activity,
                "services": len(services),
                "ready": sum(1 for s in services if s["ready"]),
                "ready_share": _rate(sum(1 for s in services if s["ready"]), len(services)),
                "slo_share": _rate(sum(1 for s in services if s["has"]["slos"]), len(services)),
                "adoption_share": _rate(met, len(counted)),
                "adoption_target": due[-1] if due else None,
                "waivers_active": None
                if waivers is None
                else waivers["active"] + waivers["expiring"],
                "waivers_expired": None if waivers is None else waivers["expired"],
                "baselined": baselined_debt(repo, snap),
                "tiers": tiers,
            }
        )
    return rows


__all__ = ["REQUIREMENTS", "SCHEMA", "build", "month_ends", "rollup"]
