"""Files that ship with gate: JSON Schemas, default policy packs, the demo example."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from gate.cache import Store
from gate.errors import did_you_mean
from gate.validity import predicate, well_formed

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`schemas` or `policies`: inside the wheel (gate/_data/NAME) or the source checkout (NAME)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gate installation is missing its {name}/ directory")


def example_dir() -> Path:
    return _PACKAGE / "examples" / "monorepo"


@cache
def schema(name: str) -> dict[str, Any]:
    with open(data_dir("schemas") / f"{name}.schema.json", encoding="utf-8") as f:
        loaded: dict[str, Any] = json.load(f)
    return loaded


@cache
def validator(name: str) -> Any:
    """A compiled Draft 2020-12 validator for schemas/NAME.schema.json, built once per process."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def fragment_validator(fragment: dict[str, Any]) -> Any:
    """A validator for a schema fragment (a rule's check), compiled once per distinct fragment."""
    return _fragment_validator(json.dumps(fragment, sort_keys=True))


@cache
def _valid(name: str) -> Callable[[Any], bool] | None:
    """A fast yes/no for schemas/NAME (gate.validity); None when it uses a keyword not implemented
    there (`format` among them: its checker is jsonschema's)."""
    return predicate(schema(name))


@lru_cache(maxsize=1024)
def _valid_fragment(text: str) -> Callable[[Any], bool] | None:
    return predicate(json.loads(text))


@lru_cache(maxsize=1024)
def _fragment_validator(text: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(text))


Errors = list[tuple[tuple[Any, ...], str]]


class _Memo:
    """Schema results by digest of (schema, document), kept in the repository's git directory so a
    warm run never imports jsonschema for documents it has judged before. A result is a pure
    function of the two, so a remembered one is exactly what validating again would say.

    Kept in 256 shards by the digest's first two hex digits, each read only when asked: after a
    `gate validate` of 10,000 services a check still reads a few small files, not all of them."""

    KEEP = 256  # results per shard

    def __init__(self, folder: str | None = None) -> None:
        self.folder = folder
        self.store = Store.under(folder, keep=0) if folder else None
        self.shards: dict[str, dict[str, Errors]] = {}
        self.dirty: set[str] = set()

    def shard(self, digest: str) -> dict[str, Errors]:
        key = digest[:2]
        if key not in self.shards:
            loaded: Any = self.store.get(key) if self.store else None
            try:
                self.shards[key] = {
                    str(d): [(tuple(p), str(m)) for p, m in errors]
                    for d, errors in (loaded or {}).items()
                }
            except (AttributeError, TypeError, ValueError):
                self.shards[key] = {}
        return self.shards[key]

    def remember(self, digest: str, errors: Errors) -> None:
        self.shard(digest)[digest] = errors
        self.dirty.add(digest[:2])

    def save(self) -> None:
        if self.store is not None:
            for key in sorted(self.dirty):
                self.store.put(key, dict(list(self.shards[key].items())[-self.KEEP :]))
        self.dirty.clear()


_memo = _Memo()


def remember_in(folder: str | None) -> None:
    """Keep schema results under `folder` (normally <git dir>/gate) across runs."""
    global _memo
    path = os.path.join(folder, "schema-results") if folder else None
    if path != _memo.folder:
        _memo = _Memo(path)


def save_memo() -> None:
    _memo.save()


@cache
def _schema_key(name: str) -> str:
    return hashlib.sha256((data_dir("schemas") / f"{name}.schema.json").read_bytes()).hexdigest()


MESSAGES = "2"  # bump when schema_errors' wording changes, so remembered results are not reused

CONTROL_CHARACTERS = (
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*$"  # the schemas' pattern for repository paths
)


def _digest(schema_key: str, instance: Any) -> str:
    text = json.dumps(
        instance, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=repr
    )
    return hashlib.sha256(
        f"{MESSAGES}\0{schema_key}\0{text}".encode("utf-8", "surrogatepass")
    ).hexdigest()[:32]


