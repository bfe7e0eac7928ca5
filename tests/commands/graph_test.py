"""`gate graph`: DOT and JSON of the example monorepo, and a clear error for a bad revision."""

from __future__ import annotations

import json
from typing import Any

from conftest import GitRepo


def test_json_lists_services_and_edges(example: GitRepo, gate_cli: Any) -> None:
    code, out, err = gate_cli("graph", "--repo", str(example.path), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["schema"] == "gate.graph/v1"
    assert {s["name"] for s in doc["services"]} >= {"payments", "checkout", "cart"}
    edges = {(e["from"], e["to"]): e for e in doc["edges"]}
    assert edges[("checkout", "payments")]["kind"] == "hard"
    assert edges[("checkout", "cart")]["fallback"]
    assert edges[("payments", "ledger-api")]["external"] is True
    assert doc["tier0_cycles"] == []


def test_dot_draws_an_inversion(example: GitRepo, gate_cli: Any) -> None:
    manifest = "services/checkout/service.yaml"
    example.write(
        manifest,
        example.read(manifest).replace(
            '{service: cart, fallback: "check out from the cart saved in the session"}', "cart"
        ),
    )
    example.commit("checkout hard-depends on cart")
    code, out, _ = gate_cli("graph", "--repo", str(example.path), "--rev", "change")
    assert code == 0
    assert out.startswith("digraph services {")
    assert '"checkout" -> "cart" [color="#b3261e", label="tier inversion"];' in out


def test_an_unknown_revision_is_a_usage_error(example: GitRepo, gate_cli: Any) -> None:
    code, _, err = gate_cli("graph", "--repo", str(example.path), "--rev", "no-such-branch")
    assert code == 2 and "Traceback" not in err
