"""Error budgets: SLO definitions, data sources (one module each), budget and burn-rate math.

A budget source is a module implementing `BudgetSource`; SOURCES registers it, one line each, and
it is imported only when an SLO is measured from it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

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


class Registered(NamedTuple):
    module: str  # implements BudgetSource
    network: bool  # skipped by --offline


# source name (budgets.source in .gate.yaml) -> its module
SOURCES: dict[str, Registered] = {
    "prometheus": Registered("gate.budget.prometheus", network=True),
    "file": Registered("gate.budget.file", network=False),
    "http": Registered("gate.budget.http", network=True),
}


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
