"""The telemetry checks' trust boundary, at tiers 0 and 1: the Prometheus, on-call tool and burn-rate
windows come from the base branch's tip; a change that points them at its own stand-ins, or deletes
what the checks read, changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from budget import budget_repo
from conftest import TODAY, GitRepo

from gate import check
from gate.budget.trial import RULE
from gate.git import Repo

TIERS = pytest.mark.parametrize("tier", [0, 1])


@TIERS
def test_a_change_pointing_the_budgets_at_its_own_prometheus_is_not_asked(
    repo: GitRepo, prometheus: Any, httpserver: Any, tier: int
) -> None:
    """The head rewrites budgets.prometheus.url to a server that says every series exists; the
    misspelled metric is still tried against the tip's Prometheus, and the head's is never asked."""
    httpserver.expect_request("/api/v1/query").respond_with_json(
        {
            "status": "success",
            "data": {"resultType": "vector", "result": [{"metric": {}, "value": [0, "1"]}]},
        }
    )
    budget_repo.build(repo, prometheus.url, tiers={"healthy": tier})
    gate_yaml = repo.read(".gate.yaml").replace(prometheus.url, httpserver.url_for("").rstrip("/"))
    repo.write(".gate.yaml", gate_yaml)
    text = repo.read("services/healthy/service.yaml").replace(
        "http_requests_total", "http_requsts_total"
    )
    repo.write("services/healthy/service.yaml", text)
    repo.commit("a misspelled metric, and a Prometheus of the change's own")
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    (finding,) = [f for s in v.services for f in s.findings if f.rule == RULE]
    assert (
        finding.severity == "warning"
        and "closest existing metric: http_requests_total" in finding.message
    )
    assert httpserver.log == []


PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: oncall
rules:
  - id: oncall-exists
    title: The on-call rotation exists
    severity: {0: error, 1: error}
    check: {kind: oncall_exists}
    remediation: Create the rotation.
"""


@TIERS
def test_a_change_pointing_the_oncall_check_at_its_own_stand_in_is_not_asked(
    gate_cli: Any, repo: GitRepo, httpserver: Any, monkeypatch: Any, tier: int
) -> None:
    """The tip's PagerDuty has no such schedule; the head points telemetry.oncall at a stand-in of
    its own (the same server, another path prefix) that has it: the tip's answer stands."""
    monkeypatch.setenv("PD_TOKEN", "pd-secret")
    httpserver.expect_request("/real/schedules").respond_with_json({"schedules": [], "more": False})
    httpserver.expect_request("/fake/schedules").respond_with_json(
        {"schedules": [{"id": "P1", "name": "pay-primary"}], "more": False}
    )
    real, fake = httpserver.url_for("/real"), httpserver.url_for("/fake")
    repo.write(
        ".gate.yaml",
        f"packs: [policies/oncall.yaml]\nunowned: off\ntelemetry:\n  oncall: {{source: pagerduty, url: '{real}', token_env: PD_TOKEN}}\n",
    )
    repo.write("policies/oncall.yaml", PACK)
    repo.write(
        "services/pay/service.yaml",
        f"apiVersion: gate/v1\nkind: Service\nname: pay\ntier: {tier}\nowners: {{team: t, oncall: pay-primary}}\n",
    )
    repo.commit("base")
    repo.branch("change")
    repo.write(".gate.yaml", repo.read(".gate.yaml").replace(real, fake))
    repo.write("services/pay/app.py", "x = 1\n")
    repo.commit("point the check elsewhere")
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main", "--format", "json")
    assert code == 1, err
    messages = [f["message"] for s in json.loads(out)["services"] for f in s["findings"]]
    assert "on-call rotation 'pay-primary' does not exist in pagerduty" in messages
    assert all(not r.path.startswith("/fake") for r, _ in httpserver.log)


BURN_PACK = "packs: [builtin:telemetry]\nunowned: off\n"
SLO_MANIFEST = """\
apiVersion: gate/v1
kind: Service
name: checkout
tier: {tier}
owners: {{team: t}}
slos:
  - name: checkout-availability
    objective: 99.9
    window: 28d
    indicator:
      prometheus:
        good: sum(rate(http_requests_total{{code!~"5.."}}[{{{{window}}}}]))
        total: sum(rate(http_requests_total[{{{{window}}}}]))
"""
ALERTS = """\
groups:
  - name: checkout
    rules:
      - alert: CheckoutBurn
        expr: sum(rate(http_requests_total{code=~"5.."}[2h])) / sum(rate(http_requests_total[2h])) > 0.0144 and sum(rate(http_requests_total{code=~"5.."}[10m])) / sum(rate(http_requests_total[10m])) > 0.0144
        labels: {severity: page}
      - alert: CheckoutSlowBurn
        expr: sum(rate(http_requests_total{code=~"5.."}[1d])) / sum(rate(http_requests_total[1d])) > 0.003 and sum(rate(http_requests_total{code=~"5.."}[2h])) / sum(rate(http_requests_total[2h])) > 0.003
        labels: {severity: ticket}
"""


@TIERS
def test_a_change_cannot_configure_the_burn_rate_windows_its_alerts_need(
    gate_cli: Any, repo: GitRepo, tier: int
) -> None:
    """The page alert looks over 2h/10m, which the tip's (workbook) windows do not use; the head adds
    alert_windows that make 2h/10m a page pair. Still no page alert."""
    repo.write(".gate.yaml", BURN_PACK)
    repo.write("services/checkout/service.yaml", SLO_MANIFEST.format(tier=tier))
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/alerts/checkout.rules.yml", ALERTS)
    repo.write(
        ".gate.yaml",
        BURN_PACK
        + "budgets:\n  alert_windows:\n    - sloPeriod: 28d\n"
        + "      page: {quick: {errorBudgetPercent: 2, shortWindow: 10m, longWindow: 2h}, slow: {errorBudgetPercent: 5, shortWindow: 30m, longWindow: 6h}}\n"
        + "      ticket: {quick: {errorBudgetPercent: 10, shortWindow: 2h, longWindow: 1d}, slow: {errorBudgetPercent: 10, shortWindow: 6h, longWindow: 3d}}\n",
    )
    repo.commit("alerts, and windows to suit them")
    code, out, err = gate_cli(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", "--offline"
    )
    assert code == 1, err
    burn = [
        f["message"]
        for s in json.loads(out)["services"]
        for f in s["findings"]
        if f["rule"] == "burn-rate-alerts"
    ]
    assert len(burn) == 1 and "has no page burn-rate alert" in burn[0]
