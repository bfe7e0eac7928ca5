from __future__ import annotations

from typing import Any

from deploy.conftest import DEPLOYMENT
from gate.deploy import Settings, Spec
from gate.deploy.raw import files_of, read


def test_a_file_a_directory_and_a_glob(tree: Any) -> None:
    snap = tree(
        {
            "k8s/a.yaml": DEPLOYMENT,
            "k8s/sub/b.yml": "kind: x\n",
            "k8s/README.md": "#\n",
            "other/c.yaml": "a: 1\n",
        }
    )
    assert files_of(snap, "k8s/a.yaml") == ["k8s/a.yaml"]
    assert files_of(snap, "k8s") == ["k8s/a.yaml", "k8s/sub/b.yml"]
    assert files_of(snap, "**/c.yaml") == ["other/c.yaml"]


def test_read_gives_objects_and_a_named_path_that_holds_nothing_is_a_fault(tree: Any) -> None:
    snap = tree({"k8s/a.yaml": DEPLOYMENT})
    found = read(snap, Spec("paths", "k8s"), Settings())
    assert [o.title for o in found.objects] == ["Deployment cart"] and found.judged == (
        "k8s/a.yaml",
    )
    missing = read(snap, Spec("paths", "nowhere", named_in="service.yaml", line=7), Settings())
    assert missing.faults[0].message == "deploy path 'nowhere' names no YAML file"
    assert (missing.faults[0].file, missing.faults[0].line) == ("service.yaml", 7)
