"""gate/policy/kind.py: the one shape every check kind has, built in or a plug-in."""

from __future__ import annotations

from typing import Any, NamedTuple

from gate.policy.kind import Kind
from gate.policy.kinds import KINDS
from gate.policy.plugins import SHIPPED


def test_every_built_in_kind_has_the_shape() -> None:
    assert KINDS and all(isinstance(kind, Kind) for kind in KINDS.values())
    assert all(
        callable(kind.fn) and kind.params.get("type") == "object" and kind.summary
        for kind in KINDS.values()
    )


def test_the_shipped_plug_in_kinds_have_the_shape() -> None:
    import importlib

    for target in SHIPPED.values():
        module, _, name = target.partition(":")
        assert isinstance(getattr(importlib.import_module(module), name), Kind), target


def test_something_without_a_summary_is_no_kind() -> None:
    class Half(NamedTuple):
        fn: Any
        params: dict[str, Any]

    assert not isinstance(Half(print, {}), Kind)
