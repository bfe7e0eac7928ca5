"""`alerts_defined`: every alert a manifest names in `telemetry.alerts` is defined in the
repository's Prometheus rule files. Shipped as a plug-in-style kind (see gate.policy.plugins):
it is imported only when a pack names it.

Rule files are read as Prometheus 2.x reads them (gate/policy/rulefmt.py). An alert defined only
in a file Prometheus would reject does not count.
"""

from __future__ import annotations

import re
from typing import Any

from gate import globs, markdown
from gate.catalog import Problem, Service
from gate.policy import routing
from gate.policy.kinds import CheckContext, CheckKind
from gate.policy.rulefmt import AlertRule, RuleFile, parse_rule_file

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
    "**/*prometheusRule.yaml",  # kube-prometheus' PrometheusRule manifests
    "**/*prometheusRule.yml",
    "**/*prometheus-rules.yaml",
    "**/*prometheus-rules.yml",
)


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
    defined: dict[str, list[tuple[str, AlertRule]]] = {}  # every definition (Sloth's page and
    for path, f in loadable:  # ticket alerts share a name, each with its own labels)
        for name, rule in f.every_alert:
            defined.setdefault(name, []).append((path, rule))
    sections = _runbook_anchors(ctx, service)
    problems = []
    for name in wanted:  # one not defined anywhere: alerts_defined says where it is missing
        for path, rule in defined.get(name, []):
            gaps = _alert_gaps(name, rule, service, sections)
            gaps += _routing_gaps(ctx, service, name, rule)
            problems += [Problem(message, path, rule.line) for message in gaps]
    return list(dict.fromkeys(problems))


def _routing_gaps(ctx: CheckContext, service: Service, name: str, rule: AlertRule) -> list[str]:
    """Where the alert goes in each Alertmanager configuration the repository holds (its rule's
    labels and its name; labels of the series it fires on are not known before it fires): a page
    reaches the on-call; any other alert the on-call or a receiver of the owning team."""
    oncall, team = service.get("owners", "oncall"), service.get("owners", "team")
    if not isinstance(oncall, str) or not oncall:
        return []
    paging = rule.labels.get("severity", "").lower() in ("page", "critical", "paging")
    team = team if isinstance(team, str) and team and not paging else None
    gaps = []
    for config in routing.configs(ctx):
        if config.error is not None:
            gaps.append(
                f"alert {name!r}: the Alertmanager configuration {config.path} cannot route it ({config.error})"
            )
            continue
        reached = routing.receivers(config, {**rule.labels, "alertname": name})
        if not any(
            routing.reaches(config, r, oncall) or (team and routing.of_team(r, team))
            for r in reached
        ):
            whom = f"on-call ({oncall})" if team is None else f"on-call or team ({oncall}, {team})"
            gaps.append(
                f"alert {name!r} is routed to {', '.join(reached)} by {config.path}, "
                f"not to the service's {whom}"
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
    if not (rule.labels.get("severity") or rule.labels.get("sloth_severity")):  # Sloth's own
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
