"""`burn_rate_alerts`: each SLO of the service has a page and a ticket multi-window burn-rate alert,
so its error budget is acted on, not only measured. Shipped plug-in-style (gate.policy.plugins):
imported only when a pack names it.

An alert counts from any of three places: a Sloth spec's `alerting` (Sloth generates both alerts
unless one is disabled), an OpenSLO AlertPolicy whose burnrate condition looks back over a
configured window of its severity, or an alerting rule in the repository's Prometheus rule files
(one Prometheus would load) whose expression reads the SLI's metrics (directly or through the
recording rules it uses) over a configured long and short window of its severity. The windows are
the trusted config's `budgets.alert_windows` (by tier), else the SRE workbook's: page over 1h & 5m
or 6h & 30m, ticket over 1d & 2h or 3d & 6h.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Any, NamedTuple

from gate.budget.math import BurnWindow, duration_text, windows_for
from gate.budget.prometheus import render
from gate.budget.promql import Selector, ranges, selectors
from gate.budget.records import SLO, say
from gate.budget.slo import slos_of
from gate.catalog import Problem, Service
from gate.deploy import render as runner
from gate.policy import alerts
from gate.policy.alerts import DEFAULT_RULE_FILES, rule_files
from gate.policy.kinds import CheckContext, CheckKind
from gate.policy.rulefmt import AlertRule, RuleFile, as_prometheus_reads

SEVERITIES = ("page", "ticket")
PAGE_WORDS = {"page", "critical", "p1", "sev1", "high", "emergency", "paging"}
TICKET_WORDS = {"ticket", "warning", "info", "p2", "p3", "p4", "medium", "low", "sev2", "sev3"}
MAX_DEPTH = 8  # recording rules followed from an alert
_NAMED_WINDOW = re.compile(r"(?:rate|burnrate|_)([1-9][0-9]*[smhdw])$")


class Reach(NamedTuple):
    """What an alert's expression reads once its recording rules are followed."""

    metrics: frozenset[Selector]  # the series selected, recorded series followed
    windows: frozenset[int]
    sloth_ids: frozenset[str] = frozenset()  # Sloth's generated rules name their SLO (sloth_id)


def severity_class(words: dict[str, str] | str) -> str | None:
    """page or ticket, from a severity as alerting rules and OpenSLO write it (None: unknown)."""
    values = (
        [words]
        if isinstance(words, str)
        else [words.get(k, "") for k in ("sloth_severity", "severity")]
    )
    for value in values:
        word = value.strip().lower()
        if word in PAGE_WORDS:
            return "page"
        if word in TICKET_WORDS:
            return "ticket"
    return None


def reach(expr: str, records: dict[str, tuple[str, ...]]) -> Reach:
    """The metrics and windows an expression reads, through the recording rules it names."""
    metrics: set[Selector] = set()
    windows: set[int] = set()
    ids: set[str] = set()
    seen: set[str] = set()
    stack = [(expr, 0)]
    while stack:
        text, depth = stack.pop()
        windows.update(ranges(text))
        for selector in selectors(text):
            ids.update(value for label, value in selector.equal if label == "sloth_id")
            name = selector.metric
            if name is None:
                continue
            if name in records and depth < MAX_DEPTH:
                if name not in seen:
                    seen.add(name)
                    stack += [(e, depth + 1) for e in records[name]]
                continue
            metrics.add(selector)
            named = _NAMED_WINDOW.search(name) if ":" in name else None
            if named:  # a recorded series defined elsewhere: its name says its window
                windows.update(ranges(f"x[{named.group(1)}]"))
    return Reach(frozenset(metrics), frozenset(windows), frozenset(ids))


def sli_selectors(slo: SLO) -> frozenset[Selector]:
    return frozenset(s for _, t in slo.templates for s in selectors(render(t, 3600)) if s.metric)


def reads_sli(wanted: frozenset[Selector], seen: frozenset[Selector]) -> bool:
    """Whether an alert selects the SLI's series: the same metric, no label pinned to another value
    (`up{job="api"}` is not `up{job="db"}`)."""
    for sli in wanted:
        pinned = dict(sli.equal)
        for selector in seen:
            if selector.metric == sli.metric and all(
                pinned.get(label, value) == value for label, value in selector.equal
            ):
                return True
    return False


