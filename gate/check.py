"""`gate check` end to end, as named stages from data to data: changed files -> ownership (base
and head) -> repository findings -> each owning service judged (its policies, risk findings from
gate/risk/findings.py, budget findings from gate/budget/policy.py) -> removed services ->
exceptions -> verdict. Reading ahead (speed) is one step of its own, between ownership and judging."""

from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass, replace

from gate import codeowners, ownership, resources
from gate import config as gate_config
from gate.baseline.apply import stage as baseline_stage
from gate.baseline.model import BASELINE_FILE, Place
from gate.budget.policy import BudgetGate
from gate.builtin_rules import builtin_finding as _builtin
from gate.catalog import (
    Catalog,
    Service,
)
from gate.catalog import (
    prepare as prepare_catalog,
)
from gate.git import INDEX, Change, Repo
from gate.incidents.book import for_change as incident_book
from gate.policy.engine import advisory, applies, evaluate, judge_policies, judged_tier
from gate.policy.incidents import KINDS as INCIDENT_KINDS
from gate.policy.kinds import CheckContext
from gate.policy.rules import Rule
from gate.read_ahead import read_ahead
from gate.resilience.trust import approvals as resilience_approvals
from gate.resilience.trust import judged as resilience_record
from gate.revision import at as revision_at
from gate.revision import open_revision
from gate.risk.findings import assess as assess_risk
from gate.risk.score import RiskScorer
from gate.snapshot import Snapshot
from gate.verdict import Finding, RuleInfo, ServiceResult, Severity, Status, Verdict, decide
from gate.waivers.apply import approvals_for
from gate.waivers.apply import stage as waivers_stage
from gate.waivers.records import WaiverReport
from gate.waivers.trust import Approvals, slo_route, with_approvers
from gate.waivers.way_out import stage as way_out_stage

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
    opened = revision_at(head_snap, config_path, trusted)  # config, packs, sources: the tip's
    config, rules = opened.config, opened.rules
    lines = config.risk.enabled  # risk scoring counts lines: the same diff does it
    changes = repo.changes(base_rev, head_rev, lines=lines)
    head_snap.after(base_snap, changes, lines=lines)
    verdict = judge(
        changes,
        base_snap,
        head_snap,
        config,
        rules,
        today or dt.date.today(),
        "staged" if staged else "commits",
        offline,
        trusted=trusted,
    )
    resources.save_memo()
    return verdict


@dataclass(frozen=True)
class Case:
    """One change under judgement: what changed, its three revisions, and the trusted settings that judge it."""

    changes: list[Change]
    base: Snapshot  # where the change forked: what changed
    head: Snapshot
    trusted: Snapshot  # the base branch's tip: who judges
    config: gate_config.Config
    rules: list[Rule]
    today: dt.date
    mode: str  # commits | staged
    offline: bool


@dataclass(frozen=True)
class Panel:
    """What judges each service of one change: who owns what, the two check contexts, the catalogs,
    the risk scorer (None when risk is off or nothing is owned) and the error budgets."""

    case: Case
    owners: ownership.Ownership
    ctx: CheckContext  # the head against where it forked
    pinned_ctx: CheckContext  # the trusted tip against itself: services the head does not have yet
    head_catalog: Catalog
    trusted_catalog: Catalog
    scorer: RiskScorer | None
    budgets: BudgetGate
    statuses: dict[str, str]  # changed path -> git's status letter


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
    """`base` is where the change forked (what changed); `trusted` the base branch's tip (who judges).

    The stages: changed files -> ownership (base and head) -> repository findings -> each owning
    service judged (policies, risk, budget) -> removed services -> exceptions -> verdict."""
    case = Case(changes, base, head, trusted or base, config, rules, today, mode, offline)
    if head.base is None:
        head.after(base, changes)
    # Risk mining starts first: its `git log`s run while the catalog is read and policies checked.
    scorer = (
        RiskScorer(config.risk, base, head, today, trusted=case.trusted)
        if changes and config.risk.enabled
        else None
    )
    ctx = CheckContext(
        head=head,
        base=base,
        today=today,
        github_org=config.github_org,
        trusted=case.trusted,
        resilience=config.resilience,
        approvals=resilience_approvals(config, mode),
        incidents=incident_book(config.incidents, base, head, case.trusted, changes, offline),
        budgets=config.budgets,
        telemetry=config.telemetry,
        network=not offline and mode != "staged",
    )
    owners = _ownership(case, ctx)
    repo_findings = repository_findings(case, owners) + gate_files_handed(case, ctx)
    read_ahead(
        changes, owners, [*config.files(), config.ledger_path], base, head
    )  # the I/O plan: see gate.read_ahead
    panel = _panel(case, owners, ctx, scorer)
    results = [
        judge_service(panel, manifest, paths) for manifest, paths in sorted(owners.touched.items())
    ]
    results += [
        judge_removed(panel, manifest, service, paths)
        for manifest, (service, paths) in sorted(owners.removed.items())
    ]
    ctx.save()
    results = _baseline(panel, results, repo_findings)
    results, exceptions_report = waivers_stage(
        results, base, head, config, today, mode, repo_findings, case.trusted
    )
    pull_request = ctx.approvals.pr.number if ctx.approvals and ctx.approvals.pr else None
    results = way_out_stage(results, config.exceptions, pull_request)
    return _verdict(case, results, repo_findings, exceptions_report)


