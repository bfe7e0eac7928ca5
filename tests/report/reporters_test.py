"""Every reporter reads the same verdict (the `blocked` fixture of tests/report/conftest.py); each format has its own
tests/report/<format>_test.py, checked against its real format."""

from __future__ import annotations

import pytest

from gate.report import REPORTERS, renderer
from gate.verdict import Verdict


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_format_is_deterministic(blocked: Verdict, name: str) -> None:
    assert renderer(name)(blocked) == renderer(name)(blocked)
