"""`alerts_defined`: alert names in telemetry.alerts exist in the repository's Prometheus rule files,
read as Prometheus reads them (checked against the real `promtool check rules`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

from gate import markdown
from gate.policy.alerts import _linked_path
from gate.policy.rulefmt import parse_rule_file
from gate.service import Service

promtool = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(promtool is None, reason="promtool is not installed")

VALID = """\
groups:
  - name: checkout
    rules:
      - alert: CheckoutHighErrorBudgetBurn
        expr: sum(rate(http_requests_total{service="checkout",code=~"5.."}[1h])) / sum(rate(http_requests_total{service="checkout"}[1h])) > 14.4 * 0.001
        for: 5m
        labels: {severity: page}
        annotations: {summary: "checkout is burning its error budget"}
      - record: service:http_requests:rate5m
        expr: sum by (service) (rate(http_requests_total[5m]))
"""

# (name, file, whether Prometheus loads it)
CASES = [
    ("valid", VALID, True),
    (
        "unknown rule field",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up == 0\n        summary: oops\n",
        False,
    ),
    ("unknown top-level field", "groups: []\nrule_files: [x]\n", False),
    (
        "repeated group name",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up == 0\n  - name: a\n    rules: []\n",
        False,
    ),
    (
        "empty group name",
        'groups:\n  - name: ""\n    rules:\n      - alert: X\n        expr: up\n',
        False,
    ),
    (
        "bad for duration",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up == 0\n        for: 5 minutes\n",
        False,
    ),
    ("bad group interval", "groups:\n  - name: a\n    interval: 1 min\n    rules: []\n", False),
    (
        "alert and record",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        record: y\n        expr: up\n",
        False,
    ),
    ("no expr", "groups:\n  - name: a\n    rules:\n      - alert: X\n", False),
    (
        "duplicate key",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        expr: down\n",
        False,
    ),
    (
        "invalid label name",
        "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: up\n        labels: {bad-name: x}\n",
        False,
    ),
    (
        "annotations on a recording rule",
        "groups:\n  - name: a\n    rules:\n      - record: y\n        expr: up\n        annotations: {a: b}\n",
        False,
    ),
    (
        "a number is a string to Prometheus",
        "groups:\n  - name: 5\n    rules:\n      - alert: 123\n        expr: 1\n        labels: {a: 1}\n",
        True,
    ),
    (
        "a list is not an alert name",
        "groups:\n  - name: a\n    rules:\n      - alert: [x]\n        expr: up\n",
        False,
    ),
    (
        "keep_firing_for",
        "groups:\n  - name: a\n    limit: 10\n    rules:\n      - alert: X\n        expr: up == 0\n        keep_firing_for: 10m\n",
        True,
    ),
]


@needs_promtool
@pytest.mark.parametrize("name, text, loads", CASES, ids=[c[0] for c in CASES])
def test_rule_files_are_read_as_prometheus_reads_them(
    name: str, text: str, loads: bool, tmp_path: Path
) -> None:
    path = tmp_path / "x.rules.yml"
    path.write_text(text)
    checked = subprocess.run(
        [str(promtool), "check", "rules", str(path)], capture_output=True, text=True
    )
    assert (checked.returncode == 0) is loads, (
        checked.stdout + checked.stderr
    )  # the case says what Prometheus does
    parsed = parse_rule_file(text.encode(), "x.rules.yml")
    assert parsed is not None and (parsed.error is None) is loads, parsed


def test_not_a_rule_file() -> None:
    assert (
        parse_rule_file(
            b"global: {scrape_interval: 15s}\nscrape_configs: []\n", "prometheus/prometheus.yml"
        )
        is None
    )
    assert parse_rule_file(b"", "alerts/empty.yml") is None


def test_prometheus_operator_rule_is_read_through_its_spec() -> None:
    crd = (
        "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: x}\nspec:\n"
        + "".join(f"  {line}\n" for line in VALID.splitlines())
    )
    parsed = parse_rule_file(crd.encode(), "k8s/alerts.yaml")
    assert (
        parsed is not None
        and parsed.error is None
        and parsed.alerts == {"CheckoutHighErrorBudgetBurn": 8}
    )


PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: alerting
rules:
  - id: alerts-defined
    title: Alerts named by the manifest exist
    severity: {0: error, 1: error, 2: warning}
    check: {kind: alerts_defined}
    remediation: Define the alert in a Prometheus rule file, or fix its name.
    examples:
      - name: defined
        expect: quiet
        manifest: {telemetry: {alerts: [A]}}
        files: {monitoring/x.rules.yml: "groups:\\n  - name: g\\n    rules:\\n      - alert: A\\n        expr: up == 0\\n"}
      - name: missing
        expect: fires
        manifest: {telemetry: {alerts: [A]}}
        message: "alert 'A' is not defined"
"""

MANIFEST = """\
apiVersion: gate/v1
kind: Service
name: checkout
tier: 1
telemetry:
  alerts: [CheckoutHighErrorBudgetBurn, CheckoutLatencyHigh, CheckoutDown]
"""

REJECTED = "groups:\n  - name: latency\n    rules:\n      - alert: CheckoutLatencyHigh\n        expr: up == 0\n        summary: typo, belongs in annotations\n"


def alert_repo(repo: GitRepo, pack: str = PACK) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/alerting.yaml]\nunowned: off\n")
    repo.write("policies/alerting.yaml", pack)
    repo.write("services/checkout/service.yaml", MANIFEST)
    repo.write("monitoring/checkout.rules.yml", VALID)
    repo.write("monitoring/alerts/latency.yml", REJECTED)
    repo.write("docs/alerts.md", "- alert: CheckoutDown\n")  # not a rule file: does not count
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")


