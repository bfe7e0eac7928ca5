"""`alerts_defined`: every alert a manifest names in `telemetry.alerts` is defined in the
repository's Prometheus rule files. Shipped as a plug-in-style kind (see gate.policy.plugins):
it is imported only when a pack names it.

Rule files are read as Prometheus 2.x reads them (`rulefmt.Parse`): a mapping with only
`groups`; each group a non-empty, unique `name` with `interval`, `limit`, `rules`; each rule
exactly one of `record` / `alert`, a non-empty `expr`, `for` and `keep_firing_for` durations,
valid label and annotation names; unknown fields and duplicate keys are errors. An alert defined
only in a file Prometheus would reject does not count. PromQL itself is not parsed here
(`promtool check rules` does that). A Prometheus Operator `PrometheusRule` is read through its
`spec`, as the operator does.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from gate import globs, markdown
from gate import yaml as gate_yaml
from gate.catalog import Problem, Service
from gate.errors import FatalError
from gate.policy import routing
from gate.policy.kinds import CheckContext, CheckKind

DEFAULT_RULE_FILES = (
    "**/*.rules.yml",
    "**/*.rules.yaml",
    "**/*_rules.yml",
    "**/*_rules.yaml",
    "**/alerts/**/*.yml",
    "**/alerts/**/*.yaml",
    "**/rules/**/*.yml",
    "**/rules/**/*.yaml",
    "**/prometheus/**/*.yml",
    "**/prometheus/**/*.yaml",
)
_GROUP_FIELDS = {"name", "interval", "limit", "rules"}
_RULE_FIELDS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
_METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_DURATION = re.compile(
    r"^(?:0|(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?)$"
)


class AlertRule(NamedTuple):
    """What an alerting rule tells the on-call: its labels and annotations, as written."""

    labels: dict[str, str]
    annotations: dict[str, str]
    line: int | None
    expr: str = ""


class RuleFile(NamedTuple):
    alerts: dict[str, int | None]  # alert name -> line
    error: str | None  # why Prometheus would reject the file (None: it loads)
    error_line: int | None
    rules: dict[str, AlertRule] = {}  # alert name -> its first definition
    records: dict[str, tuple[str, ...]] = {}  # recorded series -> the expressions recording it
    every_alert: tuple[tuple[str, AlertRule], ...] = ()  # each alerting rule, in file order


def parse_rule_file(raw: bytes, path: str) -> RuleFile | None:
    """The alerts of a Prometheus rule file and whether Prometheus would load it; None when the
    YAML is not a rule file at all (no `groups`, not a PrometheusRule).

    Prometheus reads a rule file's first YAML document only (later ones are silently ignored); a
    stream of PrometheusRule objects is read whole, each object on its own, as kubectl applies it."""
    try:
        docs = gate_yaml.load_all(raw, path)
    except FatalError as e:
        return RuleFile({}, e.message, e.line) if b"groups:" in raw else None
    if not docs:
        return None
    objects = all(_is_prometheus_rule(d.data) for d in docs)
    parts = [p for p in (_parse_document(d) for d in (docs if objects else docs[:1])) if p]
    if not parts:
        return None
    found = _Found({}, [], {})
    for part in parts:
        for name, rule in part.rules.items():
            found.details.setdefault(name, rule)
        found.every.extend(part.every_alert)
        for name, exprs in part.records.items():
            found.records[name] = found.records.get(name, ()) + exprs
    error = next((p for p in parts if p.error is not None), None)
    return RuleFile(
        {name: rule.line for name, rule in found.details.items()},
        error.error if error else None,
        error.error_line if error else None,
        found.details,
        found.records,
        tuple(found.every),
    )


def _is_prometheus_rule(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and data.get("kind") == "PrometheusRule"
        and isinstance(data.get("spec"), dict)
    )


def _parse_document(doc: gate_yaml.Document) -> RuleFile | None:
    data = doc.data
    prefix: tuple[str, ...] = ()
    if _is_prometheus_rule(data):
        data, prefix = data["spec"], ("spec",)
    if not isinstance(data, dict) or "groups" not in data:
        return None
    found = _Found({}, [], {})
    errors: list[tuple[str, int | None]] = []

    def line(*at: Any) -> int | None:
        return doc.line(*prefix, *at)

    for key in data:
        if key != "groups":
            errors.append((f"field {key} not found in type rulefmt.RuleGroups", line(key)))
    groups = data["groups"]
    if groups is None:
        groups = []
    if not isinstance(groups, list):
        return RuleFile({}, "groups must be a list", line("groups"))
    names: set[str] = set()
    for g, group in enumerate(groups):
        _read_group(group, g, line, names, errors, found)
    error, error_line = errors[0] if errors else (None, None)
    return RuleFile({}, error, error_line, found.details, found.records, tuple(found.every))


class _Found(NamedTuple):
    """What a file's groups define: alerts (first by name, and every one), recorded series."""

    details: dict[str, AlertRule]
    every: list[tuple[str, AlertRule]]
    records: dict[str, tuple[str, ...]]