def _ownership(case: Case, ctx: CheckContext) -> ownership.Ownership:
    """Every service that judges the change, by its owners at the trusted tip and in the head."""
    owners = ownership.of_change(
        case.changes,
        Catalog.of(case.trusted),
        ctx.base_catalog,
        Catalog.of(case.head),
        case.config.unowned_ignore,
    )
    ctx.identity, ctx.touched = owners.identity, owners.touched
    return owners


def _baseline(
    panel: Panel, results: list[ServiceResult], repo_findings: list[Finding]
) -> list[ServiceResult]:
    """Findings the trusted baseline records become info (gate/baseline/apply.py)."""
    case = panel.case
    places = {
        manifest: Place.of(
            panel.owners.pinned.get(manifest) or panel.head_catalog.service_at(manifest)
        )
        for manifest in panel.owners.touched
    }
    places.update({m: Place.of(service) for m, (service, _) in panel.owners.removed.items()})

    return baseline_stage(
        results,
        places,
        case.trusted,
        case.head,
        case.today,
        functools.cache(lambda: approvals_for(case.config.exceptions, case.mode)),
        repo_findings,
        staged=case.mode == "staged",
    )


def _config_edits(case: Case) -> list[str]:
    """The gate's own configuration files this change edits."""
    return sorted(
        p for p in case.config.files() if any(p in (c.path, c.old_path) for c in case.changes)
    )


def repository_findings(case: Case, owners: ownership.Ownership) -> list[Finding]:
    """Findings tied to no one service: identity moves, edits to the gate's configuration, files no service owns."""
    config, changes = case.config, case.changes
    repo_findings: list[Finding] = list(owners.findings)
    edited = _config_edits(case)
    if edited:
        repo_findings.append(
            _builtin(
                "gate-config-changed",
                "warning",
                f"this change edits the gate's configuration ({', '.join(edited)}); "
                "it is judged by the base revision's configuration, and the edit applies after merge",
                config.path,
            )
        )
    if edited and any(config.path in (c.path, c.old_path) for c in changes):
        from gate.policy.shared import pin_findings

        repo_findings += pin_findings(config, case.head)
    if config.unowned != "off":
        unowned = sorted(set(owners.unowned))
        for path in unowned[:MAX_UNOWNED_FINDINGS]:
            repo_findings.append(
                _builtin("unowned-change", config.unowned, f"{path} belongs to no service", path)
            )
        if len(unowned) > MAX_UNOWNED_FINDINGS:
            extra = len(unowned) - MAX_UNOWNED_FINDINGS
            repo_findings.append(
                _builtin(
                    "unowned-change",
                    config.unowned,
                    f"and {extra} more files that belong to no service",
                    None,
                )
            )
    return repo_findings


def _panel(
    case: Case, owners: ownership.Ownership, ctx: CheckContext, scorer: RiskScorer | None
) -> Panel:
    """Everything that judges each service; risk scoring is cancelled when no service owns the change."""
    budgets = BudgetGate(
        case.config.budgets, case.head, case.base, case.changes, case.offline, trusted=case.trusted
    )
    if scorer is not None and not owners.touched:
        scorer.cancel()
        scorer = None
    pinned_ctx = CheckContext(
        head=case.trusted,
        base=case.trusted,
        today=case.today,
        github_org=case.config.github_org,
        resilience=case.config.resilience,
        incidents=ctx.incidents,
        touched=ctx.touched,
        budgets=case.config.budgets,
        telemetry=case.config.telemetry,
        network=ctx.network,
    )
    statuses = {c.path: c.status for c in case.changes}
    return Panel(
        case,
        owners,
        ctx,
        pinned_ctx,
        Catalog.of(case.head),
        Catalog.of(case.trusted),
        scorer,
        budgets,
        statuses,
    )


