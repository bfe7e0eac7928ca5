"""OpenSLO v1 as the specification defines it: every layout, kind, reference and construct (fixtures written here)."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import GitRepo
from testing.typed import present

from gate.budget.prometheus import queries
from gate.budget.records import SLO, Calendar, SLOProblem
from gate.budget.slo import slos_of
from gate.catalog import load_service
from gate.git import Repo
from gate.snapshot import Snapshot

MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: shop\ntier: 1\nslos:\n"

SLO_RATIO = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: shop-availability
spec:
  service: shop
  indicator:
    metadata: {name: shop-requests}
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="shop",code!~"5.."})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="shop"})
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: availability
      target: 0.999
"""

SLI = """\
apiVersion: openslo/v1
kind: SLI
metadata:
  name: shop-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        metricSourceRef: prom
        spec:
          query: sum(rate(http_requests_total{service="shop",code=~"5.."}[5m]))
    total:
      metricSource:
        metricSourceRef: prom
        spec:
          query: sum(rate(http_requests_total{service="shop"}[5m]))
"""

DATASOURCE = """\
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prom
spec:
  type: Prometheus
  connectionDetails:
    url: http://prometheus.example.com
"""

SLO_REF = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: shop-errors-slo
spec:
  service: shop
  indicatorRef: shop-errors
  timeWindow:
    - duration: 1M
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - targetPercent: 99.5
  alertPolicies:
    - alertPolicyRef: shop-page
"""

ALERT_POLICY = """\
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: shop-page
spec:
  alertWhenBreaching: true
  conditions:
    - conditionRef: shop-burn
  notificationTargets:
    - targetRef: shop-pager
