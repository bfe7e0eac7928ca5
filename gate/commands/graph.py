"""`gate graph`: the service graph of one revision (services, dependencies, tier inversions,
tier-0 cycles) as Graphviz DOT or JSON, for other tools to draw or query."""

from __future__ import annotations

import click

from gate.commands.options import config_option, repo_option, say


@click.command()
@repo_option
@click.option("--rev", default="HEAD", show_default=True, help="Revision whose services to draw.")
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("dot", "json")),
    default="dot",
    show_default=True,
    help="dot: Graphviz (`dot -Tsvg`); json: services and edges (gate.graph/v1).",
)
def graph(repo: str, rev: str, config_path: str | None, fmt: str) -> None:
    """The service graph: who depends on whom, tier inversions and tier-0 cycles."""
    # a command imports its domain when run, so `gate --help` loads no domain module
    from gate.graph import at_revision
    from gate.report import graph as graph_report

    report = at_revision(repo, rev, config_path)
    say(graph_report.render(report, fmt), nl=False)
