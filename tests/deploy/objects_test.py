from __future__ import annotations

from gate.deploy.objects import parse


def test_a_multi_document_stream_gives_each_object_with_its_lines() -> None:
    text = "# comment\napiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: b\nspec:\n  replicas: 2\n"
    objects, faults = parse(text.encode(), "k8s/app.yaml")
    assert faults == []
    assert [(o.kind, o.name) for o in objects] == [("Service", "a"), ("Deployment", "b")]
    assert objects[1].line("spec", "replicas") == 12
    assert objects[1].line() == 7  # the object's own first line
    assert objects[1].is_workload and not objects[0].is_workload


def test_a_list_is_opened_and_documents_that_are_not_objects_are_skipped() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n---\njust: data\n"
    objects, faults = parse(text, "list.yaml")
    assert [o.title for o in objects] == ["ConfigMap c"] and faults == []


def test_broken_yaml_is_a_fault_naming_the_file_and_line_never_an_exception() -> None:
    objects, faults = parse(b"kind: Deployment\nmetadata: [oops\n", "k8s/app.yaml")
    assert objects == []
    assert faults[0].kind == "broken" and faults[0].file == "k8s/app.yaml"
    assert "invalid YAML" in faults[0].message and faults[0].line


def test_a_file_over_the_size_limit_is_a_fault() -> None:
    objects, faults = parse(b"a: " + b"x" * 5000 + b"\n", "big.yaml", max_bytes=1000)
    assert objects == [] and "over the 1,000-byte limit" in faults[0].message


def test_helm_objects_point_at_the_template_that_wrote_them() -> None:
    text = "---\n# Source: shop/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\n---\n# Source: shop/templates/pdb.yaml\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: a}\n"
    objects, _ = parse(text, "chart/Chart.yaml", "helm")
    assert [o.file for o in objects] == ["shop/templates/deploy.yaml", "shop/templates/pdb.yaml"]
    assert objects[0].line("spec") is None  # rendered: the template's lines are not the output's
