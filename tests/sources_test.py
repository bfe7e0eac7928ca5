"""gate.sources: one registry line per source module, and every module it names exists and speaks its protocol."""

from __future__ import annotations

import importlib

from gate.budget import BudgetSource
from gate.incidents import IncidentSource
from gate.sources import BUDGET_SOURCES, INCIDENT_SOURCES


def test_every_registered_module_implements_its_domains_protocol() -> None:
    for name, registered in BUDGET_SOURCES.items():
        assert isinstance(importlib.import_module(registered.module), BudgetSource), name
    for name, registered in INCIDENT_SOURCES.items():
        module = importlib.import_module(registered.module)
        assert callable(module.fetch) and callable(module.evidence), name
    assert IncidentSource is not None


def test_local_sources_are_not_networked() -> None:
    assert not BUDGET_SOURCES["file"].network and not INCIDENT_SOURCES["file"].network
    assert BUDGET_SOURCES["prometheus"].network and INCIDENT_SOURCES["github"].network
