"""`gate baseline`: record today's findings in gate-baseline.yaml; `gate check` then blocks only on new ones."""

from __future__ import annotations

import click

from gate.commands.options import as_of_option, as_of_or_today, config_option, repo_option, say


@click.command()
@repo_option
@click.option("--rev", default="HEAD", show_default=True, help="Revision whose findings to record.")
@click.option(
    "--prune",
    is_flag=True,
    help="Only remove what was fixed since; add nothing (a pull request needs no approval for it).",
)
@config_option
@as_of_option
def baseline(repo: str, rev: str, prune: bool, config_path: str | None, as_of: str | None) -> None:
    """Record every service's errors and warnings in gate-baseline.yaml (commit it).

    `gate check` then reports a recorded finding as info with its age, and blocks only on findings a
    change introduces or worsens. The file is read from the base branch, like the exception ledger:
    a pull request that adds entries needs an approval from the tier's exception approvers."""
    from gate.baseline.record import (
        update,
    )  # the domain loads when the command runs, not for --help

    before, after, services = update(repo, rev, config_path, as_of_or_today(as_of), prune)
    say(
        f"gate baseline: {after} finding(s) of {services} service(s) in gate-baseline.yaml "
        f"(was {before}); commit it"
    )
