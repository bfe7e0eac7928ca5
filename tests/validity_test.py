"""The fast validity predicate says "valid" exactly when jsonschema finds no error.

A predicate that accepted a document jsonschema rejects would let a broken or hostile manifest
past every schema rule, so each test compares against jsonschema itself: the shipped schemas
and the default pack's rule fragments on mutated real manifests, and random schemas built from
every keyword the predicate implements on random JSON values.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from gate import resources
from gate.policy.rules import parse_pack
from gate.validity import equal, predicate, unique, well_formed
from gate.yaml import load

ROOT = Path(__file__).resolve().parent.parent
MANIFESTS = [
    load(p.read_bytes(), str(p)).data
    for p in sorted((ROOT / "gate" / "examples" / "monorepo").rglob("service.yaml"))
]
EDGES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    -1,
    1.0,
    1.5,
    3,
    4,
    99.9,
    1e300,
    float("inf"),
    "",
    "x",
    "x-y",
    "a b",
    "/abs",
    "../up",
    "docs/../../etc",
    "https://x.example",
    "//host",
    "c:",
    "a\nb",
    "\x1b[31m",
    "revert",
    "gate/v1",
    "Service",
    "svc-1",
    "2026-11-01",
    "28d",
    [],
    [""],
    ["a", "a"],
    [1, True],
    [0, False],
    [1, 1.0],
    {},
    {"total": "x"},
    {"name": "m"},
    {"openslo": "slo.yaml"},
    {"sloth": "s.yaml", "window": "30d"},
    {"x-extra": 1},
]


def jsonschema_valid(schema: Any, instance: Any) -> bool:
    return next(iter(Draft202012Validator(schema).iter_errors(instance)), None) is None


def fragments() -> list[dict[str, Any]]:
    path = ROOT / "policies" / "default.yaml"
    found = [
        rule.check["schema"]
        for rule in parse_pack(path.read_bytes(), str(path))
        if rule.kind == "schema"
    ]
    assert len(found) >= 5, "the default pack's schema rules are what the predicate serves most"
    return found


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            out += paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out += paths(item, prefix + (index,))
    return out


@st.composite
def mutated(draw: Any) -> Any:
    """A real manifest with a few values replaced, deleted or added, as a careless or hostile author writes it."""
    document = copy.deepcopy(draw(st.sampled_from(MANIFESTS)))
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(paths(document)))
        if not path:
            continue
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        value = copy.deepcopy(draw(st.sampled_from(EDGES)))
        if action == "replace":
            parent[path[-1]] = value
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif isinstance(parent, dict):
            parent[
                draw(st.sampled_from(["bogus", "x-note", "name", "tier", "window", "indicator"]))
            ] = value
        else:
            parent.append(value)
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_the_manifest_schema_and_the_pack_fragments_agree_with_jsonschema(document: Any) -> None:
    service = resources.schema("service")
    check = predicate(service)
    assert check is not None, "the manifest schema is the predicate's main work"
    assert check(document) is jsonschema_valid(service, document)
    for fragment in fragments():
        check = predicate(fragment)
        assert check is not None
        assert check(document) is jsonschema_valid(fragment, document)


def test_the_demo_manifests_and_each_edge_value_is_judged_as_jsonschema_judges_it() -> None:
    service = resources.schema("service")
    check = predicate(service)
    assert check is not None
    assert [check(m) for m in MANIFESTS] == [jsonschema_valid(service, m) for m in MANIFESTS]
    assert any(check(m) for m in MANIFESTS) and not all(
        check(m) for m in MANIFESTS
    )  # the demo has broken ones on purpose
    for document in MANIFESTS:
        for path in paths(document)[1:]:
            for value in EDGES:
                changed = copy.deepcopy(document)
                parent: Any = changed
                for step in path[:-1]:
                    parent = parent[step]
                parent[path[-1]] = value
                assert check(changed) is jsonschema_valid(service, changed), (path, value)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 3)
    | st.sampled_from([0.0, 1.0, 2.5, -0.5])
    | st.sampled_from(["", "a", "ab", "x-1", "B", "a\n"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "x-c", "d"]), inner, max_size=3)
    ),
    max_leaves=8,
)
type_names = st.sampled_from(["array", "boolean", "integer", "null", "number", "object", "string"])
patterns = st.sampled_from(["^a", "b$", "^x-", "a|b", "^$", "\\d"])


def schemas(inner: Any) -> Any:
    small = st.integers(0, 3)
    keyword = st.one_of(
        st.tuples(st.just("type"), type_names | st.lists(type_names, min_size=1, max_size=3)),
        st.tuples(
            st.just("properties"),
            st.dictionaries(st.sampled_from(["a", "b", "d"]), inner, max_size=2),
        ),
        st.tuples(st.just("patternProperties"), st.dictionaries(patterns, inner, max_size=2)),
        st.tuples(st.just("additionalProperties"), st.booleans() | inner),
        st.tuples(st.just("required"), st.lists(st.sampled_from(["a", "b", "d"]), max_size=2)),
        st.tuples(st.just("items"), inner),
        st.tuples(st.just("enum"), st.lists(json_values, min_size=1, max_size=3)),
        st.tuples(st.just("const"), json_values),
        st.tuples(st.just("pattern"), patterns),
        st.tuples(
            st.sampled_from(["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
            st.integers(-2, 2) | st.just(0.5),
        ),
        st.tuples(
            st.sampled_from(
                ["minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties"]
            ),
            small,
        ),
        st.tuples(st.just("uniqueItems"), st.booleans()),
        st.tuples(
            st.sampled_from(["allOf", "anyOf", "oneOf"]), st.lists(inner, min_size=1, max_size=3)
        ),
        st.tuples(st.just("not"), inner),
        st.tuples(st.just("propertyNames"), inner),
        st.tuples(st.just("description"), st.just("words")),
    )
    return st.booleans() | st.lists(keyword, max_size=4).map(dict)


random_schemas: st.SearchStrategy[Any] = st.recursive(
    st.booleans() | st.just({}), schemas, max_leaves=6
)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_schemas, json_values)
def test_every_keyword_agrees_with_jsonschema_on_random_schemas_and_values(
    schema: Any, instance: Any
) -> None:
    check = predicate(schema)
    assert check is not None, "every keyword drawn here is implemented"
    assert check(instance) is jsonschema_valid(schema, instance), (schema, instance)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.just("slot"), random_schemas, min_size=1), json_values)
def test_references_into_defs_agree_with_jsonschema(defs: Any, instance: Any) -> None:
    schema = {
        "$defs": defs,
        "anyOf": [{"$ref": "#/$defs/slot"}, {"not": {"$ref": "#/$defs/slot"}, "type": "string"}],
    }
    check = predicate(schema)
    assert check is not None
    assert check(instance) is jsonschema_valid(schema, instance)


def test_a_recursive_reference_is_followed() -> None:
    tree = {
        "$defs": {
            "node": {
                "type": "object",
                "properties": {"kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}},
                "additionalProperties": False,
            }
        },
        "$ref": "#/$defs/node",
    }
    check = predicate(tree)
    assert check is not None
    assert check({"kids": [{"kids": []}, {}]}) and not check({"kids": [{"kids": [{"bad": 1}]}]})


keywords = st.sampled_from(
    [
        "type", "properties", "patternProperties", "additionalProperties", "required", "items",
        "enum", "const", "pattern", "minimum", "exclusiveMaximum", "minLength", "maxItems",
        "uniqueItems", "allOf", "anyOf", "oneOf", "not", "propertyNames", "$defs", "$ref",
        "title", "examples", "deprecated", "$id", "$schema", "format", "if", "x-own",
    ]
)  # fmt: skip
odd_values = st.one_of(
    json_values,
    type_names,
    st.lists(type_names, max_size=3),
    st.lists(st.sampled_from(["a", "b", 1]), max_size=3),
    st.sampled_from([-1, 0, 2, 1.0, 2.5, "#x", "#/$defs/a", "http://x/y#"]),
)
malformed_schemas: st.SearchStrategy[Any] = st.recursive(
    st.booleans() | st.dictionaries(keywords, odd_values, max_size=3),
    lambda inner: (
        st.dictionaries(keywords, inner | odd_values | st.lists(inner, max_size=2), max_size=3)
        | st.dictionaries(keywords, st.dictionaries(st.sampled_from(["a", "b"]), inner), max_size=2)
    ),
    max_leaves=8,
)


def metaschema_valid(schema: Any) -> bool:
    return not any(
        True for _ in Draft202012Validator(Draft202012Validator.META_SCHEMA).iter_errors(schema)
    )


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_schemas | malformed_schemas)
def test_a_well_formed_schema_is_one_the_metaschema_accepts(schema: Any) -> None:
    """A rule's `check.schema` is answered without jsonschema only when jsonschema would accept it."""
    if well_formed(schema):
        assert metaschema_valid(schema), schema


