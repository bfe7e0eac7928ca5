"""`gate check` end to end: changed files -> services -> findings -> verdict."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import os
import posixpath
from typing import Any

from gate import config as gate_config
from gate.risk.score import DEFAULT_ROLLBACK_DAYS, DEFAULT_THRESHOLDS, RiskScorer
from gate import codeowners, ownership, resources
from gate.catalog import Catalog, Service, configure as configure_sources, prepare as prepare_catalog
from gate.git import EMPTY, INDEX, Change, Repo, Snapshot
from gate.policy.engine import applies, evaluate
from gate.policy.kinds import CheckContext
from gate.policy.rules import Rule, load_rules
from gate.builtin_rules import builtin_finding as _builtin
from gate.verdict import Finding, RuleInfo, ServiceResult, Verdict, decide
from gate.waivers.apply import WaiverReport, stage as waivers_stage

MAX_UNOWNED_FINDINGS = 50


def run(
    repo: Repo,
    base: str | None = None,
    head: str | None = None,
    staged: bool = False,
    config_path: str | None = None,
    today: dt.date | None = None,
    offline: bool = False,
) -> Verdict:
    """Judge one change: commits base...head (merge-base semantics) or the staged index.

    The trusted side is the base branch's tip (`--base` as given): configuration, packs, the
    ledger, the risk model and SLO definitions are read there. The merge-base is used only to
    compute what changed, so branching from an old commit cannot choose the rules.
    """
    resources.remember_in(os.path.join(repo.git_dir, "gate"))
    if staged:
        head_rev = INDEX
        base_rev = tip = repo.resolve_or_empty("HEAD")
    else:
        trusted_name = base or repo.default_base()
        repo.check_unambiguous(trusted_name)
        head_rev, tip = repo.resolve_many([head or "HEAD", trusted_name])
        base_rev = repo.merge_base(tip, head_rev)
    base_snap, head_snap = Snapshot(repo, base_rev), Snapshot(repo, head_rev)
    trusted = base_snap if tip == base_rev else Snapshot(repo, tip)
    prepare_catalog(trusted)
    trusted.prefetch([config_path or gate_config.CONFIG_FILE, *codeowners.LOCATIONS])
    config = gate_config.load(trusted, config_path or gate_config.CONFIG_FILE, required=config_path is not None)
    configure_sources(repo, config.backstage)  # which files are services: the trusted tip's settings
    rules = load_rules(config, trusted)
    lines = bool(config.risk.get("enabled", True))  # risk scoring counts lines: the same diff does it
    changes = repo.changes(base_rev, head_rev, lines=lines)
    head_snap.after(base_snap, changes, lines=lines)
    verdict = judge(changes, base_snap, head_snap, config, rules, today or dt.date.today(), "staged" if staged else "commits",
                    offline, trusted=trusted)
    resources.save_memo()
    return verdict


def judge(
    changes: list[Change],
    base: Snapshot,
    head: Snapshot,
    config: gate_config.Config,
    rules: list[Rule],
    today: dt.date,
    mode: str,
    offline: bool = False,
    trusted: Snapshot | None = None,
) -> Verdict:
    """`base` is where the change forked (what changed); `trusted` the base branch's tip (who judges)."""
    trusted = trusted or base
    if head.base is None:
        head.after(base, changes)
    # Risk mining starts first: its `git log`s run while the catalog is read and policies checked.
    scorer = RiskScorer(config.risk, base, head, today, trusted=trusted) if changes and config.risk.get("enabled", True) else None
    head_catalog = Catalog.of(head)
    ctx = CheckContext(head=head, base=base, today=today, github_org=config.github_org)
    owners = ownership.of_change(changes, Catalog.of(trusted), ctx.base_catalog, head_catalog, config.unowned_ignore)
    ctx.identity = owners.identity
    touched, removed, unowned = owners.touched, owners.removed, owners.unowned
    repo_findings: list[Finding] = list(owners.findings)

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
    if config_changed and any(config.path in (c.path, c.old_path) for c in changes):
        from gate.policy.shared import pin_findings

        repo_findings += pin_findings(config, head)
    if config.unowned != "off":
        for path in sorted(set(unowned))[:MAX_UNOWNED_FINDINGS]:
            repo_findings.append(_builtin("unowned-change", config.unowned, f"{path} belongs to no service", path))
        if len(set(unowned)) > MAX_UNOWNED_FINDINGS:
            extra = len(set(unowned)) - MAX_UNOWNED_FINDINGS
            repo_findings.append(_builtin("unowned-change", config.unowned, f"and {extra} more files that belong to no service", None))

    results = []
    statuses = {c.path: c.status for c in changes}
    trusted_catalog = Catalog.of(trusted)
    pinned_ctx = CheckContext(head=trusted, base=trusted, today=today, github_org=config.github_org)
    in_head = [m for m in touched if m not in owners.pinned]
    # Everything either side will be asked about, in one git process: unchanged paths are the
    # same on both sides, and the head knows its changed paths from the diff.
    head.read_many(in_head)
    documents = [d for m in in_head for d in head_catalog.service_at(m).documents()]
    wanted = [*config.files(), config.ledger_path, *codeowners.LOCATIONS, *touched, *documents,
              *(p for c in changes for p in (c.path, c.old_path) if p)]
    base.prefetch(wanted)
    head.prefetch(wanted)
    head.read_many(documents)  # runbooks and plans the rules will read, in one round trip
    base.read_many([owners.identity.get(m, m) for m in touched])  # the manifests as they were, for drift and the strictest tier
    budgets = BudgetGate(config.budgets, head, base, changes, offline, trusted=trusted)
    if scorer is not None and not touched:
        scorer.cancel()
        scorer = None
    for manifest, paths in sorted(touched.items()):
        pinned = owners.pinned.get(manifest)
        here = pinned_ctx if pinned else ctx
        was = owners.identity.get(manifest, manifest)
        definitions = pinned or (trusted_catalog.service_at(was) if trusted_catalog.has(was) else None)
        service = pinned or head_catalog.service_at(manifest)
        service = _strictest_tier(service, [ctx.before(service), definitions])
        changed = tuple(sorted(set(paths)))
        findings = _lifecycle(evaluate(rules, service, here, changed), service, ctx, config, definitions)
        status = "added" if all(statuses.get(f) == "A" for f in service.files) and manifest not in owners.identity else "changed"
        budget = None
        risk = None
        if scorer is not None and service.parsed:
            risk = scorer.score(changed, service.tier)
            findings = sorted(findings + risk_findings(risk, service, config.risk, today), key=Finding.sort_key)
        if budgets.enabled and (service.parsed or (definitions is not None and definitions.parsed)):  # a broken head manifest hides no budget
            budget_findings, budget = budgets.assess(service, changed, definitions)
            findings = sorted(findings + budget_findings, key=Finding.sort_key)
        findings = _approvers(findings, service.tier, config)
        checked = tuple(r.id for r in rules if applies(r, service, changed)) + (("error-budget",) if budget else ())
        identity = definitions.name if definitions is not None and definitions.parsed else ""
        results.append(ServiceResult(service.name, service.tier, manifest, service.root, status, changed, tuple(findings),
                                     risk=risk, budget=budget, checked=checked,
                                     identity=identity if identity != service.name else ""))
    for manifest, (service, paths) in sorted(removed.items()):
        remaining = [p for p in head.files if service.root and p.startswith(service.root)]
        findings = []
        if remaining:
            covered = sorted({o.name for p in remaining[:50] for o in head_catalog.owners(p)})
            now = f"now judged only by {', '.join(covered)}" if covered else "now judged by no service's rules"
            message = f"{manifest} was deleted but {len(remaining)} file(s) remain under {service.root}, {now}"
            findings.append(_builtin("manifest-removed", "error", message, manifest))
        elif service.tier <= 1:
            message = (f"{manifest} was deleted: tier-{service.tier} service {service.name!r} is removed, its files deleted or "
                       "moved elsewhere; retiring or moving a tier 0-1 service needs its owners' review and a recorded exception")
            findings.append(_builtin("manifest-removed", "error", message, manifest))
        changed = tuple(sorted(set(paths)))
        budget = None
        if budgets.enabled and service.parsed and changed:  # its code moved on: its spent budget still counts
            definitions = trusted_catalog.service_at(manifest) if trusted_catalog.has(manifest) else service
            budget_findings, budget = budgets.assess(service, changed, definitions, drift=False)
            findings += budget_findings
        results.append(ServiceResult(service.name, service.tier, manifest, service.root, "removed", changed,
                                     tuple(sorted(findings, key=Finding.sort_key)), budget=budget))

    ctx.save()
    results, exceptions_report = waivers_stage(results, base, head, config, today, mode, repo_findings, trusted)
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
        exceptions=exceptions_report,
        rules=rule_catalog(rules),
    )