"""


def _load(
    repo: GitRepo, manifest_slos: str, files: dict[str, str]
) -> tuple[list[SLO], list[SLOProblem]]:
    repo.write("svc/service.yaml", MANIFEST + manifest_slos)
    for path, text in files.items():
        repo.write(path, text)
    head = repo.commit()
    snapshot = Snapshot(Repo(repo.path), head)
    return slos_of(present(load_service(snapshot, "svc/service.yaml")), snapshot)


def _as_list(*docs: str) -> str:
    return "".join("- " + doc.replace("\n", "\n  ").rstrip() + "\n" for doc in docs)


def test_standard_prometheus_queries_get_gate_built_window_expressions(repo: GitRepo) -> None:
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": SLO_RATIO})
    assert problems == []
    assert slo.good == 'sum(increase(http_requests_total{service="shop",code!~"5.."}[{{window}}]))'
    assert queries(slo, 3600) == (
        'sum(increase(http_requests_total{service="shop",code!~"5.."}[1h]))',
        'sum(increase(http_requests_total{service="shop"}[1h]))',
    )
    assert (slo.objective, slo.window, slo.spec, slo.line) == (0.999, 28 * 86400, "openslo", 27)


@pytest.mark.parametrize("layout", ["stream", "list", "list-in-stream"])
def test_single_list_and_multi_document_files_with_refs_resolved_among_them(
    repo: GitRepo, layout: str
) -> None:
    docs = (SLI, DATASOURCE, SLO_REF, ALERT_POLICY)
    text = {
        "stream": "---\n" + "---\n".join(docs),
        "list": _as_list(*docs),
        "list-in-stream": _as_list(SLI, DATASOURCE) + "---\n" + _as_list(SLO_REF, ALERT_POLICY),
    }[layout]
    (slo,), problems = _load(repo, "  - openslo: svc/slos.yaml\n", {"svc/slos.yaml": text})
    assert problems == []
    assert slo.name == "shop-errors-slo" and slo.objective == 0.995
    assert slo.window == 30 * 86400 and slo.window_text == "1M"  # a rolling month is 30 days
    assert (
        slo.bad == 'sum(rate(http_requests_total{service="shop",code=~"5.."}[{{window}}]))'
    )  # fixed ranges become the window
    assert (
        slo.line is not None and text.splitlines()[slo.line - 1].strip() == "- targetPercent: 99.5"
    )


def test_refs_resolve_across_the_files_the_manifest_names(repo: GitRepo) -> None:
    files = {
        "svc/slo.yaml": SLO_REF,
        "svc/sli.yaml": SLI + "---\n" + DATASOURCE + "---\n" + ALERT_POLICY,
    }
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n  - openslo: svc/sli.yaml\n", files)
    assert (
        problems == [] and slo.total == 'sum(rate(http_requests_total{service="shop"}[{{window}}]))'
    )
    # without the SLI's file: valid, but not measurable, and it says what to do
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": SLO_REF})
    assert (
        problems == [] and slo.line == 13 and not slo.measured
    )  # kept: a status file may still measure it
    assert (
        "indicatorRef 'shop-errors' names no SLI in svc/slo.yaml; add the file holding it to the manifest's slos"
        in (slo.unmeasurable or "")
    )


def test_metric_source_ref_without_type_takes_the_data_source_type(repo: GitRepo) -> None:
    datadog = DATASOURCE.replace("type: Prometheus", "type: Datadog")
    (slo,), problems = _load(
        repo, "  - openslo: svc/s.yaml\n", {"svc/s.yaml": "---\n".join((SLI, datadog, SLO_REF))}
    )
    assert problems == [] and "metric source type 'Datadog' is not read by gate" in (
        slo.unmeasurable or ""
    )
    (slo,), problems = _load(
        repo, "  - openslo: svc/s.yaml\n", {"svc/s.yaml": "---\n".join((SLI, SLO_REF))}
    )
    assert problems == [] and "metricSourceRef 'prom' names no DataSource" in (
        slo.unmeasurable or ""
    )


def test_raw_ratio_with_raw_type(repo: GitRepo) -> None:
    raw = SLO_RATIO.replace(
        """        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="shop",code!~"5.."})
        total:
          metricSource:
            type: Prometheus
            spec:
              query: sum(http_requests_total{service="shop"})""",
        """        rawType: failure
        raw:
          metricSource:
            type: Prometheus
            spec:
              query: shop:error_ratio{service="shop"}""",
    )
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": raw})
    assert problems == [] and (slo.raw, slo.raw_type) == (
        'avg_over_time(shop:error_ratio{service="shop"}[{{window}}])',
        "failure",
    )
    assert queries(slo, 3600) == (
        '1 - (avg_over_time(shop:error_ratio{service="shop"}[1h]))',
        "vector(1)",
    )
    success = raw.replace("rawType: failure", "rawType: success").replace(
        "shop:error_ratio", "shop:success_ratio"
    )
    (slo,), _ = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": success})
    assert queries(slo, 3600)[0] == '(avg_over_time(shop:success_ratio{service="shop"}[1h]))'
    _, problems = _load(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {"svc/slo.yaml": raw.replace("        rawType: failure\n", "")},
    )
    assert [p.message for p in problems] == [
        "OpenSLO SLO 'shop-availability': ratioMetric.raw needs rawType success or failure, not (missing)"
    ]


THRESHOLD = """\
apiVersion: openslo/v1
kind: SLO
metadata:
  name: shop-latency
spec:
  service: shop
  indicator:
    metadata: {name: shop-p99}
    spec:
      thresholdMetric:
        metricSource:
          type: Prometheus
          spec:
            query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="shop"}[5m])))
  timeWindow:
    - duration: 7d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - displayName: p99 under 300ms
      op: lt
      value: 0.3
      target: 0.99
      timeSliceTarget: 1
      timeSliceWindow: 5m
