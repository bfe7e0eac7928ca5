"""The service graph: what each service depends on, resolved against the catalog of one tree.

A manifest's `dependencies` are normalised once into `Dependency` records (a catalog service by
name or Backstage entity ref, or a declared external), and `ServiceGraph` answers the questions
the graph rules ask: which service a name is, who depends on a service (blast radius), whether a
tier-0 service sits on a cycle, and how much availability its hard dependencies leave it.

A name is found with one `git grep` over the tree's source files, and only the few files that
mention it are parsed: a check pays for the services it asks about, not for the whole repository.
"""

from __future__ import annotations

import difflib
import math
import re
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from gate import config as gate_config
from gate.budget.records import SLO
from gate.catalog import Catalog
from gate.git import EMPTY, INDEX, Repo
from gate.manifest_index import configure, source_names
from gate.service import Service, root_of
from gate.snapshot import Snapshot

Kind = Literal["hard", "soft"]
AVAILABILITY_SLIS = ("availability", "error-rate")
_TOKEN = re.compile(rb"[A-Za-z0-9][A-Za-z0-9._-]*")
GREPS = 32  # name lookups by git grep before one parse of every manifest is cheaper
SUGGESTED = 8  # unknown names that get a did-you-mean (each compares with every word of the tree)
MAX_REACH = 5000  # a blast radius stops counting here (a graph this wide is "everything")


@dataclass(frozen=True)
class Dependency:
    """One entry of a manifest's `dependencies`, as written (index and line point at it)."""

    name: str  # a catalog service's name, or an external dependency's name
    kind: Kind = "hard"
    external: bool = False
    sla: float | None = None  # percent, for externals
    fallback: str | None = (
        None  # what the service does without it (a hard dependency made survivable)
    )
    ref_kind: str = "component"  # a Backstage entity kind: component, resource, api, ...
    index: int = 0

    @property
    def critical(self) -> bool:
        """A hard dependency with no fallback: the service is down when it is."""
        return self.kind == "hard" and not self.fallback

    def describe(self) -> str:
        what = "external dependency" if self.external else f"{self.kind} dependency"
        return f"{what} '{self.name}'"


def dependencies_of(service: Service) -> list[Dependency]:
    """The manifest's dependencies as records; entries the schema rejects are skipped here."""
    found: list[Dependency] = []
    for index, entry in enumerate(service.items("dependencies")):
        dependency = _parse(entry, index)
        if dependency is not None:
            found.append(dependency)
    return found


def _parse(entry: Any, index: int) -> Dependency | None:
    if isinstance(entry, str) and entry.strip():
        ref_kind, name = _ref(entry.strip())
        return Dependency(name, ref_kind=ref_kind, index=index)
    if not isinstance(entry, dict):
        return None
    kind: Kind = "soft" if entry.get("kind") == "soft" else "hard"
    fallback = _text(entry.get("fallback"))
    external = entry.get("external")
    if isinstance(external, dict) and _text(external.get("name")):
        sla: Any = external.get("sla")
        return Dependency(
            str(external["name"]).strip(),
            kind,
            external=True,
            sla=float(sla) if _number(sla) else None,
            fallback=_text(external.get("fallback")) or fallback,
            index=index,
        )
    if _text(entry.get("service")):
        ref_kind, name = _ref(str(entry["service"]).strip())
        return Dependency(name, kind, fallback=fallback, ref_kind=ref_kind, index=index)
    return None


def _ref(text: str) -> tuple[str, str]:
    """A Backstage entity ref `[kind:][namespace/]name` (or a plain name) -> (kind, name)."""
    kind, _, rest = text.rpartition(":")
    name = rest.rstrip("/").rpartition("/")[2].strip()
    if not name:  # nothing after the kind or namespace: an unknown component, never no name
        return "component", text
    return (kind.lower() or "component"), name


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= 100


