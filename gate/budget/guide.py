"""`gate explain openslo|sloth|alert-windows`: every SLO construct gate reads, with a small example each."""

from __future__ import annotations

OPENSLO = """\
openslo: OpenSLO v1 documents, as the specification defines them

A manifest names the files (`slos: [{openslo: slo/checkout.yaml}]`). A file holds one object,
a YAML list of objects, or a `---` stream; SLO, SLI, DataSource, AlertPolicy, AlertCondition,
AlertNotificationTarget and Service objects may sit side by side. References (indicatorRef,
metricSourceRef) resolve by name among the objects of every file the manifest names. Every
problem is reported with its line (rule slo-definitions); a valid SLO gate cannot measure is a
finding "error budget cannot be measured: <reason>" (rule error-budget-unmeasurable).

ratioMetric, good/total or bad/total, PromQL as you write it:
  indicator:
    metadata: {name: checkout-requests}
    spec:
      ratioMetric:
        counter: true                       # counters: each selector becomes increase(sel[window])
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total{code!~"5.."})'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total)'}}}
  A query with ranges (rate(x[5m])) has every range set to the window measured; gate's
  {{window}} and Sloth's {{.window}} placeholders are filled in; counter: false sums a gauge
  (sum_over_time). Subqueries ([1h:1m]) need a placeholder.

raw precomputed ratio:
      ratioMetric:
        rawType: failure                    # or success
        raw: {metricSource: {type: Prometheus, spec: {query: 'checkout:error_ratio'}}}
  A plain selector is averaged over the window (avg_over_time).

indicatorRef and metricSourceRef:
  # slo.yaml                                # sli.yaml, also named by the manifest
  indicatorRef: checkout-errors             kind: SLI, metadata: {name: checkout-errors},
                                            spec: {ratioMetric: {bad: {metricSource: {metricSourceRef: prom, ...}}}}
                                            kind: DataSource, metadata: {name: prom}, spec: {type: Prometheus}
  The DataSource gives the type; gate always asks the Prometheus of .gate.yaml (budgets.prometheus.url),
  never a URL from connectionDetails.

budgetingMethod:
  Occurrences       good events / all events over the window
  Timeslices        objectives: [{target: 0.99, timeSliceTarget: 0.95, timeSliceWindow: 1m}]
                    a slice is good when its good ratio is at least timeSliceTarget (a number is minutes)
  RatioTimeslices   objectives: [{target: 0.99, timeSliceWindow: 5m}]: the average of the slices' ratios

thresholdMetric (with Timeslices):
  indicator: {metadata: {name: p99}, spec: {thresholdMetric: {metricSource: {type: Prometheus,
    spec: {query: 'histogram_quantile(0.99, sum by (le) (rate(latency_bucket[5m])))'}}}}}
  budgetingMethod: Timeslices
  objectives: [{op: lt, value: 0.3, target: 0.99, timeSliceTarget: 1, timeSliceWindow: 5m}]
  Each slice compares the query over the slice with op/value. With Occurrences it is not measurable
  (Prometheus does not expose individual data points).

timeWindow:
  - {duration: 28d, isRolling: true}       m h d w, and rolling M = 30d, Q = 90d, Y = 365d
  - {duration: 1M, calendar: {startTime: 2026-01-01 00:00:00, timeZone: Europe/Warsaw}}
    calendar-aligned (1w, 1M, 1Q, 1Y...): the budget of the period so far, from Prometheus

objectives: target (a fraction, 0.999) or targetPercent (99.9), never both; several objectives
are several SLOs (slo-name/displayName); an objective with its own indicator or indicatorRef is a
composite objective, measured on its own.

Not measured, always with the reason: metric sources other than Prometheus (use the file or http
budget source), openslo/v1alpha (convert it with `oslo convert`) and openslo.com/v2alpha, an
indicatorRef or metricSourceRef whose object no named file holds, an SLO without timeWindow.
docs: docs/openslo-conformance.md
"""

SLOTH = """\
sloth: Sloth specs

A manifest names the file and the SLO period (Sloth specs carry none; default 30d, as Sloth):
  slos:
    - sloth: slo/checkout.sloth.yaml
      window: 28d
An `openslo:` entry pointing at a Sloth spec is recognised too.

version: prometheus/v1
  version: prometheus/v1
  service: checkout
  labels: {team: payments}
  slos:
    - name: requests-availability
      objective: 99.9
      sli:
        events:
          error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
          total_query: sum(rate(http_requests_total[{{.window}}]))
      alerting:
        name: CheckoutHighErrorRate
        ticket_alert: {disable: true}      # gate then reports page conditions only

Kubernetes CRD
  apiVersion: sloth.slok.dev/v1
  kind: PrometheusServiceLevel
  spec: {service: checkout, slos: [{name: avail, objective: 99.9,
         sli: {events: {errorQuery: ..., totalQuery: ...}}, alerting: {pageAlert: {disable: false}}}]}

gate names each SLO as Sloth does (its sloth_id): `{service}-{name}`, e.g. checkout-requests-availability
(the name the file and http budget sources are asked for).
sli.raw: `error_ratio_query` (CRD: errorRatioQuery), the error ratio over {{.window}}.
Labels of the spec and the SLO are reported with the SLO. Several documents in one file (---) are
read. SLI plugins (sli.plugin) and SLO plugins that change the SLI (e.g.
denominator_corrected_rules) are Go code gate cannot run: not measurable, named in the finding.
Plugins that only add labels, intervals or checks are ignored.
"""

ALERT_WINDOWS = """\
alert-windows: burn-rate alert windows

gate reports fast burn (page) and slow burn (ticket) with Sloth's multi-window, multi-burn-rate
conditions: the error ratio over the long and the short window both strictly above
factor x (1 - objective), factor = errorBudgetPercent x period / 100 / longWindow, compared as
Sloth's generated rules compare it (so exactly 14.4x agrees with Sloth).

Default: the SRE workbook's windows, Sloth's google-28d and google-30d:
  page   quick 2% (1h / 5m: 14.4x for 30d)   slow 5% (6h / 30m: 6x)
  ticket quick 10% (1d / 2h: 3x)              slow 10% (3d / 6h: 1x)
A period nobody configured keeps these percentages (a 7d SLO pages at 3.36x).

Configure them in .gate.yaml in Sloth's AlertWindows shape, per repository and per tier:
  budgets:
    alert_windows:
      - sloPeriod: 7d
        page:
          quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}
          slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}
        ticket:
          quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}
          slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}
    alert_windows_by_tier:
      "0": [...]                            # first for tier 0, then alert_windows, then the workbook
A whole Sloth AlertWindows document (apiVersion/kind/spec) is accepted as an item too.
"""

TOPICS = {"openslo": OPENSLO, "sloth": SLOTH, "alert-windows": ALERT_WINDOWS}
