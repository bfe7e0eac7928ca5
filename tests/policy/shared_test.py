"""Shared packs pinned by commit and sha256 in another git repository (a local bare repository)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo

PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: payments-compliance
rules:
  - id: pci-scope
    title: Payments services state their PCI scope
    severity: {0: error, 1: error, 2: error}
    check:
      schema: {required: [description]}
      message: description must state the PCI scope
    remediation: Say whether the service is in PCI scope in description.
"""


class Remote:
    """A platform team's policy repository, published as a bare repository."""

    def __init__(self, tmp_path: Path) -> None:
        self.work = GitRepo(tmp_path / "platform")
        self.work.root.mkdir()
        self.work.git("init", "-q", "--initial-branch=main")
        self.bare = tmp_path / "platform.git"
        self.commits: list[tuple[str, str]] = []  # (commit, sha256 of the pack)

    def publish(self, text: str) -> tuple[str, str]:
        self.work.write("packs/payments.yaml", text)
        commit = self.work.commit("pack")
        if not self.bare.exists():
            subprocess.run(["git", "init", "-q", "--bare", str(self.bare)], check=True)
        self.work.git("push", "-q", str(self.bare), "main")
        pin = (commit, hashlib.sha256(text.encode()).hexdigest())
        self.commits.append(pin)
        return pin


def pin_config(url: str, commit: str, digest: str, path: str = "packs/payments.yaml") -> str:
    return f"version: 1\npacks:\n  - default\n  - git: {url}\n    rev: {commit}\n    path: {path}\n    sha256: {digest}\nunowned: off\n"


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    return Remote(tmp_path)


@pytest.fixture(autouse=True)
def pack_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "pack-cache"
    monkeypatch.setenv("GATE_PACK_CACHE", str(cache))
    return cache


def service_repo(repo: GitRepo, config: str) -> None:
    repo.write(".gate.yaml", config)
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\nowners: {team: t}\nrunbook: https://wiki/x\n",
    )
    repo.commit("base")
    repo.branch("change")
    repo.write("svc/app.py", "x = 1\n")
    repo.commit("change")


def test_pinned_pack_judges_and_works_offline_after_the_first_fetch(
    gate_cli: Any, repo: GitRepo, remote: Remote, pack_cache: Path
) -> None:
    commit, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), commit, digest))
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 1, err
    assert "pci-scope" in out and "description must state the PCI scope" in out
    shutil.rmtree(remote.bare)  # the remote is gone: offline from now on
    code, out, _ = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 1 and "pci-scope" in out
    code, out, _ = gate_cli("explain", "pci-scope", "--repo", repo.path)
    assert code == 0 and f"source: {remote.bare}@{commit[:12]}:packs/payments.yaml" in out


def test_wrong_digest_fails_closed_with_exit_2(
    gate_cli: Any, repo: GitRepo, remote: Remote
) -> None:
    commit, _ = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), commit, "ab" * 32))
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and out == ""
    assert (
        err.startswith("gate: error: .gate.yaml:4: shared pack ")
        and f"sha256 is {hashlib.sha256(PACK.encode()).hexdigest()}, but the pin says {'ab' * 32}"
        in err
    )
    assert len(err.strip().splitlines()) == 1


def test_missing_revision_fails_closed_with_exit_3(
    gate_cli: Any, repo: GitRepo, remote: Remote
) -> None:
    _, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), "12ab" * 10, digest))
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 3 and out == ""
    assert (
        err.startswith("gate: error: .gate.yaml:4: shared pack ")
        and f"cannot fetch commit {'12ab' * 10}" in err
        and "fail closed" in err
    )


def test_unreachable_remote_fails_closed_with_exit_3(
    gate_cli: Any, repo: GitRepo, remote: Remote, tmp_path: Path
) -> None:
    commit, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(tmp_path / "nowhere.git"), commit, digest))
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 3 and "does not appear to be a git repository" in err