def availability(service: Service, slos: Iterable[SLO]) -> float | None:
    """The availability the service promises, in percent: its weakest availability objective.

    An SLO counts when its SLI is availability or error rate (inline `sli:`), or when a document's
    SLO names availability; a service with none promises nothing the graph can multiply.
    """
    inline = {
        s["name"]: s.get("sli")
        for s in service.items("slos")
        if isinstance(s, dict) and isinstance(s.get("name"), str)
    }
    found = []
    for slo in slos:
        sli = inline.get(slo.name)
        if sli in AVAILABILITY_SLIS or (sli is None and "availab" in slo.name.lower()):
            found.append(slo.objective * 100)
    return min(found) if found else None


@dataclass(frozen=True)
class Reach:
    """A service's blast radius: the services that depend on it, directly or transitively (hard
    or soft), nearest first, what a change to it reaches and how critical the most critical is;
    and the part of it that fails when it fails (hard dependencies without a fallback all the way:
    a service that declared it survives the failure is reached, never taken down)."""

    name: str
    services: tuple[Service, ...]
    failing: tuple[Service, ...] = ()  # those that fail with it: reached along critical edges

    @property
    def count(self) -> int:
        return len(self.services)

    @property
    def strictest(self) -> int | None:
        """The most critical tier among the dependents (None: nothing depends on it)."""
        return min((s.tier for s in self.services), default=None)

    @property
    def strictest_failing(self) -> int | None:
        """The most critical tier among the dependents that fail with it (None: none does)."""
        return min((s.tier for s in self.failing), default=None)

    def most_critical(self) -> list[str]:
        """The dependents at the strictest tier, by name."""
        return sorted(s.name for s in self.services if s.tier == self.strictest)


@dataclass(frozen=True)
class Term:
    """One factor of a service's availability bound: what a critical dependency can deliver, in
    percent. A service's objective is measured end to end, so it already counts its own
    dependencies' failures; it can deliver no more than its own critical dependencies allow, so
    `value` is the lower of its objective and that bound (transitive), never their product, which
    would count a dependency's failures twice."""

    name: str
    value: float
    objective: float | None = None  # the dependency's own objective (None: an external, or no SLO)
    capped: bool = False  # `value` is what its own critical dependencies allow, below its objective

    def __str__(self) -> str:
        if not self.capped:
            return f"{self.name} {self.value:g}%"
        if self.objective is None:
            bound = at_most(self.value, math.inf)
            return f"{self.name} {bound}% (no SLO: what its own hard dependencies allow)"
        bound = at_most(self.value, self.objective)
        return f"{self.name} {bound}% (its {self.objective:g}% capped by its own hard dependencies)"


def product(terms: list[Term]) -> float | None:
    """The availability critical dependencies allow together, in percent (None: nothing known)."""
    if not terms:
        return None
    allowed = 100.0
    for term in terms:
        allowed *= term.value / 100
    return allowed


def at_most(allowed: float, own: float) -> str:
    """`allowed` rounded down to the fewest decimals (two at least) that still show it below
    `own`: 99.8001 -> 99.8, 99.8999 below 99.9 -> 99.89."""
    for decimals in range(2, 7):
        scale = 10**decimals
        shown = math.floor(allowed * scale + 1e-9) / scale
        if shown < own or decimals == 6:
            return f"{shown:.{decimals}f}".rstrip("0").rstrip(".")
    return f"{allowed:g}"  # not reached: the loop returns at six decimals


@dataclass(frozen=True)
class Cycle:
    path: tuple[str, ...]  # service names, the first repeated at the end

    def __str__(self) -> str:
        return " -> ".join(self.path)


