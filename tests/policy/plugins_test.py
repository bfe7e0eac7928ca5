"""Check kinds from installed packages: the `gate.check_kinds` entry point group."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, gate_subprocess

from gate.policy import plugins

KIND_MODULE = """\
from gate.catalog import Problem
from gate.policy.kinds import CheckKind


def _described(ctx, service, params):
    text = service.get("description")
    wanted = params.get("min_length", 10)
    if not isinstance(text, str) or len(text) < wanted:
        return [Problem(f"description is shorter than {wanted} characters", service.manifest, service.line("description"))]
    return []


KIND = CheckKind(_described, {"type": "object", "additionalProperties": False, "properties": {"min_length": {"type": "integer"}}},
                 "the manifest says what the service does")
NOT_A_KIND = 42
"""

ENTRY_POINTS = """\
[gate.check_kinds]
described = gate_kind_example:KIND
broken = gate_kind_example:NOT_A_KIND
file_exists = gate_kind_example:KIND
"""


def install_plugin(folder: Path) -> Path:
    """What `pip install` leaves behind: the module and a .dist-info with entry_points.txt."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "gate_kind_example.py").write_text(KIND_MODULE)
    info = folder / "gate_kind_example-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: gate-kind-example\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return folder


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = install_plugin(tmp_path / "site")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setattr(plugins, "_loaded", {})
    monkeypatch.delitem(sys.modules, "gate_kind_example", raising=False)
    return folder


PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: team
rules:
  - id: described
    title: Service says what it does
    severity: error
    check: {kind: KIND, min_length: 20}
    remediation: Write a description.
"""


def team_repo(repo: GitRepo, kind: str) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/team.yaml]\nunowned: off\n")
    repo.write("policies/team.yaml", PACK.replace("KIND", kind))
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\ndescription: short\n",
    )
    repo.commit("base")
    repo.branch("change")
    repo.write("svc/app.py", "x = 1\n")
    repo.commit("change")


def test_installed_kind_is_used_by_a_pack(plugin: Path, gate_cli: Any, repo: GitRepo) -> None:
    team_repo(repo, "described")
    code, out, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 1, err
    assert "svc/service.yaml:5" in out and "description is shorter than 20 characters" in out


def test_explain_kinds_lists_installed_plugins(plugin: Path, gate_cli: Any) -> None:
    code, out, _ = gate_cli("explain", "--kinds")
    assert code == 0
    assert (
        "  described  the manifest says what the service does  [package gate-kind-example 1.0]"
        in out
    )
    assert (
        "  broken  [package gate-kind-example 1.0]" not in out
        and "broken  broken: check kind 'broken'" in out
    )
    assert (
        "  file_exists  ignored: a built-in kind has this name  [package gate-kind-example 1.0]"
        in out
    )
    assert "  alerts_defined  " in out


def test_a_plugin_cannot_replace_a_builtin_kind(plugin: Path, gate_cli: Any, repo: GitRepo) -> None:
    team_repo(repo, "file_exists")
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert (
        code == 2 and "rule described: check parameters" in err
    )  # the built-in's parameters, not the plug-in's


def test_broken_plugin_is_a_one_line_error(plugin: Path, gate_cli: Any, repo: GitRepo) -> None:
    team_repo(repo, "broken")
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "check kind 'broken' from package gate-kind-example 1.0 is not a check kind" in err


def test_kind_that_is_not_installed(gate_cli: Any, repo: GitRepo) -> None:
    team_repo(repo, "described")
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main")
    assert code == 2 and "unknown check kind 'described'" in err and "gate explain --kinds" in err


def test_plugins_load_only_when_a_pack_names_them(example: GitRepo, tmp_path: Path) -> None:
    """The default pack names no plug-in: neither the entry point machinery nor any plug-in is imported."""
    example.write("services/checkout/src/app.py", "x = 2\n")
    example.commit()
    script = (
        "import sys\nfrom gate.cli import main\ntry:\n    main(['check', '--repo', sys.argv[1], '--base', 'main'])\n"
        "except SystemExit:\n    pass\nprint(sorted(m for m in ('gate.policy.plugins', 'gate.policy.alerts', 'importlib.metadata', 'gate_kind_example') if m in sys.modules))\n"
    )
    folder = install_plugin(tmp_path / "site")
    done = subprocess.run(
        [sys.executable, "-c", script, example.path],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "PYTHONPATH": str(folder)},
        timeout=120,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr


def test_explain_kinds_in_a_fresh_interpreter(tmp_path: Path) -> None:
    folder = install_plugin(tmp_path / "site")
    done = gate_subprocess("explain", "--kinds", env={"PYTHONPATH": str(folder)})
    assert (
        done.returncode == 0
        and "  described  the manifest says what the service does  [package gate-kind-example 1.0]"
        in done.stdout
    )


def test_explain_takes_a_rule_or_kinds_not_both(gate_cli: Any) -> None:
    code, out, _ = gate_cli("explain")  # neither: every rule and check kind (issue 21)
    assert code == 0 and "owners-team" in out and "check kinds" in out
    code, _, err = gate_cli("explain", "owners-team", "--kinds")
    assert code == 2 and "give a RULE_ID or --kinds" in err
