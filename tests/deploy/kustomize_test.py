from __future__ import annotations

from typing import Any

from deploy.conftest import DEPLOYMENT
from gate.deploy import Settings, Spec
from gate.deploy.kustomize import read, remote, written
from gate.git import INDEX, Repo
from gate.snapshot import Snapshot

OVERLAY = {
    "kustomize/base/kustomization.yaml": "resources: [cart.yaml]\n",
    "kustomize/base/cart.yaml": DEPLOYMENT,
    "kustomize/prod/kustomization.yaml": "resources: [../base]\npatches: [{path: replicas.yaml}]\n",
    "kustomize/prod/replicas.yaml": "kind: Deployment\nmetadata: {name: cart}\nspec: {replicas: 5}\n",
}


def test_the_resources_as_written_follow_bases(tree: Any) -> None:
    snap = tree(OVERLAY)
    assert written(snap, "kustomize/prod") == ["kustomize/base/cart.yaml"]
    assert not remote(snap, "kustomize/prod")


def test_without_kubectl_the_resources_as_written_are_judged_and_a_fault_says_so(
    tree: Any, no_renderers: None
) -> None:
    found = read(tree(OVERLAY), Spec("kustomize", "kustomize/prod"), Settings())
    assert [o.title for o in found.objects] == ["Deployment cart"]
    assert found.objects[0].file == "kustomize/base/cart.yaml"
    fault = found.faults[0]
    assert fault.kind == "unrendered" and fault.file == "kustomize/prod/kustomization.yaml"
    assert (
        fault.message
        == "Kustomize kustomize/prod: kubectl is not on PATH; judged instead: its resources as written, without patches (1 object(s) from 1 file(s))"
    )


def test_a_remote_base_is_never_fetched(tree: Any, program: Any) -> None:
    program("kubectl", "echo should-not-run; exit 3\n")
    snap = tree(
        {
            "k8s/kustomization.yaml": "resources: [https://github.com/x/y//base?ref=v1, cart.yaml]\n",
            "k8s/cart.yaml": DEPLOYMENT,
        }
    )
    found = read(snap, Spec("kustomize", "k8s"), Settings())
    assert found.faults[0].kind == "unrendered" and "remote resource" in found.faults[0].message
    assert [o.title for o in found.objects] == ["Deployment cart"]


def test_rendered_objects_point_back_at_the_file_that_wrote_them(tree: Any, program: Any) -> None:
    # kubectl's stand-in prints the materialised files it was pointed at (proving they were written)
    program("kubectl", 'cat "$2/../base/cart.yaml" | sed "s/replicas: 3/replicas: 5/"\n')
    found = read(tree(OVERLAY), Spec("kustomize", "kustomize/prod"), Settings())
    assert found.faults == ()
    cart = found.objects[0]
    assert cart.get("spec", "replicas") == 5 and cart.via == "kustomize"
    assert (cart.file, cart.line("spec", "replicas")) == ("kustomize/base/cart.yaml", 5)


def test_a_failing_render_is_a_broken_fault(tree: Any, program: Any) -> None:
    program("kubectl", "echo 'Error: accumulating resources: missing.yaml' >&2; exit 1\n")
    found = read(tree(OVERLAY), Spec("kustomize", "kustomize/prod"), Settings())
    assert found.objects == ()
    assert found.faults[0].kind == "broken"
    assert (
        found.faults[0].message
        == "Kustomize kustomize/prod: kubectl exited 1: Error: accumulating resources: missing.yaml; nothing from it was judged"
    )


def test_the_staged_run_does_not_render_unless_configured(repo: Any, program: Any) -> None:
    program("kubectl", 'cat "$2/../base/cart.yaml"\n')
    for path, text in OVERLAY.items():
        repo.write(path, text)
    repo.git("add", "-A")
    staged = Snapshot(Repo(repo.path), INDEX)
    skipped = read(staged, Spec("kustomize", "kustomize/prod"), Settings())
    assert "not rendered in the staged (pre-commit) run" in skipped.faults[0].message
    rendered = read(
        Snapshot(Repo(repo.path), INDEX), Spec("kustomize", "kustomize/prod"), Settings(staged=True)
    )
    assert rendered.faults == () and rendered.objects[0].via == "kustomize"
