"""`gate check` end to end: changed files -> services -> findings -> verdict."""
from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass, replace

from gate import config as gate_config
from gate import globs
from gate.catalog import Catalog, Service, load_service
from gate.git import EMPTY, INDEX, Change, Repo, Snapshot
from gate.policy.engine import evaluate
from gate.policy.kinds import CheckContext
from gate.policy.rules import Rule, load_rules
from gate.verdict import Finding, ServiceResult, Verdict, decide

MAX_UNOWNED_FINDINGS = 50


@dataclass(frozen=True)
class BuiltinRule:
    id: str
    title: str
    description: str
    remediation: str


# Rules the gate itself raises, outside any pack (documented by `gate explain` like the rest).
BUILTIN_RULES = {
    r.id: r
    for r in (
        BuiltinRule(
            "unowned-change",
            "Changed file belongs to no service",
            "Every production file should belong to a service with owners, so a change has someone accountable. "
            "Severity is `unowned` in .gate.yaml (default warning); `unowned_ignore` lists files that need no owner.",
            "Move the file under a service directory, claim it with `paths:` in a service.yaml, or add it to `unowned_ignore` in .gate.yaml.",
        ),
        BuiltinRule(
            "gate-config-changed",
            "Change edits the gate's own configuration",
            "The gate reads .gate.yaml and policy packs from the base revision, so a change cannot loosen the rules that judge it. "
            "The edit takes effect after it merges; reviewers should look at it closely.",
            "Have the platform team / release managers (CODEOWNERS of .gate.yaml and policies/) review this change.",
        ),
        BuiltinRule(
            "manifest-removed",
            "service.yaml deleted while the service's files remain",
            "Deleting a manifest but keeping the code would let the code escape every readiness rule.",
            "Delete the whole service directory, or keep its service.yaml.",
        ),
    )
}


def _builtin(rule_id: str, severity: str, message: str, file: str | None, line: int | None = None) -> Finding:
    rule = BUILTIN_RULES[rule_id]
    return Finding(rule.id, rule.title, severity, message, file, line, rule.remediation)


def run(
    repo: Repo,
    base: str | None = None,
    head: str | None = None,
    staged: bool = False,
    config_path: str | None = None,
    today: dt.date | None = None,
) -> Verdict:
    """Judge one change: commits base...head (merge-base semantics) or the staged index."""
    if staged:
        head_rev = INDEX
        base_rev = repo.resolve("HEAD") if repo.has_commits() else EMPTY
    else:
        head_rev = repo.resolve(head or "HEAD")
        base_rev = repo.merge_base(repo.resolve(base or repo.default_base()), head_rev)
    base_snap, head_snap = Snapshot(repo, base_rev), Snapshot(repo, head_rev)
    config = gate_config.load(base_snap, config_path or gate_config.CONFIG_FILE, required=config_path is not None)
    rules = load_rules(config, base_snap)
    changes = repo.changes(base_rev, head_rev)
    return judge(changes, base_snap, head_snap, config, rules, today or dt.date.today(), "staged" if staged else "commits")


