"""Error budgets: SLO definitions, data sources (one module each), budget and burn-rate math.

A budget source is a module implementing `BudgetSource`; SOURCES registers it, one line each, and
it is imported only when an SLO is measured from it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from gate.sources import BUDGET_SOURCES

if TYPE_CHECKING:
    from gate.budget.records import SLO
    from gate.settings import SourceSettings

Counts = dict[
    int, "tuple[float, float] | None"
]  # window (seconds) -> (good, total), None when no data


@runtime_checkable
class BudgetSource(Protocol):
    """Where an SLO's good and total events come from."""

    def fetch(self, slo: SLO, settings: SourceSettings, windows: list[int], /) -> Counts:
        """(good, total) per window; raises httpclient.Unavailable when the source cannot answer."""

    def evidence(self, slo: SLO, settings: SourceSettings, window: int | None = None, /) -> str:
        """Where the numbers come from, for the report (a query, a file, a URL)."""


SOURCES = BUDGET_SOURCES  # one line per source, in gate/sources.py


def is_network(name: str) -> bool:
    """Whether the source reaches the network (`--offline` and the pre-commit hook skip it)."""
    return SOURCES[name].network


def source(name: str) -> BudgetSource:
    """The budget source registered as `name`, imported on first use."""
    module = importlib.import_module(SOURCES[name].module)
    if not isinstance(module, BudgetSource):
        raise TypeError(
            f"{SOURCES[name].module} registers as budget source {name!r} but lacks fetch() or evidence()"
        )
    return module
