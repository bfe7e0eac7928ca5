"""The scorecard as JSON, Markdown (a wiki page or a monthly report issue) and CSV (one row per service).

Every repository string (service, team and rule names, waiver ids) is data: Markdown cells go
through the one escaping layer (gate.report.escape: inert Markdown, no link, no @-mention), and CSV cells that a spreadsheet would run as a
formula are quoted as text.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from gate.report.escape import md_text as md
from gate.report.escape import visible
from gate.scorecard.collect import RISK_LEVELS, TIERS, WAIVER_STATES


def percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def render_json(card: dict[str, Any]) -> str:
    # Compact, so the C encoder does it (an indented 2,000-service scorecard takes the pure-Python one).
    return json.dumps(card, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def render_markdown(card: dict[str, Any]) -> str:
    rev = card["revision"]
    fleet = card["fleet"]
    adoption = card["adoption"]
    lines = [
        f"# Reliability scorecard — {md(rev['name'])} as of {card['as_of']}",
        "",
        f"Commit `{rev['commit'][:12]}` · {fleet['services']} services · {percent(fleet['ready_share'])} ready · "
        f"{percent(fleet['slo_share'])} with SLOs · change failure rate {percent(fleet['failure_rate'])} "
        f"over {fleet['changes']} changes in {card['window_days']} days"
        + (" · offline: network budget sources not measured" if card["offline"] else ""),
        "",
        "## Adoption",
        "",
        _adoption_line(adoption),
        "",
        *_campaign_lines(card.get("campaigns") or []),
        *_debt_lines(card),
        "## Per tier",
        "",
        "| tier | services | ready | with SLOs | budgets | waivers active / expiring / expired | changes (90 d) | change failure rate | risk low / medium / high / critical |",
        "|---|---:|---:|---:|---|---|---:|---:|---|",
    ]
    lines += [_rollup_row(f"tier {r['tier']}", r) for r in card["tiers"]]
    lines += [
        "",
        "## Per team",
        "",
        "| team | services | ready | with SLOs | budgets | waivers active / expiring / expired | changes (90 d) | change failure rate | risk low / medium / high / critical |",
        "|---|---:|---:|---:|---|---|---:|---:|---|",
    ]
    lines += [_rollup_row(md(r["label"]), r) for r in card["teams"]]
    lines += _resilience_lines(card["resilience"])
    lines += _delivery_lines(card["delivery"])
    lines += _top_failing_lines(card["top_failing_rules"])
    lines += _waiver_lines(card["waivers"])
    if card["trend"]:
        lines += _trend_lines(card["trend"])
    lines += _not_ready_lines([s for s in card["services"] if not s["ready"]])
    return "\n".join(lines) + "\n"


def _resilience_lines(dr: dict[str, Any], limit: int = 20) -> list[str]:
    """DR readiness per tier, then the drills most in need of attention: failed, missing, oldest."""
    lines = [
        "",
        "## Disaster recovery readiness",
        "",
        "| tier | services | RTO and RPO declared | drills fresh | a failed latest drill |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [
        f"| tier {t['tier']} | {t['services']} | {t['objectives']} ({percent(t['objectives_share'])}) "
        f"| {t['drills_fresh']} ({percent(t['drills_fresh_share'])}) | {t['failed']} |"
        for t in dr["tiers"]
    ]
    worst = [d for d in dr["drills"] if d["state"] != "fresh"][:limit]
    if worst:
        lines += [
            "",
            "## Drills to run, failed and oldest first",
            "",
            "| service | tier | drill | latest | result | age (days) | limit (days) | state |",
            "|---|---:|---|---|---|---:|---:|---|",
        ]
        lines += [
            f"| {md(d['service'])} | {d['tier']} | {d['kind']} | {d['date'] or '—'} | {d['result'] or '—'} "
            f"| {d['age_days'] if d['age_days'] is not None else '—'} "
            f"| {d['limit_days'] if d['limit_days'] is not None else '—'} | {d['state']} |"
            for d in worst
        ]
    return lines


def _banded(value: Any, band: str | None) -> str:
    if value is None:
        return "—"
    return f"{value} ({band})" if band else f"{value}"


def _delivery_row(label: str, r: dict[str, Any]) -> str:
    failure = None if r["change_failure_rate"] is None else percent(r["change_failure_rate"])
    return (
        f"| {label} | {r['deployments']} | {_banded(r['deployments_per_week'], r['deployment_band'])} "
        f"| {_banded(r['lead_time_hours'], r['lead_time_band'])} | {_banded(failure, r['change_failure_band'])} "
        f"| {_banded(r['time_to_restore_hours'], r['time_to_restore_band'])} "
        f"| {r['postmortems_on_time']} / {r['postmortems_due']} ({percent(r['postmortem_on_time_rate'])}) "
        f"| {r['actions_closed_on_time']} / {r['actions_due']} ({percent(r['action_closure_rate'])}) |"
    )


def _delivery_lines(dl: dict[str, Any]) -> list[str]:
    """The four keys and incident learning per tier and team, then the fleet month by month."""
    head = (
        "| {} | deployments | per week | lead time (hours) | change failure | time to restore (hours) "
        "| postmortems on time | actions closed on time |"
    )
    rule = "|---|---:|---:|---:|---:|---:|---:|---:|"
    source = md(dl["incidents_from"] or "no incident source")
    lines = [
        "",
        "## Delivery and incidents: the four keys",
        "",
        f"Over the last {dl['window_days']} days. Deployments: {dl['deployments_from']}. "
        f"Change failure: {dl['change_failure_from']}. Incidents: {source}"
        + (f" (unavailable: {md(dl['incidents_problem'])})" if dl["incidents_problem"] else "")
        + ". Bands are DORA's 2023 clusters.",
        "",
        head.format("tier"),
        rule,
    ]
    lines += [_delivery_row(f"tier {r['tier']}", r) for r in dl["tiers"]]
    lines += ["", head.format("team"), rule]
    lines += [_delivery_row(md(r["team"]), r) for r in dl["teams"]]
    lines += ["", head.format("month (fleet)"), rule]
    lines += [_delivery_row(p["month"], p["fleet"]) for p in dl["trend"]]
    return lines


def _top_failing_lines(rules: list[dict[str, Any]]) -> list[str]:
    lines = ["", "## Top failing rules", ""]
    if rules:
        lines += ["| rule | what | services failing | tier 0 / 1 / 2 / 3 |", "|---|---|---:|---|"]
        for r in rules:
            lines.append(
                f"| {md(r['rule'])} | {md(r['title'])} | {r['services']} | {' / '.join(str(r['tiers'][str(t)]) for t in TIERS)} |"
            )
    else:
        lines.append("No rule fails for any service.")
    return lines


def _waiver_lines(waivers: dict[str, Any]) -> list[str]:
    """The count in each state, and a table of the waivers expiring soon or expired."""
    lines = ["", "## Waivers", "", " · ".join(f"{waivers[s]} {s}" for s in WAIVER_STATES), ""]
    soon = [e for e in waivers["entries"] if e["state"] in ("expiring", "expired")]
    if soon:
        lines += [
            "| waiver | state | services | rules | expires | approved by |",
            "|---|---|---|---|---|---|",
        ]
        for e in soon:
            lines.append(
                f"| {md(e['id'])} | {e['state']} | {md(', '.join(e['services']))} | {md(', '.join(e['rules']))} | {e['expires']} | {md(e['approved_by'])} |"
            )
    return lines


def _trend_lines(points: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "## Trend",
        "",
        "| month | services | ready | with SLOs | adoption (target) | waivers active | changes | change failure rate |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for p in points:
        if p["commit"] is None:
            lines.append(
                f"| {p['month']} | no commits yet | | | | | {p['changes']} | {percent(p['failure_rate'])} |"
            )
            continue
        target = "" if p["adoption_target"] is None else f" ({p['adoption_target']:g}%)"
        active = "—" if p["waivers_active"] is None else str(p["waivers_active"])
        lines.append(
            f"| {p['month']} | {p['services']} | {percent(p['ready_share'])} | {percent(p['slo_share'])} | "
            f"{percent(p['adoption_share'])}{target} | {active} | {p['changes']} | {percent(p['failure_rate'])} |"
        )
    return lines


def _not_ready_lines(failing: list[dict[str, Any]]) -> list[str]:
    """The services failing an error-level rule of their tier: the first 200, then how many more."""
    lines = ["", f"## Services not ready ({len(failing)})", ""]
    if failing:
        lines += ["| service | tier | team | failing rules |", "|---|---:|---|---|"]
        for s in failing[:200]:
            lines.append(
                f"| {md(s['name'])} | {s['tier']} | {md(s['team'])} | {md(', '.join(s['failing_rules']))} |"
            )
        if len(failing) > 200:
            lines.append(f"\n… and {len(failing) - 200} more (see the CSV).")
    else:
        lines.append("Every service passes its tier's error-level rules.")
    return lines


def _debt_lines(card: dict[str, Any]) -> list[str]:
    """Baselined debt (gate-baseline.yaml) per tier and team, and its burn-down over the trend."""
    if not card["fleet"].get("baselined") and not any(
        p.get("baselined") for p in card.get("trend") or []
    ):
        return []
    lines = [
        "## Baselined debt",
        "",
        f"{card['fleet']['baselined']} findings recorded in gate-baseline.yaml, by tier: "
        + ", ".join(f"tier {r['tier']} {r.get('baselined', 0)}" for r in card["tiers"])
        + "; by team: "
        + ", ".join(
            f"{md(r['label'])} {r['baselined']}" for r in card["teams"] if r.get("baselined")
        ),
    ]
    points = [p for p in card.get("trend") or [] if p.get("baselined") is not None]
    if points:
        lines += [
            "",
            "Burn-down: " + " → ".join(f"{p['month']} {p['baselined']}" for p in points) + ".",
        ]
    return lines + [""]


def _campaign_lines(campaigns: list[dict[str, Any]]) -> list[str]:
    if not campaigns:
        return []
    lines = [
        "## Campaigns",
        "",
        "| campaign | target | done | rules (enforced from) | not done yet |",
        "|---|---|---:|---|---|",
    ]
    for c in campaigns:
        target = "—" if c["target"] is None else f"{c['target']} ({c['days_left']} days left)"
        rules = ", ".join(
            f"{r} ({c['enforce_from'][r]})" if r in c["enforce_from"] else r for r in c["rules"]
        )
        left = ", ".join(md(n) for n in c["remaining"][:10]) + (
            f" and {len(c['remaining']) - 10} more" if len(c["remaining"]) > 10 else ""
        )
        title = f": {md(c['title'])}" if c["title"] else ""
        lines.append(
            f"| {md(c['name'])}{title} | {target} | {c['done']} of {c['services']} ({percent(c['share'])}) | {rules} | {left or '—'} |"
        )
    return lines + [""]


def _adoption_line(a: dict[str, Any]) -> str:
    tiers = ", ".join(str(t) for t in a["tiers"])
    requires = ", ".join(a["requires"])
    head = f"{a['met']} of {a['services']} tier {tiers} services ({percent(a['share'])}) have {requires}"
    if a["target"] is None:
        nxt = a["next"]
        return head + (
            f"; the first target, {nxt['share']:g}%, is due {nxt['due']}." if nxt else "."
        )
    verdict = "on target" if a["on_target"] else "**below target**"
    return head + f": {verdict} ({a['target']:g}% after {a['months']} months since {a['start']})."


def _rollup_row(label: str, r: dict[str, Any]) -> str:
    budgets = ", ".join(f"{v} {k}" for k, v in sorted(r["budgets"].items())) or "—"
    waivers = " / ".join(str(r["waivers"][k]) for k in ("active", "expiring", "expired"))
    risk = " / ".join(str(r["risk"][k]) for k in RISK_LEVELS)
    return (
        f"| {label} | {r['services']} | {r['ready']} ({percent(r['ready_share'])}) | {r['slo_covered']} ({percent(r['slo_share'])}) | "
        f"{budgets} | {waivers} | {r['changes']} | {percent(r['failure_rate'])} | {risk} |"
    )


CSV_COLUMNS = (
    "service",
    "tier",
    "team",
    "manifest",
    "ready",
    "failing_rules",
    "rules_passing",
    "rules_total",
    "slos",
    "budget_state",
    "waivers_active",
    "waivers_expiring",
    "waivers_expired",
    "changes_90d",
    "failed_90d",
    "change_failure_rate",
    "risk_low",
    "risk_medium",
    "risk_high",
    "risk_critical",
)


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = visible(value)
        if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            return "'" + value  # a spreadsheet would run it as a formula
    return value


def render_csv(card: dict[str, Any]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for s in card["services"]:
        c = s["changes"]
        writer.writerow(
            [
                _csv_cell(v)
                for v in (
                    s["name"],
                    s["tier"],
                    s["team"],
                    s["manifest"],
                    "yes" if s["ready"] else "no",
                    ";".join(s["failing_rules"]),
                    sum(1 for v in s["rules"].values() if v == "pass"),
                    len(s["rules"]),
                    s["slo_count"],
                    s["budget"]["state"],
                    s["waivers"]["active"],
                    s["waivers"]["expiring"],
                    s["waivers"]["expired"],
                    c["count"],
                    c["failed"],
                    "" if c["failure_rate"] is None else c["failure_rate"],
                    *(c["risk"][k] for k in RISK_LEVELS),
                )
            ]
        )
    return buffer.getvalue()