def test_pinned_commit_without_the_file_is_bad_config(
    gate_cli: Any, repo: GitRepo, remote: Remote
) -> None:
    commit, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), commit, digest, path="packs/other.yaml"))
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and f"commit {commit} has no file packs/other.yaml" in err


def test_a_branch_name_is_not_a_pin(gate_cli: Any, repo: GitRepo, remote: Remote) -> None:
    _, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), "main", digest))
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and err.startswith("gate: error: .gate.yaml:") and "invalid gate config" in err


def test_tampered_cache_is_never_used(
    gate_cli: Any, repo: GitRepo, remote: Remote, pack_cache: Path
) -> None:
    commit, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), commit, digest))
    assert gate_cli("check", "--repo", repo.path, "--base", "main")[0] == 1
    (kept,) = (pack_cache / "files").iterdir()
    kept.write_text(PACK.replace("severity: {0: error, 1: error, 2: error}", "severity: info"))
    code, out, _ = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 1 and "pci-scope" in out  # the planted pack fails its digest: fetched again
    assert kept.read_text() == PACK


def test_moving_the_pin_is_judged_by_the_base_and_flagged(
    gate_cli: Any, repo: GitRepo, remote: Remote, pack_cache: Path
) -> None:
    old_commit, old_digest = remote.publish(PACK)
    new_commit, new_digest = remote.publish(
        PACK.replace("severity: {0: error, 1: error, 2: error}", "severity: info")
    )
    service_repo(repo, pin_config(str(remote.bare), old_commit, old_digest))
    repo.write(".gate.yaml", pin_config(str(remote.bare), new_commit, new_digest))
    repo.commit("relax the payments pack")
    code, out, _ = gate_cli("check", "--repo", repo.path, "--base", "main", "--format", "json")
    assert code == 1
    import json

    report = json.loads(out)
    repo_rules = {f["rule"]: f["message"] for f in report["findings"]}
    assert (
        f"moves shared pack {remote.bare}:packs/payments.yaml from {old_commit[:12]} to {new_commit[:12]}"
        in repo_rules["pack-pin-changed"]
    )
    assert "gate-config-changed" in repo_rules
    assert any(
        f["rule"] == "pci-scope" and f["severity"] == "error"
        for s in report["services"]
        for f in s["findings"]
    )
    # gate never fetched the pin the change proposes
    (fetched,) = (pack_cache / "repos").iterdir()
    assert (
        subprocess.run(
            ["git", "-C", str(fetched), "cat-file", "-e", new_commit], capture_output=True
        ).returncode
        != 0
    )


def test_gate_test_runs_a_pinned_pack(gate_cli: Any, repo: GitRepo, remote: Remote) -> None:
    commit, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), commit, digest))
    code, out, _ = gate_cli("test", "--repo", repo.path)
    assert code == 1  # the shared pack has no examples
    assert (
        f"{remote.bare}@{commit[:12]}:packs/payments.yaml\n" in out
        and "pci-scope  0/0 examples" in out
    )


def test_a_pin_added_by_the_change_is_flagged_and_never_fetched(
    gate_cli: Any, repo: GitRepo, remote: Remote, pack_cache: Path
) -> None:
    """A pull request cannot make gate download anything: its own pins are compared, not fetched."""
    commit, digest = remote.publish(PACK)
    service_repo(repo, "version: 1\nunowned: off\n")
    repo.write(".gate.yaml", pin_config(str(remote.bare), commit, digest))
    repo.commit("pull in a pack from somewhere")
    code, out, _ = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert (
        f"adds shared pack {remote.bare}@{commit[:12]}:packs/payments.yaml" in out
        and "pci-scope" not in out
    )
    assert not pack_cache.exists()


def test_an_unusable_cache_still_judges(
    gate_cli: Any, repo: GitRepo, remote: Remote, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("GATE_PACK_CACHE", str(blocker / "packs"))
    commit, digest = remote.publish(PACK)
    service_repo(repo, pin_config(str(remote.bare), commit, digest))
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 1 and "pci-scope" in out, err
