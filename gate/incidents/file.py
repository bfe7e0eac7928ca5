"""File source: a gate.incidents/v1 export (schemas/incidents.schema.json) outside the repository.

A file the repository tracks (at the head or the trusted tip, in any letter case) is refused: the
change could write its own incidents. GATE_INCIDENTS_FILE overrides `incidents.file.path`.
"""

from __future__ import annotations

import os

from gate.budget.file import load
from gate.httpclient import Unavailable
from gate.incidents import Place
from gate.incidents.record import Incident, incidents_of
from gate.settings import IncidentSourceSettings

ENV = "GATE_INCIDENTS_FILE"


def _shown(settings: IncidentSourceSettings) -> str:
    return str(os.environ.get(ENV) or settings.path or "")


def path_of(settings: IncidentSourceSettings, place: Place) -> str:
    """The export's path to read; Unavailable when none is configured or the repository holds it."""
    shown = _shown(settings)
    if not shown:
        raise Unavailable(
            f"no incident export configured (incidents.file.path in .gate.yaml or {ENV})"
        )
    full = shown if os.path.isabs(shown) else os.path.join(place.root, shown)
    inside = os.path.relpath(full, place.root).replace(os.sep, "/")
    if not inside.startswith("..") and place.tracked(inside):
        raise Unavailable(
            f"{shown} is committed to the repository: a change could write its own incidents; "
            "export it outside the repository or leave it untracked"
        )
    return full


def fetch(settings: IncidentSourceSettings, place: Place) -> tuple[Incident, ...]:
    shown = _shown(settings)
    document = load(path_of(settings, place), shown, "incidents")
    try:
        return incidents_of(document)
    except ValueError as e:  # a date the pattern lets through but the calendar does not have
        raise Unavailable(f"{shown}: {e}") from None


def evidence(settings: IncidentSourceSettings) -> str:
    return f"file {_shown(settings) or '(none configured)'}"