def burn_rate_alerts(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    slos, _ = slos_of(service, ctx.head, ctx.trusted)
    if not slos:
        return []
    files = rule_files(ctx, tuple(params.get("rule_files", DEFAULT_RULE_FILES)))
    parsed = {p: f for p, f in files.items() if f.error is None}
    loadable = {p: f for p, f in parsed.items() if promtool_accepts(ctx, p)}
    refused = [f"promtool check rules rejects {p}" for p in parsed if p not in loadable]
    records = recorded(loadable)
    problems = []
    for slo in slos:
        windows = windows_for(slo.window, service.tier, ctx.budgets).windows
        covered, doubts = _coverage(slo, windows, loadable, records)
        for severity in SEVERITIES:
            if severity in covered:
                continue
            said = (doubts.get(severity, []) + refused)[:2]
            why = f" ({'; '.join(said)})" if said else ""
            problems.append(
                Problem(
                    f"SLO {say(slo.name)} has no {severity} burn-rate alert: no Sloth alerting, OpenSLO "
                    f"AlertPolicy or Prometheus alerting rule over its metrics "
                    f"({', '.join(sorted({str(s.metric) for s in sli_selectors(slo)})) or 'none'}) and the {severity} windows "
                    f"({_pairs(windows, severity)}){why}",
                    slo.origin or service.manifest,
                    slo.line,
                )
            )
    return problems


def _coverage(
    slo: SLO,
    windows: tuple[BurnWindow, ...],
    files: dict[str, RuleFile],
    records: dict[str, tuple[str, ...]],
) -> tuple[set[str], dict[str, list[str]]]:
    """Which severities have an alert for the SLO, and why near misses do not count."""
    covered: set[str] = set()
    doubts: dict[str, list[str]] = {}
    if slo.spec == "sloth":
        covered.update(slo.alerts)
        for severity in set(SEVERITIES) - set(slo.alerts):
            doubts.setdefault(severity, []).append(f"Sloth's {severity}_alert is disabled")
    for alert in slo.burn_alerts:
        declared = severity_class(alert.severity)
        longs = {w.long for w in windows if w.severity == declared}
        if declared is not None and alert.long in longs:
            covered.add(declared)
        elif declared is not None:
            looks = duration_text(alert.long) if alert.long else "no window"
            doubts.setdefault(declared, []).append(
                f"AlertCondition {alert.name or '(unnamed)'} looks back over {looks}"
            )
    wanted = sli_selectors(slo)
    for path, found in sorted(files.items()):
        for name, rule in found.every_alert:
            seen = reach(rule.expr, records)
            ids = seen.sloth_ids | (
                {rule.labels["sloth_id"]} if "sloth_id" in rule.labels else set()
            )
            if (slo.name in ids) if ids else reads_sli(wanted, seen.metrics):
                _judge_alert(name, path, rule, seen, windows, covered, doubts)
    return covered, doubts


def promtool_accepts(ctx: CheckContext, path: str) -> bool:
    """`promtool check rules` on the file as the head has it, when promtool is installed (never
    required: without it, gate's own reading of the rule format stands). Once per blob per run."""
    entry = ctx.head.entry(path)
    if not runner.available("promtool") or entry is None:
        return True
    key = ("promtool-check-rules", entry.sha)
    if key not in ctx.memo:
        with tempfile.TemporaryDirectory(prefix="gate-promtool-") as folder:
            targets = []
            for index, content in enumerate(as_prometheus_reads(ctx.head.read(path) or b"", path)):
                targets.append(os.path.join(folder, f"rules-{index}.yml"))
                with open(targets[-1], "wb") as out:
                    out.write(content)
            outcome = runner.run(["promtool", "check", "rules", *targets], folder, 20.0, 1 << 20)
        ctx.memo[key] = outcome.status == "ok"
    accepted: bool = ctx.memo[key]
    return accepted


def recorded(files: dict[str, RuleFile]) -> dict[str, tuple[str, ...]]:
    """Every recording rule of the loadable rule files: recorded series -> its expressions."""
    merged: dict[str, tuple[str, ...]] = {}
    for found in files.values():
        for name, exprs in found.records.items():
            merged[name] = merged.get(name, ()) + exprs
    return merged


def _judge_alert(
    name: str,
    path: str,
    rule: AlertRule,
    seen: Reach,
    windows: tuple[BurnWindow, ...],
    covered: set[str],
    doubts: dict[str, list[str]],
) -> None:
    """Count one alerting rule that reads the SLI for the severity its labels (else its windows) say."""
    labelled = severity_class(rule.labels)
    matching = {w.severity for w in windows if w.long in seen.windows and w.short in seen.windows}
    if labelled is None:
        covered.update(matching)
    elif labelled in matching:
        covered.add(labelled)
    else:
        over = ", ".join(duration_text(w) for w in sorted(seen.windows)) or "no range"
        doubts.setdefault(labelled, []).append(f"alert {name} in {path} reads it over {over}")


def _pairs(windows: tuple[BurnWindow, ...], severity: str) -> str:
    return " or ".join(
        f"{duration_text(w.long)} & {duration_text(w.short)}"
        for w in windows
        if w.severity == severity
    )


KIND = CheckKind(
    burn_rate_alerts,
    alerts.KIND.params,  # rule_files, as the other alert kinds take it
    "each SLO has a page and a ticket multi-window burn-rate alert (Sloth alerting, an OpenSLO AlertPolicy, or a Prometheus alerting rule over the SLI's metrics and the configured windows)",
)
