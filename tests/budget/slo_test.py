from __future__ import annotations

import pytest
from conftest import GitRepo
from testing.typed import present

from gate.budget.records import SLO, SLOProblem
from gate.budget.slo import slos_of
from gate.catalog import load_service
from gate.git import Repo
from gate.snapshot import Snapshot

HEAD = "apiVersion: gate/v1\nkind: Service\nname: shop\ntier: 1\nslos:\n"
GOOD = 'sum(rate(http_requests_total{service="shop",code!~"5.."}[{{window}}]))'
TOTAL = 'sum(rate(http_requests_total{service="shop"}[{{window}}]))'


def _slos(
    repo: GitRepo, slos_yaml: str, files: dict[str, str] | None = None
) -> tuple[list[SLO], list[SLOProblem]]:
    repo.write("svc/service.yaml", HEAD + slos_yaml)
    for path, text in (files or {}).items():
        repo.write(path, text)
    head = repo.commit()
    snap = Snapshot(Repo(repo.path), head)
    return slos_of(present(load_service(snap, "svc/service.yaml")), snap)


def test_inline_prometheus_slo(repo: GitRepo) -> None:
    slos, problems = _slos(
        repo,
        f"  - name: avail\n    sli: availability\n    objective: 99.9\n    window: 28d\n    indicator:\n      prometheus:\n        good: '{GOOD}'\n        total: '{TOTAL}'\n",
    )
    assert problems == []
    (slo,) = slos
    assert (slo.name, slo.objective, slo.window, slo.budgeting, slo.source, slo.line) == (
        "avail",
        0.999,
        28 * 86400,
        "occurrences",
        "prometheus",
        6,
    )


@pytest.mark.parametrize(
    "indicator, words",
    [
        (
            "{prometheus: {good: 'a[{{window}}]'}}",
            "needs `total` and exactly one of `good` or `bad`",
        ),
        (
            "{prometheus: {good: 'a[{{window}}]', bad: 'b[{{window}}]', total: 'c[{{window}}]'}}",
            "exactly one of",
        ),
        (
            "{prometheus: {good: '1', total: 'c[{{window}}]'}}",
            "good query cannot be measured over a window: the query selects no series",
        ),
        (
            "{prometheus: {good: 'a[{{window}}]', total: 'a[{{window}}]'}}",
            "good and total are the same query",
        ),
    ],
)
def test_inline_query_validation_like_sloth(repo: GitRepo, indicator: str, words: str) -> None:
    slos, problems = _slos(
        repo,
        f"  - {{name: a, sli: availability, objective: 99.9, window: 28d, indicator: {indicator}}}\n",
    )
    assert slos == [] and any(words in p.message for p in problems)
    assert all(p.file == "svc/service.yaml" and p.line == 6 for p in problems)


def test_timeslices_inline(repo: GitRepo) -> None:
    slos, problems = _slos(
        repo,
        "  - {name: a, sli: availability, objective: 99, window: 28d, budgeting: timeslices, timeslice: {window: 5m, target: 0.95}}\n",
    )
    assert problems == [] and (slos[0].slice_window, slos[0].slice_target) == (300, 0.95)
    slos, problems = _slos(
        repo,
        "  - {name: a, sli: availability, objective: 99, window: 28d, budgeting: timeslices}\n",
    )
    assert slos == [] and "timeslice.window" in problems[0].message


OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: shop-availability
spec:
  service: shop
  indicator:
    metadata: {name: shop-good}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource: {type: Prometheus, spec: {query: 'GOOD'}}
        total:
          metricSource: {type: Prometheus, spec: {query: 'TOTAL'}}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: shop availability
      target: 0.999
""".replace("GOOD", GOOD).replace("TOTAL", TOTAL)


def test_openslo_document(repo: GitRepo) -> None:
    slos, problems = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": OPENSLO})
    assert problems == []
    (slo,) = slos
    assert (slo.name, slo.objective, slo.window_text, slo.good, slo.origin, slo.line) == (
        "shop-availability",
        0.999,
        "28d",
        GOOD,
        "svc/slo.yaml",
        21,
    )


@pytest.mark.parametrize(
    "old, new, words, unsupported",
    [
        (
            "target: 0.999",
            "target: 99.9",
            "must be a fraction in [0, 1) (write 0.999, or use targetPercent: 99.9)",
            False,
        ),
        (
            "target: 0.999",
            "targetPercent: 99.9\n      target: 0.999",
            "both target and targetPercent",
            False,
        ),
        ("target: 0.999", "targetPercent: 100", "targetPercent 100 must be in [0, 100)", False),
        ("duration: 28d", "duration: a month", "is not a duration shorthand", False),
        (
            "budgetingMethod: Occurrences",
            "budgetingMethod: Sometimes",
            "budgetingMethod 'Sometimes' must be one of",
            False,
        ),
        (
            "type: Prometheus, spec: {query: 'TOTAL'}".replace("TOTAL", TOTAL),
            "spec: {query: x}",
            "metricSource needs type (e.g. Prometheus) or metricSourceRef",
            False,
        ),
    ],
)
def test_openslo_validation_and_unsupported_features(
    repo: GitRepo, old: str, new: str, words: str, unsupported: bool
) -> None:
    assert old in OPENSLO
    slos, problems = _slos(
        repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": OPENSLO.replace(old, new)}
    )
    assert slos == []
    assert any(words in p.message and p.unsupported is unsupported for p in problems), problems
    assert all(p.file == "svc/slo.yaml" for p in problems)
    assert not any(
        word in p.message for p in problems for word in ("None", "['", "{'", "True", "False")
    )  # no Python reprs


def test_openslo_with_another_source_is_kept_but_unmeasurable(repo: GitRepo) -> None:
    old = "type: Prometheus, spec: {query: 'TOTAL'}".replace("TOTAL", TOTAL)
    (slo,), problems = _slos(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {"svc/slo.yaml": OPENSLO.replace(old, "type: Datadog, spec: {query: x}")},
    )
    assert problems == [] and not slo.measured
    assert (
        slo.unmeasurable
        == "OpenSLO SLO 'shop-availability': objective 'shop availability': metric source type 'Datadog' is not read by gate (it measures Prometheus, or the file and http sources)"
    )


def test_openslo_not_an_slo_and_broken_yaml(repo: GitRepo) -> None:
    _, problems = _slos(
        repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": "kind: Thing\nname: x\n"}
    )
    assert "neither an OpenSLO v1 document" in problems[0].message
    _, problems = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": "a: [\n"})
    assert "invalid YAML" in problems[0].message and problems[0].line == 2
