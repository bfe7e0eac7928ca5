from __future__ import annotations

from gate.deploy.objects import parse
from gate.deploy.strategy import _metric_names, analyses, can_abort


def test_metric_names_leave_out_labels_functions_and_suffixes() -> None:
    query = 'histogram_quantile(0.99, sum by (le) (rate(http_server_request_duration_seconds_bucket{service="cart",code=~"5.."}[5m])))'
    assert _metric_names(query) == {"http_server_request_duration_seconds"}


def test_a_hostile_query_is_read_in_bounded_time() -> None:
    assert _metric_names("{" * 200_000) == set()


def test_every_analysis_of_a_rollout_is_found() -> None:
    text = "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: a}\nspec:\n  strategy:\n    canary:\n      analysis: {templates: [{templateName: t}]}\n      steps:\n        - setWeight: 10\n        - analysis: {templates: [{templateName: u}]}\n"
    rollout = parse(text, "r.yaml")[0][0]
    assert [at for at, _ in analyses(rollout)] == [
        ("spec", "strategy", "canary", "analysis"),
        ("spec", "strategy", "canary", "steps", 1, "analysis"),
    ]


def test_what_can_abort() -> None:
    assert can_abort({"failureCondition": "result[0] > 1"}, flagger=False)
    assert not can_abort({"failureCondition": "result[0] > 1", "failureLimit": -1}, flagger=False)
    assert not can_abort({"provider": {}}, flagger=False)
    assert can_abort({"name": "request-success-rate", "thresholdRange": {"min": 99}}, flagger=True)
    assert not can_abort({"name": "request-success-rate"}, flagger=True)
