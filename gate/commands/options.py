"""What several commands share: their options, date parsing, and writing reports to stdout or files."""
from __future__ import annotations

import datetime as dt

import click


def utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def as_of(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=f"'{option}'") from None


def as_of_or_today(value: str | None) -> dt.date:
    """The day `--as-of` names, or today (UTC)."""
    return as_of(value) or utc_today()


def echo(line: str) -> None:
    """One line for a terminal or a CI log, whatever the values in it held."""
    from gate.report.escape import stdout, visible

    click.echo(stdout(visible(line)))


repo_option = click.option("--repo", default=".", show_default=True, metavar="DIR", help="Repository to judge.")
as_of_option = click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge dates (rollback drills) as of this day [default: today, UTC].")
