"""`gate demo`: a throwaway repository from the bundled example, typical changes, their verdicts, its scorecard."""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING

import click

from gate.commands.options import say

if TYPE_CHECKING:
    from pathlib import Path

    from gate.demo import Scenario
    from gate.verdict import Decision


@click.command()
@click.option("--keep", metavar="DIR", help="Build the demo repository here and keep it.")
def demo(keep: str | None) -> None:
    """Build a throwaway repository from the bundled example and judge typical changes."""
    run(keep)


def run(keep: str | None = None) -> None:
    import shutil
    import tempfile
    from pathlib import Path

    from gate.demo import build

    today = dt.datetime.now(dt.timezone.utc).date()
    workdir = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="gate-demo-"))
    if keep:
        if workdir.exists() and any(workdir.iterdir()):
            raise click.UsageError(f"--keep {keep}: directory exists and is not empty")
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        build(workdir, today, history=True, baseline=True)
        where = f" at {workdir}" if keep else " (a throwaway repository; --keep DIR keeps it)"
        say(
            "gate demo: example monorepo with 7 services (error budgets from slo-status.json, incidents from "
            "incidents.json, "
            f"today's findings recorded in gate-baseline.yaml){where}\n"
        )
        outcomes = _scenarios(workdir, today)
        say(click.style("Summary", bold=True))
        for scenario, got in outcomes:
            mark = "" if got == scenario.expected else f"  (expected {scenario.expected})"
            say(f"  {got.upper():<6} {scenario.title}{mark}")
        if keep:
            say(
                f"\nThe repository is kept at {workdir}; try: gate check --repo {workdir} --base main --head tier-drop"
            )
        _scorecard(workdir, keep, today)
    finally:
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)


def _scenarios(workdir: Path, today: dt.date) -> list[tuple[Scenario, Decision]]:
    """Each scenario on its own branch, judged against main and printed; (scenario, verdict) in order."""
    from gate import check as gate_check
    from gate.demo import _ENV, SCENARIOS
    from gate.git import Repo, command
    from gate.report import renderer

    env = {**os.environ, **_ENV}
    outcomes = []
    text = renderer("text")
    for n, scenario in enumerate(SCENARIOS, 1):
        command(str(workdir), "checkout", "--quiet", "-b", scenario.branch, "main", env=env)
        scenario.edit(workdir)
        command(str(workdir), "add", "--all", env=env)
        if command(str(workdir), "status", "--porcelain", "--untracked-files=no").strip():
            command(str(workdir), "commit", "--quiet", "-m", scenario.title, env=env)
        verdict = gate_check.run(Repo(str(workdir)), base="main", head=scenario.branch, today=today)
        say(click.style(f"── {n}. {scenario.title}", bold=True))
        say(f"   $ gate check --base main --head {scenario.branch}")
        say("   " + text(verdict).rstrip("\n").replace("\n", "\n   "))
        say()
        outcomes.append((scenario, verdict.verdict))
    return outcomes


def _scorecard(workdir: Path, keep: str | None, today: dt.date) -> None:
    import tempfile

    from gate.commands import scorecard

    out = (
        os.path.join(keep, "..", f"{os.path.basename(os.path.abspath(keep))}-scorecard")
        if keep
        else tempfile.mkdtemp(prefix="gate-demo-scorecard-")
    )
    paths = scorecard.run(str(workdir), "main", None, out, True, 12, None, True, today)
    say(click.style("\nThe fleet at a glance", bold=True))
    if keep:
        say(f"  $ gate scorecard --repo {workdir} --rev main --offline")
    else:
        say("  the demo repository's scorecard (the repository is removed; --keep DIR keeps it):")
    say(f"  {scorecard.summary(paths)}")
