from __future__ import annotations

from typing import Any

from testing.repo import TODAY

from gate.catalog import load_service
from gate.deploy.objects import parse
from gate.deploy.rules import image_gap, otel_names, pdb_gaps, view
from gate.policy.kinds import CheckContext, kind_of


def _pdb(spec: str) -> Any:
    return parse(
        f"apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {{name: p}}\nspec: {spec}\n",
        "p.yaml",
    )[0][0]


def test_a_pdb_must_let_one_pod_go_and_keep_one() -> None:
    assert pdb_gaps(_pdb("{maxUnavailable: 1}"), 3) is None
    assert pdb_gaps(_pdb("{minAvailable: 50%}"), 4) is None
    assert "lets no pod go" in str(pdb_gaps(_pdb("{maxUnavailable: 0}"), 3))
    assert "lets no pod go" in str(pdb_gaps(_pdb("{minAvailable: 1}"), 1))
    assert "keeps no pod" in str(pdb_gaps(_pdb("{maxUnavailable: 100%}"), 3))
    assert "neither" in str(pdb_gaps(_pdb("{}"), 3))


def test_image_references() -> None:
    mutable = {"latest", "main"}
    assert image_gap("r.io/a@sha256:" + "0" * 64, mutable) is None
    assert image_gap("r.io:5000/team/a:v1.2.3", mutable) is None
    assert image_gap("a:1.2.3-alpine", mutable) is None
    assert image_gap("a:3f2a9c1", mutable) is None
    assert image_gap("r.io:5000/a", mutable) == "has no tag (it means :latest)"
    assert image_gap("a:main", mutable) == "uses the mutable tag 'main'"
    assert image_gap("a:1.2", mutable) == "uses the mutable tag '1.2'"


def test_otel_service_names_from_values_labels_and_resource_attributes() -> None:
    text = (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template:\n    metadata: {labels: {app.kubernetes.io/component: cart}}\n"
        "    spec:\n      containers:\n        - name: c\n          env:\n"
        "            - {name: OTEL_SERVICE_NAME, valueFrom: {fieldRef: {fieldPath: \"metadata.labels['app.kubernetes.io/component']\"}}}\n"
        "            - {name: OTEL_RESOURCE_ATTRIBUTES, value: 'service.namespace=shop,service.name=cart-svc'}\n"
        "            - {name: OTEL_SERVICE_NAME, value: $(POD_NAME)}\n"
    )
    workload = parse(text, "a.yaml")[0][0]
    assert otel_names(workload, workload.containers()[0][1]) == [
        ("OTEL_SERVICE_NAME", "cart", 0),
        ("OTEL_RESOURCE_ATTRIBUTES service.name", "cart-svc", 1),
    ]


def test_a_chart_that_hangs_is_a_finding_and_every_rule_shares_one_render(
    tree: Any, program: Any
) -> None:
    program("helm", "sleep 20\n")
    snap = tree(
        {
            "service.yaml": "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 0\ndeploy: {helm: {chart: chart}}\n",
            "chart/Chart.yaml": "apiVersion: v2\nname: cart\nversion: 1.0.0\n",
        }
    )
    service = load_service(snap, "service.yaml")
    assert service is not None
    ctx = CheckContext(head=snap, base=snap, today=TODAY)
    params = {"faults": ["broken"], "render": {"timeout_seconds": 0.5}}
    problems = kind_of("deploy_sources").fn(ctx, service, params)
    assert [(p.file, p.message) for p in problems] == [
        (
            "chart/Chart.yaml",
            "Helm chart chart: helm did not finish in 0.5 s; nothing from it was judged",
        )
    ]
    assert (
        kind_of("deploy_replicas").fn(ctx, service, {"min": 2, "render": {"timeout_seconds": 0.5}})
        == []
    )
    assert view(ctx, service, params) is view(ctx, service, {"render": {"timeout_seconds": 0.5}})
