"""`gate test`: run the policy packs' examples; flag rules that can never fire or have no examples."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import TYPE_CHECKING

import click

from gate.commands.options import as_of_option, as_of_or_today, repo_option, say, write
from gate.errors import FatalError

if TYPE_CHECKING:
    from gate.policy.testing import PackResult


@click.command("test")
@click.argument("packs", nargs=-1)
@repo_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "junit")),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option("--output", metavar="FILE", help="Write the report here instead of stdout.")
@as_of_option
def test_packs(
    packs: tuple[str, ...], repo: str, fmt: str, output: str | None, as_of: str | None
) -> None:
    """Run the rules' examples; flag rules that can never fire or have no examples (exit 1 on any)."""
    from gate.policy import testing

    results, notes = run(repo, packs, as_of_or_today(as_of))
    text = (testing.render_junit if fmt == "junit" else testing.render_text)(results, notes)
    if output and output != "-":
        write(output, text)
    else:
        say(text, nl=False)
    sys.exit(1 if any(r.failed for r in results) else 0)


def run(
    repo_dir: str, packs: tuple[str, ...], today: dt.date
) -> tuple[list[PackResult], list[str]]:
    """Test the packs named (files, `default`, `builtin:NAME`), or those .gate.yaml in the working tree configures."""
    from gate import config as gate_config
    from gate.policy.rules import parse_pack, read_pack
    from gate.policy.testing import builtin_examples, examples_path, test_pack, with_examples

    notes: list[str] = []
    files: list[str] | None = None
    try:
        from gate.git import Repo

        repo = Repo(repo_dir)
        files = sorted(repo.tree("HEAD")) if repo.has_commits() else []
        root = repo.root
    except FatalError:
        root = repo_dir
        notes.append(
            f"{repo_dir} is not a git repository: when: globs are not checked against its paths"
        )
    config = gate_config.Config()
    if not packs:
        path = os.path.join(root, gate_config.CONFIG_FILE)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                config = gate_config.parse(f.read(), gate_config.CONFIG_FILE)
    results = []
    for pack in packs or config.packs:
        local = isinstance(pack, str) and not (pack == "default" or pack.startswith("builtin:"))
        if local:
            label, raw = pack, _read_file(pack if packs else os.path.join(root, pack), pack)
        else:
            label, raw = read_pack(pack, config, None)
        rules = parse_pack(raw, label)
        if local:
            sibling = examples_path(pack)
            disk = sibling if packs or sibling is None else os.path.join(root, sibling)
            if sibling and disk and os.path.isfile(disk):
                rules = with_examples(rules, _read_file(disk, sibling), sibling)
        elif label.startswith("(built-in)"):
            rules = builtin_examples(rules, label)
        results.append(test_pack(label, rules, files, today))
    return results, notes


def _read_file(path: str, label: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise FatalError(f"cannot read policy pack: {e.strerror}", label) from None