class ServiceGraph:
    """The services of one tree as a graph, asked lazily: a name is resolved by parsing only the
    source files whose text mentions it."""

    def __init__(self, catalog: Catalog, known: list[Service] | None = None) -> None:
        """`known`: every service of the tree, when the caller holds them already (a revision
        judged whole): names are then looked up among them, never by git grep or a second parse."""
        self.catalog = catalog
        self.known = known
        self._found: dict[str, list[Service]] = {}
        self._dependents: dict[str, list[Service]] = {}
        # lookups by git grep; past GREPS, one parse of every manifest answers
        self._greps = GREPS if known is not None else 0
        self._suggested = 0

    @cached_property
    def _sources(self) -> list[tuple[str, bytes]]:
        """Every source file of the tree with its text (read in one round trip, once)."""
        files = sorted(self.catalog.entries)
        snapshot = self.catalog.snapshot
        snapshot.read_many(files)
        return [(path, snapshot.read(path) or b"") for path in files]

    def _mentioning(self, name: str) -> list[Service]:
        """The services whose source files contain `name` (found by `git grep` in a commit, by a byte
        search in the index), parsed: only these few files are read."""
        snapshot = self.catalog.snapshot
        names = source_names(snapshot.repo)
        if snapshot.rev in (INDEX, EMPTY) or any("/" in n for n in names):
            needle = name.encode("utf-8", "replace")
            paths = [path for path, text in self._sources if needle in text]
        else:
            self._greps += 1
            paths = snapshot.repo.mentioning(snapshot.rev, name, names)
        seen: dict[str, Service] = {}
        for path in paths:
            service = self.catalog.service_in(root_of(path))
            if service is not None:
                seen.setdefault(service.manifest, service)
        return [seen[m] for m in sorted(seen)]

    @cached_property
    def _by_name(self) -> dict[str, list[Service]]:
        """Every service of the tree by name (parses every manifest: asked only when a name was not
        found by its text, which a YAML escape in a quoted name can hide, or past GREPS lookups)."""
        found: dict[str, list[Service]] = {}
        for service in self.catalog.all() if self.known is None else self.known:
            found.setdefault(service.name, []).append(service)
        return found

    def find_all(self, name: str) -> list[Service]:
        """Every service of that name in this tree (names should be unique; a pull request that adds
        a second one must not pick which of them the graph rules read)."""
        if name not in self._found:
            found = (
                []
                if self._greps >= GREPS
                else [s for s in self._mentioning(name) if s.name == name]
            )
            self._found[name] = found or self._by_name.get(name, [])
        return self._found[name]

    def find(self, name: str) -> Service | None:
        """The service of that name in this tree (None: no such service)."""
        found = self.find_all(name)
        return found[0] if found else None

    @cached_property
    def _words(self) -> list[str]:
        words = {w for _, text in self._sources for w in _TOKEN.findall(text)}
        return sorted(w.decode("utf-8", "replace") for w in words)

    def suggest(self, name: str) -> list[str]:
        """Service names close to an unknown one (a typo's likely meaning); the first SUGGESTED
        unknown names only, so a manifest of thousands of unknown names costs linear time."""
        self._suggested += 1
        if self._suggested > SUGGESTED:
            return []
        close = difflib.get_close_matches(name, self._words, n=8, cutoff=0.75)
        return [w for w in close if self.find(w) is not None][:3]

    def dependents(self, name: str) -> list[Service]:
        """Services whose manifests list `name` as a dependency (hard or soft), directly."""
        if name not in self._dependents:
            if self._greps >= GREPS:
                return self._reverse.get(name, [])
            self._dependents[name] = [
                s
                for s in self._mentioning(name)
                if s.name != name and any(d.name == name for d in dependencies_of(s))
            ]
        return self._dependents[name]

    @cached_property
    def _reverse(self) -> dict[str, list[Service]]:
        """name -> the services that list it, from one parse of every manifest."""
        found: dict[str, list[Service]] = {}
        for group in self._by_name.values():
            for service in group:
                for name in sorted({d.name for d in dependencies_of(service)} - {service.name}):
                    found.setdefault(name, []).append(service)
        return found

    def blast_radius(self, name: str) -> Reach:
        """Every service that depends on `name`, directly or through others (nearest first), and
        those of them that fail with it (reached along critical dependencies only)."""
        return Reach(name, self._reach(name, False), self._reach(name, True))

    def _reach(self, name: str, critical: bool) -> tuple[Service, ...]:
        reached: dict[str, Service] = {}
        queue = deque([name])
        while queue and len(reached) < MAX_REACH:
            current = queue.popleft()
            for service in self.dependents(current):
                if service.name in reached or service.name == name:
                    continue
                if critical and not any(
                    d.name == current and d.critical for d in dependencies_of(service)
                ):
                    continue  # it degrades without `current`, it does not fail
                reached[service.name] = service
                queue.append(service.name)
        return tuple(reached.values())

    def tier0_cycle(self, service: Service) -> Cycle | None:
        """The shortest cycle of critical dependencies among tier-0 services through `service`."""
        return _cycle_in(service, self.find) if service.tier == 0 else None


