"""Is this document valid against this JSON Schema? A yes/no answer, compiled once per schema.

jsonschema builds a validator object for every subschema it descends into (about fifty for one
manifest), and gate asks about thousands of manifests and rule fragments per run, nearly all of
them valid. `predicate` turns a schema that uses only the keywords below into one function with
Draft 2020-12's semantics as jsonschema implements them (its type checker and its JSON equality);
a document the function accepts has no errors, and any other document is still validated by
jsonschema, which words the errors. A schema with any other keyword (format, prefixItems,
if/then/else, a remote or anchored $ref, ...) or a malformed value gets no predicate: jsonschema
answers for it as before.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

Check = Callable[[Any], bool]

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "$comment",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
    }
)


class Unsupported(Exception):
    """The schema uses something the predicate does not implement."""


def predicate(schema: Any) -> Check | None:
    """A function saying whether a document is valid against `schema`, or None when the schema
    uses anything not implemented here. The function never raises: an instance it cannot judge
    (a key that is not a string under a pattern, say) is answered False, so jsonschema judges it."""
    try:
        check = _Compiler(schema).compile(schema, root=True)
    except (Unsupported, re.error, TypeError, ValueError, RecursionError):
        return None

    def valid(instance: Any) -> bool:
        try:
            return check(instance)
        except Exception:  # noqa: BLE001 - jsonschema then gives its own answer (or its own error)
            return False

    return valid


def _always(instance: Any) -> bool:
    return True


def _never(instance: Any) -> bool:
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _is_integer(value: Any) -> bool:  # Draft 6 and later: 1.0 is an integer
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and value.is_integer())


TYPES: dict[str, Check] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": _is_integer,
    "null": lambda v: v is None,
    "number": _is_number,
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}


# Stand-ins that equal nothing else, so that JSON's true is not 1 and false is not 0.
_TRUE, _FALSE = object(), object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def equal(one: Any, two: Any) -> bool:
    """JSON equality as jsonschema has it: true is not 1, lists and mappings compared item by item."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(equal(i, j) for i, j in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def unique(items: list[Any]) -> bool:
    """uniqueItems as jsonschema has it (sorted neighbours when the items sort, else every pair)."""
    try:
        ordered = sorted(_unbool(i) for i in items)
        return not any(equal(i, j) for i, j in zip(ordered, ordered[1:], strict=False))
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in items:
            item = _unbool(item)
            if any(equal(s, item) for s in seen):
                return False
            seen.append(item)
        return True


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise Unsupported("a count must be an integer")
    return value


