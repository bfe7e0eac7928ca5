"""`gate budget`: each SLO's objective, window, error budget remaining, burn rates and state."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from gate.commands.options import config_option, repo_option, say
from gate.errors import FatalError, did_you_mean

if TYPE_CHECKING:
    from gate.budget.records import SLOProblem
    from gate.budget.status import SLOStatus

Row = tuple[
    Any, "list[SLOStatus]", "list[SLOProblem]"
]  # (service, its SLOs' statuses, its SLO definitions' problems)


@click.command()
@click.argument("services", nargs=-1)
@repo_option
@click.option(
    "--rev", default="HEAD", show_default=True, help="Revision whose SLO definitions to use."
)
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--offline", is_flag=True, help="Skip network sources.")
def budget(
    services: tuple[str, ...], repo: str, rev: str, config_path: str | None, fmt: str, offline: bool
) -> None:
    """Each SLO's objective, window, error budget remaining, burn rates and state."""

    rows = report(repo, rev, services, config_path, offline)
    say(render_json(rows) if fmt == "json" else render_text(rows), nl=False)


def report(
    repo_dir: str, rev: str, names: tuple[str, ...], config_path: str | None, offline: bool
) -> list[Row]:
    """Every SLO of the named services (all when none) at `rev`, measured."""
    from gate.budget.slo import slos_of
    from gate.budget.status import anchored, measure
    from gate.git import Repo
    from gate.revision import open_revision

    repo = Repo(repo_dir)
    revision = open_revision(repo, rev, config_path)
    snapshot, config = revision.snapshot, revision.config
    budgets = anchored(config.budgets, repo.root)
    services = [s for s in revision.catalog.all() if s.parsed]
    if names:
        unknown = sorted(set(names) - {s.name for s in services})
        if unknown:
            raise FatalError(
                f"no service named {', '.join(map(repr, unknown))} at {rev}{did_you_mean(unknown[0], [s.name for s in services])}"
            )
        services = [s for s in services if s.name in names]
    out = []
    for service in services:
        slos, problems = slos_of(service, snapshot)
        out.append(
            (service, [measure(slo, budgets, offline, service.tier) for slo in slos], problems)
        )
    return out


def render_text(rows: list[Row]) -> str:
    from gate.report.escape import visible

    lines = []
    for service, statuses, problems in rows:
        lines.append(f"{service.name} (tier {service.tier})")
        for status in statuses:
            if status.state == "unmeasurable":
                lines.append(
                    f"  {'unmeasurable':<13}{status.slo.origin}:{status.slo.line}: error budget cannot be measured: {status.reason}"
                )
                continue
            lines.append(f"  {status.state:<13}{status.summary()}")
            lines.append(f"  {'':<13}source: {status.evidence}")
        for problem in problems:
            what = (
                f"error budget cannot be measured: {problem.message}"
                if problem.unsupported
                else problem.message
            )
            lines.append(
                f"  {'unmeasurable' if problem.unsupported else 'invalid':<13}{problem.file}:{problem.line}: {what}"
            )
        if not statuses and not problems:
            lines.append("  no SLOs")
    return "\n".join(visible(line) for line in lines) + "\n"


def render_json(rows: list[Row]) -> str:
    from gate.budget.status import result
    from gate.report.escape import json_dumps
    from gate.report.json_report import budget as budget_json

    doc = {
        "schema": "gate.budget/v1",
        "services": [
            {
                "name": service.name,
                "tier": service.tier,
                **budget_json(result(statuses, problems, None)),
                "invalid": [
                    f"{p.file}:{p.line}: {p.message}" for p in problems if not p.unsupported
                ],
            }
            for service, statuses, problems in rows
        ],
    }
    return json_dumps(doc, ensure_ascii=True) + "\n"
