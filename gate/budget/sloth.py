"""Sloth specs: `version: prometheus/v1` files and the Kubernetes `PrometheusServiceLevel` CRD.

`sli.events` (error and total queries) and `sli.raw` (an error-ratio query) are measured; SLI
and SLO plugins are Go code gate cannot run, so they are reported as not measurable, by name.
Sloth specs carry no window: it is the manifest item's `window` (default 30d, Sloth's default).
`alerting.page_alert.disable` / `ticket_alert.disable` drop that alert from the burn-rate state.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from gate import yaml as gate_yaml
from gate.budget.math import duration_text, parse_duration
from gate.budget.promql import window_template
from gate.budget.records import SLO, SLOProblem, say
from gate.errors import FatalError

_PROMETHEUS_V1 = re.compile(rb"""^version:\s*["']?prometheus/v1["']?\s*(#.*)?$""", re.M)
_CRD = re.compile(rb"""^\s*-?\s*apiVersion:\s*["']?sloth\.slok\.dev/v1["']?\s*(#.*)?$""", re.M)
_NAME = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_.]*$")
DEFAULT_WINDOW = "30d"
# SLO plugins that add labels, intervals, checks or debug output but leave the SLI and its budget as they are
HARMLESS_PLUGINS = {
    "sloth.dev/core/debug/v1",
    "sloth.dev/core/sli_rules/v1",
    "sloth.dev/core/metadata_rules/v1",
    "sloth.dev/core/alert_rules/v1",
    "sloth.dev/core/validate/v1",
    "sloth.dev/contrib/info_labels/v1",
    "sloth.dev/contrib/rule_intervals/v1",
    "sloth.dev/core/noop/v1",
    "sloth.dev/contrib/remove_labels/v1",
    "sloth.dev/contrib/error_budget_exhausted_alert/v1",
}


def recognise(raw: bytes) -> str:
    """openslo | sloth | other, on sight (a file that does not parse goes to the OpenSLO reader, which says why)."""
    if _PROMETHEUS_V1.search(raw) or (_CRD.search(raw) and b"PrometheusServiceLevel" in raw):
        return "sloth"
    if b"openslo" in raw:
        return "openslo"
    try:
        gate_yaml.load_all(raw, "")
    except FatalError:
        return "openslo"
    return "other"


def slos_from(
    service: str, path: str, raw: bytes, window: Any
) -> tuple[list[SLO], list[SLOProblem]]:
    try:
        docs = gate_yaml.load_all(raw, path)
    except FatalError as e:
        return [], [SLOProblem(e.message, path, e.line)]
    text = DEFAULT_WINDOW if window is None else window
    seconds = parse_duration(text)
    if seconds is None or seconds > 3660 * 86400:
        return [], [
            SLOProblem(
                f"the manifest's window {say(window)} for this Sloth spec is not a duration of at most ten years (28d, 30d, 7d)",
                path,
                1,
            )
        ]
    slos: list[SLO] = []
    problems: list[SLOProblem] = []
    seen: set[str] = (
        set()
    )  # Sloth's SLO ids ({service}-{name}) are unique across a file's documents
    for doc in docs:
        data = doc.data
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(
                SLOProblem(
                    "not a Sloth spec (a mapping with version: prometheus/v1, or a PrometheusServiceLevel)",
                    path,
                    doc.line(),
                )
            )
            continue
        if data.get("version") == "prometheus/v1":
            at: tuple[Any, ...] = ()
            spec, crd = data, False
        elif (
            data.get("apiVersion") == "sloth.slok.dev/v1"
            and data.get("kind") == "PrometheusServiceLevel"
        ):
            at, crd = ("spec",), True
            spec = data["spec"] if isinstance(data.get("spec"), dict) else {}
        else:
            problems.append(
                SLOProblem(
                    f"not a Sloth spec: version {say(data.get('version'))}, apiVersion {say(data.get('apiVersion'))} kind {say(data.get('kind'))}",
                    path,
                    doc.line(),
                )
            )
            continue
        found, found_problems = _spec(service, path, doc, at, spec, crd, seconds, str(text), seen)
        slos += found
        problems += found_problems
    return slos, problems