def rule_catalog(rules: list[Rule]) -> dict[str, RuleInfo]:
    from gate.builtin_rules import BUILTIN_RULES
    from gate.waivers.trust import ANY_APPROVERS, APPROVERS

    catalog = {r.id: RuleInfo(r.id, r.title, r.description, r.remediation.replace(APPROVERS, ANY_APPROVERS), r.docs) for r in rules}
    catalog.update({b.id: RuleInfo(b.id, b.title, b.description, b.remediation.replace(APPROVERS, ANY_APPROVERS)) for b in BUILTIN_RULES.values()})
    return catalog


def _approvers(findings: list[Finding], tier: int, config: gate_config.Config) -> list[Finding]:
    from gate.waivers.trust import with_approvers

    return with_approvers(findings, tier, config.exceptions)


class BudgetGate:
    """Error budgets for the changed services, measured with the trusted SLO definitions;
    exemptions are worked out once, only when needed."""

    def __init__(self, settings: dict[str, Any], head: Snapshot, base: Snapshot, changes: list[Change], offline: bool,
                 trusted: Snapshot | None = None) -> None:
        self.settings: dict[str, Any] = {}
        self.head, self.base, self.changes, self.offline = head, base, changes, offline
        self.trusted = trusted or base
        if settings:  # budget modules load only for repositories that use budgets
            from gate.budget.status import anchored

            self.settings = anchored(settings, head.repo.root, committed=self._committed)
        env = ("GATE_PROMETHEUS_URL", "GATE_BUDGET_FILE", "GATE_BUDGET_URL")
        self.enabled = bool(settings) or any(os.environ.get(v) for v in env)
        self._change_exemption: str | None | bool = False  # False: not yet worked out

    def _committed(self, path: str) -> bool:
        """Whether a repository path is in the change's tree: such a file is the change's own claim.
        In any letter case: on a case-insensitive checkout `SLO-status.json` is `slo-status.json`."""
        if self.head.entry(path) is not None or self.trusted.entry(path) is not None:
            return True
        return any(self.head.repo.spelled_alike(snap.rev, path) for snap in (self.head, self.trusted))

    def change_exemption(self) -> str | None:
        from gate.budget.exempt import label_exemption, verified_revert

        if self._change_exemption is False:
            exempt = self.settings.get("exempt", {})
            found = None
            if exempt.get("reverts", True) and self.head.rev not in (INDEX, EMPTY) and self.base.rev != EMPTY:
                found = verified_revert(self.head.repo, self.base.rev, self.head.rev, self.changes, self.trusted.rev)
            if found is None and exempt.get("labels"):
                from gate.github import pull_request_from_env

                found = label_exemption(exempt["labels"], pull_request_from_env())
            self._change_exemption = found
        return self._change_exemption  # type: ignore[return-value]

    def assess(self, service: Service, changed: tuple[str, ...], definitions: Service | None = None,
               drift: bool = True) -> tuple[list[Finding], dict[str, Any]]:
        """`definitions`: the service as the base branch's tip has it; its SLOs measure the budget.
        A new service (none in the base) is measured with its own: it has nothing to loosen."""
        from gate.budget.exempt import reliability_only
        from gate.budget.slo import slos_of
        from gate.budget.status import budget_json, findings_for, measure, unmeasurable_findings

        changed_definitions: list[Finding] = []
        if definitions is not None and definitions.parsed:
            trusted_slos, problems = slos_of(definitions, self.trusted)
            changed_definitions = _slo_drift(trusted_slos, problems, service, definitions, self.head) if drift else []
            slos = trusted_slos
        else:
            slos, problems = slos_of(service, self.head)
        statuses = [measure(slo, self.settings, self.offline, service.tier, staged=self.head.rev == INDEX) for slo in slos]
        exemption = None
        if any(s.state in ("exhausted", "fast-burn") for s in statuses):
            exempt = self.settings.get("exempt", {})
            # a symlink, submodule or executable named like a document is not a document
            regular = all((e := self.head.entry(p)) is None or e.mode == "100644" for p in changed)
            if exempt.get("reliability_only", True) and regular and reliability_only(changed, service, exempt.get("reliability_paths", [])):
                exemption = "only reliability material changed (documents the manifest names, Markdown and reStructuredText docs)"
            else:
                exemption = self.change_exemption()
        findings = findings_for(statuses, service.tier, self.settings, exemption, service.manifest)
        findings += unmeasurable_findings(problems, service.tier, self.settings)
        return findings + changed_definitions, budget_json(statuses, problems, exemption)


