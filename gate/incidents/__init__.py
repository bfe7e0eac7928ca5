"""Incidents and their corrective actions: one record (record.py), sources (one module each), the
run's incident book (book.py) and which changes go through while items are overdue (exempt.py).

An incident source is a module implementing `IncidentSource`; SOURCES registers it, one line each,
and it is imported only when the trusted `.gate.yaml` names it (`incidents.source`).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, runtime_checkable

from gate.httpclient import Unavailable
from gate.sources import INCIDENT_SOURCES

if TYPE_CHECKING:
    from gate.incidents.record import Incident
    from gate.settings import IncidentSourceSettings


class Place(NamedTuple):
    """Where the gate runs: the repository root, and whether a repository path is tracked (at the
    head or the trusted tip, in any letter case): such a file is the change's own claim."""

    root: str
    tracked: Callable[[str], bool]


@runtime_checkable
class IncidentSource(Protocol):
    """Where a fleet's incidents come from."""

    def fetch(self, settings: IncidentSourceSettings, place: Place, /) -> tuple[Incident, ...]:
        """Every incident; raises httpclient.Unavailable when the source cannot answer."""

    def evidence(self, settings: IncidentSourceSettings, /) -> str:
        """Where the incidents come from, for the report (a file, a URL)."""


SOURCES = INCIDENT_SOURCES  # one line per source, in gate/sources.py


PAGE = 100
MAX_PAGES = 50  # 5,000 incidents: more is not read, and the source says so (unavailable)


def read_pages(
    name: str,
    page: Callable[[int], tuple[list[Any], bool]],
    incident_of: Callable[[dict[str, Any]], Incident],
) -> tuple[Incident, ...]:
    """Every incident of an offset-paged API (`page(offset)` -> the page's items and whether more
    follow) that names a service; an item that is no incident makes the whole answer unavailable."""
    found: list[Incident] = []
    for number in range(MAX_PAGES):
        items, more = page(number * PAGE)
        try:
            found += [incident_of(item) for item in items if isinstance(item, dict)]
        except (KeyError, TypeError, ValueError) as e:
            raise Unavailable(f"{name}: an incident is not one ({type(e).__name__})") from None
        if not more:
            return tuple(i for i in found if i.services)
    raise Unavailable(f"{name}: more than {MAX_PAGES * PAGE:,} incidents; not read in full")


def source(name: str) -> IncidentSource:
    """The incident source registered as `name`, imported on first use."""
    module = importlib.import_module(SOURCES[name].module)
    if not isinstance(module, IncidentSource):
        raise TypeError(
            f"{SOURCES[name].module} registers as incident source {name!r} but lacks fetch() or evidence()"
        )
    return module
