"""`gate init`'s closing steps: name the scaffolded directory as the user reaches it from here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

from gate.commands.init import next_steps


def test_next_steps_end_with_commit_and_validate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    lines = next_steps("services/cart", "payments", 1)
    assert lines[0] == "next steps:"
    assert (
        lines[-2]
        == '  3. commit: git add services/cart .github/CODEOWNERS && git commit -m "cart: service manifest"'
    )
    assert lines[-1].startswith("  4. gate validate")
    assert any("owners.oncall" in line for line in lines)  # tier 1 asks for more than tier 3 does
    assert not any("owners.oncall" in line for line in next_steps("services/cart", "payments", 3))


def test_next_steps_name_the_path_relative_to_here(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo.root / "docs").mkdir()
    monkeypatch.chdir(repo.root / "docs")
    lines = next_steps(str(repo.root / "svc" / "api"), "core", 2)
    assert (
        lines[-2]
        == '  3. commit: git add ../svc/api .github/CODEOWNERS && git commit -m "api: service manifest"'
    )
    assert "/svc/api/ @<org>/core" in "\n".join(
        lines
    )  # CODEOWNERS names it from the repository root


def test_init_scaffolds_a_service_that_validates_and_never_overwrites(
    repo: GitRepo, gate_cli: Any
) -> None:
    repo.write("CODEOWNERS", "/services/orders/ @acme/orders\n")
    code, out, _ = gate_cli(
        "init", str(repo.root / "services/orders"), "--tier", "2", "--team", "orders"
    )
    assert code == 0 and "created" in out
    manifest = repo.read("services/orders/service.yaml")
    assert "runbook: docs/runbook.md" in manifest
    repo.commit()
    code, out, _ = gate_cli("validate", "--repo", repo.path)
    assert code == 0, out
    repo.write("services/orders/docs/runbook.md", "mine\n")
    code, _, err = gate_cli("init", str(repo.root / "services/orders"))
    assert code == 2 and "never overwrites" in err
    assert repo.read("services/orders/docs/runbook.md") == "mine\n"


def test_init_rejects_bad_names(gate_cli: Any, tmp_path: Path) -> None:
    code, _, err = gate_cli("init", str(tmp_path / "Bad Name"))
    assert code == 2 and "lower-case label" in err


def test_init_at_the_repository_root(
    repo: GitRepo, gate_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gate init .` in a one-service repository: the service is the repository itself."""
    monkeypatch.chdir(repo.root)
    code, out, err = gate_cli("init", ".", "--name", "orders", "--tier", "2", "--team", "orders")
    assert code == 0, err
    assert "runbook: docs/runbook.md" in repo.read("service.yaml")
    assert (
        "  3. commit: git add . .github/CODEOWNERS" in out
        and "CODEOWNERS (.github/CODEOWNERS): * @<org>/orders" in out
    )
    repo.commit()
    code, out, _ = gate_cli("validate", "--repo", repo.path)
    assert code == 0, out