def _slo_drift(trusted: list[Any], trusted_problems: list[Any], service: Service, definitions: Service, head: Snapshot) -> list[Finding]:
    """Any change to an SLO definition that measures a budget (query, objective, window, document,
    deletion) is flagged: it takes effect only after review and merge."""
    from gate.budget.slo import slos_of

    def key(slo: Any) -> tuple[Any, ...]:
        return (slo.name, slo.objective, slo.window, slo.budgeting, slo.source, slo.good, slo.bad, slo.total,
                slo.slice_window, slo.slice_target, slo.raw, slo.raw_type, slo.threshold, slo.op, slo.value, slo.calendar,
                slo.alerts, slo.unmeasurable)

    current, current_problems = slos_of(service, head)
    before = {key(s) for s in trusted}
    after = {key(s) for s in current}
    if before == after and len(trusted_problems) == len(current_problems):
        return []
    names_before, names_after = {k[0] for k in before}, {k[0] for k in after}
    gone = sorted(names_before - names_after)
    edited = sorted(k[0] for k in before - after if k[0] in names_after)
    added = sorted(names_after - names_before)
    parts = ([f"removes {', '.join(gone)}"] if gone else []) + ([f"edits {', '.join(edited)}"] if edited else []) \
        + ([f"adds {', '.join(added)}"] if added else [])
    severity = "error" if service.tier <= 1 and (gone or edited) else "warning"
    return [_builtin("slo-definition-changed", severity,
                     f"this change {'; '.join(parts) or 'changes how its SLOs are defined'}: the error budget is measured "
                     f"with the base branch's definitions until the change merges", service.manifest, service.line("slos"))]


