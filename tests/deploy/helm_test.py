from __future__ import annotations

from typing import Any

from gate.deploy import Settings, Spec
from gate.deploy.helm import read

CHART = {
    "charts/shop/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\n",
    "charts/shop/templates/cart.yaml": "kind: Deployment\nmetadata: {name: {{ .Release.Name }}-cart}\n",
    "env/prod.yaml": "replicas: 4\n",
}


def test_without_helm_nothing_of_the_chart_is_judged_and_a_fault_says_so(
    tree: Any, no_renderers: None
) -> None:
    found = read(tree(CHART), Spec("helm", "charts/shop"), Settings())
    assert found.objects == ()
    assert found.faults[0].kind == "unrendered"
    assert (
        found.faults[0].message
        == "Helm chart charts/shop: helm is not on PATH; judged instead: nothing from this chart (templates are not YAML until rendered)"
    )


def test_rendered_objects_point_at_their_template_and_values_are_passed(
    tree: Any, program: Any
) -> None:
    # helm's stand-in checks the arguments gate gives it and prints what helm would
    program(
        "helm",
        'test "$1" = template && test "$2" = cart && test -f "$3/Chart.yaml" && test "$4" = --values '
        '&& grep -q "replicas: 4" "$5" || exit 9\n'
        'printf -- "---\\n# Source: shop/templates/cart.yaml\\napiVersion: apps/v1\\nkind: Deployment\\nmetadata: {name: cart}\\nspec: {replicas: 4}\\n"\n',
    )
    found = read(
        tree(CHART), Spec("helm", "charts/shop", ("env/prod.yaml",), release="cart"), Settings()
    )
    assert found.faults == ()
    assert [(o.title, o.file) for o in found.objects] == [
        ("Deployment cart", "charts/shop/templates/cart.yaml")
    ]


def test_a_chart_that_times_out_or_prints_too_much_is_a_broken_fault(
    tree: Any, program: Any
) -> None:
    snap = tree(CHART)
    program("helm", "sleep 20\n")
    slow = read(snap, Spec("helm", "charts/shop"), Settings(timeout=0.5))
    assert slow.faults[0].kind == "broken" and "did not finish in 0.5 s" in slow.faults[0].message
    program("helm", "yes 'a: b' | head -c 50000\n")
    huge = read(snap, Spec("helm", "charts/shop"), Settings(max_bytes=2048))
    assert huge.faults[0].kind == "broken" and "wrote over 2,048 bytes" in huge.faults[0].message


def test_a_missing_values_file_is_a_fault(tree: Any, program: Any) -> None:
    program("helm", "exit 0\n")
    found = read(
        tree(CHART),
        Spec("helm", "charts/shop", ("env/none.yaml",), "svc/service.yaml", 9),
        Settings(),
    )
    assert found.faults[0].message == "Helm values file env/none.yaml does not exist"
