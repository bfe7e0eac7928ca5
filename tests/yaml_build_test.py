"""gate.yaml builds strings, lists and mappings itself: the data must be exactly what PyYAML's
constructor (then JSON-style keys) gives, for every kind of node a manifest can hold."""

from __future__ import annotations

from typing import Any

import pytest
import yaml as pyyaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gate import yaml as gate_yaml
from gate.errors import FatalError


def constructed(text: str) -> Any:
    loader = gate_yaml._Loader(text)
    try:
        return gate_yaml._string_keys(loader.get_single_data())
    finally:
        loader.dispose()


def same(one: Any, two: Any) -> bool:
    """Equal with the same types all the way down (1 == 1.0 == True would hide a wrong type)."""
    if type(one) is not type(two):
        return False
    if isinstance(one, dict):
        return list(one) == list(two) and all(same(one[k], two[k]) for k in one)
    if isinstance(one, list):
        return len(one) == len(two) and all(same(a, b) for a, b in zip(one, two, strict=True))
    return bool(one == two) or (one != one and two != two)  # NaN


CASES = [
    "a: 1\nb: 1.5\nc: true\nd: ~\ne: null\nf: yes\ng: 0x1F\nh: 1_000\ni: .inf\nj: -.nan\nk: 2026-11-01\nl: '2026-11-01'\n",
    "base: &b {x: 1, y: [a, b]}\nuse: *b\nmerged:\n  <<: *b\n  y: z\n",
    "s: !!str 123\nbin: !!binary aGVsbG8=\nset: !!set {a, b}\nom: !!omap [{a: 1}, {b: 2}]\n",
    "1: one\nnull: two\ntrue: three\n3.5: four\n",
    "? [a, b]\n: c\n",
    "- a\n- [1, 'x', {k: v}]\n- {}\n- []\n",
    "just a string\n",
    "42\n",
    'k: |\n  multi\n  line\nq: "esc\\tape"\n',
    "=: value\n",
]


@pytest.mark.parametrize("text", CASES)
def test_each_kind_of_node_is_built_as_the_constructor_builds_it(text: str) -> None:
    try:
        expected = constructed(text)
    except pyyaml.YAMLError:
        with pytest.raises(FatalError):
            gate_yaml.load(text, "f.yaml")
        return
    assert same(gate_yaml.load(text, "f.yaml").data, expected), text


def test_an_unknown_tag_is_still_refused_with_its_line() -> None:
    with pytest.raises(FatalError) as refused:
        gate_yaml.load("a: 1\nb: !python/object:os.system x\n", "svc/service.yaml")
    assert refused.value.line == 2


def test_an_alias_used_twice_gives_two_independent_values() -> None:
    data = gate_yaml.load("a: &x {k: [1]}\nb: *x\n", "f.yaml").data
    data["a"]["k"].append(2)
    assert data["b"] == {"k": [1]}


scalars = st.sampled_from(
    [
        "a",
        "'q'",
        '"d"',
        "1",
        "-2",
        "0.5",
        "1e3",
        "true",
        "no",
        "~",
        "null",
        "2026-11-01",
        "0o17",
        "!!str 5",
        "'<<'",
        ".nan",
        "x-y",
        '"\\u00e9"',
        "'multi word'",
        "[]",
        "{}",
    ]
)
keys = st.sampled_from(["a", "b", "1", "true", "null", "x-1", "'q'", "<<"])


@st.composite
def documents(draw: Any, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        return str(draw(scalars))
    if draw(st.booleans()):
        return "[" + ", ".join(draw(st.lists(documents(depth + 1), max_size=3))) + "]"
    pairs = draw(
        st.lists(st.tuples(keys, documents(depth + 1)), max_size=3, unique_by=lambda p: p[0])
    )
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs if k != "<<") + "}"


@settings(max_examples=300, deadline=None)
@given(documents())
def test_random_flow_documents_build_as_the_constructor_builds_them(text: str) -> None:
    try:
        expected = constructed(text)
    except pyyaml.YAMLError:
        return
    assert same(gate_yaml.load(text, "f.yaml").data, expected), text
