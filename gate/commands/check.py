"""`gate check`: judge a change (commits, the staged index, a push, a GitHub pull request)."""

from __future__ import annotations

import os
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
    "--base",
    metavar="REV",
    help="Base revision; the change is merge-base(BASE, HEAD)..HEAD [default: origin/HEAD, main or master].",
)
@click.option("--head", metavar="REV", help="Head revision [default: HEAD].")
@click.option(
    "--staged", is_flag=True, help="Judge the staged change (pre-commit) instead of commits."
)
@config_option
@format_option
@output_option
@click.option("--offline", is_flag=True, help="Use no network source (pre-commit).")
@as_of_option
@click.option(
    "--github",
    "on_github",
    is_flag=True,
    help="GitHub Actions: base/head from the event, job summary, outputs, annotations, PR comment.",
)
@click.option(
    "--output-dir",
    metavar="DIR",
    help="With --github: where gate.json, gate.sarif and gate.xml go [default: $RUNNER_TEMP/gate; outside Actions a new temporary directory].",
)
@click.option(
    "--comment/--no-comment",
    default=True,
    show_default=True,
    help="With --github: keep one sticky pull-request comment.",
)
@click.option(
    "--fail-on",
    type=click.Choice(("block", "warn", "never")),
    default="block",
    show_default=True,
    help="Which verdicts fail the step.",
)
def check(
    repo: str,
    base: str | None,
    head: str | None,
    staged: bool,
    config_path: str | None,
    formats: Formats,
    outputs: tuple[str, ...],
    offline: bool,
    as_of: str | None,
    on_github: bool,
    output_dir: str | None,
    comment: bool,
    fail_on: str,
) -> None:
    """Judge a change: exit 0 pass (warnings allowed), 1 block, 2 bad input, 3 undecided."""
    from gate import check as gate_check
    from gate.git import Repo

    staged, base, head = revisions(staged, base, head, on_github)
    verdict = gate_check.run(
        Repo(repo), base, head, staged, config_path, as_of_or_today(as_of), offline
    )
    emit(verdict, formats, outputs)
    if on_github:
        from gate import workflow

        workflow.publish(verdict, output_dir, comment)
    sys.exit(verdict.exit_code_for(fail_on))


def revisions(
    staged: bool, base: str | None, head: str | None, on_github: bool
) -> tuple[bool, str | None, str | None]:
    """What to judge: the options as given, the pushed commits under pre-commit's pre-push stage, or a pull request's."""
    if staged and (base or head):
        raise click.UsageError("--staged judges the index against HEAD; it takes no --base/--head")
    if staged and os.environ.get("PRE_COMMIT_FROM_REF") and os.environ.get("PRE_COMMIT_TO_REF"):
        # The pre-push stage of pre-commit: judge the commits being pushed, not the (clean) index.
        staged, base, head = (
            False,
            os.environ["PRE_COMMIT_FROM_REF"],
            os.environ["PRE_COMMIT_TO_REF"],
        )
    if on_github and not staged:
        from gate.github import event_from_env

        event = event_from_env()
        if event is not None:
            base = base or event.base
            head = head or event.head
    return staged, base, head
