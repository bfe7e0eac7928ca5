"""What several commands share: their options, date parsing, and writing reports to stdout or files."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import click

from gate import atomic
from gate.errors import FatalError
from gate.report import REPORTERS

FORMAT_NAMES = tuple(REPORTERS)
Formats = tuple[tuple[str, "str | None"], ...]  # (format name, file or None for stdout/--output)


def utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def as_of(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=f"'{option}'"
        ) from None


def as_of_or_today(value: str | None) -> dt.date:
    """The day `--as-of` names, or today (UTC)."""
    return as_of(value) or utc_today()


class FormatSpec(click.ParamType):  # type: ignore[type-arg, unused-ignore]  # generic only in newer click (8.1, our floor, is not); subscripting it would fail there at run time
    """`--format NAME` (stdout, or the next --output) or `--format NAME=FILE` (that file)."""

    name = "format"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str | None]:
        if isinstance(value, tuple):
            return str(value[0]), (None if value[1] is None else str(value[1]))
        name, eq, path = str(value).partition("=")
        if name not in FORMAT_NAMES:
            self.fail(
                f"{name!r} is not one of {', '.join(FORMAT_NAMES)} (use NAME or NAME=FILE)",
                param,
                ctx,
            )
        if eq and not path:
            self.fail(f"{value!r}: no file after '='", param, ctx)
        return name, (path if eq else None)


def emit(verdict: Any, formats: Formats, outputs: tuple[str, ...]) -> None:
    """Render the verdict in every asked format, each to its file or to stdout."""
    from gate.report import renderer

    formats = formats or (("text", None),)
    plain = [i for i, (_, path) in enumerate(formats) if path is None]
    if len(outputs) > len(plain):
        raise click.UsageError(
            "more --output files than plain --format values (they pair up in order; or write --format NAME=FILE)"
        )
    targets = {index: output for index, output in zip(plain, outputs, strict=False)}
    for index, (name, path) in enumerate(formats):
        text = renderer(name)(verdict)
        target = path or targets.get(index)
        if target and target != "-":
            write(target, text)
        else:
            if name == "github":  # its lines are our own annotations, escaped by the reporter
                click.echo(text, nl=False)
            else:
                say(text, nl=False)


def say(text: str = "", nl: bool = True, err: bool = False) -> None:
    """Every command's text reaches a terminal or a CI log here, and only here: whatever the values
    in it held, no line of it runs as a CI command and no bidirectional control reorders it."""
    from gate.report.escape import stdout  # json, which it imports, waits for the first output

    click.echo(stdout(text), nl=nl, err=err)


def echo(line: str, err: bool = False) -> None:
    """One line for a terminal or a CI log, whatever the values in it held."""
    from gate.report.escape import visible

    say(visible(line), err=err)


def echo_json(document: Any) -> None:
    """One JSON document on stdout, escaped like every report."""
    from gate.report.escape import json_dumps

    say(json_dumps(document, ensure_ascii=True))


def write(path: str, text: str) -> None:
    if os.path.exists(path) and not os.path.isfile(
        path
    ):  # /dev/null, a pipe: write into it, never replace it
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return
        except OSError as e:
            raise FatalError(f"cannot write report: {e.strerror}", path) from None
    try:
        atomic.write(path, text)
    except OSError as e:
        raise FatalError(f"cannot write report: {e.strerror}", path) from None


format_option = click.option(
    "--format",
    "formats",
    multiple=True,
    type=FormatSpec(),
    metavar="NAME[=FILE]",
    help=f"Report format, to stdout or to FILE (repeatable): {', '.join(FORMAT_NAMES)}.",
)
output_option = click.option(
    "--output",
    "outputs",
    multiple=True,
    metavar="FILE",
    help="Write the matching plain --format here instead of stdout (repeatable, in order).",
)
repo_option = click.option(
    "--repo", default=".", show_default=True, metavar="DIR", help="Repository to judge."
)
config_option = click.option(
    "--config",
    "config_path",
    metavar="FILE",
    help="Gate config, a repository path read from the base revision [default: .gate.yaml].",
)
as_of_option = click.option(
    "--as-of",
    "as_of",
    metavar="YYYY-MM-DD",
    help="Judge dates (rollback drills) as of this day [default: today, UTC].",
)
