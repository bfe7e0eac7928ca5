"""README's "Use it on your repository", step by step, on a fresh repository (issue 21).

The commands are read from README's first code block of that section and run as written; the two
steps README states in words (fill in what `gate init` lists; edit a file and commit) are done here
exactly as stated. No other step is taken, so a step README forgets makes this test fail.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from conftest import GIT_ENV, GitRepo

ROOT = Path(__file__).resolve().parents[1]


def readme_steps() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Use it on your repository", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "README's 'Use it on your repository' has no sh block"
    return [line for line in block.group(1).splitlines() if line.strip()]


def fill_in(repo: GitRepo, listed: str) -> None:
    """Step 2 as README states it: replace each placeholder line, set the fields `gate init` listed."""
    from gate.scaffold import TEMPLATE_LINES

    for doc in ("services/orders/docs/runbook.md", "services/orders/docs/rollback.md"):
        assert doc in listed
        text = repo.read(doc)
        for placeholder in TEMPLATE_LINES:
            text = text.replace(
                placeholder,
                f"Orders: {placeholder.lower().rstrip('.')} - see the orders dashboard.",
            )
        repo.write(doc, text)
    manifest = repo.read("services/orders/service.yaml")
    for field, old, new in (
        (
            "telemetry.dashboards",
            "dashboards: []",
            "dashboards: [https://grafana.example.com/d/orders]",
        ),
        ("telemetry.alerts", "alerts: []", "alerts: [OrdersHighErrorBudgetBurn]"),
        (
            "resilience.drills",
            "  drills: []",
            "  drills:\n"
            + "".join(
                f"    - {{kind: {kind}, date: 2026-11-20, result: pass, evidence: docs/drills/2026-11-20.md}}\n"
                for kind in ("rollback", "gameday", "loadtest")
            ),
        ),
        ("owners.oncall", "oncall: orders-primary", "oncall: orders-pager"),
    ):
        assert field in listed, field
        assert old in manifest
        manifest = manifest.replace(old, new)
    repo.write("services/orders/service.yaml", manifest)


def test_readme_walkthrough_from_init_to_a_passing_check(repo: GitRepo) -> None:
    repo.write("README.md", "# shop\n")
    repo.commit("an existing repository")
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, **GIT_ENV, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    outputs: list[tuple[str, subprocess.CompletedProcess[str]]] = []
    for line in readme_steps():
        command = line.split("#", 1)[0].strip() if not line.lstrip().startswith("#") else ""
        note = line.split("#", 1)[1] if "#" in line else ""
        if re.match(r"\s*2\. fill in", note):
            init_out = outputs[0][1].stdout
            fill_in(repo, init_out)
            continue
        if re.match(r"\s*7\. edit a file under services/orders", note):
            runbook = "services/orders/docs/runbook.md"  # an existing file: `commit -am` takes it, as README says
            repo.write(
                runbook,
                repo.read(runbook)
                + "\nPayments provider outages: see the provider's status page.\n",
            )
            repo.git("commit", "-q", "-am", "orders: the change")
            continue
        if not command:
            continue
        if command.startswith("gate "):
            command = f"{sys.executable} -c 'from gate.cli import main; main()' {command[5:]}"
        result = subprocess.run(
            ["bash", "-c", command],
            cwd=repo.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs.append((line, result))
        assert result.returncode == 0, f"README step failed: {line}\n{result.stdout}{result.stderr}"
    validate = next(r for line, r in outputs if "gate validate" in line)
    assert (
        validate.stdout.startswith("gate: PASS - 1 services at")
        and "0 error(s), 0 warning(s)" in validate.stdout
    ), validate.stdout
    checked = next(r for line, r in outputs if "gate check --base main" in line)
    assert checked.stdout.startswith("gate: PASS - 1 changed service(s)"), checked.stdout
