"""The Prometheus rule file format, read as Prometheus 2.x reads it (`rulefmt.Parse`): a mapping
with only `groups`; each group a non-empty, unique `name` with `interval`, `limit`, `rules`; each
rule exactly one of `record` / `alert`, a non-empty `expr`, `for` and `keep_firing_for` durations,
valid label and annotation names; unknown fields and duplicate keys are errors. PromQL itself is
not parsed here (`promtool check rules` does that). A Prometheus Operator `PrometheusRule` is read
through its `spec`, as the operator does. Used by the alert rules (gate/policy/alerts.py,
burn_alerts.py) and by the budget's reliability-only exemption, so it stays light: no check kinds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from gate import yaml as gate_yaml
from gate.errors import FatalError

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


def as_prometheus_reads(raw: bytes, path: str) -> list[bytes]:
    """The rule files Prometheus would be given for this file: each PrometheusRule object's spec
    (as JSON, which YAML reads), or the file itself (what `promtool check rules` takes)."""
    try:
        docs = gate_yaml.load_all(raw, path)
    except FatalError:
        return [raw]
    if docs and all(_is_prometheus_rule(d.data) for d in docs):
        return [json.dumps(d.data["spec"]).encode() for d in docs]
    return [raw]


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
