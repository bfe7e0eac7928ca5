"""Narrowing for tests: a result the test expects to be there, typed as present."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def present(value: T | None) -> T:
    """`value`, failing the test (not only the type checker) when it is None."""
    assert value is not None, "expected a value, got None"
    return value
