"""The first hour with gate, for its three users (issue 21): no dead ends, no silent failures.

One test (or a few) per item of the issue, numbered as there; the walkthrough that follows
README's "Use it on your repository" section lives in tests/walkthrough_test.py.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gate import check
from gate.errors import FatalError
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator

from conftest import TODAY, GitRepo


def _loose_object(repo: GitRepo, sha: str) -> Path:
    return repo.root / ".git" / "objects" / sha[:2] / sha[2:]


def _history(repo: GitRepo, n: int) -> list[str]:
    shas = []
    for i in range(n):
        repo.write("services/a/src/app.py", f"x = {i}\n")
        shas.append(repo.commit(f"change {i}"))
    return shas


# -- 1. a git stream that fails mid-way is never swallowed -------------------------------------


def test_1_history_stream_that_dies_is_an_error_naming_git_log(repo: GitRepo) -> None:
    from gate.git import GitError
    from gate.risk.history import stream

    shas = _history(repo, 6)
    tree = repo.git("rev-parse", f"{shas[2]}^{{tree}}")
    _loose_object(repo, tree).unlink()  # a damaged clone: one commit's tree is gone
    with pytest.raises(GitError) as info:
        list(stream(Repo(repo.path), shas[-1]))
    assert "git log" in str(info.value) and tree[:7] in str(info.value)


def test_1_calibrate_on_a_damaged_history_fails_loudly(repo: GitRepo, gate_cli: Any) -> None:
    shas = _history(repo, 6)
    _loose_object(repo, repo.git("rev-parse", f"{shas[2]}^{{tree}}")).unlink()
    code, _, err = gate_cli("risk", "calibrate", "--repo", repo.path, "--output", str(repo.root / "m.json"))
    assert code == 2 and "git log failed" in err and "internal error" not in err
    assert not (repo.root / "m.json").exists()


def test_1_check_with_incomplete_history_says_so_and_does_not_lower_risk(repo: GitRepo) -> None:
    repo.write("services/a/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: a\ntier: 3\nowners: {team: t}\n")
    shas = _history(repo, 5)
    repo.branch("change")
    repo.write("services/a/src/app.py", "x = 'new'\n")
    repo.commit("feature")
    _loose_object(repo, repo.git("rev-parse", f"{shas[1]}^{{tree}}")).unlink()
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    risk = v.services[0].risk
    assert risk["history"].startswith("incomplete: git log failed")
    assert any(f.startswith("history incomplete") for f in risk["factors"])
    assert "history incomplete" in renderer("text")(v)
    assert list(validator("report").iter_errors(json.loads(renderer("json")(v)))) == []


# -- 2. calibrate and evaluate on a short history ----------------------------------------------


def test_2_calibrate_and_evaluate_on_a_short_history_say_why(repo: GitRepo, gate_cli: Any) -> None:
    _history(repo, 3)
    code, _, err = gate_cli("risk", "calibrate", "--repo", repo.path, "--output", str(repo.root / "m.json"))
    assert code == 2 and "not enough labelled history (3 changes, 0 failed; need" in err, err
    assert "internal error" not in err and not (repo.root / "m.json").exists()
    code, out, _ = gate_cli("risk", "evaluate", "--repo", repo.path)
    assert "not enough labelled history (3 changes, 0 failed; need" in out


# -- 3. undecided is not a block; CI exports are skipped offline --------------------------------


def _undecided(repo: GitRepo) -> Any:
    from budget import budget_repo
    from prometheus_server import free_port

    budget_repo.build(repo, f"http://127.0.0.1:{free_port()}")
    repo.write("services/healthy/src/app.py", "x = 2\n")
    repo.commit("feature")
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)


def test_3_undecided_has_its_own_headline_in_every_format(repo: GitRepo) -> None:
    v = _undecided(repo)
    assert v.exit_code == 3 and v.headline == "undecided"
    text = renderer("text")(v)
    assert text.startswith("gate: UNDECIDED") and "BLOCK" not in text and "could not decide:" in text
    assert "gate: **UNDECIDED**" in renderer("markdown")(v) and "BLOCK" not in renderer("markdown")(v)
    doc = json.loads(renderer("json")(v))
    assert doc["undecided"]["reason"].startswith("could not measure")
    assert list(validator("report").iter_errors(doc)) == []
    assert "::error title=gate UNDECIDED::" in renderer("github")(v)


def test_3_a_decided_block_has_no_undecided_reason(example: GitRepo) -> None:
    example.remove("services/checkout/docs/runbook.md")
    example.commit()
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    assert v.exit_code == 1 and v.headline == "block" and json.loads(renderer("json")(v))["undecided"] is None


def test_3_a_missing_ci_export_does_not_fail_the_offline_hook(repo: GitRepo) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/empty.yaml]\nbudgets:\n  source: file\n  file: {path: build/slo-status.json}\n")
    repo.write("policies/empty.yaml", "apiVersion: gate/v1\nkind: PolicyPack\nname: empty\nrules: []\n")
    from budget import budget_repo

    repo.write("services/pay/service.yaml", budget_repo.manifest("pay", tier=0))
    repo.commit("services")
    repo.write("services/pay/src/app.py", "x = 1\n")
    repo.git("add", "-A")
    v = check.run(Repo(repo.path), staged=True, today=TODAY, offline=True)
    assert v.exit_code == 0, renderer("text")(v)
    (slo,) = v.services[0].budget["slos"]
    assert slo["state"] == "not-measured" and "CI export" in slo["reason"]
    # Online (in CI), the same missing file is still a fail-closed "could not decide".
    repo.commit("feature")
    online = check.run(Repo(repo.path), base="HEAD~1", head="HEAD", today=TODAY)
    assert online.exit_code == 3
