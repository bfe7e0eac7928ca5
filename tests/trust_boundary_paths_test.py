"""A path in a manifest means one thing, decided at the trusted tip (THREAT_MODEL.md, class 10).

A manifest path is read beside the manifest, from the repository root with a leading `/`, or (a
service.yaml written before paths became relative) from the root when only that file exists. Which
reading applies is decided from the base tip's files, never the head's: a pull request cannot
redirect a tier-0 or tier-1 service's runbook or SLO document by adding or deleting files, a file
the service reads through the old root reading is that service's material, and an SLO document's
identity is its path and its content. Each test is one hostile pull request; each failed before
the fix (it passed, or judged the edit as nobody's).
"""

from __future__ import annotations

import pytest
from conftest import GitRepo
from trust_boundary_test import TARGETS, flagged, judge, rules

from gate.verdict import Verdict

RUNBOOK = (
    "# Runbook\n\n## Recognise\n\nAlerts fire.\n\n## Diagnose\n\nRead the dashboard.\n\n"
    "## Mitigate\n\nRoll back.\n\n## Escalate\n\nPage the secondary.\n"
)


def _errors_of(v: Verdict, name: str) -> set[str]:
    return {
        f.rule
        for s in v.services
        if s.name == name
        for f in s.findings
        if f.severity == "error" and not f.waiver
    }


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def service(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str]:
    name, _ = TARGETS[request.param]
    return example, name


def _legacy_runbook_on_main(repo: GitRepo, name: str) -> str:
    """main: the service's runbook lives only at the repository root (`ops/<name>.md`), named as
    `ops/<name>.md` in its service.yaml: the old root reading, which the tip's files decide."""
    root = f"services/{name}/"
    repo.git("checkout", "-q", "main")
    text = repo.read(root + "docs/runbook.md")
    repo.remove(root + "docs/runbook.md")
    repo.write(f"ops/{name}.md", text)
    repo.replace(root + "service.yaml", "runbook: docs/runbook.md", f"runbook: ops/{name}.md")
    repo.commit("runbook kept with the other operations documents")
    repo.git("checkout", "-q", "-B", "change")
    return f"ops/{name}.md"


def test_deleting_the_runbook_beside_the_manifest_cannot_redirect_to_a_root_file(
    service: tuple[GitRepo, str],
) -> None:
    """main already has a root docs/runbook.md (another team's). The PR deletes the service's own
    runbook: the head then read the root file through the fallback, and no runbook rule fired."""
    repo, name = service
    repo.git("checkout", "-q", "main")
    repo.write("docs/runbook.md", RUNBOOK)
    repo.commit("platform runbook")
    repo.git("checkout", "-q", "-B", "change")
    repo.remove(f"services/{name}/docs/runbook.md")
    repo.commit("drop the runbook")
    v = judge(repo)
    assert "runbook-present" in _errors_of(v, name), flagged(v)
    assert v.verdict == "block"


def test_adding_a_file_beside_the_manifest_cannot_shadow_the_root_runbook(
    service: tuple[GitRepo, str],
) -> None:
    """main reads the runbook from the root (old reading). The PR adds a stub beside the manifest
    and deletes the real runbook: the head read the stub, and the deletion was only 'unowned'."""
    repo, name = service
    legacy = _legacy_runbook_on_main(repo, name)
    repo.write(f"services/{name}/{legacy}", RUNBOOK)
    repo.remove(legacy)
    repo.commit("runbook beside the manifest")
    v = judge(repo)
    assert "runbook-present" in _errors_of(v, name), flagged(v)
    assert v.verdict == "block"


def test_editing_a_runbook_read_through_the_root_reading_is_the_services_edit(
    service: tuple[GitRepo, str],
) -> None:
    """main reads the runbook from the root (old reading). The PR empties its sections: the file
    was claimed by nobody, so the edit was 'unowned' (a warning) and no runbook rule ran."""
    repo, name = service
    legacy = _legacy_runbook_on_main(repo, name)
    repo.write(legacy, "# Runbook\n\nTODO\n")
    repo.commit("shorter runbook")
    v = judge(repo)
    assert name in {s.name for s in v.services}, "the edit is the service's material"
    assert "runbook-sections" in _errors_of(v, name), flagged(v)
    assert "unowned-change" not in flagged(v)
    assert v.verdict == "block"


def _slo_document_on_main(repo: GitRepo, name: str) -> str:
    """main: the service measures an OpenSLO document `slo/extra.yaml` beside its manifest."""
    root = f"services/{name}/"
    repo.git("checkout", "-q", "main")
    document = repo.read("services/payments/slo/availability.yaml")
    document = document.replace("payments-availability", f"{name}-extra").replace(
        'service="payments"', f'service="{name}"'
    )
    repo.write(root + "slo/extra.yaml", document)
    repo.replace(root + "service.yaml", "slos:\n", "slos:\n  - openslo: slo/extra.yaml\n")
    repo.commit("an OpenSLO document")
    repo.git("checkout", "-q", "-B", "change")
    return root + "slo/extra.yaml"


@pytest.mark.parametrize("how", ["move", "copy"])
def test_moving_or_copying_an_slo_document_is_drift(service: tuple[GitRepo, str], how: str) -> None:
    """The PR points the manifest at an identical copy of its SLO document elsewhere in the
    service (moved, or copied with the old one kept): the next PR edits the copy, which the tip
    never measured. Before the fix the move was no finding at all."""
    repo, name = service
    document = _slo_document_on_main(repo, name)
    copy = f"services/{name}/objectives/extra.yaml"
    repo.write(copy, repo.read(document))
    if how == "move":
        repo.remove(document)
    repo.replace(
        f"services/{name}/service.yaml", "openslo: slo/extra.yaml", "openslo: objectives/extra.yaml"
    )
    repo.commit("SLO documents in one folder")
    v = judge(repo)
    assert {"manifest-drift", "slo-definition-changed"} & rules(v), flagged(v)
    assert v.verdict == "block"


def test_moving_an_slo_document_to_the_root_reading_is_drift(service: tuple[GitRepo, str]) -> None:
    """The PR moves the SLO document to the repository root, where the manifest's unchanged
    `openslo: slo/extra.yaml` found it through the old root reading: same text, same value, so no
    finding; a later PR edits the root copy, which nobody owned."""
    repo, name = service
    document = _slo_document_on_main(repo, name)
    repo.write("slo/extra.yaml", repo.read(document))
    repo.remove(document)
    repo.commit("SLO documents at the top")
    v = judge(repo)
    assert {"slo-files-exist", "manifest-drift", "slo-definition-changed"} & _errors_of(v, name), (
        flagged(v)
    )
    assert v.verdict == "block"
