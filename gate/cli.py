"""The `gate` command line: the click group, its commands (one module each in gate/commands/), and exit codes.

A command's module is imported only when that command runs (or `gate --help` lists them all), and
imports its domain only inside the command: the pre-commit hook's `gate check` loads nothing else.
"""
from __future__ import annotations

import datetime as dt
import importlib
import os
import sys

import click

from gate import __version__
from gate.commands.options import as_of as _as_of, as_of_option as _as_of_option, echo as _echo  # the exception group's, until it
from gate.commands.options import repo_option as _repo_option, utc_today as _utc_today  # moves to gate/commands/exception.py
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
}


class _Commands(click.Group):
    """The group's commands: those in COMMANDS, imported when asked for, and those added to it directly."""

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


@cli.group()
def exception() -> None:
    """Recorded, scoped, expiring exceptions: add, list, revoke, audit."""


@exception.command("add")
@_repo_option
@click.option("--service", "services", multiple=True, required=True, help="Service the exception covers (repeatable).")
@click.option("--rule", "rules", multiple=True, required=True, help="Rule id to waive; error-budget or risk for those (repeatable).")
@click.option("--reason", required=True, help="Why the risk is accepted.")
@click.option("--ticket", required=True, help="Change or incident ticket.")
@click.option("--requested-by", required=True, metavar="HANDLE", help="GitHub handle of who asked for the exception.")
@click.option("--approved-by", required=True, metavar="HANDLE", help="GitHub handle of the approver (a member of the tier's approver group, not the requester).")
@click.option("--days", type=click.IntRange(1, 366), help="Lasts this many calendar days, today included (--days 3 on the 24th expires on the 26th).")
@click.option("--expires", metavar="YYYY-MM-DD", help="Expiry date (inclusive).")
@click.option("--pr", "pull_request", type=click.IntRange(1), help="Limit the exception to one pull request.")
@click.option("--id", "entry_id", help="Exception id [default: EXC-YYYYMMDD-N].")
@_as_of_option
def exception_add(repo: str, services: tuple[str, ...], rules: tuple[str, ...], reason: str, ticket: str, requested_by: str,
                  approved_by: str, days: int | None, expires: str | None, pull_request: int | None, entry_id: str | None, as_of: str | None) -> None:
    """Append a validated entry to the ledger, keeping the rest of the file as it is."""
    from gate import ledger

    today = _as_of(as_of) or _utc_today()
    if today > _utc_today():
        raise click.BadParameter(f"{today} is in the future; an exception is created today or earlier", param_hint="'--as-of'")
    if (days is None) == (expires is None):
        raise click.UsageError("give exactly one of --days or --expires")
    until = today + dt.timedelta(days=days - 1) if days else _as_of(expires, "--expires")
    assert until is not None
    path, entry = ledger.add(repo, services, rules, reason, ticket, requested_by, approved_by, until, today, pull_request, entry_id)
    click.echo(f"added {entry['id']} to {path} (expires {entry['expires']}); commit it through a reviewed pull request")


@exception.command("list")
@_repo_option
@click.option("--base", metavar="REV", help="Trusted revision [default: origin/HEAD, main or master].")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True, help="Output format.")
@_as_of_option
def exception_list(repo: str, base: str | None, fmt: str, as_of: str | None) -> None:
    """Every entry: active, pending, expiring, expired or invalid."""
    from gate.report.escape import json_dumps

    from gate import ledger

    rows = ledger.listing(repo, base, _as_of(as_of) or _utc_today())
    if fmt == "json":
        click.echo(json_dumps({"schema": "gate.exception-list/v1", "exceptions": rows}, ensure_ascii=True))
        return
    for row in rows:
        why = f"  ({row['why']})" if row["why"] else ""
        _echo(f"{row['state']:<9}{row['id']}  {','.join(row['services'])}: {','.join(row['rules'])}  approved by @{row['approved_by']}, expires {row['expires']}{why}")
    if not rows:
        click.echo("no exceptions")


@exception.command("revoke")
@click.argument("entry_id")
@click.option("--reason", required=True, help="Why the exception ends early (recorded under `revoked:` and shown by `audit`).")
@_repo_option
@_as_of_option
def exception_revoke(entry_id: str, reason: str, repo: str, as_of: str | None) -> None:
    """Remove an entry from the ledger and record why (its history stays in git for `audit`)."""
    from gate import ledger

    path = ledger.revoke(repo, entry_id, reason, _as_of(as_of) or _utc_today())
    click.echo(f"revoked {entry_id} in {path}; commit it through a reviewed pull request")


@exception.command("audit")
@_repo_option
@click.option("--format", "fmt", type=click.Choice(("text", "json", "csv")), default="text", show_default=True, help="Output format.")
@_as_of_option
def exception_audit(repo: str, fmt: str, as_of: str | None) -> None:
    """Every exception ever recorded, from the ledger's git history: who added, approved, changed, removed it."""
    from gate import ledger

    repo_, _, config = ledger.context(repo)
    events = ledger.history(repo_, config.ledger_path, _as_of(as_of) or _utc_today())
    from gate.report.escape import stdout

    render = {"text": ledger.audit_text, "json": ledger.audit_json, "csv": ledger.audit_csv}[fmt]
    click.echo(stdout(render(events)), nl=False)


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
        _echo_error(f"gate: internal error: {type(e).__name__}: {e} (set GATE_DEBUG=1 for a traceback)")
        sys.exit(3)


if __name__ == "__main__":
    main()