"""


def test_threshold_metric_with_timeslices(repo: GitRepo) -> None:
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": THRESHOLD})
    assert problems == [] and (slo.op, slo.value, slo.slice_window, slo.budgeting) == (
        "<",
        0.3,
        300,
        "timeslices",
    )
    good, total = queries(slo, 7 * 86400)
    inner = 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="shop"}[5m])))'
    assert (
        good == f"sum_over_time((({inner}) < bool 0.3)[7d:5m])"
        and total == f"count_over_time(({inner})[7d:5m])"
    )
    # Occurrences over a threshold metric counts data points Prometheus does not expose: said, not guessed
    (slo,), problems = _load(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {
            "svc/slo.yaml": THRESHOLD.replace(
                "budgetingMethod: Timeslices", "budgetingMethod: Occurrences"
            )
        },
    )
    assert problems == [] and "use budgetingMethod Timeslices" in (slo.unmeasurable or "")
    # an inline threshold without value is invalid (as oslo says); through indicatorRef the SDK cannot tell, and
    # gate says it cannot measure it
    slos, problems = _load(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {"svc/slo.yaml": THRESHOLD.replace("      value: 0.3\n", "")},
    )
    assert (
        slos == []
        and not problems[0].unsupported
        and "inline thresholdMetric needs op (lt, lte, gt, gte) and value" in problems[0].message
    )
    sli = "apiVersion: openslo/v1\nkind: SLI\nmetadata: {name: p99}\nspec: {thresholdMetric: {metricSource: {type: Prometheus, spec: {query: 'p99_seconds'}}}}\n"
    valueless = THRESHOLD.replace("      value: 0.3\n", "")
    by_ref = (
        valueless.split("  indicator:")[0]
        + "  indicatorRef: p99\n  timeWindow:"
        + valueless.split("  timeWindow:")[1]
    )
    (slo,), problems = _load(
        repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": by_ref + "---\n" + sli}
    )
    assert problems == [] and "needs op (lt, lte, gt, gte) and value" in (slo.unmeasurable or "")


def test_ratio_timeslices_average_the_slices_ratios(repo: GitRepo) -> None:
    text = SLO_RATIO.replace(
        "budgetingMethod: Occurrences", "budgetingMethod: RatioTimeslices"
    ).replace(
        "      target: 0.999", "      target: 0.999\n      timeSliceWindow: 10"
    )  # a bare number is minutes
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    assert problems == [] and (slo.budgeting, slo.slice_window) == ("ratiotimeslices", 600)
    good, total = queries(slo, 28 * 86400)
    assert (
        good.startswith("sum_over_time(((sum(increase(")
        and good.endswith("[28d:10m])")
        and ">= bool" not in good
    )
    assert total.startswith("count_over_time(")


def test_calendar_windows_with_time_zone(repo: GitRepo) -> None:
    text = SLO_RATIO.replace(
        "    - duration: 28d\n      isRolling: true",
        "    - duration: 1M\n      calendar: {startTime: 2026-01-01 00:00:00, timeZone: Europe/Warsaw}",
    )
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    assert problems == [] and slo.calendar == Calendar(
        "2026-01-01 00:00:00", "Europe/Warsaw", 1, "M"
    )
    warsaw = dt.timezone(dt.timedelta(hours=1))
    start, end = slo.calendar.period(dt.datetime(2026, 2, 14, 12, 0, tzinfo=warsaw).timestamp())
    assert (start, end) == (
        dt.datetime(2026, 2, 1, tzinfo=warsaw).timestamp(),
        dt.datetime(2026, 3, 1, tzinfo=warsaw).timestamp(),
    )
    quarter = Calendar("2026-01-01 00:00:00", "UTC", 1, "Q")
    assert (
        quarter.period(dt.datetime(2026, 5, 5, tzinfo=dt.timezone.utc).timestamp())[0]
        == dt.datetime(2026, 4, 1, tzinfo=dt.timezone.utc).timestamp()
    )
    week = Calendar("2026-01-05 00:00:00", "UTC", 1, "w")  # a Monday
    assert (
        week.period(dt.datetime(2026, 3, 12, tzinfo=dt.timezone.utc).timestamp())[0]
        == dt.datetime(2026, 3, 9, tzinfo=dt.timezone.utc).timestamp()
    )
    year = Calendar("2025-07-01 00:00:00", "UTC", 1, "Y")
    assert (
        year.period(dt.datetime(2026, 3, 1, tzinfo=dt.timezone.utc).timestamp())[0]
        == dt.datetime(2025, 7, 1, tzinfo=dt.timezone.utc).timestamp()
    )
    _, problems = _load(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {"svc/slo.yaml": text.replace("Europe/Warsaw", "Mars/Olympus")},
    )
    assert [p.message for p in problems] == [
        "OpenSLO SLO 'shop-availability': calendar.timeZone 'Mars/Olympus' is not an IANA time zone name (UTC, Europe/Warsaw, America/New_York)"
    ]


def test_old_versions_get_a_message_naming_the_version_and_what_to_do(repo: GitRepo) -> None:
    v1alpha = "apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: old}\nspec: {}\n"
    v2alpha = (
        "- apiVersion: openslo.com/v2alpha\n  kind: SLO\n  metadata: {name: draft}\n  spec: {}\n"
    )
    _, problems = _load(
        repo,
        "  - openslo: svc/a.yaml\n  - openslo: svc/b.yaml\n",
        {"svc/a.yaml": v1alpha, "svc/b.yaml": v2alpha},
    )
    assert [(p.message, p.unsupported) for p in problems] == [
        (
            "OpenSLO SLO 'old': OpenSLO v1alpha is superseded by v1: convert it (`oslo convert -f FILE -o yaml --to openslo/v1`)",
            True,
        ),
        (
            "OpenSLO SLO 'draft': OpenSLO v2alpha is a draft gate does not read yet: write the SLO as openslo/v1",
            True,
        ),
    ]


def test_every_problem_is_reported_and_an_unsupported_part_does_not_hide_the_rest(
    repo: GitRepo,
) -> None:
    # a hostile or careless document: an indicatorRef nobody resolves must not let target: 99.9 pass
    text = (
        SLO_REF.replace("    - targetPercent: 99.5", "    - target: 99.9")
        .replace("duration: 1M", "duration: forever")
        .replace("budgetingMethod: Occurrences", "budgetingMethod: Often")
    )
    slos, problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    messages = [p.message for p in problems if not p.unsupported]
    assert slos == [] and len(messages) == 3, problems
    assert any("target 99.9 must be a fraction in [0, 1)" in m for m in messages)
    assert any("duration 'forever' is not a duration shorthand" in m for m in messages)
    assert any("budgetingMethod 'Often' must be one of" in m for m in messages)
    assert all(p.line is not None and p.line > 1 for p in problems)


def test_kinds_side_by_side_and_names_checked(repo: GitRepo) -> None:
    service = "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: shop service}\nspec: {}\n"
    text = "---\n".join(
        (
            SLO_RATIO,
            service,
            ALERT_POLICY,
            "apiVersion: openslo/v1\nkind: Gadget\nmetadata: {name: g}\n",
        )
    )
    slos, problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    assert len(slos) == 1
    assert [p.message for p in problems] == [
        "Service metadata.name 'shop service' must be an RFC 1123 label (lower-case letters, digits and '-', at most 63)",
        "kind 'Gadget' is not an OpenSLO v1 kind (SLO, SLI, DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget, Service)",
    ]


def test_composite_objectives_each_with_their_own_indicator(repo: GitRepo) -> None:
    composite = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: journey}
spec:
  service: shop
  timeWindow: [{duration: 4w, isRolling: true}]
  budgetingMethod: Occurrences
  objectives:
    - displayName: errors
      target: 0.99
      indicatorRef: shop-errors
    - displayName: other
      target: 0.9
      indicator:
        metadata: {name: other}
        spec:
          ratioMetric:
            good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(a_total[{{window}}]))'}}}
            total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(b_total[{{window}}]))'}}}
"""
    slos, problems = _load(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {"svc/slo.yaml": "---\n".join((composite, SLI, DATASOURCE))},
    )
    assert problems == [] and [s.name for s in slos] == ["journey/errors", "journey/other"]
    assert slos[1].good == "sum(rate(a_total[{{window}}]))"  # gate's own template stays accepted
    mixed = composite.replace(
        "    - displayName: errors\n      target: 0.99\n      indicatorRef: shop-errors\n",
        "    - displayName: errors\n      target: 0.99\n",
    )
    slos, problems = _load(
        repo,
        "  - openslo: svc/slo.yaml\n",
        {"svc/slo.yaml": "---\n".join((mixed, SLI, DATASOURCE))},
    )
    assert slos == [] and [p.message for p in problems] == [
        "OpenSLO SLO 'journey': objectives[0] of a composite SLO needs its own indicator or indicatorRef"
    ]


