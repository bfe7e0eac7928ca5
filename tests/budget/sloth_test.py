"""Sloth specs read as Sloth reads them (fixtures written here): every problem reported, plugins named."""

from __future__ import annotations

from gate.budget import sloth
from gate.budget.prometheus import queries

SPEC = """\
version: prometheus/v1
service: shop
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting: {name: ShopAvailability}
  - name: satisfaction
    objective: 95
    sli:
      raw:
        error_ratio_query: 1 - avg(shop:satisfaction:ratio)
    alerting:
      page_alert: {disable: true}
      ticket_alert: {disable: true}
"""


def test_events_and_raw() -> None:
    (events, raw), problems = sloth.slos_from("shop", "s.yaml", SPEC.encode(), "28d")
    assert problems == []
    assert (events.name, events.objective, events.window_text, events.line) == (
        "shop-availability",
        0.999,
        "28d",
        4,
    )
    assert queries(events, 3600) == (
        '(sum(rate(http_requests_total[1h]))) - (sum(rate(http_requests_total{code=~"5.."}[1h])))',
        "sum(rate(http_requests_total[1h]))",
    )
    assert raw.alerts == () and raw.raw_type == "failure"
    assert queries(raw, 3600) == (
        "1 - (1 - avg(avg_over_time(shop:satisfaction:ratio[1h])))",
        "vector(1)",
    )


def test_every_problem_is_reported_with_its_line() -> None:
    bad = (
        SPEC.replace("objective: 95", "objective: 101")
        .replace("    alerting: {name: ShopAvailability}\n", "")
        .replace("service: shop\n", "")
    )
    slos, problems = sloth.slos_from("shop", "s.yaml", bad.encode(), None)
    assert slos == []
    assert [(p.message, p.line) for p in problems] == [
        ("Sloth spec needs service (the service name)", 1),
        (
            "Sloth SLO 'availability': alerting.name is required while its page or ticket alert is enabled",
            3,
        ),
        ("Sloth SLO 'satisfaction': objective 101 must be a percentage in (0, 100]", 10),
    ]


def test_duplicates_across_documents_and_bad_window() -> None:
    _, problems = sloth.slos_from("shop", "s.yaml", (SPEC + "---\n" + SPEC).encode(), "30d")
    assert [p.message for p in problems] == [
        "Sloth SLO 'availability': service 'shop' already has an SLO of this name in this file",
        "Sloth SLO 'satisfaction': service 'shop' already has an SLO of this name in this file",
    ]
    _, problems = sloth.slos_from("shop", "s.yaml", SPEC.encode(), "a month")
    assert (
        problems[0].message
        == "the manifest's window 'a month' for this Sloth spec is not a duration of at most ten years (28d, 30d, 7d)"
    )


def test_plugins_are_unmeasurable_by_name() -> None:
    plugin = SPEC.replace(
        """      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))""",
        "      plugin: {id: shop_availability, options: {job: shop}}",
    )
    slos, problems = sloth.slos_from("shop", "s.yaml", plugin.encode(), None)
    assert len(slos) == 2 and problems == [] and slos[1].unmeasurable is None
    assert (
        slos[0].unmeasurable
        == "Sloth SLO 'availability': Sloth SLI plugin 'shop_availability' is Go code gate cannot run; write sli.events or sli.raw"
    )
    chain = SPEC.replace(
        "service: shop\n",
        "service: shop\nslo_plugins:\n  chain:\n    - id: sloth.dev/contrib/denominator_corrected_rules/v1\n"
        "    - id: sloth.dev/contrib/info_labels/v1\n",
    )
    slos, problems = sloth.slos_from("shop", "s.yaml", chain.encode(), None)
    assert problems == [] and all(
        "'sloth.dev/contrib/denominator_corrected_rules/v1' change the generated rules"
        in (s.unmeasurable or "")
        for s in slos
    )
    assert not any(
        "info_labels" in (s.unmeasurable or "") for s in slos
    )  # labels only: the SLI is unchanged


def test_crd_fields_and_recognition() -> None:
    crd = """\
apiVersion: sloth.slok.dev/v1
kind: PrometheusServiceLevel
metadata: {name: shop}
spec:
  service: shop
  slos:
    - name: availability
      objective: 99.5
      sli: {raw: {errorRatioQuery: 'shop:error:ratio{job="shop"}'}}
      alerting: {name: ShopAvailability, ticketAlert: {disable: true}}
"""
    assert sloth.recognise(crd.encode()) == "sloth" and sloth.recognise(SPEC.encode()) == "sloth"
    assert sloth.recognise(b"apiVersion: openslo/v1\nkind: SLO\n") == "openslo"
    (slo,), problems = sloth.slos_from("shop", "s.yaml", crd.encode(), "7d")
    assert (
        problems == []
        and slo.alerts == ("page",)
        and slo.raw == 'avg_over_time(shop:error:ratio{job="shop"}[{{window}}])'
    )
