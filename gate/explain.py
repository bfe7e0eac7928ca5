"""`gate explain RULE`: a rule's purpose, per-tier severity, check and fix."""
from __future__ import annotations

import json

from gate import config as gate_config
from gate.builtin_rules import BUILTIN_RULES
from gate.errors import FatalError
from gate.policy.kinds import KINDS
from gate.policy.rules import Rule, load_rules


def _rules(repo_dir: str, config_path: str | None) -> list[Rule]:
    from gate.git import EMPTY, Repo, Snapshot

    try:
        repo = Repo(repo_dir)
        snapshot = Snapshot(repo, repo.resolve("HEAD") if repo.has_commits() else EMPTY)
    except FatalError:
        if config_path:
            raise
        return load_rules(gate_config.Config(), None)  # type: ignore[arg-type]
    return load_rules(gate_config.load(snapshot, config_path or gate_config.CONFIG_FILE, required=bool(config_path)), snapshot)


def explain(rule_id: str, repo_dir: str = ".", config_path: str | None = None) -> str:
    if rule_id in BUILTIN_RULES:
        b = BUILTIN_RULES[rule_id]
        return f"{b.id}: {b.title}\n\nwhy: {b.description}\nfix: {b.remediation}\nsource: built into the gate\n"
    rules = {r.id: r for r in _rules(repo_dir, config_path)}
    rule = rules.get(rule_id)
    if rule is None:
        known = ", ".join(sorted(set(rules) | set(BUILTIN_RULES)))
        raise FatalError(f"unknown rule id {rule_id!r}; known rules: {known}")
    tiers = ", ".join(f"tier {t}: {s}" for t, s in sorted(rule.severities.items())) or "off for every tier"
    kind = "JSON Schema over service.yaml" if rule.kind == "schema" else f"{rule.kind} ({KINDS[rule.kind].summary})"
    lines = [f"{rule.id}: {rule.title}", ""]
    if rule.description:
        lines.append(f"why: {rule.description}")
    lines.append(f"severity: {tiers}")
    if rule.when:
        lines.append(f"only when the change touches: {', '.join(rule.when)}")
    lines.append(f"check: {kind}")
    for tier in sorted(rule.severities):
        params = {k: v for k, v in rule.params(tier).items() if k != "schema"}
        if params:
            lines.append(f"  tier {tier} parameters: {json.dumps(params, sort_keys=True)}")
    lines.append(f"fix: {rule.remediation}")
    if rule.docs:
        lines.append(f"docs: {rule.docs}")
    lines.append(f"source: {rule.source}" + (f":{rule.line}" if rule.line else ""))
    return "\n".join(lines) + "\n"
