"""`gate graph`: the service graph of one revision (services, dependencies, tier inversions,
tier-0 cycles) as Graphviz DOT or JSON, for other tools to draw or query."""

from __future__ import annotations

import click

from gate import config as gate_config
from gate.catalog import Catalog
from gate.commands.options import config_option, repo_option
from gate.git import Repo
from gate.graph import describe
from gate.manifest_index import configure
from gate.report import graph as graph_report
from gate.report.escape import stdout
from gate.snapshot import Snapshot


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
    repository = Repo(repo)
    snapshot = Snapshot(repository, repository.resolve(rev))
    config = gate_config.load(
        snapshot, config_path or gate_config.CONFIG_FILE, required=config_path is not None
    )
    configure(repository, config.backstage)
    report = describe([s for s in Catalog.of(snapshot).all() if s.parsed])
    render = graph_report.render_dot if fmt == "dot" else graph_report.render_json
    click.echo(stdout(render(report)), nl=False)