def _alert_rule(rule: dict[str, Any], line: int | None) -> AlertRule:
    def strings(value: Any) -> dict[str, str]:
        items = value.items() if isinstance(value, dict) else ()
        return {str(k): str(v) for k, v in items if isinstance(v, (str, int, float))}

    expr = rule.get("expr")
    return AlertRule(
        strings(rule.get("labels")),
        strings(rule.get("annotations")),
        line,
        str(expr) if isinstance(expr, (str, int, float)) else "",
    )


def _read_group(
    group: Any,
    g: int,
    line: Callable[..., int | None],
    names: set[str],
    errors: list[tuple[str, int | None]],
    found: _Found,
) -> None:
    """One group of a rule file, as Prometheus checks it: its problems into `errors`, its
    alerts and recorded series into `found`, its name into `names`."""
    if not isinstance(group, dict):
        errors.append(("a group must be a mapping", line("groups", g)))
        return
    for key in group:
        if key not in _GROUP_FIELDS:
            errors.append(
                (f"field {key} not found in type rulefmt.RuleGroup", line("groups", g, key))
            )
    name = group.get("name")
    if not name:
        errors.append(("Groupname must not be empty", line("groups", g)))
    elif str(name) in names:
        errors.append(
            (
                f"groupname: {str(name)!r} is repeated in the same file",
                line("groups", g, "name"),
            )
        )
    names.add(str(name))
    if group.get("interval") is not None and not _DURATION.match(str(group["interval"])):
        errors.append(
            (
                f"not a valid duration string: {group['interval']!r}",
                line("groups", g, "interval"),
            )
        )
    rules = group.get("rules") or []
    if not isinstance(rules, list):
        errors.append(("rules must be a list", line("groups", g, "rules")))
        return
    for r, rule in enumerate(rules):
        at = ("groups", g, "rules", r)
        if not isinstance(rule, dict):
            errors.append(("a rule must be a mapping", line(*at)))
            continue
        problem = _rule_problem(rule)
        if problem:
            errors.append((problem, line(*at)))
        alert, record, expr = rule.get("alert"), rule.get("record"), rule.get("expr")
        if isinstance(alert, (str, int, float)) and alert != "" and not record:
            defined = _alert_rule(rule, line(*at, "alert"))
            found.details.setdefault(str(alert), defined)
            found.every.append((str(alert), defined))
        elif isinstance(record, str) and record and isinstance(expr, (str, int, float)):
            found.records[record] = (*found.records.get(record, ()), str(expr))


def _rule_problem(rule: dict[str, Any]) -> str | None:
    for key in rule:
        if key not in _RULE_FIELDS:
            return f"field {key} not found in type rulefmt.Rule"
    for key in ("record", "alert", "expr"):
        if isinstance(rule.get(key), (list, dict)):
            return f"{key} must be a string"
    record, alert = rule.get("record") or "", rule.get("alert") or ""
    if record and alert:
        return "only one of 'record' and 'alert' must be set"
    if not record and not alert:
        return "one of 'record' or 'alert' must be set"
    if not rule.get("expr"):
        return "field 'expr' must be set in rule"
    for key in ("for", "keep_firing_for"):
        if rule.get(key) is not None and not _DURATION.match(str(rule[key])):
            return f"not a valid duration string: {rule[key]!r}"
    if record:
        if rule.get("annotations"):
            return "invalid field 'annotations' in recording rule"
        if rule.get("for"):
            return "invalid field 'for' in recording rule"
        if not _METRIC_NAME.match(str(record)):
            return f"invalid recording rule name: {record}"
    for field in ("labels", "annotations"):
        values = rule.get(field) or {}
        if not isinstance(values, dict):
            return f"{field} must be a mapping"
        for name in values:
            if not _LABEL_NAME.match(str(name)) or (field == "labels" and name == "__name__"):
                return f"invalid {field[:-1]} name: {name}"
    return None


