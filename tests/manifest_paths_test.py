"""Paths in service.yaml: relative to the manifest's directory, `/` for the repository root, and the
old repository-root reading kept working with a finding that says how to write it now."""

from __future__ import annotations

from conftest import TODAY, GitRepo

from gate import check
from gate.catalog import manifest_path
from gate.git import Repo
from gate.verdict import Verdict

SECTIONS = "# r\n## Symptoms\nx\n## Diagnosis\nx\n## Mitigation\nx\n## Escalation\nx\n"
MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\nowners: {team: t}\n"


def validate(repo: GitRepo) -> Verdict:
    return check.validate(Repo(repo.path), today=TODAY)


def findings(repo: GitRepo, manifest: str) -> list[tuple[str, str]]:
    repo.write("services/svc/service.yaml", MANIFEST + manifest)
    repo.commit()
    (svc,) = validate(repo).services
    return [
        (f.rule, f.message)
        for f in svc.findings
        if f.rule in ("runbook-present", "runbook-sections", "manifest-paths", "slo-files-exist")
    ]


def test_resolution() -> None:
    assert manifest_path("services/a/", "docs/r.md") == "services/a/docs/r.md"
    assert manifest_path("services/a/", "/docs/r.md") == "docs/r.md"
    assert manifest_path("services/a/", "../shared/r.md") == "services/shared/r.md"
    assert manifest_path("services/a/", "./docs//r.md") == "services/a/docs/r.md"
    assert manifest_path("services/a/", "../../../etc/passwd") is None
    assert manifest_path("", "docs/r.md") == "docs/r.md" and manifest_path("", "/") is None


def test_a_path_beside_the_manifest_is_read_from_there(repo: GitRepo) -> None:
    assert [rule for rule, _ in findings(repo, "runbook: docs/runbook.md\n")] == ["runbook-present"]
    repo.write(
        "docs/runbook.md", SECTIONS
    )  # only the root has one: the old meaning, kept and reported
    assert [rule for rule, _ in findings(repo, "runbook: docs/runbook.md\n")] == ["manifest-paths"]
    repo.write(
        "services/svc/docs/runbook.md", "# mine\n"
    )  # beside the manifest wins over the root's
    assert [rule for rule, _ in findings(repo, "runbook: docs/runbook.md\n")] == [
        "runbook-sections"
    ] * 4


def test_a_leading_slash_is_the_repository_root(repo: GitRepo) -> None:
    repo.write("docs/shared/runbook.md", SECTIONS)
    assert findings(repo, "runbook: /docs/shared/runbook.md\n") == []


def test_missing_shows_the_path_tried_and_the_other_reading(repo: GitRepo) -> None:
    repo.write("services/svc/docs/runbook.md", SECTIONS)
    (found,) = findings(repo, "runbook: /docs/runbook.md\n")
    assert found == (
        "runbook-present",
        "runbook '/docs/runbook.md' (read as docs/runbook.md) does not exist at this revision; "
        "services/svc/docs/runbook.md exists: write 'docs/runbook.md'",
    )
    (found,) = findings(repo, "runbook: nope.md\n")
    assert (
        "(read as services/svc/nope.md) does not exist" in found[1]
        and "a leading / means the repository root" in found[1]
    )


def test_old_root_paths_still_work_and_say_how_to_write_them_now(repo: GitRepo) -> None:
    repo.write("services/svc/docs/runbook.md", SECTIONS)
    repo.write("docs/shared/rollback.md", "# plan\n")
    repo.write("services/svc/slo/a.yaml", "apiVersion: openslo/v1\nkind: SLO\n")
    out = findings(
        repo,
        "runbook: services/svc/docs/runbook.md\nrollback: {strategy: revert, plan: docs/shared/rollback.md}\n"
        "slos:\n  - openslo: services/svc/slo/a.yaml\n",
    )
    assert [rule for rule, _ in out] == [
        "manifest-paths"
    ] * 3  # read as before: no missing runbook, plan or SLO file
    messages = " | ".join(m for _, m in out)
    assert (
        "Write 'docs/runbook.md' instead" in messages
        and "Write '/docs/shared/rollback.md' instead" in messages
    )
    assert (
        "Write 'slo/a.yaml' instead" in messages
        and "it now means services/svc/services/svc/docs/runbook.md" in messages
    )


def test_old_root_runbook_sections_are_still_checked(repo: GitRepo) -> None:
    repo.write("services/svc/docs/runbook.md", "# r\n## Symptoms\nx\n")
    out = findings(repo, "runbook: services/svc/docs/runbook.md\n")
    assert {rule for rule, _ in out} == {"manifest-paths", "runbook-sections"}


def test_a_path_that_leaves_the_repository_is_refused(repo: GitRepo) -> None:
    repo.write("services/svc/service.yaml", MANIFEST + "runbook: docs/../../../../etc/passwd\n")
    repo.commit()
    (svc,) = validate(repo).services
    assert any(f.rule == "manifest-valid" and "runbook" in f.message for f in svc.findings)
