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


def test_which_reading_applies_is_decided_by_the_trusted_files(repo: GitRepo) -> None:
    """The tip has the runbook only at the root (the old reading): the head's new file beside the
    manifest does not change what the path means; a path the tip has under neither reading is
    read as the judged revision has it."""
    repo.write("svc/service.yaml", "name: svc\ntier: 1\nrunbook: docs/run.md\n")
    repo.write("docs/run.md", "# root\n")
    tip = repo.commit("tip")
    repo.write("svc/docs/run.md", "# beside\n")
    repo.write("docs/new.md", "# new\n")
    head = repo.commit("head")
    r = Repo(repo.path)
    tip_snap, head_snap = Snapshot(r, tip), Snapshot(r, head)
    service = load_service(head_snap, "svc/service.yaml")
    assert service is not None
    assert service.locate(head_snap, "docs/run.md").path == "svc/docs/run.md"
    found = service.locate(head_snap, "docs/run.md", tip_snap)
    assert (found.path, found.legacy) == ("docs/run.md", True)
    assert service.locate(head_snap, "docs/new.md", tip_snap).path == "docs/new.md"
    assert service.locate(tip_snap, "/docs/run.md", tip_snap).path == "docs/run.md"
    assert service.reads(tip_snap) == {"docs/run.md": "runbook"}


def test_a_feature_flag_file_is_claimed_wherever_it_lives() -> None:
    def claims(flag_file: object) -> list[str]:
        data = {"rollback": {"strategy": "feature-flag", "flag_file": flag_file}}
        return Service(
            "pay", "services/pay/", "services/pay/service.yaml", 0, data, None
        ).flag_claims()

    assert claims("/flags/pay.json") == ["flags/pay.json"]
    assert claims("flags.json") == ["services/pay/flags.json"]
    assert claims(3) == [] and claims("../../../etc/x") == []
