"""The budget source registry: every registered source is a BudgetSource; --offline skips the network ones."""

from __future__ import annotations

import sys

import pytest

from gate.budget import SOURCES, BudgetSource, is_network, source


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_every_registered_source_is_a_budget_source(name: str) -> None:
    loaded = source(name)
    assert isinstance(loaded, BudgetSource)
    assert loaded is sys.modules[SOURCES[name].module]


def test_offline_skips_exactly_the_sources_that_reach_the_network() -> None:
    assert {name for name in SOURCES if is_network(name)} == {"prometheus", "http"}
    assert set(SOURCES) == {"prometheus", "file", "http"}


def test_a_module_without_fetch_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(SOURCES, "broken", SOURCES["file"]._replace(module="gate.budget.math"))
    with pytest.raises(
        TypeError, match="gate.budget.math registers as budget source 'broken' but lacks fetch"
    ):
        source("broken")


def test_every_registered_source_can_be_configured() -> None:
    """A source is named in .gate.yaml (budgets.source), which the config schema validates first."""
    from gate.resources import schema

    budgets = schema("config")["properties"]["budgets"]["properties"]
    assert set(budgets["source"]["enum"]) == set(SOURCES)
    assert all(name in budgets for name in SOURCES)