def rule_files(ctx: CheckContext, patterns: tuple[str, ...]) -> dict[str, RuleFile]:
    """The head's Prometheus rule files among `patterns`, each parsed once per run (the run's memo,
    by blob id: a file's meaning is a function of its content)."""
    head = ctx.head
    paths = sorted(
        p
        for p, e in head.files.items()
        if e.mode.startswith("100") and globs.matches_any(patterns, p)
    )
    contents = head.read_many(paths)
    found: dict[str, RuleFile] = {}
    for path in paths:
        entry = head.entry(path)
        key = ("rule-file", entry.sha if entry else path, path)
        if key not in ctx.memo:
            raw = contents.get(path)
            ctx.memo[key] = parse_rule_file(raw, path) if raw is not None else None
        parsed = ctx.memo[key]
        if parsed is not None:
            found[path] = parsed
    return found


def alerts_defined(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    wanted = service.get("telemetry", "alerts")
    if not isinstance(wanted, list) or not wanted:
        return []
    patterns = tuple(params.get("rule_files", DEFAULT_RULE_FILES))
    files = rule_files(ctx, patterns)
    loadable = {name for f in files.values() if f.error is None for name in f.alerts}
    problems = []
    for index, alert in enumerate(wanted):
        if not isinstance(alert, str) or alert in loadable:
            continue
        line = service.line("telemetry", "alerts", index)
        rejected = [(p, f) for p, f in sorted(files.items()) if alert in f.alerts]
        if rejected:
            path, f = rejected[0]
            where = f"{path}:{f.error_line}" if f.error_line else path
            problems.append(
                Problem(
                    f"alert {alert!r} is defined in {path}, but Prometheus would reject that file ({where}: {f.error})",
                    service.manifest,
                    line,
                )
            )
        else:
            searched = (
                f"{len(files)} rule file(s)"
                if files
                else f"no rule files match {', '.join(patterns)}"
            )
            problems.append(
                Problem(
                    f"alert {alert!r} is not defined in the repository's Prometheus rule files ({searched})",
                    service.manifest,
                    line,
                )
            )
    return problems


KIND = CheckKind(
    alerts_defined,
    {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "rule_files": {
                "type": "array",
                "minItems": 1,
                "items": {"type": "string", "minLength": 1},
            }
        },
    },
    "alerts named in telemetry.alerts are defined in the repository's Prometheus rule files (as Prometheus parses them)",
)


RUNBOOK_ANNOTATIONS = ("runbook_url", "runbook")