@given(random_schemas)
def test_every_schema_of_the_predicates_keywords_is_answered_without_jsonschema(
    schema: Any,
) -> None:
    assert well_formed(schema) is metaschema_valid(schema), schema


def test_the_default_packs_schemas_are_answered_without_jsonschema() -> None:
    assert all(well_formed(f) for f in fragments())
    assert not well_formed({"type": "strin"}) and resources.metaschema_errors({"type": "strin"})


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "date"},  # the format checker is jsonschema's
        {"prefixItems": [{"type": "string"}]},
        {"if": {"type": "string"}, "then": {"minLength": 1}},
        {"$ref": "other.json#/$defs/x"},
        {"$ref": "#/definitions/x", "definitions": {"x": {}}},
        {"$ref": "#/$defs/missing"},
        {"$defs": {"a~1b": {}}, "$ref": "#/$defs/a~1b"},
        {"properties": {"a": {"$id": "https://elsewhere.example/a", "type": "string"}}},
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"},
        {
            "ref": "#/$defs/x",
            "$defs": {"x": False},
        },  # not a keyword: jsonschema ignores it, so must we
        {"$not": {}},
        {"type": "any"},
        {"required": "name"},
        {"minLength": True},
        {"anyOf": []},
        {"pattern": "("},
        ["type", "string"],
    ],
)
def test_anything_not_implemented_gets_no_predicate(schema: Any) -> None:
    assert predicate(schema) is None


