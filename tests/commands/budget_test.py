"""`gate budget`: the named services' SLOs measured at a revision, as text or JSON."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from conftest import GitRepo

from gate.commands.budget import render_json, render_text, report
from gate.errors import FatalError


def test_every_service_or_the_named_ones(example: GitRepo) -> None:
    everyone = report(str(example.root), "main", (), None, True)
    named = report(str(example.root), "main", ("payments", "search"), None, True)
    assert {row[0].name for row in named} == {"payments", "search"}
    assert len(everyone) > len(named) and {row[0].name for row in named} <= {
        row[0].name for row in everyone
    }
    doc = json.loads(render_json(named))
    assert doc["schema"] == "gate.budget/v1" and [s["name"] for s in doc["services"]] == [
        row[0].name for row in named
    ]


def test_an_unknown_service_is_named_with_the_closest_one(example: GitRepo) -> None:
    with pytest.raises(
        FatalError, match=r"no service named 'paymnts' at main; did you mean 'payments'\?"
    ):
        report(str(example.root), "main", ("paymnts",), None, True)


def test_text_shows_control_characters_instead_of_obeying_them() -> None:
    hostile = SimpleNamespace(name="svc\x1b[2J\rok", tier=1)
    text = render_text([(hostile, [], [])])
    assert "\x1b" not in text and "\r" not in text
    assert text.endswith("  no SLOs\n")
