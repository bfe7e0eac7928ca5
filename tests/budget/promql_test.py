from __future__ import annotations

import pytest

from gate.budget.promql import Selector, selectors, window_template


@pytest.mark.parametrize(
    "query, counter, template",
    [
        ("sum(rate(x_total[{{window}}]))", None, "sum(rate(x_total[{{window}}]))"),
        (
            "sum(rate(x_total[{{.window}}]))",
            None,
            "sum(rate(x_total[{{window}}]))",
        ),  # Sloth's placeholder
        ("sum(rate(x_total[{{ .window }}]))", None, "sum(rate(x_total[{{window}}]))"),
        (
            'sum(rate(x_total{code=~"5.."}[5m]))',
            None,
            'sum(rate(x_total{code=~"5.."}[{{window}}]))',
        ),
        ('sum(x_total{code="200"})', True, 'sum(increase(x_total{code="200"}[{{window}}]))'),
        ('x_total{code="200"}', None, 'increase(x_total{code="200"}[{{window}}])'),
        ("sum(queue_ok)", False, "sum(sum_over_time(queue_ok[{{window}}]))"),
        ('{__name__="x_total"}', True, 'increase({__name__="x_total"}[{{window}}])'),
        # label lists, functions and aggregations are not selectors; strings may hold braces and brackets
        (
            "sum by (code) (x_total) / on (job) group_left (team) y_info",
            True,
            "sum by (code) (increase(x_total[{{window}}])) / on (job) group_left (team) increase(y_info[{{window}}])",
        ),
        (
            'sum(x_total{path="/a{b}[c]"})',
            True,
            'sum(increase(x_total{path="/a{b}[c]"}[{{window}}]))',
        ),
        (
            "sum without (le) (x_total) > bool 0",
            True,
            "sum without (le) (increase(x_total[{{window}}])) > bool 0",
        ),
    ],
)
def test_window_templates(query: str, counter: bool | None, template: str) -> None:
    assert window_template(query, counter).template == template


@pytest.mark.parametrize(
    "query, reason",
    [
        ("sum(rate(x[1h:1m]))", "subquery"),
        ("1 + 2", "selects no series"),
        ('x{a="', "unterminated"),
        ('label_replace(x, "a", "b', "unterminated"),
    ],
)
def test_queries_that_cannot_be_windowed(query: str, reason: str) -> None:
    rewritten = window_template(query, True)
    assert rewritten.template is None and reason in (rewritten.reason or "")


def test_hostile_queries_end_with_a_reason() -> None:
    assert (
        window_template("sum(" * 20_000 + 'x{a="' + "}" * 20_000, True).reason
        == "the query has an unterminated string or label matcher"
    )
    assert window_template("{" * 50_000, True).template is None
    assert (
        window_template("a" * 200_000, True).template
        == "increase(" + "a" * 200_000 + "[{{window}}])"
    )


def test_selectors_with_their_metric_and_equality_matchers() -> None:
    query = (
        'sum(rate(http_requests_total{service="checkout",code!~"5.."}[5m]))'
        " / sum by (code) (rate({__name__=\"jobs_total\", queue='a\\'b'}[5m]))"
        " + on (x) group_left up"
    )
    assert selectors(query) == [
        Selector(
            'http_requests_total{service="checkout",code!~"5.."}',
            "http_requests_total",
            (("service", "checkout"),),
        ),
        Selector("{__name__=\"jobs_total\", queue='a\\'b'}", "jobs_total", (("queue", "a'b"),)),
        Selector("up", "up", ()),
    ]
    assert selectors("vector(1)") == [] and selectors('x{a="unterminated') == []
