"""Loading rule packs (policies/*.yaml) and applying `.gate.yaml` overrides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from gate import yaml as gate_yaml
from gate.config import Config
from gate.errors import FatalError
from gate.policy.kinds import KINDS, lookup
from gate.resources import check_document, data_dir, fragment_errors, metaschema_errors
from gate.snapshot import Snapshot
from gate.verdict import SEVERITY_RANK, RuleInfo, Severity


@dataclass(frozen=True)
class Example:
    """One case `gate test` runs against a rule (schemas/policy-pack.schema.json#/$defs/example)."""

    name: str
    expect: str  # fires | quiet
    data: dict[str, Any]
    source: str  # the file that holds it: the pack, or the examples file beside it
    line: int | None = None

    @property
    def message(self) -> str | None:
        return self.data.get("message")


@dataclass(frozen=True)
class Rule:
    """A policy pack's rule: what it is (`info`, the record every rule has) and how it checks."""

    info: RuleInfo
    severities: dict[int, Severity]  # tier -> severity; a tier not listed is not checked
    check: dict[str, Any]
    source: str  # pack file that defines the rule
    line: int | None = None
    when: tuple[str, ...] = ()
    tier_params: dict[int, dict[str, Any]] = field(default_factory=dict)
    examples: tuple[Example, ...] = ()
    judged_at: str = "service"  # or "dependents": the strictest tier of its blast radius
    enforce_from: dt.date | None = None  # before this day (the trusted clock's) an error only warns
    campaign: str | None = None  # the rollout campaign it belongs to (scorecard.campaigns)

    @property
    def id(self) -> str:
        return self.info.id

    @property
    def title(self) -> str:
        return self.info.title

    @property
    def description(self) -> str:
        return self.info.description

    @property
    def remediation(self) -> str:
        return self.info.remediation

    @property
    def docs(self) -> str:
        return self.info.docs

    @property
    def kind(self) -> str:
        return "schema" if "schema" in self.check else str(self.check["kind"])

    def params(self, tier: int) -> dict[str, Any]:
        params = {k: v for k, v in self.check.items() if k != "kind"}
        params.update(self.tier_params.get(tier, {}))
        return params


def _severities(raw: Any, tiers: list[int] | None) -> dict[int, Severity]:
    if isinstance(raw, dict):
        table = {int(t): s for t, s in raw.items()}
        return {
            t: s
            for t, s in table.items()
            if s not in ("off", False) and (tiers is None or t in tiers)
        }
    if raw in ("off", False):
        return {}
    return {t: raw for t in (tiers if tiers is not None else (0, 1, 2, 3))}


def _date(raw: Any, path: str, line: int | None) -> dt.date | None:
    """`enforce_from`: a real calendar day (the schema checks its shape), or None."""
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError:
        raise FatalError(f"enforce_from {raw!r} is not a real date", path, line) from None


def parse_pack(raw: bytes, path: str) -> list[Rule]:
    doc = gate_yaml.load(raw, path)
    check_document(doc.data, doc, path, "policy-pack", "policy pack")
    rules = []
    seen: dict[str, int | None] = {}
    for index, item in enumerate(doc.data["rules"]):
        line = doc.line("rules", index)
        rule_id = item["id"]
        if rule_id in seen:
            raise FatalError(
                f"rule id {rule_id!r} defined twice (first on line {seen[rule_id]})", path, line
            )
        seen[rule_id] = line
        rule = Rule(
            info=RuleInfo(
                rule_id,
                item["title"],
                item.get("description", "").strip(),
                item["remediation"].strip(),
                item.get("docs", ""),
            ),
            severities=_severities(item["severity"], item.get("tiers")),
            check=dict(item["check"]),
            source=path,
            line=line,
            when=tuple(item.get("when", ())),
            tier_params={int(t): dict(p) for t, p in item.get("tier_params", {}).items()},
            judged_at=item.get("judged_at", "service"),
            enforce_from=_date(
                item.get("enforce_from"), path, doc.line("rules", index, "enforce_from")
            ),
            campaign=item.get("campaign"),
            examples=tuple(
                Example(e["name"], e["expect"], e, path, doc.line("rules", index, "examples", j))
                for j, e in enumerate(item.get("examples", ()))
            ),
        )
        _check_rule(rule, doc.line("rules", index, "check"))
        rules.append(rule)
    return rules


def _check_rule(rule: Rule, line: int | None) -> None:
    """Unknown check kinds and bad parameters are the pack author's error: exit 2 with the line."""
    if rule.kind == "schema":
        errors = metaschema_errors(rule.check["schema"])
        if errors:
            raise FatalError(
                f"rule {rule.id}: check.schema is not a valid JSON Schema: {errors[0][1]}",
                rule.source,
                line,
            )
        return
    kind = lookup(rule.kind)
    if kind is None:
        known = ", ".join(sorted(KINDS))
        raise FatalError(
            f"rule {rule.id}: unknown check kind {rule.kind!r} (built in: schema, {known}; installed plug-ins: `gate explain --kinds`)",
            rule.source,
            line,
        )
    for tier in set(rule.severities) | {0}:
        errors = fragment_errors(kind.params, rule.params(tier))
        if errors:
            raise FatalError(f"rule {rule.id}: check parameters: {errors[0][1]}", rule.source, line)


def read_pack(pack: Any, config: Config, base: Snapshot | None) -> tuple[str, bytes]:
    """(label, bytes) of one configured pack: built in, a repository path read from the base
    revision, or a mapping that pins a pack in another git repository (gate.policy.shared)."""
    if isinstance(pack, dict):
        from gate.policy import shared

        return shared.read(shared.parse_pin(pack, config), config)
    if pack == "default" or pack.startswith("builtin:"):
        name = "default" if pack == "default" else pack.split(":", 1)[1]
        file = data_dir("policies") / f"{name}.yaml"
        if not file.is_file():
            raise FatalError(f"unknown built-in pack {pack!r}", config.path, config.line("packs"))
        return f"(built-in) policies/{name}.yaml", file.read_bytes()
    found = base.read(pack) if base is not None else None
    if found is None:
        raise FatalError(
            f"policy pack {pack!r} not found in the base revision",
            config.path,
            config.line("packs"),
        )
    return pack, found


def load_rules(config: Config, base: Snapshot | None) -> list[Rule]:
    """Every rule of the configured packs (built-in or read from the base revision, None outside a
    repository: built-in packs only), overrides applied."""
    rules: list[Rule] = []
    where: dict[str, str] = {}
    for pack in config.packs:
        label, raw = read_pack(pack, config, base)
        for rule in parse_pack(raw, label):
            if rule.id in where:
                raise FatalError(
                    f"rule id {rule.id!r} is defined by both {where[rule.id]} and this pack",
                    label,
                    rule.line,
                )
            where[rule.id] = label
            rules.append(rule)
    return apply_overrides(rules, config)


def apply_overrides(rules: list[Rule], config: Config) -> list[Rule]:
    by_id = {r.id: r for r in rules}
    for rule_id, override in config.rules.items():
        if rule_id not in by_id:
            raise FatalError(
                f"rules: unknown rule id {rule_id!r}", config.path, config.line("rules", rule_id)
            )
        rule = by_id[rule_id]
        if isinstance(override, str):
            override = {"severity": override}
        tiers = override.get("tiers")
        severity = override.get("severity")
        if severity is None:
            severities = {t: s for t, s in rule.severities.items() if tiers is None or t in tiers}
            if tiers:
                fallback: Severity = max(
                    rule.severities.values(), key=SEVERITY_RANK.__getitem__, default="warning"
                )
                severities = {t: rule.severities.get(t, fallback) for t in tiers}
        else:
            severities = _severities(severity, tiers)
        check = dict(rule.check)
        check.update(override.get("params", {}))
        updated = replace(
            rule,
            severities=severities,
            check=check,
            enforce_from=_date(
                override.get("enforce_from"),
                config.path,
                config.line("rules", rule_id, "enforce_from"),
            )
            if "enforce_from" in override
            else rule.enforce_from,
            campaign=override.get("campaign", rule.campaign),
        )
        _check_rule(updated, config.line("rules", rule_id))
        by_id[rule_id] = updated
    return [by_id[r.id] for r in rules]
