"""The service graph: dependency records, name resolution through the token index, blast radius,
tier-0 cycles and the whole-tree description, on real repositories built in tmp dirs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import GitRepo, new_repo

from gate.budget.slo import slos_of
from gate.catalog import Catalog
from gate.git import Repo
from gate.graph import (
    Dependency,
    ServiceGraph,
    Term,
    at_most,
    availability,
    dependencies_of,
    describe,
    product,
)
from gate.snapshot import Snapshot


def _manifest(name: str, tier: int, deps: str = "[]", extra: str = "") -> str:
    return f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\ndependencies: {deps}\n{extra}"


@pytest.fixture
def fleet(tmp_path: Path) -> GitRepo:
    """edge(1) -> api(0) -> db(0) -> api(0) (a tier-0 cycle); api -> cache (soft); worker -> db."""
    repo = new_repo(tmp_path / "fleet")
    repo.write("edge/service.yaml", _manifest("edge", 1, "[api]"))
    repo.write("api/service.yaml", _manifest("api", 0, "[db, {service: cache, kind: soft}]"))
    repo.write("db/service.yaml", _manifest("db", 0, "[api]"))
    repo.write("cache/service.yaml", _manifest("cache", 2))
    repo.write("worker/service.yaml", _manifest("worker", 3, "[db]"))
    repo.write("docs/notes.md", "api db edge: words that are not manifests\n")
    repo.commit("fleet")
    return repo


def _graph(repo: GitRepo) -> ServiceGraph:
    r = Repo(str(repo.path))
    return ServiceGraph(Catalog.of(Snapshot(r, r.resolve("HEAD"))))


def test_dependency_records_from_every_form(fleet: GitRepo) -> None:
    fleet.write(
        "svc/service.yaml",
        _manifest(
            "svc",
            1,
            '[api, "component:default/db", "resource:default/bucket", {service: cache, kind: soft},'
            ' {external: {name: stripe, sla: 99.99, fallback: queue}}, {service: x, fallback: " "}]',
        ),
    )
    fleet.commit("svc")
    service = _graph(fleet).find("svc")
    assert service is not None
    assert dependencies_of(service) == [
        Dependency("api", index=0),
        Dependency("db", index=1),
        Dependency("bucket", ref_kind="resource", index=2),
        Dependency("cache", "soft", index=3),
        Dependency("stripe", external=True, sla=99.99, fallback="queue", index=4),
        Dependency("x", index=5),  # a blank fallback is none
    ]
    assert [d.critical for d in dependencies_of(service)] == [True, True, True, False, False, True]


def test_names_resolve_only_to_services(fleet: GitRepo) -> None:
    graph = _graph(fleet)
    api = graph.find("api")
    assert api is not None and api.manifest == "api/service.yaml"
    assert graph.find("notes") is None and graph.find("apiVersion") is None
    assert graph.suggest("dbb") == ["db"]
    assert graph.suggest("zzz") == []


def test_blast_radius_is_transitive_and_stops(fleet: GitRepo) -> None:
    graph = _graph(fleet)
    db = graph.blast_radius("db")
    assert sorted(s.name for s in db.services) == ["api", "edge", "worker"]
    assert (db.count, db.strictest, db.most_critical()) == (3, 0, ["api"])
    cache = graph.blast_radius("cache")  # through a soft edge: reached, it degrades them
    assert sorted(s.name for s in cache.services) == ["api", "db", "edge", "worker"]
    edge = graph.blast_radius("edge")
    assert (edge.count, edge.strictest, edge.most_critical()) == (0, None, [])


def test_tier0_cycle(fleet: GitRepo) -> None:
    graph = _graph(fleet)
    api, edge = graph.find("api"), graph.find("edge")
    assert api is not None and edge is not None
    cycle = graph.tier0_cycle(api)
    assert cycle is not None and str(cycle) == "api -> db -> api"
    assert graph.tier0_cycle(edge) is None  # tier 1: not a tier-0 cycle


def test_describe_the_whole_tree(fleet: GitRepo) -> None:
    services = [s for s in _graph(fleet).catalog.all()]
    report = describe(services)
    assert [str(c) for c in report.cycles] == ["api -> db -> api"]
    inverted = [(e.source, e.target) for e in report.edges if e.inversion]
    assert inverted == []  # api -> cache is soft; worker (3) -> db (0) is not an inversion
    fleet.write("edge/service.yaml", _manifest("edge", 1, "[api, cache, ghost]"))
    fleet.commit("edge leans on cache and a ghost")
    report = describe(list(_graph(fleet).catalog.all()))
    assert [(e.source, e.target) for e in report.edges if e.inversion] == [("edge", "cache")]
    assert [(e.source, e.target) for e in report.edges if not e.known] == [("edge", "ghost")]


@pytest.mark.parametrize(
    "slos, expected",
    [
        ("[{name: a, sli: availability, objective: 99.9, window: 28d}]", 99.9),
        (
            "[{name: a, sli: availability, objective: 99.9, window: 28d},"
            " {name: b, sli: error-rate, objective: 99.5, window: 28d}]",
            99.5,
        ),
        ("[{name: l, sli: latency, objective: 99, window: 28d}]", None),
        ("[]", None),
    ],
)
def test_availability_is_the_weakest_availability_objective(
    tmp_path: Path, slos: str, expected: float | None
) -> None:
    repo = new_repo(tmp_path / "one")
    repo.write("s/service.yaml", _manifest("s", 1, extra=f"slos: {slos}\n"))
    repo.commit("s")
    r = Repo(str(repo.path))
    snap = Snapshot(r, r.resolve("HEAD"))
    service = Catalog.of(snap).service_at("s/service.yaml")
    found = availability(service, slos_of(service, snap)[0])
    assert found == pytest.approx(expected) if expected is not None else found is None


def test_the_bound_is_shown_rounded_down_and_below_the_objective() -> None:
    assert product([]) is None
    bound = product([Term("b", 99.95), Term("c", 99.95)])
    assert bound is not None and abs(bound - 99.900025) < 1e-9
    assert at_most(99.8001, 99.9) == "99.8"
    assert at_most(99.8999, 99.9) == "99.89"  # rounding up would show 99.9, the objective itself
    assert at_most(99.9899999, 99.99) == "99.98"
    assert at_most(99.5, math.inf) == "99.5"
    assert str(Term("bank", 99.99)) == "bank 99.99%"
    assert str(Term("mid", 99.9, 99.99, capped=True)) == (
        "mid 99.9% (its 99.99% capped by its own hard dependencies)"
    )
    assert str(Term("bare", 99.5, None, capped=True)) == (
        "bare 99.5% (no SLO: what its own hard dependencies allow)"
    )


def test_a_graph_of_known_services_asks_git_nothing(
    fleet: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revision judged whole hands the graph every service: no git grep, no second parse."""
    r = Repo(str(fleet.path))
    catalog = Catalog.of(Snapshot(r, r.resolve("HEAD")))
    services = catalog.all()
    monkeypatch.setattr(Repo, "mentioning", lambda *a: pytest.fail("git grep asked"))
    graph = ServiceGraph(catalog, services)
    assert sorted(s.name for s in graph.blast_radius("db").services) == ["api", "edge", "worker"]
    assert graph.find("nosuch") is None and graph.find("cache") is not None


def test_the_services_that_fail_with_a_dependency_follow_critical_edges_only(
    fleet: GitRepo,
) -> None:
    graph = _graph(fleet)
    cache = graph.blast_radius("cache")  # api depends on it softly: reached, it does not fail
    assert cache.count == 4 and cache.failing == () and cache.strictest_failing is None
    db = graph.blast_radius("db")
    assert sorted(s.name for s in db.failing) == ["api", "edge", "worker"]
    assert db.strictest_failing == 0