def _spec(
    service: str,
    path: str,
    doc: gate_yaml.Document,
    at: tuple[Any, ...],
    spec: dict[str, Any],
    crd: bool,
    window: int,
    window_text: str,
    seen: set[str],
) -> tuple[list[SLO], list[SLOProblem]]:
    problems: list[SLOProblem] = []
    slos: list[SLO] = []

    def problem(message: str, *keys: Any, unmeasurable: bool = False) -> None:
        problems.append(SLOProblem(message, path, doc.line(*at, *keys), unmeasurable))

    if not isinstance(spec.get("service"), str) or not spec["service"]:
        problem("Sloth spec needs service (the service name)", "service")
    group_plugins = spec.get("sloPlugins" if crd else "slo_plugins")
    items = spec.get("slos")
    if not isinstance(items, list) or not items:
        problem("Sloth spec needs slos (a non-empty list)", "slos")
        return [], problems
    base_labels: dict[str, Any] = spec["labels"] if isinstance(spec.get("labels"), dict) else {}
    spec_service = spec.get("service") if isinstance(spec.get("service"), str) else ""
    for i, item in enumerate(items):
        keys = ("slos", i)
        if not isinstance(item, dict):
            problem(f"slos[{i}] must be a mapping", *keys)
            continue
        before = len(problems)
        name = item.get("name")
        label = name if isinstance(name, str) else f"slos[{i}]"
        if not isinstance(name, str) or not _NAME.match(name):
            problem(
                f"Sloth SLO {say(label)}: name {say(name)} is required (letters, digits, '-', '_', '.')",
                *keys,
                "name",
            )
        elif f"{spec_service}-{name}" in seen:
            problem(
                f"Sloth SLO {say(name)}: service {say(spec_service)} already has an SLO of this name in this file",
                *keys,
                "name",
            )
        seen.add(f"{spec_service}-{label}")
        objective: Any = item.get("objective")  # a number in (0, 100] once no problem was found
        if (
            not isinstance(objective, (int, float))
            or isinstance(objective, bool)
            or not 0 < objective <= 100
        ):
            problem(
                f"Sloth SLO {say(label)}: objective {say(objective)} must be a percentage in (0, 100]",
                *keys,
                "objective",
            )
        queries, reasons = _sli_queries(
            item, label, crd, lambda message, *more, keys=keys: problem(message, *keys, *more)
        )
        reasons += _plugin_reasons(group_plugins, item.get("plugins"))
        alerts = _alerts(item.get("alerting"), crd)
        alerting: dict[str, Any] = (
            item["alerting"] if isinstance(item.get("alerting"), dict) else {}
        )
        if alerts and not (isinstance(alerting.get("name"), str) and alerting["name"]):
            problem(
                f"Sloth SLO {say(label)}: alerting.name is required while its page or ticket alert is enabled",
                *keys,
                "alerting",
            )
        if len(problems) > before:
            continue
        own_labels: dict[str, Any] = item["labels"] if isinstance(item.get("labels"), dict) else {}
        labels = {**base_labels, **own_labels}
        slos.append(
            SLO(
                service=service,
                name=f"{spec_service}-{name}",
                objective=round(float(objective) / 100, 12),
                window=window,
                window_text=window_text if parse_duration(window_text) else duration_text(window),
                budgeting="occurrences",
                source=None,
                bad=queries.get("bad"),
                total=queries.get("total"),
                raw=queries.get("raw"),
                raw_type="failure" if "raw" in queries else None,
                origin=path,
                line=doc.line(*at, *keys),
                alerts=alerts,
                labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
                spec="sloth",
                unmeasurable=f"Sloth SLO {say(label)}: {'; '.join(reasons)}" if reasons else None,
            )
        )
    return slos, problems


