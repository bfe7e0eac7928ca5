"""The Prometheus rule file format as Prometheus reads it (the rule-by-rule cases against the real
promtool are in alerts_test.py, beside the rules that use them)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.policy.rulefmt import as_prometheus_reads, parse_rule_file
from policy.alerts_test import VALID

promtool = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(promtool is None, reason="promtool is not installed")

rule_keys = st.sampled_from(
    [
        "groups",
        "name",
        "rules",
        "alert",
        "record",
        "expr",
        "for",
        "labels",
        "annotations",
        "interval",
        "limit",
        "spec",
        "kind",
    ]
)
rule_like = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(rule_keys, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rule_like)
def test_rule_file_parser_never_raises(value: Any) -> None:
    parsed = parse_rule_file(json.dumps({"groups": value}).encode(), "x.rules.yml")
    assert parsed is None or isinstance(parsed.alerts, dict)


def test_prometheus_reads_a_rule_files_first_document_and_kubectl_every_object() -> None:
    """A plain rule file of several documents loads its first only (promtool agrees: the second
    document's alert is silently ignored); a stream of PrometheusRule objects is read whole."""
    second = VALID.replace("CheckoutHighErrorBudgetBurn", "CheckoutLatencyHigh").replace(
        "name: checkout", "name: latency"
    )
    plain = parse_rule_file(("---\n" + VALID + "---\n" + second).encode(), "x.rules.yml")
    assert plain is not None and plain.error is None
    assert list(plain.alerts) == ["CheckoutHighErrorBudgetBurn"]

    def crd(text: str) -> str:
        return "apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec:\n" + "".join(
            "  " + line + "\n" for line in text.splitlines()
        )

    objects = parse_rule_file((crd(VALID) + "---\n" + crd(VALID)).encode(), "x.yaml")
    assert objects is not None and objects.error is None  # group names repeat across objects
    assert list(objects.alerts) == ["CheckoutHighErrorBudgetBurn"]
    assert len(objects.every_alert) == 2 and objects.alerts["CheckoutHighErrorBudgetBurn"] == 7


@needs_promtool
def test_promtool_ignores_a_rule_files_second_document_too(tmp_path: Path) -> None:
    path = tmp_path / "x.rules.yml"
    broken = "groups:\n  - name: a\n    rules:\n      - alert: X\n        expr: sum(\n"
    path.write_text(VALID + "---\n" + broken)
    assert subprocess.run([str(promtool), "check", "rules", str(path)]).returncode == 0
    parsed = parse_rule_file(path.read_bytes(), "x.rules.yml")
    assert parsed is not None and parsed.error is None


def test_what_prometheus_is_given_for_a_file() -> None:
    crd = "kind: PrometheusRule\nspec:\n  groups: [{name: a, rules: []}]\n"
    assert (
        as_prometheus_reads((crd + "---\n" + crd).encode(), "x.yaml")
        == [b'{"groups": [{"name": "a", "rules": []}]}'] * 2
    )
    assert as_prometheus_reads(VALID.encode(), "x.yml") == [VALID.encode()]
