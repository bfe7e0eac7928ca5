"""Files that ship with gate: JSON Schemas, default policy packs, the demo example."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`schemas` or `policies`: inside the wheel (gate/_data/NAME) or the source checkout (NAME)."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"gate installation is missing its {name}/ directory")


def example_dir() -> Path:
    return _PACKAGE / "examples" / "monorepo"


@lru_cache(maxsize=None)
def schema(name: str) -> dict[str, Any]:
    with open(data_dir("schemas") / f"{name}.schema.json", encoding="utf-8") as f:
        return json.load(f)  # type: ignore[no-any-return]


@lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A compiled Draft 2020-12 validator for schemas/NAME.schema.json, built once per process."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name), format_checker=Draft202012Validator.FORMAT_CHECKER)


def fragment_validator(fragment: dict[str, Any]) -> Any:
    """A validator for a schema fragment (a rule's check), compiled once per distinct fragment."""
    return _fragment_validator(json.dumps(fragment, sort_keys=True))


@lru_cache(maxsize=1024)
def _fragment_validator(text: str) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(json.loads(text))


def schema_errors(validator_: Any, instance: Any) -> list[tuple[tuple[Any, ...], str]]:
    """Each error as (path into the instance, one-line message), deepest-best first, in path order."""
    from jsonschema.exceptions import best_match

    out: list[tuple[tuple[Any, ...], str]] = []
    for error in validator_.iter_errors(instance):
        if error.context:
            error = best_match(error.context)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            patterns = list(error.schema.get("patternProperties", {}))
            for key in error.instance:
                if key not in known and not any(re.search(p, str(key)) for p in patterns):
                    out.append((path + (key,), f"{_dotted(path + (key,))}: unknown field"))
            continue
        out.append((path, f"{_dotted(path)}: {_short(error.message)}"))
    return sorted(set(out), key=lambda e: (tuple(str(p) for p in e[0]), e[1]))


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
    errors = schema_errors(validator(schema_name), data)
    if errors:
        where, message = errors[0]
        raise FatalError(f"invalid {what}: {message}", path, lines.line(*where))