def _walk(parents: dict[str, str], last: str, start: str) -> list[str]:
    path = [last]
    while path[-1] != start:
        path.append(parents[path[-1]])
    return list(reversed(path))


@dataclass(frozen=True)
class Edge:
    source: str  # the dependent service
    target: str  # the service or external it depends on
    dependency: Dependency
    inversion: bool  # a critical dependency less critical than its dependent
    known: bool  # the target is a catalog service (or a declared external)


@dataclass(frozen=True)
class GraphReport:
    """The whole graph of one tree, for `gate graph` and the scorecard."""

    services: tuple[Service, ...]
    edges: tuple[Edge, ...]
    cycles: tuple[Cycle, ...]


def describe(services: list[Service]) -> GraphReport:
    """Every service and dependency of a tree, with tier inversions, unknown names and tier-0 cycles."""
    by_name = {s.name: s for s in services}
    edges = []
    for service in services:
        for dependency in dependencies_of(service):
            target = by_name.get(dependency.name)
            known = dependency.external or dependency.ref_kind != "component" or target is not None
            inversion = bool(
                target is not None
                and not dependency.external
                and dependency.critical
                and target.tier > service.tier
            )
            edges.append(Edge(service.name, dependency.name, dependency, inversion, known))
    return GraphReport(tuple(services), tuple(edges), tuple(_cycles(services, by_name)))


def _cycles(services: list[Service], by_name: dict[str, Service]) -> list[Cycle]:
    """Each tier-0 cycle once (named from its alphabetically first service)."""
    found: dict[frozenset[str], Cycle] = {}
    for service in services:
        if service.tier != 0:
            continue
        cycle = _cycle_in(service, by_name.get)
        if cycle is not None:
            found.setdefault(frozenset(cycle.path), cycle)
    return sorted(found.values(), key=lambda c: c.path)


def _cycle_in(service: Service, find: Callable[[str], Service | None]) -> Cycle | None:
    """A breadth-first walk along critical dependencies among tier-0 services back to `service`."""
    parents: dict[str, str] = {}
    queue = deque([service])
    while queue:
        current = queue.popleft()
        for dependency in dependencies_of(current):
            if dependency.external or not dependency.critical:
                continue
            if dependency.name == service.name:
                return Cycle((*_walk(parents, current.name, service.name), service.name))
            target = find(dependency.name)
            if target is None or target.tier != 0 or dependency.name in parents:
                continue
            parents[dependency.name] = current.name
            queue.append(target)
    return None


def at_revision(repo_dir: str, rev: str, config_path: str | None) -> GraphReport:
    """The graph of every service at `rev`, with the revision's own source settings."""
    repo = Repo(repo_dir)
    snapshot = Snapshot(repo, repo.resolve(rev))
    config = gate_config.load(
        snapshot, config_path or gate_config.CONFIG_FILE, required=config_path is not None
    )
    configure(repo, config.backstage)
    return describe([s for s in Catalog.of(snapshot).all() if s.parsed])
