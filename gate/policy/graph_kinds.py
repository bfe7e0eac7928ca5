"""Check kinds over the service graph: dependencies that exist, tiers that hold along hard
dependencies, SLOs their dependencies allow, no tier-0 cycles, blast radius and co-changes.

Each kind reads the dependency records (`gate.graph.dependencies_of`) and resolves names in the
head's graph and in the trusted tip's (the base branch's tip, never the fork point); where the two
disagree the worse answer counts, so a pull request cannot make a dependency look more critical or
more available than the trusted side says.
"""

from __future__ import annotations

from typing import Any, Protocol

from gate.budget.records import SLO, say
from gate.budget.slo import slos_of
from gate.graph import (
    Dependency,
    Reach,
    ServiceGraph,
    Term,
    at_most,
    availability,
    dependencies_of,
    product,
)
from gate.service import Located, Problem, Service
from gate.snapshot import Snapshot

# Kinds whose answer for a service reads other services' manifests (its dependencies, dependents):
# a cache keyed by the service's own files must judge them again whenever any manifest changes.
READS_OTHERS = frozenset(
    {
        "dependencies_known",
        "dependency_tiers",
        "dependency_slos",
        "slo_feasible",
        "dependency_cycles",
        "blast_radius",
    }
)


class GraphContext(Protocol):
    """What a graph kind needs of the check context (gate.policy.kinds.CheckContext)."""

    head: Snapshot
    base: Snapshot
    trusted: Snapshot | None
    memo: dict[Any, Any]

    @property
    def graph(self) -> ServiceGraph: ...

    @property
    def trusted_graph(self) -> ServiceGraph: ...

    def before(self, service: Service) -> Service | None: ...

    def trusted_service(self, service: Service) -> Service | None: ...

    def locate(self, service: Service, value: str) -> Located: ...


def _line(service: Service, dependency: Dependency) -> int | None:
    return service.line("dependencies", dependency.index)


def _sides(ctx: GraphContext, name: str) -> list[tuple[Service, Snapshot]]:
    """The dependency as the head and the trusted tip have it (either may lack it)."""
    found = [(s, ctx.head) for s in ctx.graph.find_all(name)]
    trusted = ctx.trusted or ctx.base
    if trusted is not ctx.head:
        found += [(s, trusted) for s in ctx.trusted_graph.find_all(name)]
    return found


def _slos(ctx: GraphContext, service: Service, snapshot: Snapshot) -> list[SLO]:
    """A service's SLOs at one side, its documents found where the trusted tip decides (once per
    run: a service many depend on is asked by each)."""
    key = ("slos", id(snapshot), id(service))
    if key not in ctx.memo:
        ctx.memo[key] = (
            service,
            slos_of(service, snapshot, ctx.trusted)[0],
        )  # keeps the id's owner
    found: list[SLO] = ctx.memo[key][1]
    return found


def _availability(ctx: GraphContext, sides: list[tuple[Service, Snapshot]]) -> float | None:
    """The dependency's promised availability: the lower of the head's and the trusted tip's."""
    values = [a for s, snap in sides if (a := availability(s, _slos(ctx, s, snap))) is not None]
    return min(values) if values else None