def _under_judgement(panel: Panel, manifest: str) -> tuple[Service, Service | None, CheckContext]:
    """The service as judged (at its strictest tier), its trusted definitions, and the context its rules read."""
    pinned = panel.owners.pinned.get(manifest)
    was = panel.owners.identity.get(manifest, manifest)
    definitions = pinned or panel.trusted_catalog.defining(was)
    service = pinned or panel.head_catalog.service_at(manifest)
    before = [panel.ctx.before(service), definitions]
    service = ownership.strictest_tier(service, before)
    tiers = [b.tier for b in before if b is not None and b.parsed]
    if not service.parsed and tiers:  # a manifest the change broke keeps its trusted tier
        service = replace(service, tier=min(tiers))
    return service, definitions, panel.pinned_ctx if pinned else panel.ctx


def judge_service(panel: Panel, manifest: str, paths: list[str]) -> ServiceResult:
    """One changed service: its policies, then its change risk and its error budget, each by its tier."""
    case = panel.case
    service, definitions, here = _under_judgement(panel, manifest)
    changed = tuple(sorted(set(paths)))
    findings = advisory(
        evaluate(case.rules, service, here, changed),
        service,
        panel.ctx,
        case.config.backstage,
        definitions,
    )
    findings += _incident_source(case, here, service, changed)
    status: Status = (
        "added"
        if all(panel.statuses.get(f) == "A" for f in service.files)
        and manifest not in panel.owners.identity
        else "changed"
    )
    risk = budget = None
    if panel.scorer is not None and service.parsed:
        risk, risk_found = assess_risk(
            panel.scorer,
            service,
            changed,
            case.config.risk,
            case.today,
            resilience_record(here, service),
        )
        findings = sorted(findings + risk_found, key=Finding.sort_key)
    if panel.budgets.enabled and (
        service.parsed or (definitions is not None and definitions.parsed)
    ):  # a broken head manifest hides no budget
        budget_findings, budget = panel.budgets.assess(service, changed, definitions)
        findings = sorted(findings + budget_findings, key=Finding.sort_key)
    tiers = {r.id: judged_tier(r, service, here) for r in case.rules}
    tier = min([service.tier] + [tiers[f.rule] for f in findings if f.rule in tiers])
    findings = _approvers(findings, tier, case.config)
    findings = slo_route(findings, tier, panel.ctx.approvals, case.mode == "staged")
    checked = tuple(r.id for r in case.rules if applies(r, service, changed, tiers[r.id])) + (
        ("error-budget",) if budget else ()
    )
    identity = definitions.name if definitions is not None and definitions.parsed else ""
    return ServiceResult(
        service.name,
        service.tier,
        manifest,
        service.root,
        status,
        changed,
        tuple(findings),
        risk=risk,
        budget=budget,
        checked=checked,
        identity=identity if identity != service.name else "",
        judged_tier=tier if tier != service.tier else None,
        team=service.team,
        oncall=service.oncall,
    )


def _incident_source(
    case: Case, here: CheckContext, service: Service, changed: tuple[str, ...]
) -> list[Finding]:
    """The incident source could not answer for a service the incident rules judge: fail open or
    closed by its tier (incidents.on_unavailable)."""
    book = here.incidents
    if book is None or not book.configured or not service.parsed:
        return []
    if not any(r.kind in INCIDENT_KINDS and applies(r, service, changed) for r in case.rules):
        return []
    return book.unavailable(service)