def test_queries_that_cannot_be_windowed_are_unmeasurable_with_the_reason(repo: GitRepo) -> None:
    text = SLO_RATIO.replace(
        'query: sum(http_requests_total{service="shop"})',
        "query: sum(rate(http_requests_total[1h:1m]))",
    )
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    assert problems == [] and "subquery" in (slo.unmeasurable or "")


def test_a_sloth_spec_named_as_openslo_is_recognised(repo: GitRepo) -> None:
    sloth = "version: prometheus/v1\nservice: shop\nslos:\n  - name: avail\n    objective: 99.9\n    sli: {events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}\n    alerting: {name: ShopErrors}\n"
    (slo,), problems = _load(repo, "  - openslo: svc/sloth.yaml\n", {"svc/sloth.yaml": sloth})
    assert problems == [] and slo.spec == "sloth" and slo.bad == "sum(rate(e[{{window}}]))"


def test_a_slice_longer_than_half_the_window_is_valid_but_unmeasurable(repo: GitRepo) -> None:
    text = SLO_RATIO.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices").replace(
        "target: 0.999", "target: 0.999\n      timeSliceTarget: 0.9\n      timeSliceWindow: 20d"
    )
    (slo,), problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    assert (
        problems == []
        and "timeSliceWindow '20d' is more than half the timeWindow '28d': too few slices to measure"
        in (slo.unmeasurable or "")
    )


