"""gate.budget.exempt: which changes may pass an exhausted budget, checked on git, never on the author's word."""

from __future__ import annotations

from types import SimpleNamespace

from conftest import GitRepo

from gate.budget.exempt import label_exemption, reliability_only, verified_revert
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


def _service(
    root: str = "svc/", documents: tuple[str, ...] = ("svc/runbook.md", "svc/slo.yaml")
) -> SimpleNamespace:
    return SimpleNamespace(
        root=root, files=("svc/service.yaml",), documents=lambda: list(documents)
    )


def test_reliability_material_only(repo: GitRepo) -> None:
    assert reliability_only(("svc/runbook.md", "svc/slo.yaml", "svc/notes.rst"), _service(), [])
    assert reliability_only(
        ("svc/alerts/rules.txt",), _service(), ["alerts/**"]
    )  # listed, relative to the service
    assert not reliability_only(
        ("svc/runbook.md", "svc/runbook_hooks.py"), _service(), []
    )  # code, whatever its name
    assert not reliability_only(("svc/service.yaml",), _service(), ["**"])  # the manifest never is
    assert not reliability_only((), _service(), [])


def test_no_labels_or_no_pull_request_means_no_label_exemption() -> None:
    assert label_exemption({}, SimpleNamespace(author="a")) is None
    assert label_exemption({"p0": ["rita"]}, None) is None
