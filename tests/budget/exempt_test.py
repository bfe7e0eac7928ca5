"""gate.budget.exempt: which changes may pass an exhausted budget, checked on git, never on the author's word."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from conftest import GitRepo

from gate.budget.exempt import is_material, label_exemption, reliability_only, verified_revert
from gate.git import Repo


def _burned(repo: GitRepo) -> str:
    """main: a service's code, then the change that burned its budget; returns that change's id."""
    repo.write("svc/app.py", "ok\n")
    repo.write("svc/docs.md", "# doc\n")
    repo.commit("first")
    repo.write("svc/app.py", "burns\n")
    burned = repo.commit("the change that burned the budget")
    repo.branch("pr")
    return burned


def _exempt(repo: GitRepo) -> str | None:
    r = Repo(repo.path)
    return verified_revert(
        r, r.resolve("main"), r.resolve("HEAD"), r.changes(r.resolve("main"), r.resolve("HEAD"))
    )


def test_an_exact_revert_of_a_base_commit_is_verified(repo: GitRepo) -> None:
    burned = _burned(repo)
    repo.git("revert", "--no-edit", burned)
    assert _exempt(repo) == f"verified revert of {burned[:12]}"


def test_a_revert_that_also_changes_something_else_is_not(repo: GitRepo) -> None:
    burned = _burned(repo)
    repo.git("revert", "--no-commit", burned)
    repo.write("svc/other.py", "feature\n")
    repo.commit(f"Revert\n\nThis reverts commit {burned}.")
    assert _exempt(repo) is None


def test_the_trailer_without_the_undo_is_not(repo: GitRepo) -> None:
    burned = _burned(repo)
    repo.write("svc/app.py", "a feature\n")
    repo.commit(f"feature\n\nThis reverts commit {burned}.")
    assert _exempt(repo) is None


def test_the_undo_without_the_trailer_is_not_even_with_it_in_the_author_email(
    repo: GitRepo,
) -> None:
    burned = _burned(repo)
    repo.git("revert", "--no-commit", burned)
    repo.git(
        "commit", "-q", "-m", "tidy", f"--author=Mal <m@x.example\x1fThis reverts commit {burned}.>"
    )
    assert _exempt(repo) is None


def test_reverting_a_commit_of_the_change_itself_is_not(repo: GitRepo) -> None:
    _burned(repo)
    repo.write("svc/app.py", "a feature\n")
    mine = repo.commit("feature")
    repo.git("revert", "--no-edit", mine)
    assert _exempt(repo) is None


def _service(root: str = "svc/") -> SimpleNamespace:
    return SimpleNamespace(root=root, files=("svc/service.yaml",))


OPENSLO = b"""apiVersion: openslo/v1
kind: SLO
metadata: {name: svc-availability}
spec:
  service: svc
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  indicator:
    metadata: {name: svc-good}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok[5m]))'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(all[5m]))'}}}
  objectives: [{target: 0.999}]
"""
RULES = b"groups:\n  - name: svc\n    rules:\n      - alert: SvcDown\n        expr: up == 0\n"
FILES = {
    "svc/runbook.md": b"# runbook\n",
    "svc/notes.rst": b"notes\n",
    "svc/slo.yaml": OPENSLO,
    "svc/alerts/svc.rules.yml": RULES,
    "svc/diagrams/flow.png": b"\x89PNG\r\n\x1a\n\0\0",
    "svc/flags.yaml": b"new-pricing: {enabled: true}\n",
    "svc/runbook_hooks.py": b"import os\n",
    "svc/fake.md": b"\0ELF",
}


def _only(*paths: str, listed: tuple[str, ...] = ()) -> bool:
    return reliability_only(paths, _service(), list(listed), FILES.get)


def test_reliability_material_only() -> None:
    assert _only("svc/runbook.md", "svc/slo.yaml", "svc/notes.rst", "svc/alerts/svc.rules.yml")
    assert _only(
        "svc/diagrams/flow.png", listed=("diagrams/**",)
    )  # listed, relative to the service
    assert not _only("svc/diagrams/flow.png")  # an image only where the trusted config lists it
    assert not _only("svc/runbook.md", "svc/runbook_hooks.py")  # code, whatever its name
    assert not _only("svc/runbook_hooks.py", listed=("**",))  # or glob
    assert not _only("svc/flags.yaml", listed=("**",))  # configuration: flags production reads
    assert not _only("svc/fake.md")  # binary named like prose
    assert not _only("svc/service.yaml", listed=("**",))  # the manifest never is
    assert not _only("svc/gone.md")  # no content to judge: not material
    assert not reliability_only((), _service(), [], FILES.get)


@pytest.mark.parametrize(
    "raw",
    [
        b"groups: []\n",  # loads, but defines no alert
        b"groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: up\n    extra: 1\n",
        b"apiVersion: openslo/v1\nkind: Service\nmetadata: {name: BAD NAME}\n",
        b"pool_size: 10\n",
    ],
)
def test_yaml_that_reads_as_no_known_format_is_no_material(raw: bytes) -> None:
    assert not is_material("svc/x.yaml", raw)


def test_no_labels_or_no_pull_request_means_no_label_exemption() -> None:
    assert label_exemption({}, SimpleNamespace(author="a")) is None
    assert label_exemption({"p0": ["rita"]}, None) is None
