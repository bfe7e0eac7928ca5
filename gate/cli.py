"""The `gate` command line: the click group, its commands (one module each in gate/commands/), and exit codes.

A command's module is imported only when that command runs (or `gate --help` lists them all), and
imports its domain only inside the command: the pre-commit hook's `gate check` loads nothing else.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from gate import __version__
from gate.errors import FatalError

# command name -> "module in gate.commands:its click command"
COMMANDS: dict[str, str] = {
    "check": "check:check",
    "validate": "validate:validate",
    "budget": "budget:budget",
    "risk": "risk:risk",
    "scorecard": "scorecard:scorecard",
    "explain": "explain:explain_command",
    "test": "test:test_packs",
    "init": "init:init",
    "demo": "demo:demo",
    "exception": "exception:exception",
    "graph": "graph:graph",
    "baseline": "baseline:baseline",
}


class _Commands(click.Group):
    """The group's commands: those in COMMANDS, imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, name = COMMANDS[cmd_name].partition(":")
        command = getattr(importlib.import_module(f"gate.commands.{module}"), name)
        assert isinstance(command, click.Command) and command.name == cmd_name, COMMANDS[cmd_name]
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gate")
def cli() -> None:
    """A reliability gate for pull requests: readiness, change risk and error budgets per changed service."""


def _echo_error(line: str) -> None:
    """CI runners read stderr for commands too: one visible line, whatever the file name held."""
    from gate.report.escape import stdout, visible

    click.echo(stdout(visible(line)), err=True)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="gate", standalone_mode=False)
        sys.exit(0)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("gate: aborted", err=True)
        sys.exit(2)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except FatalError as e:
        _echo_error(f"gate: error: {e}")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug of ours: say so in one line, and never let it pass a change
        if os.environ.get("GATE_DEBUG"):
            raise
        _echo_error(
            f"gate: internal error: {type(e).__name__}: {e} (set GATE_DEBUG=1 for a traceback)"
        )
        sys.exit(3)


if __name__ == "__main__":
    main()
