"""Reporters: one module per output format, each a `Reporter`; REPORTERS registers them, one line each.

A new format is a module here with `render(verdict) -> str` and one line in REPORTERS. Its module is
imported only when that format is asked for: the pre-commit hook pays for none it does not print.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from gate.verdict import Verdict


@runtime_checkable
class Reporter(Protocol):
    """One output format: the whole report for a verdict, as text."""

    def render(self, verdict: Verdict, /) -> str: ...


# format name (as `--format NAME` spells it, in the order help lists them) -> module implementing Reporter
REPORTERS: dict[str, str] = {
    "text": "gate.report.text",
    "json": "gate.report.json_report",
    "markdown": "gate.report.markdown",
    "sarif": "gate.report.sarif",
    "junit": "gate.report.junit",
    "github": "gate.report.github",
    "gitlab": "gate.report.gitlab",
}


def reporter(name: str) -> Reporter:
    """The reporter registered as `name`, imported on first use."""
    module = importlib.import_module(REPORTERS[name])
    if not isinstance(module, Reporter):
        raise TypeError(
            f"{REPORTERS[name]} registers as reporter {name!r} but has no render(verdict)"
        )
    return module


def renderer(name: str) -> Callable[[Verdict], str]:
    return reporter(name).render
