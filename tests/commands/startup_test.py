"""Loading the command line costs click and the command modules only: every domain import waits inside a command.

The pre-commit hook starts gate on every commit; a command module that imports its domain at load time
makes every other command (and `gate --help`) pay for it.
"""

from __future__ import annotations

import subprocess
import sys

ALLOWED = {"gate", "gate.cli", "gate.errors", "gate.atomic", "gate.report", "gate.commands"}
HEAVY = (
    "yaml",
    "jsonschema",
    "requests",
    "jinja2",
    "json",
    "tempfile",
    "pathlib",
    "dataclasses",
    "gate.check",
    "gate.git",
    "gate.policy",
    "gate.budget",
    "gate.report.text",
)


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)), file=sys.stderr)"  # stdout is the help's
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    return set(result.stderr.split())


def _gate(*args: str) -> str:
    return f"from gate.cli import cli\ntry:\n    cli.main({list(args)!r}, prog_name='gate')\nexcept SystemExit:\n    pass"


def _ours(loaded: set[str]) -> set[str]:
    return {m for m in loaded if m == "gate" or m.startswith("gate.")}


def test_a_command_loads_its_own_module_only() -> None:
    loaded = _loaded_after(_gate("check", "--help"))
    assert _ours(loaded) == ALLOWED | {"gate.commands.options", "gate.commands.check"}
    assert not [m for m in loaded if m.startswith(HEAVY)]


def test_help_loads_every_command_and_no_domain_module() -> None:
    loaded = _loaded_after(_gate("--help"))
    commands = {m for m in _ours(loaded) if m.startswith("gate.commands.")}
    assert {
        "gate.commands.check",
        "gate.commands.budget",
        "gate.commands.explain",
        "gate.commands.test",
        "gate.commands.demo",
    } <= commands
    assert _ours(loaded) - commands <= ALLOWED
    assert not [m for m in loaded if m.startswith(HEAVY)]


def test_every_registered_command_is_its_modules_click_command() -> None:
    import click

    from gate.cli import COMMANDS, cli

    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command) and command.name == name
    assert cli.list_commands(ctx) == sorted({*COMMANDS, "exception"})