def risk_findings(risk: dict[str, Any], service: Service, settings: dict[str, Any], today: dt.date) -> list[Finding]:
    """A score over the tier's threshold warns or blocks; a high-risk change needs a tested rollback."""
    thresholds = {int(k): v for k, v in settings.get("thresholds", {}).items()}
    limits = thresholds.get(service.tier, DEFAULT_THRESHOLDS[service.tier])
    why = "; ".join(risk["factors"]) or "no single dominant factor"
    findings = []
    for severity, key in (("error", "block"), ("warning", "warn")):
        if key in limits and risk["score"] >= limits[key]:
            rule = "risk-high" if risk["level"] in ("high", "critical") else "risk-threshold"  # never "high" for a medium score
            findings.append(_builtin(rule, severity, f"change risk {risk['score']}/100 ({risk['level']}) is at or over the tier-{service.tier} {key} threshold {limits[key]:g}: {why}", service.manifest, 1))
            break
    days_by_tier = {int(k): v for k, v in settings.get("rollback_tested_days", {}).items()} or DEFAULT_ROLLBACK_DAYS
    days = days_by_tier.get(service.tier)
    if days and risk["level"] in ("high", "critical"):
        tested = service.get("rollback", "last_tested")
        try:
            age = (today - dt.date.fromisoformat(str(tested))).days if tested else None
        except ValueError:
            age = None
        if age is None or age > days:
            when = f"last tested {tested}" if tested else "never recorded as tested"
            findings.append(_builtin("risk-rollback-untested", "error", f"{risk['level']} risk change ({risk['score']}/100: {why}) to a tier-{service.tier} service whose rollback was {when}; it needs a drill within {days} days", service.manifest, service.line("rollback")))
    return findings


def _strictest_tier(service: Service, before: list[Service | None]) -> Service:
    """A change that lowers its own tier is judged at the tier it had (where it forked, and at the
    base branch's tip): it cannot relax its own rules."""
    tiers = [b.tier for b in before if b is not None and b.parsed and isinstance(b.get("tier"), int)]
    if tiers and min(tiers) < service.tier:
        return replace(service, tier=min(tiers))
    return service


def _lifecycle(findings: list[Finding], service: Service, ctx: CheckContext, config: gate_config.Config,
               trusted: Service | None = None) -> list[Finding]:
    """An advisory lifecycle (e.g. Backstage `experimental`) turns errors and warnings into info, unless
    the base revision or the base branch's tip (`trusted`) judged the service strictly: a change
    cannot make its own service advisory, nor keep a lifecycle its fork had and the tip no longer has."""
    settings = config.backstage
    if not settings.advisory(service.lifecycle):
        return findings
    before = ctx.before(service)  # None: the change did not touch its sources, or the service is new
    if any(b is not None and not settings.advisory(b.lifecycle) for b in (before, trusted)):
        return findings
    why = f" (lifecycle {service.lifecycle!r} is advisory)"
    return [replace(f, severity="info", message=f.message + why) if f.severity in ("error", "warning") else f for f in findings]


