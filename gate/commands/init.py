"""`gate init`: scaffold a new service's manifest, runbook and rollback plan, or a Backstage entity's extension."""

from __future__ import annotations

import os

import click

from gate.commands.options import say


@click.command()
@click.argument("path", required=False)
@click.option("--name", help="Service name [default: the directory name].")
@click.option(
    "--tier",
    type=click.IntRange(0, 3),
    default=2,
    show_default=True,
    help="Service tier: 0 most critical ... 3 least.",
)
@click.option(
    "--team",
    default="TODO-team",
    show_default=True,
    help="Owning team (owners.team; the CODEOWNERS team).",
)
@click.option(
    "--from-backstage",
    "entity",
    metavar="FILE",
    help="Write the reliability extension (service.yaml beside it) for this Backstage catalog-info.yaml.",
)
def init(path: str | None, name: str | None, tier: int, team: str, entity: str | None) -> None:
    """Scaffold service.yaml, a runbook and a rollback plan for a new service at PATH,
    or for an existing Backstage entity (--from-backstage FILE)."""
    from gate import scaffold

    if entity is not None:
        if path is not None:
            raise click.UsageError("give PATH or --from-backstage FILE, not both")
        for file in scaffold.from_backstage(entity, tier):
            say(f"created {file}")
        return
    if path is None:
        raise click.UsageError("missing PATH (or --from-backstage FILE)")
    for file in scaffold.init(path, name, tier, team):
        say(f"created {file}")
    for line in next_steps(path, team, tier):
        say(line)


def next_steps(path: str, team: str, tier: int) -> list[str]:
    """What to do after scaffolding at `path`: fill in, own, commit, validate."""
    from gate import scaffold

    root = scaffold.repo_root_of(path)
    lines = scaffold.next_steps(scaffold.relative_root(path), team, tier, scaffold.github_org(root))
    target = os.path.relpath(os.path.abspath(path))
    lines.append(
        f'  3. commit: git add {target} .github/CODEOWNERS && git commit -m "{os.path.basename(os.path.abspath(path))}: service manifest"'
    )
    lines.append(
        "  4. gate validate    (judges committed files only: it reads the revision, never the working tree)"
    )
    return lines
