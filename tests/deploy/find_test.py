from __future__ import annotations

from typing import Any

from deploy.conftest import DEPLOYMENT
from gate.catalog import load_service
from gate.deploy import Settings
from gate.deploy.find import discovered, names_service, selects, specs_of, view_of
from gate.deploy.objects import parse


def test_a_manifest_names_paths_kustomize_and_helm_relative_to_itself(tree: Any) -> None:
    snap = tree(
        {
            "svc/cart/service.yaml": "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 1\ndeploy:\n  paths: [k8s/a.yaml, /shared/cart.yaml]\n  kustomize: overlays/prod\n  helm: {chart: /charts/shop, values: [prod.yaml]}\n"
        }
    )
    service = load_service(snap, "svc/cart/service.yaml")
    assert service is not None
    got = [(s.source, s.path, s.values, s.line) for s in specs_of(service)]
    assert got == [
        ("paths", "svc/cart/k8s/a.yaml", (), 6),
        ("paths", "shared/cart.yaml", (), 6),
        ("kustomize", "svc/cart/overlays/prod", (), 7),
        ("helm", "charts/shop", ("svc/cart/prod.yaml",), 8),
    ]
    assert service.deploy_claims() == [
        "svc/cart/k8s/a.yaml",
        "shared/cart.yaml",
        "svc/cart/overlays/prod/**",
        "charts/shop/**",
        "svc/cart/prod.yaml",
    ]


def test_common_layouts_are_found(tree: Any) -> None:
    snap = tree(
        {
            "svc/cart/service.yaml": "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 1\n",
            "svc/cart/k8s/a.yaml": DEPLOYMENT,
            "svc/cart/deploy/Chart.yaml": "name: cart\n",
            "svc/cart/kubernetes/kustomization.yaml": "resources: []\n",
            "kubernetes-manifests/cart.yaml": DEPLOYMENT,
        }
    )
    service = load_service(snap, "svc/cart/service.yaml")
    assert service is not None
    got = [(s.source, s.path) for s in discovered(snap, service)]
    assert got == [
        ("paths", "svc/cart/k8s"),
        ("helm", "svc/cart/deploy"),
        ("kustomize", "svc/cart/kubernetes"),
        ("paths", "kubernetes-manifests"),
    ]


def test_objects_named_or_labelled_after_the_service() -> None:
    objects, _ = parse(
        "kind: Deployment\napiVersion: v1\nmetadata: {name: demo-cart}\n---\n"
        "kind: Deployment\napiVersion: v1\nmetadata: {name: x, labels: {app.kubernetes.io/component: cart}}\n---\n"
        "kind: Deployment\napiVersion: v1\nmetadata: {name: cartography}\n---\n"
        "kind: Deployment\napiVersion: v1\nmetadata: {name: valkey-cart, labels: {app.kubernetes.io/component: valkey-cart}}\n",
        "a.yaml",
    )
    assert [names_service(o, {"cart"}) for o in objects] == [True, True, False, False]


def test_selectors() -> None:
    assert selects({"matchLabels": {"app": "a"}}, {"app": "a", "v": "1"})
    assert not selects({"matchLabels": {"app": "b"}}, {"app": "a"})
    assert selects(
        {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a", "b"]}]}, {"app": "a"}
    )
    assert not selects(
        {"matchExpressions": [{"key": "app", "operator": "DoesNotExist"}]}, {"app": "a"}
    )
    assert not selects({}, {"app": "a"}) and not selects(None, {"app": "a"})


def test_in_a_shared_directory_only_the_service_s_workloads_are_its_own(tree: Any) -> None:
    shared = DEPLOYMENT + "---\n" + DEPLOYMENT.replace("cart", "redis-store")
    snap = tree(
        {
            "svc/cart/service.yaml": "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 1\n",
            "kubernetes-manifests/all.yaml": shared,
            "svc/other/service.yaml": "apiVersion: gate/v1\nkind: Service\nname: search\ntier: 1\n",
        }
    )
    cart = load_service(snap, "svc/cart/service.yaml")
    search = load_service(snap, "svc/other/service.yaml")
    assert cart is not None and search is not None
    view = view_of(snap, cart, [], Settings())
    assert [w.title for w in view.workloads] == ["Deployment cart"]
    assert len(view.objects) == 2
    assert view_of(snap, search, [], Settings()).empty