def judge_removed(panel: Panel, manifest: str, service: Service, paths: list[str]) -> ServiceResult:
    """A service whose manifest this change deletes: what is left of it, and the budget its code still spends."""
    remaining = [p for p in panel.case.head.files if service.root and p.startswith(service.root)]
    findings = []
    if remaining:
        covered = sorted({o.name for p in remaining[:50] for o in panel.head_catalog.owners(p)})
        now = (
            f"now judged only by {', '.join(covered)}"
            if covered
            else "now judged by no service's rules"
        )
        message = f"{manifest} was deleted but {len(remaining)} file(s) remain under {service.root}, {now}"
        findings.append(_builtin("manifest-removed", "error", message, manifest))
    elif service.tier <= 1:
        message = (
            f"{manifest} was deleted: tier-{service.tier} service {service.name!r} is removed, its files deleted or "
            "moved elsewhere; retiring or moving a tier 0-1 service needs its owners' review and a recorded exception"
        )
        findings.append(_builtin("manifest-removed", "error", message, manifest))
    changed = tuple(sorted(set(paths)))
    budget = None
    if (
        panel.budgets.enabled and service.parsed and changed
    ):  # its code moved on: its spent budget still counts
        definitions = panel.trusted_catalog.defining(manifest) or service
        budget_findings, budget = panel.budgets.assess(service, changed, definitions, drift=False)
        findings += budget_findings
    return ServiceResult(
        service.name,
        service.tier,
        manifest,
        service.root,
        "removed",
        changed,
        tuple(sorted(findings, key=Finding.sort_key)),
        budget=budget,
        team=service.team,
        oncall=service.oncall,
    )


def _verdict(
    case: Case,
    results: list[ServiceResult],
    repo_findings: list[Finding],
    exceptions_report: WaiverReport | None,
) -> Verdict:
    """Block on any unwaived error, warn on any warning: every finding, of every service and of the repository."""
    findings = sorted(repo_findings, key=Finding.sort_key)
    return Verdict(
        verdict=decide([f for r in results for f in r.findings] + findings),
        base=case.base.rev,
        head=case.head.rev,
        services=tuple(results),
        findings=tuple(findings),
        config=case.config.path if case.config.found else "(defaults)",
        config_changed=bool(_config_edits(case)),
        as_of=case.today.isoformat(),
        mode=case.mode,
        exceptions=exceptions_report,
        rules=rule_catalog(case.rules),
    )


def rule_catalog(rules: list[Rule]) -> dict[str, RuleInfo]:
    from gate.builtin_rules import BUILTIN_RULES
    from gate.waivers.trust import any_tier

    infos = [
        *(r.info for r in rules),
        *BUILTIN_RULES.values(),
    ]  # a pack's rule cannot shadow a built-in one
    return {info.id: replace(info, remediation=any_tier(info.remediation)) for info in infos}


def _approvers(findings: list[Finding], tier: int, config: gate_config.Config) -> list[Finding]:
    return with_approvers(findings, tier, config.exceptions)


def gate_files_handed(case: Case, ctx: CheckContext) -> list[Finding]:
    """A change to CODEOWNERS or to the gate's own files that takes their owners away or hands them
    to anyone else: the base tip is trusted because those owners review every change to them. The
    gate's files judge every service, so this counts at the strictest tier there is."""
    config = case.config
    gate_files = (*config.files(), config.ledger_path, BASELINE_FILE)
    touched = {p for c in case.changes for p in (c.path, c.old_path) if p}
    if not touched & {*codeowners.LOCATIONS, *gate_files}:
        return []
    tip = CheckContext(head=case.trusted, base=case.trusted, today=case.today).codeowners
    tiers = [s.tier for s in Catalog.of(case.trusted).all()]
    severity: Severity = "error" if min(tiers, default=0) <= 1 else "warning"
    findings = []
    for path in dict.fromkeys(gate_files):
        was, now = _owners_of(tip, path), _owners_of(ctx.codeowners, path)
        if (
            not was or was == now
        ):  # a file yet to be written too: its owners review its first version
            continue
        what = "takes away the owners of" if not now else "changes who owns"
        findings.append(
            _builtin(
                "gate-files-owned",
                severity,
                f"this change {what} {path} ({' '.join(was)} at the base tip, "
                f"{' '.join(now) or 'nobody'} after it): the gate's own rules and exceptions would "
                "then merge without the review that makes them trusted",
                path,
            )
        )
    return findings


def _owners_of(found: tuple[str, codeowners.Answers] | None, path: str) -> tuple[str, ...]:
    entry = found[1].owner(path) if found is not None else None
    return tuple(sorted({o.lower() for o in entry.owners})) if entry is not None else ()


