"""The JSON cache under <git dir>/gate/: atomic, bounded, and blind to junk."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from gate.cache import Store, read_json, write_json


def test_store_keeps_the_newest_and_finds_the_latest(tmp_path: Path) -> None:
    store = Store(str(tmp_path), "things", keep=3)
    assert store.get("a") is None and store.newest() is None
    for i, key in enumerate("abcde"):
        store.put(key, {"n": i})
        os.utime(tmp_path / "gate" / "things" / f"{key}.json", (time.time() + i, time.time() + i))
    assert sorted(os.listdir(tmp_path / "gate" / "things")) == ["c.json", "d.json", "e.json"]
    assert store.get("e") == {"n": 4} and store.get("a") is None
    assert store.newest() == ("e", {"n": 4})


def test_junk_reads_as_missing_and_a_read_only_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    assert read_json(str(tmp_path / "bad.json")) is None
    assert read_json(str(tmp_path / "bin.json")) is None
    assert read_json(str(tmp_path / "missing.json")) is None
    blocker = tmp_path / "file"
    blocker.write_text("x")
    write_json(str(blocker / "under-a-file.json"), [1])  # cannot be written: silently skipped
    Store(str(blocker), "x").put("k", 1)
    assert not (blocker / "gate").exists()


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    write_json(str(tmp_path / "a.json"), {"x": [1, 2]})
    write_json(str(tmp_path / "a.json"), {"x": [3]})
    assert os.listdir(tmp_path) == ["a.json"] and read_json(str(tmp_path / "a.json")) == {"x": [3]}


def test_caches_are_off_in_ci_unless_the_runner_is_trusted(monkeypatch: pytest.MonkeyPatch) -> None:
    from gate.cache import enabled

    for ci, setting, expected in (
        (None, None, True),
        ("true", None, False),
        (None, "off", False),
        ("true", "on", True),
        ("1", "nonsense", False),
    ):
        for name, value in (("CI", ci), ("GITHUB_ACTIONS", None), ("GATE_CACHE", setting)):
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        assert enabled() is expected, (ci, setting)
    monkeypatch.delenv("CI")
    monkeypatch.delenv("GATE_CACHE")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert not enabled()


def test_a_planted_cache_cannot_pass_a_broken_manifest_in_ci(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Code from the pull request ran in an earlier CI step and wrote "valid" for a broken manifest."""
    import json as json_
    import subprocess

    from conftest import GIT_ENV, TODAY

    from gate import check, resources
    from gate.git import Repo

    env = {**os.environ, **GIT_ENV}

    def run(*a: str) -> None:
        subprocess.run(["git", *a], cwd=tmp_path, env=env, check=True, capture_output=True)

    run("init", "-q", "--initial-branch=main")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "service.yaml").write_text(
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\nowners: {team: t}\n"
    )
    run("add", "-A")
    run("commit", "-qm", "base")
    run("checkout", "-q", "-b", "change")
    (tmp_path / "svc" / "service.yaml").write_text(
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\nowners: {team: t}\nbogus: 1\n"
    )
    run("commit", "-qam", "broken")
    broken = {
        "apiVersion": "gate/v1",
        "kind": "Service",
        "name": "svc",
        "tier": 2,
        "owners": {"team": "t"},
        "bogus": 1,
    }
    digest = resources._digest(f"schema:service:{resources._schema_key('service')}", broken)
    planted = tmp_path / ".git" / "gate" / "schema-results" / f"{digest[:2]}.json"
    planted.parent.mkdir(parents=True)
    planted.write_text(json_.dumps({digest: []}))

    def rules_failed() -> list[str]:
        resources.remember_in(None)
        verdict = check.run(Repo(str(tmp_path)), base="main", head="HEAD", today=TODAY)
        return [f.rule for s in verdict.services for f in s.findings if f.severity == "error"]

    monkeypatch.setenv("CI", "true")
    monkeypatch.delenv("GATE_CACHE")
    assert "manifest-valid" in rules_failed()
    monkeypatch.setenv(
        "GATE_CACHE", "on"
    )  # a trusted runner: the plant works, which is why CI defaults to off
    assert "manifest-valid" not in rules_failed()
    resources.remember_in(None)


def test_in_ci_no_command_writes_a_cache(example: Any, gate_cli: Any, monkeypatch: Any) -> None:
    """One off-switch for every cache: check, validate and the risk dataset leave <git dir>/gate empty."""
    monkeypatch.delenv("GATE_CACHE", raising=False)
    monkeypatch.setenv("CI", "true")
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("search change")
    assert gate_cli("check", "--repo", example.path, "--base", "main", "--head", "HEAD")[0] in (
        0,
        1,
    )
    assert gate_cli("validate", "--repo", example.path)[0] in (0, 1)
    assert gate_cli("risk", "evaluate", "--repo", example.path)[0] in (0, 1, 2)
    assert not (Path(example.path) / ".git" / "gate").exists()
    monkeypatch.setenv("GATE_CACHE", "on")  # the trusted runner: the same commands do cache
    assert gate_cli("check", "--repo", example.path, "--base", "main", "--head", "HEAD")[0] in (
        0,
        1,
    )
    assert gate_cli("risk", "evaluate", "--repo", example.path)[0] in (0, 1, 2)
    assert "risk-dataset" in os.listdir(Path(example.path) / ".git" / "gate")
