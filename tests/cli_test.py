"""The command line contract: exit codes, one-line errors, formats, outputs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, gate_subprocess


def _no_traceback(text: str) -> None:
    assert "Traceback" not in text


def test_pass_exit_0(example: GitRepo, gate_cli: Any) -> None:
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.commit()
    code, out, err = gate_cli(
        "check", "--repo", example.path, "--base", "main", "--as-of", "2026-11-24"
    )
    assert code == 0 and out.startswith("gate: PASS") and err == ""


def test_block_exit_1_and_text_report(example: GitRepo, gate_cli: Any) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    code, out, _ = gate_cli("check", "--repo", example.path, "--base", "main")
    assert code == 1
    assert (
        "BLOCK search (tier 1, team discovery, on-call discovery-primary, services/search/)" in out
    )
    assert "runbook-sections  services/search/docs/runbook.md:1" in out
    assert "fix: Add headings" in out


def test_warn_is_exit_0(example: GitRepo, gate_cli: Any) -> None:
    example.write("scripts/release.sh", "x\n")
    example.commit()
    code, out, _ = gate_cli("check", "--repo", example.path, "--base", "main")
    assert code == 0 and out.startswith("gate: WARN")


def test_json_and_text_to_files_and_stdout(example: GitRepo, gate_cli: Any, tmp_path: Path) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    report = tmp_path / "gate.json"
    code, out, _ = gate_cli(
        "check",
        "--repo",
        example.path,
        "--base",
        "main",
        "--format",
        "json",
        "--output",
        str(report),
        "--format",
        "text",
    )
    assert code == 1
    assert json.loads(report.read_text())["verdict"] == "block"
    assert out.startswith("gate: BLOCK")


def test_unwritable_output_is_exit_2(example: GitRepo, gate_cli: Any, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    code, _, err = gate_cli(
        "check",
        "--repo",
        example.path,
        "--base",
        "main",
        "--format",
        "json",
        "--output",
        str(tmp_path / "a-file/r.json"),
    )
    assert code == 2 and "cannot write report" in err and "a-file/r.json" in err


@pytest.mark.parametrize(
    "args, words",
    [
        (["check", "--repo", "/nonexistent-dir"], "no such directory"),
        (["check", "--base", "does-not-exist"], "unknown revision 'does-not-exist'"),
        (["check", "--staged", "--base", "main"], "takes no --base"),
        (["check", "--format", "pdf"], "Invalid value for '--format'"),
        (["check", "--as-of", "tomorrow"], "is not a date"),
        (["explain", "no-such-rule"], "unknown rule id 'no-such-rule'"),
        (["nonsense"], "No such command"),
    ],
)
def test_usage_and_input_errors_are_exit_2_one_line(
    example: GitRepo, gate_cli: Any, args: list[str], words: str
) -> None:
    if "--repo" not in args and args[0] == "check":
        args = args[:1] + ["--repo", example.path] + args[1:]
    code, out, err = gate_cli(*args)
    assert code == 2
    assert words in err
    _no_traceback(err)


def test_not_a_repository(tmp_path: Path, gate_cli: Any) -> None:
    code, _, err = gate_cli("check", "--repo", str(tmp_path))
    assert (
        code == 2
        and err.strip()
        == f"gate: error: {tmp_path}: not a git repository (or any parent up to the root)"
    )


def test_broken_config_names_file_and_line(repo: GitRepo, gate_cli: Any) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [default\n")
    repo.commit()
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2
    assert err.startswith("gate: error: .gate.yaml:3: invalid YAML")
    assert len(err.strip().splitlines()) == 1


def test_unknown_check_kind_in_repo_pack(repo: GitRepo, gate_cli: Any) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [default, policies/team.yaml]\n")
    repo.write(
        "policies/team.yaml",
        "apiVersion: gate/v1\nkind: PolicyPack\nname: t\nrules:\n"
        "  - id: x\n    title: t\n    severity: error\n    check: {kind: magic}\n    remediation: r\n",
    )
    repo.commit()
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and "policies/team.yaml:8: rule x: unknown check kind 'magic'" in err


def test_internal_error_is_exit_3_one_line(
    example: GitRepo, gate_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gate.policy import engine

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(engine, "evaluate", boom)
    monkeypatch.setattr("gate.check.evaluate", boom)
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    code, out, err = gate_cli("check", "--repo", example.path, "--base", "main")
    assert code == 3
    assert (
        err.strip()
        == "gate: internal error: RuntimeError: simulated bug (set GATE_DEBUG=1 for a traceback)"
    )


def test_version_and_help(gate_cli: Any) -> None:
    code, out, _ = gate_cli("--version")
    assert code == 0 and out.startswith("gate, version ")
    code, out, _ = gate_cli("--help")
    assert code == 0 and "check" in out and "demo" in out


def test_subprocess_error_path_has_no_traceback(tmp_path: Path) -> None:
    result = gate_subprocess("check", "--repo", str(tmp_path))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    _no_traceback(result.stderr)


def test_empty_repository_is_exit_2(repo: GitRepo, gate_cli: Any) -> None:
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and "no commits yet" in err


def test_exception_add_needs_exactly_one_expiry(example: GitRepo, gate_cli: Any) -> None:
    base = (
        "exception",
        "add",
        "--repo",
        example.path,
        "--service",
        "search",
        "--rule",
        "runbook-sections",
        "--reason",
        "a long enough reason",
        "--ticket",
        "T-1",
        "--requested-by",
        "dana",
        "--approved-by",
        "rita",
    )
    for extra in ((), ("--days", "2", "--expires", "2026-11-30")):
        code, _, err = gate_cli(*base, *extra)
        assert code == 2 and "give exactly one of --days or --expires" in err


def test_output_to_a_pipe_or_device_writes_into_it_and_never_replaces_it(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    import stat
    import threading

    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, _ = gate_cli(
        "validate", "--repo", str(example.root), "--format", "json", "--output", str(fifo)
    )
    reader.join(timeout=10)
    assert code in (0, 1) and received and b'"schema"' in received[0]
    assert stat.S_ISFIFO(
        os.stat(fifo).st_mode
    )  # still the pipe, not a regular file put in its place
