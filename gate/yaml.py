"""YAML through one door: the C safe loader, line numbers, and limits against hostile input."""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml

from gate.errors import FatalError

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

MAX_BYTES = 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 100

Path = tuple[Any, ...]


class _Loader(_BaseLoader):  # type: ignore[misc]  # C or pure-Python loader, chosen at run time
    """Safe loader that keeps dates as the strings the user wrote (schemas speak of strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


class Document(NamedTuple):
    data: Any
    lines: dict[Path, int]
    start: int = 0  # lines before this document in its stream (load_all)

    def line(self, *path: Any) -> int | None:
        """Line of the deepest key of `path` that exists; the document's first line for itself."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.start + 1


def decode(raw: bytes, filename: str, max_bytes: int = MAX_BYTES) -> str:
    if len(raw) > max_bytes:
        raise FatalError(f"file is {len(raw):,} bytes, over the {max_bytes:,}-byte limit", filename)
    if b"\0" in raw:
        raise FatalError("binary file (contains NUL bytes), expected UTF-8 text", filename)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise FatalError(f"not UTF-8 text (byte {e.start})", filename) from None


def load(raw: bytes | str, filename: str, max_nodes: int = MAX_NODES) -> Document:
    """Parse one YAML document; every problem is a FatalError naming the file and line."""
    text = decode(raw, filename) if isinstance(raw, bytes) else raw
    _check_depth(text, filename)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return Document(None, {})
        lines: dict[Path, int] = {}
        _walk(node, (), lines, filename, max_nodes)
        return Document(_build(node, loader), lines)
    except Exception as e:
        raise _refusal(e, text, filename) from None
    finally:
        loader.dispose()


_STR, _MAP, _SEQ = "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"


def _build(node: yaml.Node, loader: Any) -> Any:
    """What `_string_keys(loader.construct_document(node))` gives, with strings, lists and mappings
    of string keys built here (PyYAML's constructor was a third of a manifest's load); any other
    node (numbers, booleans, null, merge keys, other tags) goes through the constructor. `_walk`
    has already bounded the nodes an alias can expand to."""
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR:
        return node.value
    if isinstance(node, yaml.SequenceNode) and node.tag == _SEQ:
        return [_build(item, loader) for item in node.value]
    if (
        isinstance(node, yaml.MappingNode)
        and node.tag == _MAP
        and all(isinstance(k, yaml.ScalarNode) and k.tag == _STR for k, _ in node.value)
    ):
        return {key.value: _build(value, loader) for key, value in node.value}
    return _string_keys(loader.construct_object(node, deep=True))


def load_all(raw: bytes | str, filename: str, max_nodes: int = MAX_NODES) -> list[Document]:
    """Every document of a multi-document YAML stream (`---` separated), each with its own key lines
    and first line, with the same limits as `load` counted over the whole stream; empty documents
    are skipped."""
    text = decode(raw, filename) if isinstance(raw, bytes) else raw
    _check_depth(text, filename)
    loader = _Loader(text)
    documents: list[Document] = []
    budget = max_nodes
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            lines: dict[Path, int] = {}
            offset = node.start_mark.line if node.start_mark else 0
            budget -= _walk(node, (), lines, filename, budget)
            data = _string_keys(loader.construct_document(node))
            if data is not None:
                documents.append(Document(data, lines, offset))
        return documents
    except Exception as e:
        raise _refusal(e, text, filename) from None
    finally:
        loader.dispose()


def _refusal(e: BaseException, text: str, filename: str) -> BaseException:
    """The parser's refusal of `text` as one FatalError naming the file and line (anything else: ours, re-raised)."""
    if isinstance(e, FatalError):
        return e
    if isinstance(e, yaml.MarkedYAMLError):
        mark = e.problem_mark or e.context_mark
        reason = " ".join(filter(None, [e.context, e.problem])) or "invalid YAML"
        return FatalError(f"invalid YAML: {reason}", filename, mark.line + 1 if mark else None)
    if isinstance(e, yaml.reader.ReaderError):
        line = text.count("\n", 0, e.position) + 1
        return FatalError(
            f"invalid YAML: character {e.character!r} is not allowed (control character)",
            filename,
            line,
        )
    if isinstance(e, yaml.YAMLError):
        return FatalError(f"invalid YAML: {e}", filename)
    if isinstance(e, RecursionError):
        return FatalError("YAML nested too deeply", filename)
    if isinstance(e, (ValueError, OverflowError)):  # e.g. an integer of thousands of digits
        return FatalError(f"invalid YAML value: {str(e).split(';')[0]}", filename)
    return e