def test_a_key_that_is_not_a_string_is_left_to_jsonschema() -> None:
    check = predicate({"patternProperties": {"^x": {"type": "string"}}})
    assert check is not None
    assert (
        check({1: "a"}) is False
    )  # jsonschema itself fails on it: the caller asks jsonschema, which says so as before


def test_json_equality_and_uniqueness_follow_jsonschema() -> None:
    from jsonschema._utils import equal as js_equal
    from jsonschema._utils import uniq

    values: list[Any] = [
        1,
        True,
        1.0,
        0,
        False,
        None,
        "1",
        [1],
        [True],
        {"a": 1},
        {"a": True},
        (1,),
        [[1], [True]],
        {"a": [1]},
    ]
    for one in values:
        for two in values:
            assert equal(one, two) is js_equal(one, two), (one, two)
    lists: list[list[Any]] = [
        [1, True],
        [0, False],
        [1, 1.0],
        [[1], [True]],
        [{"a": 1}, {"a": 1}],
        ["a", 1, None],
        [{"a": 1}, {"a": True}],
    ]
    for items in lists:
        assert unique(items) is uniq(items), items


def test_errors_for_answers_valid_documents_without_jsonschema(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The point: a valid manifest costs one predicate call; an invalid one still gets jsonschema's words."""
    resources.remember_in(None)
    monkeypatch.setattr(
        resources, "_memo", resources._Memo()
    )  # nothing remembered from earlier tests
    good = copy.deepcopy(MANIFESTS[0])
    accepted = [
        f for f in fragments() if jsonschema_valid(f, good)
    ]  # read before jsonschema is refused: the pack is validated too
    assert accepted

    def refuse(*args: Any) -> Any:
        raise AssertionError("jsonschema was asked about a valid document")

    monkeypatch.setattr(resources, "validator", refuse)
    monkeypatch.setattr(resources, "_fragment_validator", refuse)
    assert resources.errors_for("service", good) == []
    assert all(resources.fragment_errors(f, good) == [] for f in accepted)
    monkeypatch.undo()
    bad = {**good, "tier": True, "bogus": 1}
    assert (
        resources.errors_for("service", bad)
        == resources.schema_errors(resources.validator("service"), bad)
        != []
    )


def test_which_shipped_schemas_get_a_predicate() -> None:
    for name in ("service", "exceptions", "config", "policy-pack"):
        assert resources._valid(name) is not None, name
    assert (
        '"format"' in json.dumps(resources.schema("report")) and resources._valid("report") is None
    )  # format: jsonschema's checker
