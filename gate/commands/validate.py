"""`gate validate`: every service's manifest and readiness at one revision, without a diff."""

from __future__ import annotations

import sys

import click

from gate.commands.options import (
    Formats,
    as_of_option,
    as_of_or_today,
    config_option,
    emit,
    format_option,
    output_option,
    repo_option,
)


@click.command()
@repo_option
@click.option(
    "--rev", default="HEAD", show_default=True, help="Revision whose services to validate."
)
@config_option
@format_option
@output_option
@as_of_option
def validate(
    repo: str,
    rev: str,
    config_path: str | None,
    formats: Formats,
    outputs: tuple[str, ...],
    as_of: str | None,
) -> None:
    """Check every service's manifest and readiness at one revision, without a diff."""
    from gate import check as gate_check
    from gate.git import Repo

    verdict = gate_check.validate(Repo(repo), rev, config_path, as_of_or_today(as_of))
    emit(verdict, formats, outputs)
    sys.exit(verdict.exit_code)
