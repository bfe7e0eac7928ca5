"""One module per output format; each exposes render(verdict) -> str."""
from __future__ import annotations

import importlib
from typing import Callable

from gate.verdict import Verdict

# format name -> module in gate.report (imported only when that format is asked for)
FORMATS = {
    "text": "text",
    "json": "json_report",
    "markdown": "markdown",
    "sarif": "sarif",
    "junit": "junit",
    "github": "github",
    "gitlab": "gitlab",
}


def renderer(name: str) -> Callable[[Verdict], str]:
    module = importlib.import_module(f"gate.report.{FORMATS[name]}")
    return module.render  # type: ignore[no-any-return]