def _bound(value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise Unsupported("a bound must be a number")
    return value


class _Compiler:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def compile(self, schema: Any, root: bool = False) -> Check:
        if schema is True:
            return _always
        if schema is False:
            return _never
        if not isinstance(schema, dict):
            raise Unsupported("a schema is a mapping or a boolean")
        checks: list[Check] = []
        for key, value in schema.items():
            if not isinstance(key, str):
                raise Unsupported("a keyword is a string")
            if key in ANNOTATIONS or key == "$defs":
                continue
            if key in ("$schema", "$id"):
                if not root or (key == "$schema" and value != DRAFT):
                    raise Unsupported(key)
                continue
            build = (
                self.reference
                if key == "$ref"
                else getattr(self, f"k_{key}", None)
                if key.isidentifier()
                else None
            )
            if build is None:
                raise Unsupported(key)
            checks.append(build(value, schema))
        if not checks:
            return _always
        if len(checks) == 1:
            return checks[0]

        def all_of(v: Any) -> bool:
            for check in checks:
                if not check(v):
                    return False
            return True

        return all_of

    def reference(self, ref: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#/$defs/"):
            raise Unsupported("only #/$defs/NAME references")
        name = ref[len("#/$defs/") :]
        if not name or any(c in name for c in "~/%"):
            raise Unsupported("an escaped reference")
        if name not in self.refs:
            defs = self.root.get("$defs") if isinstance(self.root, dict) else None
            if not isinstance(defs, dict) or name not in defs:
                raise Unsupported("an unresolvable reference")
            cell: list[Check] = []
            self.refs[name] = lambda v: cell[0](v)
            cell.append(self.compile(defs[name]))
        return self.refs[name]

    def k_type(self, value: Any, schema: dict[str, Any]) -> Check:
        names = [value] if isinstance(value, str) else value
        if (
            not isinstance(names, list)
            or not names
            or not all(isinstance(n, str) and n in TYPES for n in names)
        ):
            raise Unsupported("type")
        if len(names) == 1:
            return TYPES[names[0]]
        checks = [TYPES[n] for n in names]
        return lambda v: any(c(v) for c in checks)

    def k_properties(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, dict):
            raise Unsupported("properties")
        subs = [(name, self.compile(sub)) for name, sub in value.items()]

        def properties(v: Any) -> bool:
            if isinstance(v, dict):
                for name, sub in subs:
                    if name in v and not sub(v[name]):
                        return False
            return True

        return properties

    def k_patternProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, dict) or not all(isinstance(p, str) for p in value):
            raise Unsupported("patternProperties")
        subs = [(re.compile(pattern).search, self.compile(sub)) for pattern, sub in value.items()]

        def pattern_properties(v: Any) -> bool:
            if isinstance(v, dict):
                for search, sub in subs:
                    for key, item in v.items():
                        if search(_text(key)) and not sub(item):
                            return False
            return True

        return pattern_properties

    def k_additionalProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        known = schema.get("properties", {})
        patterns = schema.get("patternProperties", {})
        if (
            not isinstance(known, dict)
            or not isinstance(patterns, dict)
            or not all(isinstance(p, str) for p in patterns)
        ):
            raise Unsupported("additionalProperties")
        joined = "|".join(patterns)
        search = re.compile(joined).search if joined else None

        def extras(v: dict[str, Any]) -> list[str]:
            return [
                k for k in v if k not in known and not (search is not None and search(_text(k)))
            ]

        if isinstance(value, dict):
            sub = self.compile(value)
            return lambda v: not isinstance(v, dict) or all(sub(v[k]) for k in extras(v))
        if not value:
            return lambda v: not isinstance(v, dict) or not extras(v)
        return _always

    def k_propertyNames(self, value: Any, schema: dict[str, Any]) -> Check:
        sub = self.compile(value)
        return lambda v: not isinstance(v, dict) or all(sub(key) for key in v)

    def k_required(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
            raise Unsupported("required")
        return lambda v: not isinstance(v, dict) or all(name in v for name in value)

    def k_items(self, value: Any, schema: dict[str, Any]) -> Check:
        sub = self.compile(value)
        return lambda v: not isinstance(v, list) or all(sub(item) for item in v)

    def k_enum(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, list):
            raise Unsupported("enum")
        return lambda v: any(equal(each, v) for each in value)

    def k_const(self, value: Any, schema: dict[str, Any]) -> Check:
        return lambda v: equal(v, value)

    def k_pattern(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, str):
            raise Unsupported("pattern")
        search = re.compile(value).search
        return lambda v: not isinstance(v, str) or search(v) is not None

    def k_minimum(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _bound(value)
        return lambda v: not _is_number(v) or not v < bound

    def k_maximum(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _bound(value)
        return lambda v: not _is_number(v) or not v > bound

    def k_exclusiveMinimum(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _bound(value)
        return lambda v: not _is_number(v) or not v <= bound

    def k_exclusiveMaximum(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _bound(value)
        return lambda v: not _is_number(v) or not v >= bound

    def k_minLength(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _count(value)
        return lambda v: not isinstance(v, str) or not len(v) < bound

    def k_maxLength(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _count(value)
        return lambda v: not isinstance(v, str) or not len(v) > bound

    def k_minItems(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _count(value)
        return lambda v: not isinstance(v, list) or not len(v) < bound

    def k_maxItems(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _count(value)
        return lambda v: not isinstance(v, list) or not len(v) > bound

    def k_minProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _count(value)
        return lambda v: not isinstance(v, dict) or not len(v) < bound

    def k_maxProperties(self, value: Any, schema: dict[str, Any]) -> Check:
        bound = _count(value)
        return lambda v: not isinstance(v, dict) or not len(v) > bound

    def k_uniqueItems(self, value: Any, schema: dict[str, Any]) -> Check:
        if not isinstance(value, bool):
            raise Unsupported("uniqueItems")
        return (lambda v: not isinstance(v, list) or unique(v)) if value else _always

    def k_allOf(self, value: Any, schema: dict[str, Any]) -> Check:
        subs = self._list(value)
        return lambda v: all(sub(v) for sub in subs)

    def k_anyOf(self, value: Any, schema: dict[str, Any]) -> Check:
        subs = self._list(value)
        return lambda v: any(sub(v) for sub in subs)

    def k_oneOf(self, value: Any, schema: dict[str, Any]) -> Check:
        subs = self._list(value)
        return lambda v: sum(1 for sub in subs if sub(v)) == 1

    def k_not(self, value: Any, schema: dict[str, Any]) -> Check:
        sub = self.compile(value)
        return lambda v: not sub(v)

    def _list(self, value: Any) -> list[Check]:
        if not isinstance(value, list) or not value:
            raise Unsupported("a list of schemas")
        return [self.compile(sub) for sub in value]


def _text(key: Any) -> str:
    """A mapping key a pattern is matched against: jsonschema would fail on anything but a string."""
    if not isinstance(key, str):
        raise TypeError("a key that is not a string")
    return key


# What Draft 2020-12's metaschema asks of each keyword's value, for the keywords `predicate`
# implements: a schema made of these alone is answered here, anything else by jsonschema.
_SCHEMA_MAP = ("properties", "patternProperties", "$defs")
_SCHEMA_ONE = ("additionalProperties", "items", "not", "propertyNames")
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf")
_NUMBERS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")
_COUNTS = ("minLength", "maxLength", "minItems", "maxItems", "minProperties", "maxProperties")
_STRINGS = ("title", "description", "$comment", "pattern", "$ref", "$schema")
_BOOLEANS = ("uniqueItems", "deprecated", "readOnly", "writeOnly")
_ANY = ("default", "const")


def well_formed(schema: Any) -> bool:
    """True when the Draft 2020-12 metaschema accepts `schema` and every keyword in it is one
    `predicate` knows; False means "ask jsonschema" (an unknown keyword may still be valid)."""
    try:
        return _well_formed(schema)
    except RecursionError:
        return False


def _well_formed(schema: Any) -> bool:
    if isinstance(schema, bool):
        return True
    if not isinstance(schema, dict):
        return False
    return all(_keyword_well_formed(key, value) for key, value in schema.items())


def _keyword_well_formed(key: Any, value: Any) -> bool:
    if key in _SCHEMA_MAP:
        return isinstance(value, dict) and all(_well_formed(sub) for sub in value.values())
    if key in _SCHEMA_ONE:
        return _well_formed(value)
    if key in _SCHEMA_LIST:
        return isinstance(value, list) and bool(value) and all(_well_formed(s) for s in value)
    if key in _NUMBERS:
        return _is_number(value)
    if key in _COUNTS:
        return _is_integer(value) and value >= 0
    if key in _STRINGS:
        return isinstance(value, str)
    if key in _BOOLEANS:
        return isinstance(value, bool)
    if key in _ANY:
        return True
    if key == "examples":
        return isinstance(value, list)
    if key == "type":
        names = value if isinstance(value, list) else [value]
        return (
            bool(names)
            and all(isinstance(n, str) and n in TYPES for n in names)
            and len(set(names)) == len(names)
        )
    if key == "enum":
        return isinstance(value, list)
    if key == "required":
        return isinstance(value, list) and all(isinstance(n, str) for n in value) and unique(value)
    return False
