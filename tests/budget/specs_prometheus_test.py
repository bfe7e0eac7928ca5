"""OpenSLO and Sloth definitions measured against the real Prometheus the suite runs (fixtures written here)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from conftest import GitRepo
from testing.typed import present

from gate.budget.records import SLO
from gate.budget.slo import slos_of
from gate.budget.status import measure
from gate.catalog import load_service
from gate.git import Repo
from gate.settings import BudgetSettings
from gate.snapshot import Snapshot

MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: NAME\ntier: 1\nslos:\n"


def _slos(repo: GitRepo, manifest_slos: str, files: dict[str, str], name: str) -> list[SLO]:
    repo.write("svc/service.yaml", MANIFEST.replace("NAME", name) + manifest_slos)
    for path, text in files.items():
        repo.write(path, text.replace("NAME", name))
    snapshot = Snapshot(Repo(repo.path), repo.commit())
    slos, problems = slos_of(present(load_service(snapshot, "svc/service.yaml")), snapshot)
    assert not problems, problems
    return slos


def settings(url: str, **budgets: Any) -> BudgetSettings:
    return BudgetSettings.parse({"prometheus": {"url": url, "timeout": 5, "retries": 0}, **budgets})


OPENSLO = """\
- apiVersion: openslo/v1
  kind: DataSource
  metadata: {name: prom}
  spec: {type: Prometheus, connectionDetails: {url: http://ignored.example}}
- apiVersion: openslo/v1
  kind: SLO
  metadata: {name: NAME-availability}
  spec:
    service: NAME
    indicator:
      metadata: {name: NAME-requests}
      spec:
        ratioMetric:
          counter: true
          good:
            metricSource:
              metricSourceRef: prom
              spec: {query: 'sum(http_requests_total{service="NAME",code!~"5.."})'}
          total:
            metricSource:
              metricSourceRef: prom
              spec: {query: 'sum(http_requests_total{service="NAME"})'}
    timeWindow: [{duration: 28d, isRolling: true}]
    budgetingMethod: Occurrences
    objectives: [{displayName: availability, target: 0.999}]
"""


@pytest.mark.parametrize(
    "name, state, remaining",
    [("healthy", "ok", 0.9), ("burning", "fast-burn", None), ("exhausted", "exhausted", -1.0)],
)
def test_openslo_with_plain_counter_queries(
    repo: GitRepo, prometheus: Any, name: str, state: str, remaining: float | None
) -> None:
    (slo,) = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": OPENSLO}, name)
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    assert status.state == state, status
    if remaining is not None:
        assert status.remaining == pytest.approx(
            remaining, abs=0.02
        )  # the same budgets the {{window}} form measures
    assert f'sum(increase(http_requests_total{{service="{name}"}}[28d]))' in status.evidence
    assert (
        "ignored.example" not in status.evidence
    )  # the document's DataSource never picks the server asked


def test_openslo_raw_ratio(repo: GitRepo, prometheus: Any) -> None:
    raw = (
        OPENSLO.split("        ratioMetric:")[0]
        + """        ratioMetric:
          rawType: failure
          raw:
            metricSource:
              type: Prometheus
              spec:
                query: sum(rate(http_requests_total{service="NAME",code="500"}[1h])) / sum(rate(http_requests_total{service="NAME"}[1h]))
    timeWindow: [{duration: 7d, isRolling: true}]
    budgetingMethod: Occurrences
    objectives: [{target: 0.999}]
"""
    )
    (slo,) = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": raw}, "exhausted")
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    assert (
        status.state == "exhausted"
        and status.remaining == pytest.approx(-1.0, abs=0.02)
        and status.events is None
    )
    assert status.burn_rates[3600] == pytest.approx(2.0, rel=0.02)


THRESHOLD = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: NAME-error-ratio}
spec:
  service: NAME
  indicator:
    metadata: {name: NAME-error-ratio}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: sum(rate(http_requests_total{service="NAME",code="500"}[10m])) / sum(rate(http_requests_total{service="NAME"}[10m]))
  timeWindow: [{duration: 2d, isRolling: true}]
  budgetingMethod: Timeslices
  objectives:
    - {op: lt, value: 0.01, target: 0.95, timeSliceTarget: 1, timeSliceWindow: 10m}
"""


def test_openslo_threshold_metric_timeslices(repo: GitRepo, prometheus: Any) -> None:
    (slo,) = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": THRESHOLD}, "burning")
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    # 5% errors for the last 2 hours: 12 of 288 ten-minute slices are bad, 5% of 288 (14.4) may be
    assert status.events == pytest.approx(288, abs=2)
    assert status.remaining == pytest.approx(1 - 12 / 14.4, abs=0.1)
    (slo,) = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": THRESHOLD}, "healthy")
    assert measure(slo, settings(prometheus.url), offline=False, tier=1).remaining == 1.0


def test_openslo_ratio_timeslices(repo: GitRepo, prometheus: Any) -> None:
    text = (
        OPENSLO.replace("budgetingMethod: Occurrences", "budgetingMethod: RatioTimeslices")
        .replace("duration: 28d", "duration: 2d")
        .replace("target: 0.999}", "target: 0.99, timeSliceWindow: 10m}")
    )
    (slo,) = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text}, "burning")
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    # the slices' average good ratio: 276 slices at 99.97% and 12 at 95%
    average = (276 * 0.9997 + 12 * 0.95) / 288
    assert status.ratio == pytest.approx(average, abs=0.001)
    assert status.remaining == pytest.approx(1 - (1 - average) / 0.01, abs=0.1)


