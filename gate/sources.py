"""Where the gate's outside data comes from: one registry line per source module.

A budget source implements gate.budget.BudgetSource, an incident source
gate.incidents.IncidentSource; each module is imported only when its source is asked. The
registries are records (names and flags, no import), so `.gate.yaml`'s settings know every source
name without loading a domain.
"""

from __future__ import annotations

from typing import NamedTuple


class Registered(NamedTuple):
    module: str  # implements the domain's source protocol
    network: bool  # skipped by --offline and by the pre-commit hook


# budgets.source in .gate.yaml -> its module (gate.budget.SOURCES)
BUDGET_SOURCES: dict[str, Registered] = {
    "prometheus": Registered("gate.budget.prometheus", network=True),
    "file": Registered("gate.budget.file", network=False),
    "http": Registered("gate.budget.http", network=True),
}

# incidents.source in .gate.yaml -> its module (gate.incidents.SOURCES)
INCIDENT_SOURCES: dict[str, Registered] = {
    "file": Registered("gate.incidents.file", network=False),
    "github": Registered("gate.incidents.github", network=True),
    "pagerduty": Registered("gate.incidents.pagerduty", network=True),
    "opsgenie": Registered("gate.incidents.opsgenie", network=True),
}
