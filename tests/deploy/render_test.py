"""The renderer runner's bounds, with a real process standing in for the renderer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gate.deploy import render
from gate.git import Repo
from gate.snapshot import Snapshot


def test_only_named_renderers_run(tmp_path: Path) -> None:
    outcome = render.run(["sh", "-c", "echo hi"], str(tmp_path), 5, 1000)
    assert outcome.status == "failed" and "not a renderer" in outcome.message


def test_a_missing_renderer_is_an_outcome(tmp_path: Path, no_renderers: None) -> None:
    outcome = render.run(["helm", "template", "x", "."], str(tmp_path), 5, 1000)
    assert outcome.status == "missing" and outcome.message == "helm is not on PATH"
    assert not render.available("helm")


def test_output_comes_back(tmp_path: Path, program: Any) -> None:
    program("kubectl", 'echo "kind: ConfigMap"; echo "home=$HOME proxy=$HTTPS_PROXY"\n')
    outcome = render.run(["kubectl", "kustomize", "."], str(tmp_path), 5, 1000)
    assert outcome.status == "ok"
    assert b"kind: ConfigMap" in outcome.output
    assert (
        b"proxy=http://127.0.0.1:9" in outcome.output
    )  # no network: proxies point at a closed port


def test_a_hang_is_killed_at_the_time_limit(tmp_path: Path, program: Any) -> None:
    program("helm", "sleep 30 & sleep 30\n")
    outcome = render.run(["helm", "template"], str(tmp_path), 0.5, 1000)
    assert outcome.status == "timeout" and "did not finish in 0.5 s" in outcome.message


def test_output_over_the_limit_is_refused(tmp_path: Path, program: Any) -> None:
    program("helm", "yes kind-ConfigMap | head -c 100000\n")
    outcome = render.run(["helm", "template"], str(tmp_path), 10, 4096)
    assert outcome.status == "too-large" and outcome.output == b""


def test_a_failing_renderer_says_why_in_its_own_words(tmp_path: Path, program: Any) -> None:
    program("helm", "echo 'Error: parse error in deployment.yaml' >&2; exit 1\n")
    outcome = render.run(["helm", "template"], str(tmp_path), 10, 4096)
    assert outcome.status == "failed"
    assert outcome.message == "helm exited 1: Error: parse error in deployment.yaml"


def test_materialise_writes_regular_files_under_the_directory_only(
    tmp_path: Path, repo: Any
) -> None:
    repo.write("deploy/a.yaml", "a: 1\n")
    repo.write("deploy/sub/b.yaml", "b: 2\n")
    repo.write("secret.txt", "no\n")
    (repo.root / "deploy" / "link").symlink_to("../secret.txt")
    snapshot = Snapshot(Repo(repo.path), repo.commit())
    out = tmp_path / "out"
    out.mkdir()
    assert render.materialise(snapshot, "deploy", str(out)) is None
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == ["deploy/a.yaml", "deploy/sub/b.yaml"]