def test_openslo_calendar_window_measures_the_period_so_far(repo: GitRepo, prometheus: Any) -> None:
    start = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(time.time() - 3 * 86400))
    text = OPENSLO.replace(
        "timeWindow: [{duration: 28d, isRolling: true}]",
        f"timeWindow: [{{duration: 1w, calendar: {{startTime: '{start}', timeZone: UTC}}}}]",
    )
    (slo,) = _slos(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text}, "exhausted")
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    assert status.state == "exhausted" and status.remaining == pytest.approx(-1.0, abs=0.02)
    assert "[259" in status.evidence or "[3d]" in status.evidence  # about three days, in seconds


SLOTH = """\
version: prometheus/v1
service: NAME
labels: {team: shop}
slos:
  - name: requests-availability
    objective: 99.9
    labels: {journey: checkout}
    sli:
      events:
        error_query: sum(rate(http_requests_total{service="NAME",code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total{service="NAME"}[{{.window}}]))
    alerting:
      name: NAMEHighErrorRate
      page_alert: {labels: {severity: page}}
      ticket_alert: {disable: true}
"""

SLOTH_CRD = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: {name: NAME, namespace: monitoring}
spec:
  service: NAME
  slos:
    - name: requests-availability
      objective: 99.9
      sli:
        events:
          errorQuery: sum(rate(http_requests_total{service="NAME",code=~"5.."}[{{.window}}]))
          totalQuery: sum(rate(http_requests_total{service="NAME"}[{{.window}}]))
      alerting:
        name: NAMEHighErrorRate
        pageAlert: {disable: true}
"""

SEVEN_DAYS = {
    "sloPeriod": "7d",
    "page": {
        "quick": {"errorBudgetPercent": 8, "shortWindow": "5m", "longWindow": "1h"},
        "slow": {"errorBudgetPercent": 12.5, "shortWindow": "30m", "longWindow": "6h"},
    },
    "ticket": {
        "quick": {"errorBudgetPercent": 20, "shortWindow": "2h", "longWindow": "1d"},
        "slow": {"errorBudgetPercent": 42, "shortWindow": "6h", "longWindow": "3d"},
    },
}


def test_sloth_prometheus_v1_spec(repo: GitRepo, prometheus: Any) -> None:
    (slo,) = _slos(
        repo, "  - sloth: svc/sloth.yaml\n    window: 28d\n", {"svc/sloth.yaml": SLOTH}, "burning"
    )
    assert (slo.name, slo.window_text, slo.alerts, dict(slo.labels)) == (
        "burning-requests-availability",
        "28d",
        ("page",),
        {"team": "shop", "journey": "checkout"},
    )
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    assert status.state == "fast-burn" and status.condition == "13.44x over 1h and 5m"
    assert (
        status.to_json()["definition"] == "sloth"
        and status.to_json()["labels"]["journey"] == "checkout"
    )


def test_sloth_crd_with_seven_day_windows_pages_where_sloth_does(
    repo: GitRepo, prometheus: Any
) -> None:
    (slo,) = _slos(
        repo,
        "  - sloth: svc/sloth.yaml\n    window: 7d\n",
        {"svc/sloth.yaml": SLOTH_CRD},
        "burning",
    )
    assert slo.alerts == (
        "ticket",
    )  # pageAlert disabled: a burning service is a ticket, never a page
    status = measure(slo, settings(prometheus.url), offline=False, tier=1)
    assert status.state == "slow-burn"
    enabled = SLOTH_CRD.replace("        pageAlert: {disable: true}\n", "")
    (slo,) = _slos(
        repo, "  - sloth: svc/sloth.yaml\n    window: 7d\n", {"svc/sloth.yaml": enabled}, "burning"
    )
    status = measure(
        slo, settings(prometheus.url, alert_windows=[SEVEN_DAYS]), offline=False, tier=1
    )
    assert (
        status.state == "fast-burn" and status.condition == "13.44x over 1h and 5m"
    )  # Sloth's 7d windows, not 3.36x
    (slo,) = _slos(repo, "  - sloth: svc/sloth.yaml\n", {"svc/sloth.yaml": enabled}, "healthy")
    assert (
        slo.window_text == "30d"
        and measure(slo, settings(prometheus.url), offline=False, tier=1).state == "ok"
    )