@needs_promtool
def test_alerts_defined_end_to_end(gate_cli: Any, repo: GitRepo) -> None:
    alert_repo(repo)
    for path, ok in (
        ("monitoring/checkout.rules.yml", True),
        ("monitoring/alerts/latency.yml", False),
    ):
        assert (
            subprocess.run(
                [str(promtool), "check", "rules", str(repo.root / path)], capture_output=True
            ).returncode
            == 0
        ) is ok
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main", "--format", "json")
    assert code == 1, err
    import json

    (service,) = json.loads(out)["services"]
    found = sorted((f["rule"], f["line"], f["message"]) for f in service["findings"])
    assert found == [
        (
            "alerts-defined",
            6,
            "alert 'CheckoutDown' is not defined in the repository's Prometheus rule files (2 rule file(s))",
        ),
        (
            "alerts-defined",
            6,
            "alert 'CheckoutLatencyHigh' is defined in monitoring/alerts/latency.yml, but Prometheus would reject that file "
            "(monitoring/alerts/latency.yml:4: field summary not found in type rulefmt.Rule)",
        ),
    ]


def test_fixing_the_rule_file_quiets_it(gate_cli: Any, repo: GitRepo) -> None:
    alert_repo(repo)
    repo.write(
        "monitoring/alerts/latency.yml",
        REJECTED.replace("        summary:", "        annotations:\n          summary:"),
    )
    repo.replace("services/checkout/service.yaml", ", CheckoutDown", "")
    repo.commit("fix")
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 0, out + err


def test_pack_with_a_plugin_kind_passes_gate_test(gate_cli: Any, repo: GitRepo) -> None:
    alert_repo(repo)
    code, out, _ = gate_cli("test", "--repo", repo.path)
    assert code == 0, out
    assert "alerts-defined  2/2 examples" in out


def test_rule_files_parameter_narrows_the_search(gate_cli: Any, repo: GitRepo) -> None:
    alert_repo(
        repo,
        PACK.replace(
            "check: {kind: alerts_defined}",
            'check: {kind: alerts_defined, rule_files: ["ops/**/*.yml"]}',
        ),
    )
    code, out, _ = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 1 and "no rule files match ops/**/*.yml" in out


LINK_PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: alerting
rules:
  - id: alert-runbook-link
    title: Alerts lead to a section of the runbook
    severity: {0: error, 1: warning}
    check: {kind: alert_runbooks}
    remediation: Add labels.severity and annotations.runbook_url with the section's anchor.
"""
RUNBOOK = "# Checkout runbook\n\n## Checkout high error budget burn\n\nOpen the SLO dashboard.\n"
LINKED = """\
groups:
  - name: checkout
    rules:
      - alert: CheckoutHighErrorBudgetBurn
        expr: up == 0
        labels: {severity: page}
        annotations:
          runbook_url: https://github.com/acme/shop/blob/main/services/checkout/docs/runbook.md#checkout-high-error-budget-burn
"""


def test_alert_runbooks_end_to_end(gate_cli: Any, repo: GitRepo) -> None:
    """An alert whose runbook_url opens an existing section passes; a pull request that points it
    at a section the runbook lacks gets the finding at the rule's line."""
    repo.write(".gate.yaml", "version: 1\npacks: [policies/alerting.yaml]\nunowned: off\n")
    repo.write("policies/alerting.yaml", LINK_PACK)
    repo.write(
        "services/checkout/service.yaml",
        MANIFEST.replace("tier: 1", "tier: 0") + "runbook: docs/runbook.md\n",
    )
    repo.replace(
        "services/checkout/service.yaml",
        "[CheckoutHighErrorBudgetBurn, CheckoutLatencyHigh, CheckoutDown]",
        "[CheckoutHighErrorBudgetBurn]",
    )
    repo.write("services/checkout/docs/runbook.md", RUNBOOK)
    repo.write("monitoring/checkout.rules.yml", LINKED)
    repo.commit("base")
    repo.branch("change")
    repo.write("services/checkout/app.py", "x = 1\n")
    repo.commit("change")

    def link_findings() -> list[tuple[str, int, str]]:
        code, out, err = gate_cli(
            "check", "--repo", repo.path, "--base", "main", "--format", "json"
        )
        (service,) = json.loads(out)["services"]
        return [
            (f["file"], f["line"], f["message"])
            for f in service["findings"]
            if f["rule"] == "alert-runbook-link"
        ]

    assert link_findings() == []
    repo.replace(
        "monitoring/checkout.rules.yml", "#checkout-high-error-budget-burn", "#checkout-down"
    )
    repo.commit("a section that is not there")
    assert link_findings() == [
        (
            "monitoring/checkout.rules.yml",
            4,
            "alert 'CheckoutHighErrorBudgetBurn': runbook_url https://github.com/acme/shop/blob/main/"
            "services/checkout/docs/runbook.md#checkout-down: services/checkout/docs/runbook.md has "
            "no section #checkout-down",
        )
    ]


def test_heading_anchors_and_linked_paths() -> None:
    assert (
        markdown.anchor("Checkout: high *error* budget (burn)!")
        == "checkout-high-error-budget-burn"
    )
    service = Service("s", "services/s/", "services/s/service.yaml", 1, {}, None)
    assert _linked_path("docs/runbook.md", service) == "services/s/docs/runbook.md"
    assert _linked_path("/docs/runbook.md", service) == "docs/runbook.md"
    assert (
        _linked_path("https://github.com/o/r/blob/main/services/s/docs/runbook.md", service)
        == "services/s/docs/runbook.md"
    )
    assert _linked_path("https://wiki.example.com/runbooks/s", service) is None