def _gate_files_owned(ctx: CheckContext, config: gate_config.Config) -> list[Finding]:
    """The files that define the gate's rules and overrides need owners who review changes to them."""
    paths = [p for p in (*config.files(), config.ledger_path, BASELINE_FILE) if ctx.head.is_file(p)]
    if not paths:
        return []
    found = ctx.codeowners
    findings = []
    for path in paths:
        entry = found[1].owner(path) if found else None
        if entry is None or not entry.owners:
            where = found[0] if found else "CODEOWNERS"
            findings.append(
                _builtin(
                    "gate-files-owned",
                    "warning",
                    f"{path} has no owner in {where}: an ordinary review could change the gate's own rules or exceptions",
                    path,
                )
            )
    return findings


def one_revision(
    snap: Snapshot,
    config: gate_config.Config,
    today: dt.date,
    fleet: list[Service] | None = None,
) -> CheckContext:
    """The context that judges a revision's services as they are (validate, scorecard); `fleet`,
    every service of the revision when the caller has them, answers the graph rules' lookups."""
    return CheckContext(
        head=snap,
        base=snap,
        today=today,
        github_org=config.github_org,
        resilience=config.resilience,
        budgets=config.budgets,
        telemetry=config.telemetry,
        fleet=fleet,
    )


def validate(
    repo: Repo,
    rev: str = "HEAD",
    config_path: str | None = None,
    today: dt.date | None = None,
    baseline: bool = True,
) -> Verdict:
    """Every service of one revision, judged as if each were changed (for the default branch).
    With `baseline`, the findings the revision's own gate-baseline.yaml records are info (the
    revision is the trusted side here); `gate baseline` asks without it, for today's findings."""
    resources.remember_in(os.path.join(repo.git_dir, "gate"))
    revision = open_revision(repo, rev, config_path)
    snap, config = revision.snapshot, revision.config
    rules, catalog = revision.rules, revision.catalog
    head_rev = snap.rev
    snap.read_many(
        list(catalog.manifests)
    )  # every manifest in one round trip, then every document they name
    services = catalog.all()
    snap.read_many(sorted({d for s in services for d in s.documents()}))
    ctx = one_revision(snap, config, today or dt.date.today(), services)
    results = [_catalog_result(service, rules, ctx, config) for service in services]
    repo_findings = _gate_files_owned(ctx, config)
    if baseline:  # the revision is the trusted side: its own baseline applies
        places = {s.manifest: Place.of(s) for s in services}
        approvals = functools.cache(lambda: Approvals(config.exceptions, None))
        results = baseline_stage(results, places, snap, snap, ctx.today, approvals, [])
    results, exceptions_report = _ledger_at(
        results, snap, config, ctx.today, {s.name: s.tier for s in catalog.all()}
    )
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


def _catalog_result(
    service: Service, rules: list[Rule], ctx: CheckContext, config: gate_config.Config
) -> ServiceResult:
    """`validate`'s judgement of one service, as if its manifest changed."""
    findings = _approvers(
        judge_policies(rules, service, ctx, (service.manifest,), config.backstage),
        service.tier,
        config,
    )
    checked = tuple(r.id for r in rules if applies(r, service, (service.manifest,)))
    return ServiceResult(
        service.name,
        service.tier,
        service.manifest,
        service.root,
        "unchanged",
        (),
        tuple(findings),
        checked=checked,
        team=service.team,
        oncall=service.oncall,
    )


def _uncommitted(repo: Repo, manifests: tuple[str, ...], rev: str) -> tuple[str, ...]:
    """validate reads a revision, never the working tree: say so when the tree has manifests the revision lacks."""
    if rev != "HEAD":
        return ()
    missing = sorted(set(repo.uncommitted(":(glob)**/service.yaml")) - set(manifests))
    if not missing:
        return ()
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (
        f"{shown} {'is' if len(missing) == 1 else 'are'} in the working tree but not in {rev} (the revision judged); commit {'it' if len(missing) == 1 else 'them'} first",
    )


def _ledger_at(
    results: list[ServiceResult],
    snap: Snapshot,
    config: gate_config.Config,
    today: dt.date,
    tiers: dict[str, int],
) -> tuple[list[ServiceResult], WaiverReport | None]:
    """`validate`: the revision's own ledger (it is the trusted side), classified as `check` and `exception list` do."""
    from gate.waivers.apply import apply
    from gate.waivers.model import parse_ledger

    entries = parse_ledger(snap.read(config.ledger_path), config.ledger_path)
    if not entries:
        return results, None
    return apply(
        results,
        entries,
        entries,
        Approvals(config.exceptions, None),
        today,
        config.ledger_path,
        catalog=tiers,
    )