def _gate_files_owned(ctx: CheckContext, config: gate_config.Config) -> list[Finding]:
    """The files that define the gate's rules and overrides need owners who review changes to them."""
    paths = [p for p in (*config.files(), config.ledger_path) if ctx.head.is_file(p)]
    if not paths:
        return []
    found = ctx.codeowners
    findings = []
    for path in paths:
        entry = found[1].owner(path) if found else None
        if entry is None or not entry.owners:
            where = found[0] if found else "CODEOWNERS"
            findings.append(_builtin("gate-files-owned", "warning", f"{path} has no owner in {where}: an ordinary review could change the gate's own rules or exceptions", path))
    return findings


def validate(repo: Repo, rev: str = "HEAD", config_path: str | None = None, today: dt.date | None = None) -> Verdict:
    """Every service of one revision, judged as if each were changed (for the default branch)."""
    resources.remember_in(os.path.join(repo.git_dir, "gate"))
    head_rev = repo.resolve(rev)
    snap = Snapshot(repo, head_rev)
    config = gate_config.load(snap, config_path or gate_config.CONFIG_FILE, required=config_path is not None)
    configure_sources(repo, config.backstage)
    rules = load_rules(config, snap)
    catalog = Catalog(snap)
    ctx = CheckContext(head=snap, base=snap, today=today or dt.date.today(), github_org=config.github_org)
    snap.read_many(list(catalog.manifests))  # every manifest in one round trip, then every document they name
    snap.read_many(sorted({d for s in catalog.all() for d in s.documents()}))
    results = []
    for service in catalog.all():
        findings = _approvers(_lifecycle(evaluate(rules, service, ctx, (service.manifest,)), service, ctx, config), service.tier, config)
        checked = tuple(r.id for r in rules if applies(r, service, (service.manifest,)))
        results.append(ServiceResult(service.name, service.tier, service.manifest, service.root, "unchanged", (), tuple(findings), checked=checked))
    repo_findings = _gate_files_owned(ctx, config)
    results, exceptions_report = _ledger_at(results, snap, config, ctx.today, {s.name: s.tier for s in catalog.all()})
    ctx.save()
    resources.save_memo()
    return Verdict(
        verdict=decide([f for r in results for f in r.findings] + repo_findings),
        base=head_rev,
        head=head_rev,
        services=tuple(results),
        findings=tuple(repo_findings),
        config=config.path if config.found else "(defaults)",
        config_changed=False,
        as_of=(today or dt.date.today()).isoformat(),
        mode="catalog",
        exceptions=exceptions_report,
        rules=rule_catalog(rules),
        notes=_uncommitted(repo, catalog.manifests, rev),
    )


def _uncommitted(repo: Repo, manifests: tuple[str, ...], rev: str) -> tuple[str, ...]:
    """validate reads a revision, never the working tree: say so when the tree has manifests the revision lacks."""
    if rev != "HEAD":
        return ()
    out = repo.run("ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ":(glob)**/service.yaml", ok_codes=(0, 128))
    missing = sorted(set(os.fsdecode(p) for p in out.split(b"\0") if p) - set(manifests))
    if not missing:
        return ()
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (f"{shown} {'is' if len(missing) == 1 else 'are'} in the working tree but not in {rev} (the revision judged); commit {'it' if len(missing) == 1 else 'them'} first",)


def _ledger_at(results: list[ServiceResult], snap: Snapshot, config: gate_config.Config, today: dt.date,
               tiers: dict[str, int]) -> tuple[list[ServiceResult], WaiverReport | None]:
    """`validate`: the revision's own ledger (it is the trusted side), classified as `check` and `exception list` do."""
    from gate.waivers.apply import apply
    from gate.waivers.model import parse_ledger
    from gate.waivers.trust import Approvals

    entries = parse_ledger(snap.read(config.ledger_path), config.ledger_path)
    if not entries:
        return results, None
    return apply(results, entries, entries, Approvals(config.exceptions, None), today, config.ledger_path, catalog=tiers)
