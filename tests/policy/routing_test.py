"""Alertmanager routing as Alertmanager walks it, and the alert-runbooks rule's routing check."""

from __future__ import annotations

import json
from typing import Any

from conftest import GitRepo

from gate.policy.routing import Config, parse_config, reaches, receivers

CONFIG = """\
route:
  receiver: default
  routes:
    - matchers: ['team="payments"']
      receiver: payments-primary
      routes:
        - match_re: {severity: "ticket|warning"}
          receiver: payments-tickets
    - match: {severity: page}
      receiver: sre-oncall
      continue: true
    - matchers: ['alertname =~ "Checkout.*"', 'severity!="info"']
      receiver: checkout-pager
    - matchers: ['{env="prod"}']
receivers:
  - name: default
  - name: payments-primary
  - name: payments-tickets
  - name: sre-oncall
  - name: checkout-pager
    opsgenie_configs:
      - responders: [{name: checkout-primary, type: schedule}]
"""


def config() -> Config:
    parsed = parse_config(CONFIG.encode(), "ops/alertmanager.yml")
    assert parsed is not None and parsed.error is None
    return parsed


def test_routes_are_walked_as_alertmanager_walks_them() -> None:
    c = config()
    assert receivers(c, {"team": "payments"}) == ["payments-primary"]
    assert receivers(c, {"team": "payments", "severity": "warning"}) == ["payments-tickets"]
    # continue: true goes on to the next sibling that matches
    assert receivers(c, {"severity": "page", "alertname": "CheckoutDown"}) == [
        "sre-oncall",
        "checkout-pager",
    ]
    assert receivers(c, {"severity": "pages"}) == ["default"]  # match_re and = are anchored
    assert receivers(c, {"env": "prod"}) == ["default"]  # a route without receiver inherits it
    assert receivers(c, {}) == ["default"]


def test_a_receiver_reaches_the_oncall_by_name_or_by_its_settings() -> None:
    c = config()
    assert reaches(c, "payments-primary", "payments-primary")
    assert reaches(c, "checkout-pager", "checkout-primary")  # an Opsgenie responder
    assert not reaches(c, "checkout-pager", "checkout")
    assert not reaches(c, "default", "payments-primary")


def test_what_is_not_an_alertmanager_config() -> None:
    assert parse_config(b"groups: []\n", "x.yml") is None
    broken = parse_config(b"route: {group_by: [x]}\n", "x.yml")
    assert broken is not None and "route needs a receiver" in (broken.error or "")


PACK = "packs: [builtin:telemetry]\nunowned: off\n"
MANIFEST = """\
apiVersion: gate/v1
kind: Service
name: checkout
tier: 1
owners: {team: payments, oncall: payments-primary}
runbook: docs/runbook.md
"""
RULES = """\
groups:
  - name: checkout
    rules:
      - alert: CheckoutDown
        expr: up{job="checkout"} == 0
        labels: {severity: page, team: payments}
        annotations: {runbook_url: docs/runbook.md#checkoutdown}
"""


def runbook_findings(gate_cli: Any, repo: GitRepo) -> list[str]:
    code, out, err = gate_cli(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", "--offline"
    )
    assert code in (0, 1), err
    return [
        f["message"]
        for s in json.loads(out)["services"]
        for f in s["findings"]
        if f["rule"] == "alert-runbooks"
    ]


def test_alerts_in_the_services_rule_files_are_routed_to_its_oncall(
    gate_cli: Any, repo: GitRepo
) -> None:
    """The alert is in the service's own rule file (not named in telemetry.alerts); routed to the
    on-call it passes, routed elsewhere by the change it is a finding, and deleting the
    Alertmanager configuration does not switch the check off."""
    repo.write(".gate.yaml", PACK)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write("services/checkout/docs/runbook.md", "# Checkout\n\n## CheckoutDown\n\nRestart.\n")
    repo.write("services/checkout/alerts/checkout.rules.yml", RULES)
    repo.write("ops/alertmanager.yml", CONFIG)
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    assert runbook_findings(gate_cli, repo) == []

    repo.replace("services/checkout/alerts/checkout.rules.yml", "team: payments", "team: search")
    repo.commit("route it elsewhere")
    (message,) = runbook_findings(gate_cli, repo)
    assert message == (
        "alert 'CheckoutDown' is routed to sre-oncall, checkout-pager by ops/alertmanager.yml, "
        "not to the service's on-call (payments-primary)"
    )

    repo.git("rm", "-q", "ops/alertmanager.yml")
    repo.commit("and delete the routing")
    (message,) = runbook_findings(gate_cli, repo)
    assert "ops/alertmanager.yml cannot route it (this change deletes it)" in message


def test_a_ticket_may_go_to_the_teams_receiver_a_page_only_to_the_oncall(
    gate_cli: Any, repo: GitRepo
) -> None:
    repo.write(".gate.yaml", PACK)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write("services/checkout/docs/runbook.md", "# Checkout\n\n## CheckoutDown\n\nRestart.\n")
    ticket = RULES.replace("severity: page, team: payments", "severity: warning, team: payments")
    repo.write("services/checkout/alerts/checkout.rules.yml", ticket)
    repo.write("ops/alertmanager.yml", CONFIG)  # team=payments, severity=warning: payments-tickets
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    assert runbook_findings(gate_cli, repo) == []
    repo.write(
        "ops/alertmanager.yml",
        CONFIG.replace("receiver: payments-tickets", "receiver: ops-tickets"),
    )
    repo.commit("tickets to another team's queue")
    (message,) = runbook_findings(gate_cli, repo)
    assert message.endswith("not to the service's on-call or team (payments-primary, payments)")


def test_every_definition_of_an_alert_is_judged(gate_cli: Any, repo: GitRepo) -> None:
    """Sloth names its page and ticket alerts alike; the ticket one without a runbook link is
    found even though the page one has it."""
    repo.write(".gate.yaml", PACK)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write("services/checkout/docs/runbook.md", "# Checkout\n\n## CheckoutDown\n\nRestart.\n")
    ticket = (
        '      - alert: CheckoutDown\n        expr: up{job="checkout"} == 0\n'
        "        labels: {severity: ticket, team: payments}\n"
    )
    repo.write("services/checkout/alerts/checkout.rules.yml", RULES + ticket)
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")
    assert runbook_findings(gate_cli, repo) == [
        "alert 'CheckoutDown' has no runbook_url annotation (the on-call gets no next step)"
    ]
