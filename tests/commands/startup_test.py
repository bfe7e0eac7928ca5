"""Loading the command line costs click and the command modules only: every domain import waits inside a command.

The pre-commit hook starts gate on every commit; a command module that imports its domain at load time
makes every other command (and `gate --help`) pay for it.
"""
from __future__ import annotations

import subprocess
import sys

ALLOWED = {"gate", "gate.cli", "gate.errors", "gate.report", "gate.commands"}
HEAVY = ("yaml", "jsonschema", "requests", "jinja2", "gate.check", "gate.git", "gate.policy", "gate.budget", "gate.report.text")


def _loaded_after(code: str) -> set[str]:
    probe = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)), file=sys.stderr)"  # stdout is the help's
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    return set(result.stderr.split())


def test_the_command_line_loads_no_domain_module() -> None:
    loaded = _loaded_after("import gate.cli")
    ours = {m for m in loaded if m == "gate" or m.startswith("gate.")}
    assert {m for m in ours if not m.startswith("gate.commands.")} <= ALLOWED, sorted(ours)
    assert {"gate.commands.check", "gate.commands.budget", "gate.commands.explain", "gate.commands.test"} <= ours
    assert not [m for m in loaded if m.startswith(HEAVY)]


def test_help_loads_no_domain_module() -> None:
    loaded = _loaded_after("from gate.cli import cli\ntry:\n    cli.main(['--help'], prog_name='gate')\nexcept SystemExit:\n    pass")
    assert not [m for m in loaded if m.startswith(HEAVY)]
