from __future__ import annotations

import pytest

from gate import yaml as gate_yaml
from gate.errors import FatalError


def _error(raw: bytes | str) -> FatalError:
    with pytest.raises(FatalError) as info:
        gate_yaml.load(raw, "svc/service.yaml")
    return info.value


def test_lines_of_keys_and_items() -> None:
    doc = gate_yaml.load(b"a: 1\nb:\n  - x\n  - c: 2\n", "f.yaml")
    assert doc.data == {"a": 1, "b": ["x", {"c": 2}]}
    assert doc.line("a") == 1
    assert doc.line("b", 1, "c") == 4
    assert doc.line("b", 1, "missing") == 4  # deepest existing key
    assert doc.line("nothing") == 1


def test_dates_stay_strings() -> None:
    assert gate_yaml.load("d: 2026-10-01\n", "f.yaml").data == {"d": "2026-10-01"}


def test_empty_document_is_none() -> None:
    assert gate_yaml.load(b"", "f.yaml").data is None
    assert gate_yaml.load(b"# only a comment\n", "f.yaml").data is None


@pytest.mark.parametrize(
    "raw, line, words",
    [
        (b"a: 1\na: 2\n", 2, "duplicate key 'a' (first on line 1)"),
        (b"a: [1\n", 2, "invalid YAML"),
        (b"a: 1\n  b: 2\n", 2, "invalid YAML"),
        (b"a: !!python/object/apply:os.system [echo hi]\n", 1, "could not determine a constructor"),
        (b"---\na: 1\n---\nb: 2\n", 3, "expected a single document"),
    ],
)
def test_bad_yaml_names_file_and_line(raw: bytes, line: int, words: str) -> None:
    e = _error(raw)
    assert e.file == "svc/service.yaml"
    assert e.line == line
    assert words in e.message
    assert "\n" not in str(e)


def test_binary_and_non_utf8() -> None:
    assert "binary" in _error(b"a: 1\x00\n").message
    assert "not UTF-8" in _error(b"a: \xff\xfe\n").message


def test_huge_file_refused() -> None:
    assert "limit" in _error(b"a: " + b"x" * (gate_yaml.MAX_BYTES + 1)).message


def test_alias_bomb_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, c in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{c}: &{c} [" + ",".join([f"*{prev}"] * 9) + "]")
    e = _error("\n".join(lines) + "\n")
    assert "alias bomb" in e.message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 50000 + "]" * 50000,
        "{a: " * 5000 + "1" + "}" * 5000,
        "\n".join(" " * i + "- x:" for i in range(0, 3000, 2)),
    ],
)
def test_deep_nesting_refused_without_crashing(text: str) -> None:
    """gate's own words, file and line, whichever libyaml release refuses first (6.0.4's has its own limit)."""
    e = _error(text)
    assert e.message == f"YAML nested deeper than {gate_yaml.MAX_DEPTH} levels"
    assert e.file == "svc/service.yaml" and e.line is not None


def test_deep_flow_nesting_is_found_on_its_line() -> None:
    e = _error("a: 1\nb: 2\nc: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nested deeper" in e.message and e.line == 3


def test_a_plain_syntax_error_is_not_called_deep_nesting() -> None:
    e = _error("a: [1, 2\nb: {\n")
    assert "invalid YAML" in e.message and "nested" not in e.message


def test_modest_anchors_are_fine() -> None:
    doc = gate_yaml.load("base: &b {x: 1}\nother: *b\n", "f.yaml")
    assert doc.data["other"] == {"x": 1}