def _sli_queries(
    item: dict[str, Any], label: str, crd: bool, problem: Callable[..., None]
) -> tuple[dict[str, str], list[str]]:
    """The `{{window}}` templates of an SLO's sli (bad, total or raw), and why a plugin SLI is not measured."""
    sli: dict[str, Any] = item["sli"] if isinstance(item.get("sli"), dict) else {}
    kinds = [k for k in ("events", "raw", "plugin") if sli.get(k) is not None]
    if len(kinds) != 1:
        problem(f"Sloth SLO {say(label)}: sli needs exactly one of events, raw or plugin", "sli")
    queries: dict[str, str] = {}
    reasons: list[str] = []
    fields = {
        "events": (("errorQuery", "bad"), ("totalQuery", "total"))
        if crd
        else (("error_query", "bad"), ("total_query", "total")),
        "raw": (("errorRatioQuery", "raw"),) if crd else (("error_ratio_query", "raw"),),
    }
    for kind in kinds:
        body = sli[kind]
        if kind == "plugin":
            plugin_id = body.get("id") if isinstance(body, dict) else None
            reasons.append(
                f"Sloth SLI plugin {say(plugin_id)} is Go code gate cannot run; write sli.events or sli.raw"
            )
            continue
        if not isinstance(body, dict):
            problem(f"Sloth SLO {say(label)}: sli.{kind} must be a mapping", "sli", kind)
            continue
        for field, role in fields[kind]:
            query = body.get(field)
            if not isinstance(query, str) or not query.strip():
                problem(
                    f"Sloth SLO {say(label)}: sli.{kind}.{field} is required (PromQL with {{{{.window}}}})",
                    "sli",
                    kind,
                )
                continue
            rewritten = window_template(query.strip(), None if role != "raw" else False)
            if rewritten.template is None:
                problem(
                    f"Sloth SLO {say(label)}: sli.{kind}.{field}: {rewritten.reason}",
                    "sli",
                    kind,
                    field,
                )
                continue
            template = rewritten.template
            if role == "raw" and rewritten.how == "gauge":
                template = template.replace("sum_over_time(", "avg_over_time(")
            queries[role] = template
    if queries.get("bad") is not None and queries.get("bad") == queries.get("total"):
        problem(f"Sloth SLO {say(label)}: error and total are the same query", "sli")
    return queries, reasons


def _plugin_reasons(group_plugins: Any, own_plugins: Any) -> list[str]:
    """Why the SLO plugins that change the generated rules keep an SLO from being measured."""
    reasons = []
    plugins = [
        p
        for p in dict.fromkeys([*_plugin_ids(group_plugins), *_plugin_ids(own_plugins)])
        if p not in HARMLESS_PLUGINS
    ]
    if "sloth.dev/contrib/validate_victoria_metrics/v1" in plugins:
        plugins.remove("sloth.dev/contrib/validate_victoria_metrics/v1")
        reasons.append(
            "its queries are MetricsQL for VictoriaMetrics (plugin 'sloth.dev/contrib/validate_victoria_metrics/v1'), not PromQL"
        )
    if plugins:
        reasons.append(
            f"Sloth SLO plugins {', '.join(say(p) for p in plugins)} change the generated rules and are Go code gate cannot run"
        )
    return reasons


def _plugin_ids(value: Any) -> list[str]:
    chain = value.get("chain") if isinstance(value, dict) else None
    return (
        [str(p.get("id")) for p in chain if isinstance(p, dict)] if isinstance(chain, list) else []
    )


def _alerts(alerting: Any, crd: bool) -> tuple[str, ...]:
    alerting = alerting if isinstance(alerting, dict) else {}
    kept = []
    for severity, key in (
        ("page", "pageAlert" if crd else "page_alert"),
        ("ticket", "ticketAlert" if crd else "ticket_alert"),
    ):
        alert = alerting.get(key)
        if not (isinstance(alert, dict) and alert.get("disable") is True):
            kept.append(severity)
    return tuple(kept)
