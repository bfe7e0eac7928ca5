from __future__ import annotations

import importlib

from gate.deploy import SOURCES, Settings, source


def test_every_registered_source_reads() -> None:
    for name, module in SOURCES.items():
        assert callable(importlib.import_module(module).read), name
        assert source(name) is importlib.import_module(module)


def test_rendering_is_off_in_the_staged_run_unless_configured() -> None:
    assert Settings().staged is False
    assert Settings().timeout > 0 and Settings().max_bytes > 0
