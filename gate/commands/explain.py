"""`gate explain [RULE]`: a rule's purpose, per-tier severity, check and fix; every rule and check kind."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from gate.commands.options import config_option, repo_option, say
from gate.errors import FatalError, did_you_mean

if TYPE_CHECKING:
    from gate.policy.rules import Rule


@click.command("explain")
@click.argument("rule_id", required=False)
@repo_option
@config_option
@click.option(
    "--kinds",
    "list_kinds",
    is_flag=True,
    help="List the check kinds: built in, shipped and installed plug-ins.",
)
def explain_command(
    rule_id: str | None, repo: str, config_path: str | None, list_kinds: bool
) -> None:
    """Explain a rule: why it exists, what it checks per tier, how to fix it, its examples. Without RULE_ID: every rule and check kind."""
    if list_kinds and rule_id:
        raise click.UsageError("give a RULE_ID or --kinds, not both")
    if list_kinds:
        say(kinds(), nl=False)
    else:
        say(explain(rule_id, repo, config_path) if rule_id else catalog(repo, config_path))


def _rules(repo_dir: str, config_path: str | None) -> list[Rule]:
    from gate import config as gate_config
    from gate.git import EMPTY, Repo
    from gate.policy.rules import load_rules
    from gate.revision import open_revision

    try:
        repo = Repo(repo_dir)
        rev = "HEAD" if repo.has_commits() else EMPTY
    except FatalError:
        if config_path:
            raise
        return load_rules(gate_config.Config(), None)
    return open_revision(repo, rev, config_path).rules


def _with_examples(rule: Rule, repo_dir: str) -> Rule:
    """The rule with the examples kept beside its pack (built in, or in the repository at HEAD)."""
    from gate.policy import testing

    if rule.source.startswith("(built-in)"):
        return next(r for r in testing.builtin_examples([rule], rule.source))
    sibling = testing.examples_path(rule.source)
    if sibling is None:
        return rule
    try:
        from gate.git import Repo
        from gate.snapshot import Snapshot

        repo = Repo(repo_dir)
        raw = Snapshot(repo, repo.resolve("HEAD")).read(sibling)
    except FatalError:
        return rule
    if raw is None:
        return rule
    # Only this rule's examples matter here; a sibling file written for more rules still applies.
    return next(r for r in testing.with_examples([rule], raw, sibling, only_known=True))


def explain(rule_id: str, repo_dir: str = ".", config_path: str | None = None) -> str:
    import json

    from gate.budget.guide import TOPICS
    from gate.builtin_rules import BUILTIN_RULES
    from gate.policy.kinds import kind_of

    if rule_id in TOPICS:
        return TOPICS[rule_id]
    if rule_id in BUILTIN_RULES:
        b = BUILTIN_RULES[rule_id]
        return f"{b.id}: {b.title}\n\nwhy: {b.description}\nfix: {_fix(b.remediation)}\nsource: built into the gate\n"
    rules = {r.id: r for r in _rules(repo_dir, config_path)}
    rule = rules.get(rule_id)
    if rule is None:
        raise FatalError(
            f"unknown rule id {rule_id!r}{did_you_mean(rule_id, set(rules) | set(BUILTIN_RULES) | set(TOPICS))}; "
            f"`gate explain` lists every rule; topics: {', '.join(sorted(TOPICS))}"
        )
    rule = _with_examples(rule, repo_dir)
    tiers = (
        ", ".join(f"tier {t}: {s}" for t, s in sorted(rule.severities.items()))
        or "off for every tier"
    )
    kind = (
        "JSON Schema over service.yaml"
        if rule.kind == "schema"
        else f"{rule.kind} ({kind_of(rule.kind).summary})"
    )
    lines = [f"{rule.id}: {rule.title}", ""]
    if rule.description:
        lines.append(f"why: {rule.description}")
    lines.append(f"severity: {tiers}")
    if rule.judged_at == "dependents":
        lines.append(
            "judged at: the strictest tier of the service and the services that fail with it"
        )
    if rule.when:
        lines.append(f"only when the change touches: {', '.join(rule.when)}")
    lines.append(f"check: {kind}")
    for tier in sorted(rule.severities):
        params = {k: v for k, v in rule.params(tier).items() if k != "schema"}
        if params:
            lines.append(f"  tier {tier} parameters: {json.dumps(params, sort_keys=True)}")
    lines.append(f"fix: {_fix(rule.remediation)}")
    if rule.docs:
        lines.append(f"docs: {rule.docs}")
    lines.append(f"source: {rule.source}" + (f":{rule.line}" if rule.line else ""))
    lines += _examples(rule)
    return "\n".join(lines) + "\n"


def _examples(rule: Rule) -> list[str]:
    """The rule's examples (`gate test` runs them): what fires it and what keeps it quiet."""
    import json

    if not rule.examples:
        return []
    lines = ["", "examples (`gate test` runs them):"]
    for example in rule.examples:
        what = (
            "fires" + (f" ({example.message!r})" if example.message else "")
            if example.expect == "fires"
            else "quiet"
        )
        lines.append(f"  {what}: {example.name}")
        for side, label in ((example.data.get("base"), "before"), (example.data, "")):
            if not side:
                continue
            prefix = f"{label} " if label else ""
            if "manifest" in side:
                manifest = side["manifest"]
                shown = (
                    manifest if isinstance(manifest, str) else json.dumps(manifest, sort_keys=True)
                )
                lines.append(f"    {prefix}service.yaml: {shown}".rstrip())
            for path, text in side.get("files", {}).items():
                lines.append(f"    {prefix}{path}: {json.dumps(text)}")
    return lines


def kinds() -> str:
    """Every check kind: built in, shipped as a plug-in, installed by the operator."""
    from gate.policy import plugins
    from gate.policy.kinds import KINDS

    lines = ["built in:", "  schema  a JSON Schema fragment over service.yaml"]
    lines += [f"  {name}  {kind.summary}" for name, kind in sorted(KINDS.items())]
    lines.append(
        f"plug-ins (entry point group {plugins.GROUP}; code the operator installed, loaded only when a pack names it):"
    )
    rows = plugins.available(KINDS)
    lines += [f"  {name}  {summary}  [{origin}]" for name, origin, summary in rows]
    return "\n".join(lines) + "\n"


def _fix(remediation: str) -> str:
    from gate.waivers.trust import any_tier

    return any_tier(remediation)


def catalog(repo_dir: str = ".", config_path: str | None = None) -> str:
    """Every rule (the configured packs' and the gate's own) and every check kind, one line each."""
    from gate.builtin_rules import BUILTIN_RULES

    rules = _rules(repo_dir, config_path)
    lines = ["rules (gate explain RULE for one):"]
    width = max(len(r) for r in [*(r.id for r in rules), *BUILTIN_RULES])
    for rule in sorted(rules, key=lambda r: r.id):
        tiers = ", ".join(f"{t}:{s}" for t, s in sorted(rule.severities.items())) or "off"
        lines.append(f"  {rule.id:<{width}}  {rule.title} [tier {tiers}]")
    for b in sorted(BUILTIN_RULES.values(), key=lambda b: b.id):
        lines.append(f"  {b.id:<{width}}  {b.title} [built into the gate]")
    lines += ["", "check kinds (for `check: {kind: ...}` in a policy pack):"]
    lines += ["  " + line for line in kinds().splitlines()]
    return "\n".join(lines) + "\n"
