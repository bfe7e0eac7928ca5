"""Error budgets: SLO definitions, data sources (one module each), budget and burn-rate math."""
from __future__ import annotations

import importlib
from typing import Any

# source name -> module in gate.budget exposing fetch(slo, settings) -> Measurement
SOURCES = {"prometheus": "prometheus", "file": "file", "http": "http"}
NETWORK_SOURCES = {"prometheus", "http"}


def source(name: str) -> Any:
    return importlib.import_module(f"gate.budget.{SOURCES[name]}")
