"""The incident source registry (gate/incidents/__init__.py): one line per source, imported on use."""

from __future__ import annotations

import sys
import types

import pytest

from gate.incidents import SOURCES, IncidentSource, source
from gate.sources import Registered


def test_every_registered_source_implements_the_protocol() -> None:
    for name in SOURCES:
        assert isinstance(source(name), IncidentSource)


def test_a_module_without_fetch_is_refused_by_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "broken_source", types.ModuleType("broken_source"))
    monkeypatch.setitem(SOURCES, "broken", Registered("broken_source", network=False))
    with pytest.raises(TypeError, match="broken_source registers as incident source 'broken'"):
        source("broken")