def errors_for(name: str, instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    """schema_errors against schemas/NAME, remembered by content."""
    return _memoized(
        f"schema:{name}:{_schema_key(name)}",
        instance,
        lambda: validator(name),
        valid=lambda: _valid(name),
    )


def fragment_errors(fragment: dict[str, Any], instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    """schema_errors against a schema fragment (a rule's check or parameters), remembered the same way.
    A document the fast predicate accepts is answered at once: each rule asks about the whole
    manifest, and digesting it for every rule cost more than the predicate."""
    text = json.dumps(fragment, sort_keys=True)
    check = _valid_fragment(text)
    if check is not None and check(instance):
        return []
    return _memoized(
        f"fragment:{text}",
        instance,
        lambda: _fragment_validator(text),
        valid=lambda: _valid_fragment(text),
    )


def metaschema_errors(fragment: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Whether a rule's `check.schema` is itself a valid Draft 2020-12 schema (the first error only).
    A schema of the keywords gate.validity knows is answered there, without importing jsonschema."""
    if well_formed(fragment):
        return []

    def check() -> Any:
        from jsonschema import Draft202012Validator

        return Draft202012Validator(Draft202012Validator.META_SCHEMA)

    return _memoized("metaschema:2020-12", fragment, check)[:1]


def rejected_for(name: str, instance: Any) -> list[tuple[Any, ...]]:
    """Paths of the values schemas/NAME rejects for their type, unknown fields, and paths with a
    control character, remembered by content: the checks never see them. Ask only when errors_for
    found errors."""
    found = _memoized(
        f"rejected:{name}:{_schema_key(name)}",
        instance,
        lambda: validator(name),
        rejections,
        lambda: _valid(name),
    )
    return [path for path, _ in found]


def rejections(validator_: Any, instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    out: list[tuple[tuple[Any, ...], str]] = []
    for error in validator_.iter_errors(instance):
        path = tuple(
            error.absolute_path
        )  # a oneOf/anyOf that took no form of the value rejects all of it
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            out += [(path + (key,), "") for key in _unknown_keys(error)]
            continue
        while error.context:
            error = _closest(error.context)
        if error.validator == "type" or (
            error.validator == "pattern" and error.validator_value == CONTROL_CHARACTERS
        ):
            out.append((path, ""))
    return sorted(set(out), key=lambda e: tuple(str(p) for p in e[0]))


def _memoized(
    schema_key: str,
    instance: Any,
    build: Callable[[], Any],
    extract: Callable[[Any, Any], list[tuple[tuple[Any, ...], str]]] | None = None,
    valid: Callable[[], Callable[[Any], bool] | None] | None = None,
) -> list[tuple[tuple[Any, ...], str]]:
    """The remembered result, else: none when the fast predicate (`valid()`, if it gives one) accepts
    the document, else what jsonschema finds."""
    digest = _digest(schema_key, instance)
    known = _memo.shard(digest)
    if digest not in known:
        check = valid() if valid is not None else None
        _memo.remember(
            digest,
            []
            if check is not None and check(instance)
            else (extract or schema_errors)(build(), instance),
        )
    return list(known[digest])


def schema_errors(validator_: Any, instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Each error as (path into the instance, one-line message), deepest-best first, in path order."""
    out: list[tuple[tuple[Any, ...], str]] = []
    for error in validator_.iter_errors(instance):
        while error.context:
            error = _closest(error.context)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            out += [
                (
                    path + (key,),
                    f"{_dotted(path + (key,))}: unknown field"
                    + did_you_mean(str(key), [str(k) for k in error.schema.get("properties", {})]),
                )
                for key in _unknown_keys(error)
            ]
            continue
        out.append((path, f"{_dotted(path)}: {_short(describe(error))}"))
    return sorted(set(out), key=lambda e: (tuple(str(p) for p in e[0]), e[1]))


def _unknown_keys(error: Any) -> list[Any]:
    known = set(error.schema.get("properties", {}))
    patterns = list(error.schema.get("patternProperties", {}))
    return [
        key
        for key in error.instance
        if key not in known and not any(re.search(p, str(key)) for p in patterns)
    ]


def _closest(candidates: Any) -> Any:
    """Of the branches of a oneOf/anyOf, the error that got furthest into the value (our rule, not
    the library's relevance heuristic, which has changed between releases): deepest path, then a
    branch whose type matched, then the schema's own order."""
    return min(
        candidates,
        key=lambda e: (
            -len(e.absolute_path),
            e.validator == "type",
            [str(p) for p in e.relative_schema_path],
        ),
    )


_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "array": "a list",
    "object": "a mapping",
    "null": "null",
}


def _shown(value: Any, limit: int = 60) -> str:
    """A value as the user wrote it in YAML/JSON terms (never a Python repr such as None or True)."""
    text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_words(expected: Any) -> str:
    names = expected if isinstance(expected, list) else [expected]
    return " or ".join(_TYPE_WORDS.get(str(n), str(n)) for n in names)


def describe(error: Any) -> str:
    """gate's own words for one jsonschema error, so no library release changes what users (and tests) read."""
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "type":
        return f"{_shown(value)} is not {_type_words(expected)}"
    if kind == "required":
        missing = [name for name in expected if isinstance(value, dict) and name not in value]
        return f"missing required field {', '.join(missing) or _shown(expected)}" + _misspelt(
            error, missing
        )
    if kind in ("enum", "const"):
        allowed = expected if kind == "enum" else [expected]
        return f"{_shown(value)} is not one of {', '.join(_shown(a) for a in allowed)}"
    if kind == "pattern" and expected == CONTROL_CHARACTERS:
        return f"{_shown(value)} contains a control character"
    if kind == "pattern":
        return f"{_shown(value)} does not match the pattern {expected}"
    if kind == "format":
        return f"{_shown(value)} is not a valid {expected}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {
            "minimum": "at least",
            "exclusiveMinimum": "more than",
            "maximum": "at most",
            "exclusiveMaximum": "less than",
        }
        return f"{_shown(value)} must be {words[kind]} {expected}"
    if kind in ("minLength", "maxLength"):
        return f"{_shown(value)} must have {'at least' if kind == 'minLength' else 'at most'} {expected} character(s)"
    if kind in ("minItems", "maxItems"):
        return f"needs {'at least' if kind == 'minItems' else 'at most'} {expected} item(s), found {len(value)}"
    if kind in ("minProperties", "maxProperties"):
        return f"needs {'at least' if kind == 'minProperties' else 'at most'} {expected} field(s), found {len(value)}"
    if kind == "uniqueItems":
        return "items must be unique"
    if kind in ("oneOf", "anyOf"):
        return f"{_shown(value)} does not match any of the allowed forms"
    if kind == "not":
        return f"{_shown(value)} is not allowed here"
    if kind == "additionalProperties":
        return "unknown field"
    return f"{_shown(value)} is not valid ({kind})"


def _misspelt(error: Any, missing: list[str]) -> str:
    """ "; 'teir' is there: did you mean 'tier'?" when a field the schema does not know is close to
    a missing one."""
    known = set(error.schema.get("properties", {}))
    value = error.instance
    present = [str(k) for k in value if k not in known] if isinstance(value, dict) else []
    for name in missing:
        close = difflib.get_close_matches(name, present, n=1, cutoff=0.6)
        if close:
            return f"; {close[0]!r} is there: did you mean {name!r}?"
    return ""


def _dotted(path: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _short(message: str, limit: int = 160) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def check_document(data: Any, lines: Any, path: str, schema_name: str, what: str) -> None:
    """A YAML document must be a mapping that follows schemas/NAME: else one FatalError with its line."""
    from gate.errors import FatalError

    if not isinstance(data, dict):
        raise FatalError(f"{what} must be a mapping, found {type(data).__name__}", path, 1)
    errors = errors_for(schema_name, data)
    if errors:
        where, message = errors[0]
        raise FatalError(f"invalid {what}: {message}", path, lines.line(*where))
