"""gate.service: the Service record and how a path written in a manifest becomes a repository path."""

from __future__ import annotations

import pytest
from conftest import GitRepo

from gate.catalog import load_service
from gate.git import Repo
from gate.service import Service, globs_of, manifest_path, root_of
from gate.snapshot import Snapshot

MANIFEST = """\
apiVersion: gate/v1
kind: Service
name: shop
tier: 1
runbook: docs/runbook.md
rollback: {plan: /ops/rollback.md}
paths: [libs/money/**, 7]
slos:
  - openslo: slo/availability.yaml
  - sloth: /slo/sloth.yaml
"""


@pytest.mark.parametrize(
    "root, value, path",
    [
        ("svc/", "docs/runbook.md", "svc/docs/runbook.md"),
        ("svc/", "/ops/x.md", "ops/x.md"),
        ("", "a/./b/../c.md", "a/c.md"),
        ("svc/", "../other/x.md", "other/x.md"),
        ("svc/", "../../etc/passwd", None),
        ("svc/", "/", None),
        ("", "..", None),
    ],
)
def test_manifest_paths_are_repository_paths_or_none(
    root: str, value: str, path: str | None
) -> None:
    assert manifest_path(root, value) == path


def test_roots_and_globs() -> None:
    assert (root_of("services/shop/service.yaml"), root_of("service.yaml")) == (
        "services/shop/",
        "",
    )
    assert (
        globs_of({"paths": ["a/**", 3, "b"]}) == ("a/**", "b") and globs_of({"paths": "a/**"}) == ()
    )


def test_a_service_names_its_documents_and_reads_values(repo: GitRepo) -> None:
    repo.write("svc/service.yaml", MANIFEST)
    repo.write("svc/docs/runbook.md", "# runbook\n")
    repo.write("ops/rollback.md", "# rollback\n")
    head = repo.commit()
    service = load_service(Snapshot(Repo(repo.path), head), "svc/service.yaml")
    assert (
        isinstance(service, Service)
        and service.parsed
        and service.root == "svc/"
        and service.files == ("svc/service.yaml",)
    )
    assert service.documents() == {
        "svc/docs/runbook.md": "runbook",
        "ops/rollback.md": "rollback plan",
        "svc/slo/availability.yaml": "OpenSLO document",
        "slo/sloth.yaml": "Sloth spec",
    }
    assert (
        service.get("rollback", "plan") == "/ops/rollback.md"
        and service.get("slos", 5) is None
        and service.items("tier") == []
    )
    assert service.line("runbook") == 5