def dependencies_known(
    ctx: GraphContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    """Each dependency names a service of this repository or is declared external."""
    problems = []
    catalogued = service.get("backstage", "depends_on")
    for dependency in dependencies_of(service):
        if dependency.external or dependency.ref_kind != "component":
            continue  # declared elsewhere: an external, or a Backstage resource/API entity
        if isinstance(catalogued, list) and dependency.name in catalogued:
            continue  # an entity's dependsOn may name a component another repository holds
        if ctx.graph.find(dependency.name) is None:
            close = ctx.graph.suggest(dependency.name)
            hint = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
            problems.append(
                Problem(
                    f"dependency '{dependency.name}' is no service in this repository{hint}",
                    service.manifest,
                    _line(service, dependency),
                )
            )
    return problems


def dependency_tiers(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A hard dependency without a fallback is at least as critical as the service (tier <= its own)."""
    problems = []
    for dependency in dependencies_of(service):
        if not dependency.critical:
            continue  # an "external" named like a service of this repository is that service
        tiers = [s.tier for s, _ in _sides(ctx, dependency.name)]
        if tiers and max(tiers) > service.tier:
            problems.append(
                Problem(
                    f"hard dependency '{dependency.name}' is tier {max(tiers)}, less critical than this "
                    f"tier-{service.tier} service (tier inversion): when it fails, this service fails",
                    service.manifest,
                    _line(service, dependency),
                )
            )
    return problems


def dependency_slos(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A hard dependency has an SLO (a service) or a declared SLA (an external)."""
    problems = []
    for dependency in dependencies_of(service):
        if not dependency.critical or dependency.ref_kind != "component":
            continue  # a soft dependency, or one with a fallback, does not take the service down
        if dependency.external:
            missing = dependency.sla is None
            what = "declares no SLA (external: {name, sla})"
        else:
            sides = _sides(ctx, dependency.name)
            missing = bool(sides) and any(not _slos(ctx, s, snap) for s, snap in sides)
            what = "has no SLO"
        if missing:
            problems.append(
                Problem(
                    f"hard dependency '{dependency.name}' {what}: nothing says how available it is",
                    service.manifest,
                    _line(service, dependency),
                )
            )
    return problems


def slo_feasible(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """The service's availability objective is at most what its critical hard dependencies allow
    together: the product of what each can deliver, which is its objective (or SLA) capped by what
    its own critical dependencies allow, transitively (gate.graph.Term)."""
    own = availability(service, _slos(ctx, service, ctx.head))
    if own is None:
        return []
    terms = _terms(ctx, service, frozenset({service.name}))
    allowed = product(terms)
    if allowed is None or allowed + 1e-9 >= own:
        return []
    return [
        Problem(
            f"availability objective {say(own)}% cannot be met: its hard dependencies allow at most "
            f"{at_most(allowed, own)}% ({' x '.join(str(t) for t in terms)}); add a fallback, make "
            "one soft, or lower the objective",
            service.manifest,
            service.line("dependencies"),
        )
    ]


def _terms(ctx: GraphContext, service: Service, path: frozenset[str]) -> list[Term]:
    """What each critical dependency can deliver (externals: their SLA; services: see _delivers)."""
    terms = []
    for dependency in dependencies_of(service):
        if not dependency.critical:
            continue
        if dependency.external:
            if dependency.sla is not None:
                terms.append(Term(dependency.name, dependency.sla))
            continue
        objective, allowed = _delivers(ctx, dependency.name, path)
        capped = allowed is not None and (objective is None or allowed < objective)
        value = allowed if capped else objective
        if value is not None:
            terms.append(Term(dependency.name, value, objective, capped))
    return terms


def _delivers(
    ctx: GraphContext, name: str, path: frozenset[str]
) -> tuple[float | None, float | None]:
    """A dependency's objective and what its own critical dependencies allow it (each the worse of
    the head's and the trusted tip's), once per run; a name already on the walk is a cycle, which
    adds nothing here (dependency-cycle names it)."""
    key = ("delivers", name)
    if key in ctx.memo:
        found: tuple[float | None, float | None] = ctx.memo[key]
        return found
    if name in path:
        return None, None
    sides = _sides(ctx, name)
    allowed = [a for s, _ in sides if (a := product(_terms(ctx, s, path | {name}))) is not None]
    answer = (_availability(ctx, sides), min(allowed) if allowed else None)
    ctx.memo[key] = answer
    return answer


def dependency_cycles(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """No cycle of hard dependencies among tier-0 services (none of them can come back first)."""
    cycle = ctx.graph.tier0_cycle(service)
    if cycle is None:
        return []
    return [
        Problem(
            f"tier-0 dependency cycle: {cycle} (none of them can recover before the others)",
            service.manifest,
            service.line("dependencies"),
        )
    ]


def reach(ctx: GraphContext, service: Service) -> Reach:
    """What a change to the service reaches: its dependents, transitively, in the trusted tip's
    graph (a pull request can add dependents, which only widen it, but not remove the ones the
    trusted side has, nor hide those main added after its branch point). Asked once per run."""
    name = _identity(ctx, service)
    key = ("reach", name)
    if key not in ctx.memo:
        ctx.memo[key] = ctx.trusted_graph.blast_radius(name)
    found: Reach = ctx.memo[key]
    return found


def judged_tier(ctx: GraphContext, service: Service) -> int:
    """The tier a change to the service is judged at by the rules the pack marks `judged_at:
    dependents`: the strictest of its own and of the dependents that fail with it (one revision
    alone: its own)."""
    if ctx.base is ctx.head:
        return service.tier
    strictest = reach(ctx, service).strictest_failing
    return service.tier if strictest is None else min(service.tier, strictest)


def blast_radius(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A change to a service that others depend on reaches them too: how many, and how critical."""
    if ctx.base is ctx.head:
        return []  # no change: nothing to reach
    reached = reach(ctx, service)
    if reached.count < params.get("min_dependents", 1) or reached.strictest is None:
        return []
    return [
        Problem(
            f"{_count(reached.count)} on {reached.name} directly or transitively; "
            f"the most critical are tier {reached.strictest}: {named(reached.most_critical())}",
            service.manifest,
            1,
        )
    ]


def named(names: list[str], shown: int = 5) -> str:
    """`a, b, c and 4 more`."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more


def _identity(ctx: GraphContext, service: Service) -> str:
    """The service's name at the trusted tip (else where the branch forked, else the head's)."""
    for known in (ctx.trusted_service(service), ctx.before(service)):
        if known is not None and known.parsed:
            return known.name
    return service.name


def _count(n: int) -> str:
    return "1 service depends" if n == 1 else f"{n} services depend"


CO_CHANGE_FIELDS = ("slos", "telemetry.alerts", "dependencies")


def co_change(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A change to a service's alerts, SLOs or dependencies also updates its runbook."""
    before = ctx.before(service)
    if before is None or not before.parsed or not service.parsed:
        return []
    changed = [
        f
        for f in params.get("fields", CO_CHANGE_FIELDS)
        if before.get(*f.split(".")) != service.get(*f.split("."))
    ]
    runbook = service.get("runbook")
    if not changed or not isinstance(runbook, str) or runbook.startswith(("https://", "http://")):
        return []
    path = ctx.locate(service, runbook).path
    if path is None or ctx.head.read(path) != ctx.base.read(path):
        return []
    return [
        Problem(
            f"{', '.join(changed)} changed but the runbook ({runbook}) did not: the on-call reads it",
            service.manifest,
            service.line(*changed[0].split(".")),
        )
    ]


def dependency_review(ctx: GraphContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A new hard dependency asks its owners to review: they carry the load it adds."""
    before = ctx.before(service)
    if before is None:
        return []
    old = {d.name for d in dependencies_of(before) if d.kind == "hard"}
    problems = []
    for dependency in dependencies_of(service):
        if dependency.kind != "hard" or dependency.name in old or dependency.external:
            continue
        team = _team(ctx, dependency.name)
        if team:
            problems.append(
                Problem(
                    f"new hard dependency '{dependency.name}': ask its owners, team '{team}', to review "
                    f"this change (the load and failure modes it adds are theirs to carry)",
                    service.manifest,
                    _line(service, dependency),
                )
            )
    return problems


def _team(ctx: GraphContext, name: str) -> str | None:
    """The dependency's owning team as the trusted tip has it (the head's only for a new service):
    the same pull request cannot hand the review to a team of its choosing."""
    sides = _sides(ctx, name)
    trusted = [s for s, snap in sides if snap is not ctx.head] or [s for s, _ in sides]
    teams = [t for s in trusted if isinstance(t := s.get("owners", "team"), str) and t]
    return teams[0] if teams else None


def dependency_drift(before: Service, service: Service) -> list[Problem]:
    """Ways a change can escape the graph rules: removing a hard dependency, making it soft, or
    claiming a fallback (each a reviewed change, reported by manifest-drift)."""
    old = {d.name: d for d in dependencies_of(before)}
    new = {d.name: d for d in dependencies_of(service)}
    problems = []
    for name, was in old.items():
        now = new.get(name)
        if not was.critical:
            continue
        if now is None:
            change = "removed"
        elif now.external and not was.external:
            change = "declared external"
        elif now.kind == "soft":
            change = "made soft"
        elif now.fallback:
            change = f"given a fallback ({now.fallback})"
        else:
            continue
        line = service.line("dependencies", now.index) if now else service.line("dependencies")
        problems.append(Problem(f"hard dependency '{name}' {change}", service.manifest, line))
    return problems