def _string_keys(value: Any) -> Any:
    """JSON semantics for mapping keys: `0:` becomes "0", `~:` "null", `on:` "true" (schemas speak JSON)."""
    if isinstance(value, dict):
        return {_key(k): _string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_string_keys(v) for v in value]
    return value


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    return str(key)


def _check_depth(text: str, filename: str) -> None:
    """libyaml's composer recurses in C and can crash the process on deep nesting: look first."""
    if text.count("[") + text.count("{") + text.count("-") + text.count(":") < MAX_DEPTH:
        return
    loader = _Loader(text)
    depth = 0
    try:
        while (event := loader.get_event()) is not None:
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    line = event.start_mark.line + 1 if event.start_mark else None
                    raise FatalError(f"YAML nested deeper than {MAX_DEPTH} levels", filename, line)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        # Newer libyaml releases refuse deep flow nesting themselves, in their own words, before
        # any event reaches us: say it in ours, whatever the parser's version.
        line = _flow_depth_exceeded(text)
        if line is not None:
            raise FatalError(
                f"YAML nested deeper than {MAX_DEPTH} levels", filename, line
            ) from None
        return  # the real parse reports it with its line
    finally:
        loader.dispose()


def _flow_depth_exceeded(text: str) -> int | None:
    """Line where `[`/`{` open more than MAX_DEPTH levels (a linear count that ignores quoting;
    asked only once the parser has already refused the document)."""
    depth, line = 0, 1
    for char in text:
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                return line
        elif char in "]}":
            depth = max(0, depth - 1)
        elif char == "\n":
            line += 1
    return None


def _walk(
    root: yaml.Node, path: Path, lines: dict[Path, int], filename: str, max_nodes: int
) -> int:
    """Record key lines; refuse duplicate keys and documents whose aliases expand past max_nodes.
    Returns the number of nodes visited."""

    expanded = 0
    stack: list[tuple[yaml.Node, Path, bool]] = [(root, path, True)]
    while stack:
        node, at, record = stack.pop()
        expanded += 1
        if expanded > max_nodes:
            raise FatalError(
                f"YAML expands to more than {max_nodes:,} nodes (alias bomb or huge document)",
                filename,
                node.start_mark.line + 1,
            )
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = (
                    key_node.value
                    if isinstance(key_node, yaml.ScalarNode)
                    else repr(key_node.value)
                )
                line = key_node.start_mark.line + 1
                if key in seen and key_node.tag != "tag:yaml.org,2002:merge":
                    raise FatalError(
                        f"duplicate key {key!r} (first on line {seen[key]})", filename, line
                    )
                seen[key] = line
                if record:
                    lines[at + (key,)] = line
                stack.append((value_node, at + (key,), record))
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                if record:
                    lines[at + (index,)] = item.start_mark.line + 1
                stack.append((item, at + (index,), record and len(lines) < max_nodes))
    return expanded


# -- line-preserving edits (the exception ledger editor) -------------------------------------------


class Span(NamedTuple):
    """Where a node sits in the text it was parsed from, for edits that keep every other byte.

    `value` is the scalar's text, a sequence's items (Spans) or a mapping's (key, value) pairs."""

    kind: str  # scalar | sequence | mapping
    value: Any
    line: int  # 0-based, of the node's first character
    column: int
    start: int  # character offsets into the text
    end: int
    flow: bool = False  # written [a, b] or {a: b}


def spans(text: str, filename: str) -> Span | None:
    """The node tree of one YAML document with each node's position; problems are FatalErrors
    naming the file and line, with the limits `load` applies."""
    _check_depth(text, filename)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _walk(node, (), {}, filename, MAX_NODES)
        return _span(node)
    except Exception as e:
        raise _refusal(e, text, filename) from None
    finally:
        loader.dispose()


def _span(node: yaml.Node) -> Span:
    start, end = node.start_mark, node.end_mark
    flow = bool(getattr(node, "flow_style", False))
    if isinstance(node, yaml.MappingNode):
        value: Any = [(_span(k), _span(v)) for k, v in node.value]
        kind = "mapping"
    elif isinstance(node, yaml.SequenceNode):
        value, kind = [_span(item) for item in node.value], "sequence"
    else:
        value, kind = node.value, "scalar"
    return Span(kind, value, start.line, start.column, start.index, end.index, flow)


def flow(value: Any) -> str:
    """`value` as one line of flow-style YAML (a scalar, `[a, b]` or `{k: v}`, keys in their order)."""
    rendered = str(
        yaml.safe_dump(
            value, default_flow_style=True, width=10_000, allow_unicode=True, sort_keys=False
        )
    ).strip()
    if rendered.endswith(
        "\n..."
    ):  # the end-of-document marker after a plain scalar (not a value's own dots)
        rendered = rendered[:-4].strip()
    return rendered
