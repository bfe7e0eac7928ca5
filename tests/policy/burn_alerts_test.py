"""`burn_rate_alerts`: each SLO has page and ticket burn-rate alerts, from Sloth, OpenSLO or rule files
(the pack's examples in policies/telemetry.examples.yaml show each source firing and quiet)."""

from __future__ import annotations

import json
from typing import Any

from conftest import GitRepo

from gate.budget.promql import selectors
from gate.policy.burn_alerts import reach, reads_sli, severity_class

SLO = """\
slos:
  - name: checkout-availability
    objective: 99.9
    window: 7d
    indicator:
      prometheus:
        good: sum(rate(http_requests_total{service="checkout",code!~"5.."}[{{window}}]))
        total: sum(rate(http_requests_total{service="checkout"}[{{window}}]))
"""
MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: checkout\ntier: 1\nowners: {team: t}\n" + SLO
# Sloth's AlertWindows for a 7-day period: page over 1h/5m and 6h/30m, ticket over 1d/2h and 3d/6h
WINDOWS = """\
budgets:
  alert_windows:
    - sloPeriod: 7d
      page: {quick: {errorBudgetPercent: 8, shortWindow: 10m, longWindow: 2h}, slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}}
      ticket: {quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}, slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}}
"""
RULES = """\
groups:
  - name: checkout-slo
    rules:
      - record: checkout:errors:ratio_rate{w}
        expr: sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[{w}])) / sum(rate(http_requests_total{{service="checkout"}}[{w}]))
      - record: checkout:errors:ratio_rate10m
        expr: sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[10m])) / sum(rate(http_requests_total{{service="checkout"}}[10m]))
      - alert: CheckoutBurnPage
        expr: checkout:errors:ratio_rate{w} > 0.0448 and checkout:errors:ratio_rate10m > 0.0448
        labels: {{severity: critical}}
      - alert: CheckoutBurnTicket
        expr: |
          sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[1d])) / sum(rate(http_requests_total{{service="checkout"}}[1d])) > 0.0084
          and sum(rate(http_requests_total{{service="checkout",code=~"5.."}}[2h])) / sum(rate(http_requests_total{{service="checkout"}}[2h])) > 0.0084
        labels: {{severity: warning}}
"""
PACK = "packs: [builtin:telemetry]\nunowned: off\n"


def test_an_alert_reaches_the_sli_through_recording_rules() -> None:
    records: dict[str, tuple[str, ...]] = {
        "a:ratio_rate5m": ("sum(rate(x_total[5m])) / sum(rate(y_total[5m]))",),
        "a:ratio_rate30d": ("sum_over_time(a:ratio_rate5m[30d])",),
        "loop": ("loop",),
    }
    seen = reach("a:ratio_rate30d > 1 and slo:sli_error:ratio_rate1h > 1 and loop", records)
    assert {s.metric for s in seen.metrics} == {"x_total", "y_total", "slo:sli_error:ratio_rate1h"}
    assert seen.windows == {
        300,
        30 * 86400,
        3600,
    }  # an undefined recorded series: its name's window


def test_severity_words() -> None:
    assert severity_class({"severity": "critical"}) == "page"
    assert severity_class({"sloth_severity": "ticket", "severity": "critical"}) == "ticket"
    assert severity_class({"severity": "Warning"}) == "ticket"
    assert severity_class({"team": "x"}) is None and severity_class("whatever") is None


def findings(gate_cli: Any, repo: GitRepo) -> list[tuple[str, int, str]]:
    code, out, err = gate_cli(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", "--offline"
    )
    assert code in (0, 1), err
    return [
        (f["file"], f["line"], f["message"])
        for s in json.loads(out)["services"]
        for f in s["findings"]
        if f["rule"] == "burn-rate-alerts"
    ]


def test_the_configured_windows_decide_and_the_tip_configures_them(
    gate_cli: Any, repo: GitRepo
) -> None:
    """A 7-day SLO with the tip's own windows (page over 2h/10m): alerts over them count; the
    workbook's 1h would not. A head that rewrites the windows to suit its alerts changes nothing."""
    repo.write(".gate.yaml", PACK + WINDOWS)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write("services/checkout/alerts/slo.rules.yml", RULES.format(w="2h"))
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    assert findings(gate_cli, repo) == []

    repo.write("services/checkout/alerts/slo.rules.yml", RULES.format(w="1h"))
    repo.write(".gate.yaml", PACK + WINDOWS.replace("longWindow: 2h", "longWindow: 1h"))
    repo.commit("page over the workbook's 1h, and windows rewritten to match")
    ((file, line, message),) = findings(gate_cli, repo)
    assert (file, line) == ("services/checkout/service.yaml", 7)
    assert "SLO 'checkout-availability' has no page burn-rate alert" in message
    assert "page windows (2h & 10m or 6h & 30m)" in message
    assert (
        "alert CheckoutBurnPage in services/checkout/alerts/slo.rules.yml reads it over" in message
    )


def test_a_rule_file_prometheus_would_reject_does_not_count(gate_cli: Any, repo: GitRepo) -> None:
    repo.write(".gate.yaml", PACK + WINDOWS)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write(
        "services/checkout/alerts/slo.rules.yml",
        RULES.format(w="2h") + "    interval: often\n",
    )
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    messages = [m for _, _, m in findings(gate_cli, repo)]
    assert len(messages) == 2 and "no page" in messages[0] and "no ticket" in messages[1]


def test_a_rule_file_promtool_rejects_does_not_count(gate_cli: Any, repo: GitRepo) -> None:
    """gate's reading of the rule format does not parse PromQL; promtool (installed here) does."""
    repo.write(".gate.yaml", PACK + WINDOWS)
    repo.write("services/checkout/service.yaml", MANIFEST)
    broken = RULES.format(w="2h").replace("> 0.0448 and", "> (0.0448 and")
    repo.write("services/checkout/alerts/slo.rules.yml", broken)
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    messages = [m for _, _, m in findings(gate_cli, repo)]
    assert len(messages) == 2
    assert "promtool check rules rejects services/checkout/alerts/slo.rules.yml" in messages[0]


def test_sloth_generated_rules_count_for_their_own_slo_only() -> None:
    """Sloth's rules name their SLO (sloth_id); rules over the same metric for another SLO, or over
    the same metric of another job, do not count."""
    sloth = reach(
        'slo:sli_error:ratio_rate1h{sloth_id="shop-availability"} > 0.0144',
        {"slo:sli_error:ratio_rate1h": ("sum(rate(x_total[1h]))",)},
    )
    assert sloth.sloth_ids == {"shop-availability"} and sloth.windows == {3600}
    wanted = frozenset(selectors('sum(rate(up{job="node"}[5m]))'))
    assert reads_sli(wanted, reach('up{job="node",instance="a"} == 0', {}).metrics)
    assert reads_sli(wanted, reach("up == 0", {}).metrics)
    assert not reads_sli(wanted, reach('up{job="db"} == 0', {}).metrics)


def test_prometheus_rule_objects_are_checked_by_promtool_as_the_operator_loads_them(
    gate_cli: Any, repo: GitRepo
) -> None:
    """promtool reads plain rule files; a PrometheusRule's spec is what the operator hands
    Prometheus, so that is what promtool is given (kube-prometheus' manifests passed nothing before)."""
    crd = (
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: slo}\nspec:\n"
    )
    body = "".join("  " + line + "\n" for line in RULES.format(w="2h").splitlines())
    repo.write(".gate.yaml", PACK + WINDOWS)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write("manifests/checkout-prometheusRule.yaml", crd + body)
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    assert findings(gate_cli, repo) == []
