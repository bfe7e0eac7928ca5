"""Evaluate rules against one service: pure, given the snapshots in the context."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import replace
from typing import Any, cast

from gate import backstage, globs
from gate.catalog import Problem, Service
from gate.policy import graph_kinds
from gate.policy.kinds import CheckContext, kind_of
from gate.policy.rules import Rule
from gate.resources import fragment_errors
from gate.verdict import Finding, Severity


def applies(
    rule: Rule, service: Service, changed: tuple[str, ...], tier: int | None = None
) -> bool:
    """Whether the rule judges this service (at `tier`: its own unless the rule is judged at its
    dependents' tier, see `judged_tier`) for a change to these files."""
    if (service.tier if tier is None else tier) not in rule.severities:
        return False
    if not service.parsed and rule.kind != "manifest_valid":
        return False  # an unparsable manifest gets one clear finding, not a cascade
    if rule.when:
        relative = [
            posixpath.relpath(p, service.root) if service.root and p.startswith(service.root) else p
            for p in changed
        ]
        return any(globs.matches_any(rule.when, p) for p in list(changed) + relative)
    return True


def judge_policies(
    rules: list[Rule],
    service: Service,
    ctx: CheckContext,
    changed: tuple[str, ...],
    lifecycles: backstage.Settings,
) -> list[Finding]:
    """One judgement of a service's policies at a revision: its rules, then its lifecycle.
    `validate` and the scorecard (its headline and every trend point) call it; `check` calls the
    same two steps with its pinned contexts."""
    return advisory(evaluate(rules, service, ctx, changed), service, ctx, lifecycles)


def advisory(
    findings: list[Finding],
    service: Service,
    ctx: CheckContext,
    lifecycles: backstage.Settings,
    trusted: Service | None = None,
) -> list[Finding]:
    """An advisory lifecycle (e.g. Backstage `experimental`) turns errors and warnings into info,
    unless the base revision or the base branch's tip (`trusted`) judged the service strictly: a
    change cannot make its own service advisory, nor keep a lifecycle its fork had and the tip no
    longer has."""
    if not lifecycles.advisory(service.lifecycle):
        return findings
    before = ctx.before(service)  # None: the change left its sources alone, or it is new
    if any(b is not None and not lifecycles.advisory(b.lifecycle) for b in (before, trusted)):
        return findings
    why = f" (lifecycle {service.lifecycle!r} is advisory)"
    return [
        replace(f, severity="info", message=f.message + why)
        if f.severity in ("error", "warning")
        else f
        for f in findings
    ]


def evaluate(
    rules: list[Rule], service: Service, ctx: CheckContext, changed: tuple[str, ...]
) -> list[Finding]:
    findings = []
    for rule in rules:
        tier = judged_tier(rule, service, ctx)
        if not applies(rule, service, changed, tier):
            continue
        params = rule.params(tier)
        if rule.kind == "schema":
            problems = _schema_check(service, params)
        else:
            problems = kind_of(rule.kind).fn(ctx, service, params)
        severity, remediation = enforced(rule, rule.severities[tier], ctx.today)
        why = "" if tier == service.tier else _stricter(ctx, service, tier)
        findings += [
            Finding(
                rule.id,
                rule.title,
                severity,
                p.message + why,
                p.file,
                p.line,
                _fix(p.fix, remediation, rule.remediation),
                rule.docs,
            )
            for p in problems
        ]
    return sorted(findings, key=Finding.sort_key)


def enforced(rule: Rule, severity: Severity, today: dt.date) -> tuple[Severity, str]:
    """(the severity a rule with `enforce_from` has on `today`, its fix with the date said first).
    `today` is the check's own clock (or --as-of), never a date the change carries. The date is in
    the fix, not the message, so a baselined finding keeps its fingerprint across the day."""
    if rule.enforce_from is None or severity != "error":
        return severity, rule.remediation
    if today < rule.enforce_from:
        return "warning", (
            f"Enforced from {rule.enforce_from}: a warning until then, an error from that day. "
            f"{rule.remediation}"
        )
    return severity, f"Enforced since {rule.enforce_from}. {rule.remediation}"


def _fix(specific: str, remediation: str, general: str) -> str:
    """A problem's own fix replaces the rule's, keeping what dated enforcement said before it."""
    return remediation.replace(general, specific) if specific else remediation


def judged_tier(rule: Rule, service: Service, ctx: CheckContext) -> int:
    """The tier whose severity judges the service for this rule: its own, or for a rule the pack
    marks `judged_at: dependents`, the strictest tier the rule has among its own and those of the
    services that depend on it (a change reaches them; `graph_kinds.judged_tier`)."""
    if rule.judged_at != "dependents":
        return service.tier
    strictest = graph_kinds.judged_tier(ctx, service)
    return min((t for t in rule.severities if strictest <= t <= service.tier), default=service.tier)


def _stricter(ctx: CheckContext, service: Service, tier: int) -> str:
    dependents = [s.name for s in graph_kinds.reach(ctx, service).failing if s.tier <= tier]
    verb = "depends" if len(dependents) == 1 else "depend"
    return f" (judged at tier {tier}: {graph_kinds.named(sorted(dependents), 3)} {verb} on it)"


def _schema_check(service: Service, params: dict[str, object]) -> list[Problem]:
    schema = cast(
        "dict[str, Any]", params["schema"]
    )  # the policy-pack schema requires an object here
    errors = fragment_errors(schema, service.data)
    message = params.get("message")
    problems = []
    for path, text in errors:
        problems.append(
            Problem(str(message) if message else text, service.manifest, service.line(*path))
        )
    if (
        message and problems and "{missing}" in str(message)
    ):  # the pack asked for the fields by name
        missing = [field for path, text in errors for field in _fields(path, text)]
        return [
            replace(
                problems[0],
                message=str(message).replace("{missing}", ", ".join(dict.fromkeys(missing))),
            )
        ]
    return problems[:1] if message else problems


def _fields(path: tuple[object, ...], text: str) -> list[str]:
    """The manifest fields a schema error is about: a missing required field -> parent.field; an empty list -> its path."""
    dotted = ".".join(str(p) for p in path)
    text = text.split(": ", 1)[1] if ": " in text else text  # schema_errors prefixes the path
    prefix = f"{dotted}." if dotted else ""
    if text.startswith("missing required field "):
        return [prefix + name.strip() for name in text[len("missing required field ") :].split(",")]
    if text.endswith("is a required property") and text.startswith("'"):
        return [prefix + text[1 : text.index("'", 1)]]
    empty = "needs at least" in text or "non-empty" in text or "is too short" in text
    return [f"{dotted} (empty)" if empty else dotted or text]