def alert_runbooks(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """Each alert the service names, and each alerting rule in its own rule files (under its
    directory), has a severity, a runbook link that leads to a section of the service's own runbook
    (its anchor is one of the headings), and, where the repository holds an Alertmanager
    configuration, a route to the service's on-call."""
    files = rule_files(ctx, tuple(params.get("rule_files", DEFAULT_RULE_FILES)))
    loadable = sorted((p, f) for p, f in files.items() if f.error is None)
    named = [a for a in service.items("telemetry", "alerts") if isinstance(a, str)]
    own = [
        name for path, f in loadable if path.startswith(service.root) for name, _ in f.every_alert
    ]
    wanted = list(dict.fromkeys(named + own))
    if not wanted:
        return []
    defined = {
        name: (path, rule) for path, f in reversed(loadable) for name, rule in f.rules.items()
    }
    sections = _runbook_anchors(ctx, service)
    problems = []
    for name in wanted:
        if name not in defined:
            continue  # alerts_defined says where it is missing
        path, rule = defined[name]
        gaps = _alert_gaps(name, rule, service, sections) + _routing_gaps(ctx, service, name, rule)
        problems += [Problem(message, path, rule.line) for message in gaps]
    return problems


def _routing_gaps(ctx: CheckContext, service: Service, name: str, rule: AlertRule) -> list[str]:
    """Where the alert goes in each Alertmanager configuration the repository holds (its rule's
    labels and its name; labels of the series it fires on are not known before it fires)."""
    oncall = service.get("owners", "oncall")
    if not isinstance(oncall, str) or not oncall:
        return []
    gaps = []
    for config in routing.configs(ctx):
        if config.error is not None:
            gaps.append(
                f"alert {name!r}: the Alertmanager configuration {config.path} cannot route it ({config.error})"
            )
            continue
        reached = routing.receivers(config, {**rule.labels, "alertname": name})
        if not any(routing.reaches(config, r, oncall) for r in reached):
            gaps.append(
                f"alert {name!r} is routed to {', '.join(reached)} by {config.path}, "
                f"not to the service's on-call ({oncall})"
            )
    return gaps


def _runbook_anchors(ctx: CheckContext, service: Service) -> tuple[str, set[str]] | None:
    """(the runbook as the manifest names it, its heading anchors); None when gate cannot read it."""
    runbook = service.get("runbook")
    if not isinstance(runbook, str) or runbook.startswith(("https://", "http://")):
        return None
    path = ctx.locate(service, runbook).path
    raw = ctx.head.read(path) if path else None
    if path is None or raw is None or len(raw) > markdown.MAX_BYTES:
        return None
    text = raw.decode("utf-8", "replace")
    return path, {markdown.anchor(h.text) for h in markdown.headings(text)}


def _alert_gaps(
    name: str, rule: AlertRule, service: Service, sections: tuple[str, set[str]] | None
) -> list[str]:
    gaps = []
    if not rule.labels.get("severity"):
        gaps.append(
            f"alert {name!r} has no severity label (the router cannot tell a page from a ticket)"
        )
    link = next((rule.annotations[k] for k in RUNBOOK_ANNOTATIONS if rule.annotations.get(k)), None)
    if link is None:
        gaps.append(f"alert {name!r} has no runbook_url annotation (the on-call gets no next step)")
        return gaps
    target, _, fragment = link.partition("#")
    runbook = service.get("runbook")
    if sections is None:
        if (
            isinstance(runbook, str)
            and runbook.startswith("https://")
            and not link.startswith(runbook)
        ):
            gaps.append(
                f"alert {name!r}: runbook_url {link} is not the service's runbook ({runbook})"
            )
        return gaps
    path, anchors = sections
    linked = _linked_path(target, service)
    if linked is None:
        gaps.append(
            f"alert {name!r}: runbook_url {link} is not a repository file gate can check "
            f"(link {path} in this repository, or its GitHub blob URL)"
        )
    elif linked != path:
        gaps.append(
            f"alert {name!r}: runbook_url {link} does not lead to the service's runbook ({path})"
        )
    elif not fragment:
        gaps.append(
            f"alert {name!r}: runbook_url {link} names no section (add #<heading> for this alert)"
        )
    elif fragment not in anchors:
        gaps.append(f"alert {name!r}: runbook_url {link}: {path} has no section #{fragment}")
    return gaps


_BLOB_URL = re.compile(r"^https://[^/]+/[^/]+/[^/]+/(?:blob|tree|edit)/[^/]+/([^?]+)$")


def _linked_path(target: str, service: Service) -> str | None:
    """The repository path a runbook link opens: a GitHub blob URL's path, or a path written as the
    manifest writes paths (relative to it, or /-rooted); None for any other URL."""
    if target.startswith(("https://", "http://")):
        found = _BLOB_URL.match(target)
        return found.group(1).rstrip("/") if found else None
    return service.path(target)


RUNBOOK_KIND = CheckKind(
    alert_runbooks,
    KIND.params,
    "alerts the service names (and those in its own rule files) have a severity label, a runbook_url that leads to a section of its runbook, and a route to its on-call in the repository's Alertmanager configuration",
)