@pytest.mark.parametrize(
    "old, new, words",
    [
        ("duration: 28d", "duration: 99999999Y", "longer than ten years"),
        (
            'query: sum(http_requests_total{service="shop",code!~"5.."})',
            'query: sum(http_requests_total{service="shop"})',
            "the numerator and total are the same query",
        ),
        ("  service: shop\n", "", "spec.service is required"),
        (
            "    - duration: 28d\n      isRolling: true",
            "    - duration: 1M\n      calendar: {startTime: 2026-02-30 00:00:00, timeZone: UTC}",
            "calendar.startTime '2026-02-30 00:00:00' must be a date",
        ),
        (
            "    - duration: 28d\n      isRolling: true",
            "    - duration: 1M\n      calendar: {startTime: 9999-01-01 00:00:00, timeZone: UTC}",
            "from 1970 to 2100",
        ),
        ("target: 0.999", "target: .nan", "target nan must be a fraction"),
        (
            "budgetingMethod: Occurrences",
            "budgetingMethod: Timeslices",
            "Timeslices needs timeSliceWindow",
        ),
        (
            "target: 0.999",
            "target: 0.999\n      timeSliceTarget: 0.9\n      timeSliceWindow: .inf",
            "Timeslices needs timeSliceWindow",
        ),
    ],
)
def test_hostile_values_are_problems_never_crashes(
    repo: GitRepo, old: str, new: str, words: str
) -> None:
    text = SLO_RATIO.replace(old, new)
    if "timeSliceTarget" in new:
        text = text.replace("budgetingMethod: Occurrences", "budgetingMethod: Timeslices")
    slos, problems = _load(repo, "  - openslo: svc/slo.yaml\n", {"svc/slo.yaml": text})
    assert slos == [] and any(words in p.message and not p.unsupported for p in problems), problems


BURN_CONDITION = """\
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: shop-burn
spec:
  severity: page
  condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: -1h, alertAfter: 5m}
"""


def test_alert_policies_carry_their_burn_rate_conditions(repo: GitRepo) -> None:
    """An AlertPolicy's burnrate conditions, inline or by conditionRef, reach the SLO record (the
    burn-rate-alerts rule reads them); a condition of another kind does not."""
    text = "---\n".join((SLI, DATASOURCE, SLO_REF, ALERT_POLICY, BURN_CONDITION))
    (slo,), problems = _load(repo, "  - openslo: svc/slos.yaml\n", {"svc/slos.yaml": text})
    assert problems == []
    (alert,) = slo.burn_alerts
    assert (alert.severity, alert.long, alert.short, alert.threshold, alert.name) == (
        "page",
        3600,
        300,
        14.4,
        "shop-burn",
    )
    assert alert.line is not None and text.splitlines()[alert.line - 1].startswith("apiVersion")
    other = BURN_CONDITION.replace("kind: burnrate", "kind: threshold")
    text = "---\n".join((SLI, DATASOURCE, SLO_REF, ALERT_POLICY, other))
    (slo,), _ = _load(repo, "  - openslo: svc/slos.yaml\n", {"svc/slos.yaml": text})
    assert slo.burn_alerts == ()
