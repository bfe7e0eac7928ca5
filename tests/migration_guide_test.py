"""The Backstage migration guide (docs/backstage.md), followed end to end: its commands, in order."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from backstage_test import CHECKOUT, GROUP
from conftest import GitRepo

README = Path(__file__).resolve().parent.parent / "docs" / "backstage.md"


def guide_commands() -> list[list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("# Adopting gate with a Backstage catalog", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"From first run to a required check.*?```sh\n(.*?)```", section, re.DOTALL)
    assert block, "the guide's command block is missing"
    return [
        shlex.split(line.split("#", 1)[0])[1:]
        for line in block.group(1).splitlines()
        if line.startswith("gate ")
    ]


def test_the_migration_guide_takes_a_backstage_repository_to_a_passing_check(
    repo: GitRepo, gate_cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = guide_commands()
    assert [c[0] for c in commands] == ["validate", "init", "validate", "check"]
    monkeypatch.chdir(repo.root)
    repo.write("services/checkout/catalog-info.yaml", CHECKOUT)
    repo.write("services/checkout/src/app.py", "x = 1\n")
    repo.write("org/catalog-info.yaml", GROUP)
    repo.write(".github/CODEOWNERS", "* @acme/platform\n")
    repo.commit("a repository that already has a Backstage catalog")

    code, out, _ = gate_cli(
        *commands[0]
    )  # 1. what gate reads today: the entity is a service, owned by its group
    assert (
        code == 1
        and "checkout (tier 1, team payments, " in out
        and "services/checkout/)" in out
        and "no tier" in out
        and "owners-team" not in out
    )
    code, out, _ = gate_cli(*commands[1])  # 2. the extension
    assert code == 0 and "services/checkout/service.yaml" in out
    repo.commit("the reliability extension")
    code, out, err = gate_cli(*commands[2])  # 3. what is left to fill in
    assert code == 1, out + err
    owners_line = re.search(r"add the line `(/services/checkout/ @acme/payments-team)`", out)
    assert owners_line and "telemetry.alerts" not in out  # the entity's alert link counts
    repo.write(".github/CODEOWNERS", "* @acme/platform\n" + owners_line.group(1) + "\n")
    repo.replace(
        "services/checkout/service.yaml",
        "  automated: false",
        "  automated: false\n  last_tested: 2026-11-01",
    )
    assert (
        "still the template" in out
    )  # the scaffolded rollback plan must say what this team really does
    plan = re.search(r"plan: (\S+)", repo.read("services/checkout/service.yaml"))
    assert plan
    repo.write(
        f"services/checkout/{plan.group(1)}",
        "# checkout rollback\n\n## When\nError budget burn over 14x after a deploy.\n\n"
        "## How\n`kubectl rollout undo deploy/checkout`, then watch the availability SLO for 15 minutes.\n",
    )
    repo.commit("fill in what gate validate reported")
    code, out, err = gate_cli(*commands[2])
    assert code == 0, out + err
    repo.branch("feature")  # 4. a pull request's change, judged locally
    repo.write("services/checkout/src/app.py", "x = 2\n")
    repo.commit("a change")
    code, out, err = gate_cli(*commands[3])
    assert code == 0 and "checkout" in out, out + err
