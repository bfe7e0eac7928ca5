"""`dashboards_resolve` against a local stand-in speaking Grafana's dashboard API."""

from __future__ import annotations

import json
from typing import Any

from conftest import GitRepo

PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: golden-signals
rules:
  - id: dashboards-resolve
    title: Declared dashboards exist in Grafana
    severity: {0: warning, 1: warning}
    check: {kind: dashboards_resolve}
    remediation: Point telemetry.dashboards at the service's dashboard in Grafana.
"""


def build(repo: GitRepo, grafana: str, dashboards: list[str]) -> None:
    repo.write(
        ".gate.yaml",
        f"packs: [policies/signals.yaml]\nunowned: off\ntelemetry:\n  grafana: {{url: '{grafana}', token_env: GRAFANA_TOKEN, timeout: 1}}\n",
    )
    repo.write("policies/signals.yaml", PACK)
    repo.write(
        "services/pay/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: pay\ntier: 1\nowners: {team: payments}\n"
        f"telemetry: {{dashboards: {json.dumps(dashboards)}}}\n",
    )
    repo.commit("base")
    repo.branch("change")
    repo.write("services/pay/app.py", "x = 1\n")
    repo.commit("change")


def messages(gate_cli: Any, repo: GitRepo, *extra: str) -> list[str]:
    code, out, err = gate_cli(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", *extra
    )
    assert code in (0, 1), err
    return [f["message"] for s in json.loads(out)["services"] for f in s["findings"]]


def test_dashboards_resolve_in_grafana(
    gate_cli: Any, repo: GitRepo, httpserver: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_secret")
    auth = {"Authorization": "Bearer glsa_secret"}
    httpserver.expect_request("/api/dashboards/uid/pay-golden", headers=auth).respond_with_json(
        {"dashboard": {"uid": "pay-golden", "title": "Payments"}, "meta": {"slug": "payments"}}
    )
    httpserver.expect_request("/api/dashboards/uid/pay-gone", headers=auth).respond_with_json(
        {"message": "Dashboard not found"}, status=404
    )
    base = httpserver.url_for("").rstrip("/")
    build(
        repo,
        base,
        [
            f"{base}/d/pay-golden/payments?orgId=1",
            f"{base}/d/pay-gone/payments",
            "https://elsewhere.example.com/d/pay-golden",
            f"{base}/dashboards",
        ],
    )
    assert messages(gate_cli, repo, "--offline") == []  # offline runs ask nobody
    assert sorted(messages(gate_cli, repo)) == sorted(
        [
            f"dashboard {base}/d/pay-gone/payments does not exist in Grafana (no dashboard with uid pay-gone)",
            f"dashboard https://elsewhere.example.com/d/pay-golden is not under the configured Grafana ({base})",
            f"dashboard {base}/dashboards is not a Grafana dashboard URL (/d/<uid>/<name>)",
        ]
    )


def test_a_grafana_that_is_down_is_asked_once(
    gate_cli: Any, repo: GitRepo, httpserver: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("GRAFANA_TOKEN", "glsa_secret")
    httpserver.expect_request("/api/dashboards/uid/a").respond_with_data("oops", status=500)
    base = httpserver.url_for("").rstrip("/")
    build(repo, base, [f"{base}/d/a/x", f"{base}/d/b/y"])
    found = messages(gate_cli, repo)
    assert len(found) == 2 and all("could not be checked" in m and "HTTP 500" in m for m in found)
    assert [r.path for r, _ in httpserver.log] == [
        "/api/dashboards/uid/a"
    ] * 2  # one retry, then none
