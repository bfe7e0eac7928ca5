"""Every command's text output, not only `gate check`'s, passes the one escaping layer: a policy
pack, a manifest or a ledger full of hostile text gives no CI command, no bidirectional control
and (in Markdown) no mention or link, whichever command prints it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import GitRepo, gate_subprocess
from testing.repo import copy_repo

from hostile.hostile_strings import ci_commands, markdown_shape

BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
# Each line tries a way out: a workflow command, an Azure command, a bidi override, a mention.
EVIL = "x\n::add-mask::secret\n##vso[task.complete result=Succeeded;]\n\u202egnp.exe @acme/sre ::error::e"
PACK = f"""apiVersion: gate/v1
kind: PolicyPack
name: evil
description: {json.dumps(EVIL)}
rules:
  - id: evil-rule
    title: {json.dumps(EVIL)}
    description: {json.dumps(EVIL)}
    severity: error
    check:
      schema: {{required: [evil]}}
      message: {json.dumps(EVIL)}
    remediation: {json.dumps(EVIL)}
"""
EXAMPLES = f"""apiVersion: gate/v1
kind: PolicyExamples
pack: evil
examples:
  evil-rule:
    - name: {json.dumps(EVIL)}
      expect: quiet
      manifest: {{owners: {{team: payments}}}}
"""


@pytest.fixture(scope="module")
def hostile_main(tmp_path_factory: pytest.TempPathFactory, example_template: GitRepo) -> GitRepo:
    repo = copy_repo(example_template, tmp_path_factory.mktemp("hostile") / "repo")
    repo.write("packs/evil.yaml", PACK)
    repo.write("packs/evil.examples.yaml", EXAMPLES)
    repo.replace(".gate.yaml", "packs: [default]", "packs: [default, packs/evil.yaml]")
    team = json.dumps("discovery\u202e @acme/sre\n::add-mask::n")
    repo.replace("services/search/service.yaml", "team: discovery", f"team: {team}")
    repo.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n  - id: EXC-1\n"
        f"    services: [search]\n    rules: [evil-rule]\n    reason: {json.dumps(EVIL)}\n"
        f"    ticket: {json.dumps(EVIL)}\n    requested_by: dana\n    approved_by: rita\n"
        "    created: 2026-11-23\n    expires: 2026-11-25\n",
    )
    repo.write("services/search/src/query.py", f"# {EVIL!r}\nQUERY = 1\n")
    repo.commit("a hostile pack, team, ledger and code, on the trusted branch")
    return repo


def _clean(output: str) -> list[str]:
    return [*ci_commands(output), *(f"bidi {c!r}" for c in BIDI if c in output)]


COMMANDS = {
    "validate": ["validate"],
    "test": ["test", "packs/evil.yaml"],
    "explain a rule": ["explain", "evil-rule"],
    "explain every rule": ["explain"],
    "budget": ["budget", "--offline"],
    "exception list": ["exception", "list"],
    "graph": ["graph"],
    "exception audit": ["exception", "audit"],
    "exception groups": ["exception", "groups"],
    "risk": ["risk", "--base", "main~1", "--head", "main"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_commands_text_is_escaped(hostile_main: GitRepo, command: str) -> None:
    result = gate_subprocess(
        *COMMANDS[command], "--repo", str(hostile_main.root), cwd=str(hostile_main.root)
    )
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode in (0, 1), result.stderr
    assert not _clean(result.stdout), result.stdout
    assert not _clean(result.stderr), result.stderr


def test_the_scorecards_markdown_mentions_nobody(hostile_main: GitRepo, tmp_path: Path) -> None:
    out = tmp_path / "card"
    result = gate_subprocess(
        "scorecard",
        "--repo",
        str(hostile_main.root),
        "--rev",
        "main",
        "--offline",
        "--no-trend",
        "--output-dir",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert not _clean(result.stdout)
    markdown = (out / "scorecard.md").read_text(encoding="utf-8")
    shape = markdown_shape(markdown)
    assert not shape.mentions and "a" not in shape.tags, markdown
    assert not _clean(markdown)
    assert "discovery\\\\u202e" in markdown  # shown, visibly escaped, never dropped