def judge(
    changes: list[Change],
    base: Snapshot,
    head: Snapshot,
    config: gate_config.Config,
    rules: list[Rule],
    today: dt.date,
    mode: str,
) -> Verdict:
    head_catalog = Catalog(head)
    ctx = CheckContext(head=head, base=base, today=today, github_org=config.github_org)
    touched: dict[str, list[str]] = {}  # manifest -> changed paths
    removed: dict[str, tuple[Service, list[str]]] = {}
    repo_findings: list[Finding] = []
    unowned: list[str] = []

    for change in changes:
        for path in (change.path, change.old_path):
            if path is None:
                continue
            owners = head_catalog.owners(path)
            if not owners and (change.status == "D" or path == change.old_path):
                gone = ctx.base_catalog.owners(path)
                for service in gone:
                    if service.manifest not in head_catalog.manifests:
                        removed.setdefault(service.manifest, (service, []))[1].append(path)
                if gone:
                    continue
            for service in owners:
                touched.setdefault(service.manifest, []).append(path)
            if not owners and path == change.path and not globs.matches_any(config.unowned_ignore, path):
                unowned.append(path)

    config_changed = any(c.path in config.files() or c.old_path in config.files() for c in changes)
    if config_changed:
        repo_findings.append(
            _builtin(
                "gate-config-changed",
                "warning",
                f"this change edits the gate's configuration ({', '.join(sorted(p for p in config.files() if any(p in (c.path, c.old_path) for c in changes)))}); "
                "it is judged by the base revision's configuration, and the edit applies after merge",
                config.path,
            )
        )
    if config.unowned != "off":
        for path in sorted(set(unowned))[:MAX_UNOWNED_FINDINGS]:
            repo_findings.append(_builtin("unowned-change", config.unowned, f"{path} belongs to no service", path))
        if len(set(unowned)) > MAX_UNOWNED_FINDINGS:
            extra = len(set(unowned)) - MAX_UNOWNED_FINDINGS
            repo_findings.append(_builtin("unowned-change", config.unowned, f"and {extra} more files that belong to no service", None))

    results = []
    statuses = {c.path: c.status for c in changes}
    for manifest, paths in sorted(touched.items()):
        service = _strictest_tier(head_catalog.service_at(manifest), base, head)
        changed = tuple(sorted(set(paths)))
        findings = evaluate(rules, service, ctx, changed)
        status = "added" if statuses.get(manifest) == "A" else "changed"
        results.append(ServiceResult(service.name, service.tier, manifest, service.root, status, changed, tuple(findings)))
    for manifest, (service, paths) in sorted(removed.items()):
        remaining = [p for p in head.files if service.root and p.startswith(service.root)]
        findings = []
        if remaining:
            message = f"{manifest} was deleted but {len(remaining)} file(s) remain under {service.root}, now judged by no service's rules"
            findings.append(_builtin("manifest-removed", "error", message, manifest))
        results.append(ServiceResult(service.name, service.tier, manifest, service.root, "removed", tuple(sorted(set(paths))), tuple(findings)))

    repo_findings.sort(key=Finding.sort_key)
    verdict = decide([f for r in results for f in r.findings] + repo_findings)
    return Verdict(
        verdict=verdict,
        base=base.rev,
        head=head.rev,
        services=tuple(results),
        findings=tuple(repo_findings),
        config=config.path if config.found else "(defaults)",
        config_changed=config_changed,
        as_of=today.isoformat(),
        mode=mode,
    )


def _strictest_tier(service: Service, base: Snapshot, head: Snapshot) -> Service:
    """A change that lowers its own tier is judged at the tier it had: it cannot relax its own rules."""
    if base.read(service.manifest) == head.read(service.manifest):
        return service
    before = load_service(base, service.manifest)
    if before.parsed and isinstance(before.get("tier"), int) and before.tier < service.tier:
        return replace(service, tier=before.tier)
    return service


def validate(repo: Repo, rev: str = "HEAD", config_path: str | None = None, today: dt.date | None = None) -> Verdict:
    """Every service of one revision, judged as if each were changed (for the default branch)."""
    head_rev = repo.resolve(rev)
    snap = Snapshot(repo, head_rev)
    config = gate_config.load(snap, config_path or gate_config.CONFIG_FILE, required=config_path is not None)
    rules = load_rules(config, snap)
    catalog = Catalog(snap)
    ctx = CheckContext(head=snap, base=snap, today=today or dt.date.today(), github_org=config.github_org)
    results = []
    for service in catalog.all():
        findings = evaluate(rules, service, ctx, (service.manifest,))
        results.append(ServiceResult(service.name, service.tier, service.manifest, service.root, "unchanged", (), tuple(findings)))
    return Verdict(
        verdict=decide([f for r in results for f in r.findings]),
        base=head_rev,
        head=head_rev,
        services=tuple(results),
        findings=(),
        config=config.path if config.found else "(defaults)",
        config_changed=False,
        as_of=(today or dt.date.today()).isoformat(),
        mode="catalog",
    )
