"""`gate scorecard`: write the page, the Markdown, the JSON and the CSV; print where they are."""

from __future__ import annotations

import datetime as dt
import os

import click

from gate import atomic
from gate.commands.options import (
    as_of_option,
    as_of_or_today,
    config_option,
    echo,
    repo_option,
    say,
)
from gate.errors import FatalError

FILES = {
    "html": "scorecard.html",
    "markdown": "scorecard.md",
    "json": "scorecard.json",
    "csv": "services.csv",
}


@click.command()
@repo_option
@click.option("--rev", metavar="REV", help="Revision to score [default: the checked-out branch].")
@config_option
@click.option(
    "--output-dir",
    default="gate-scorecard",
    show_default=True,
    metavar="DIR",
    help="Where scorecard.html, scorecard.md, scorecard.json and services.csv go.",
)
@click.option(
    "--offline", is_flag=True, help='Measure no budget from a network source (says "not measured").'
)
@click.option(
    "--months",
    type=click.IntRange(1, 120),
    default=12,
    show_default=True,
    help="Trend over this many months.",
)
@click.option("--since", metavar="YYYY-MM-DD", help="Trend from this month instead of --months.")
@click.option(
    "--trend/--no-trend",
    default=True,
    show_default=True,
    help="Judge the branch at every month's end too.",
)
@as_of_option
def scorecard(
    repo: str,
    rev: str | None,
    config_path: str | None,
    output_dir: str,
    offline: bool,
    months: int,
    since: str | None,
    trend: bool,
    as_of: str | None,
) -> None:
    """The fleet at a glance: readiness, SLOs, budgets, waivers and changes per service, team and tier, with trends."""
    paths = run(
        repo, rev, config_path, output_dir, offline, months, since, trend, as_of_or_today(as_of)
    )
    say(summary(paths))


def run(
    repo: str,
    rev: str | None,
    config_path: str | None,
    output_dir: str,
    offline: bool,
    months: int,
    since: str | None,
    trend: bool,
    today: dt.date,
) -> dict[str, str]:
    """Build the scorecard and write every output into `output_dir`; returns format -> path."""
    from gate.git import Repo
    from gate.scorecard import collect, page, render

    start = None
    if since is not None:
        try:
            start = dt.date.fromisoformat(since)
        except ValueError:
            raise click.BadParameter(
                f"{since!r} is not a date (YYYY-MM-DD)", param_hint="--since"
            ) from None
        if start > today:
            raise click.BadParameter(
                f"{since} is after the scorecard's date {today}", param_hint="--since"
            )
    card = collect.build(
        Repo(repo),
        rev,
        config_path,
        today,
        offline,
        months if trend else None,
        start if trend else None,
    )
    if not card["services"]:
        revision = card["revision"]
        echo(
            f"gate scorecard: warning: no services at {revision['name']} ({revision['commit'][:12]}): "
            "no service.yaml or catalog-info.yaml there; commit them, or score another revision with --rev",
            err=True,
        )
    texts = {
        "html": page.render_html(card),
        "markdown": render.render_markdown(card),
        "json": render.render_json(card),
        "csv": render.render_csv(card),
    }
    paths = {}
    for kind, name in FILES.items():
        paths[kind] = write(os.path.join(output_dir, name), texts[kind])
    return paths


def write(path: str, text: str) -> str:
    try:
        atomic.write(path, text)
    except OSError as e:
        raise FatalError(f"cannot write the scorecard: {e.strerror}", path) from None
    return os.path.abspath(path)


def summary(card_paths: dict[str, str]) -> str:
    others = ", ".join(os.path.basename(card_paths[k]) for k in ("markdown", "json", "csv"))
    return f"scorecard: {card_paths['html']} (also {others})"
