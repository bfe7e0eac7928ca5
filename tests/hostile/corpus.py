"""The bad-input corpus: the same hostile shapes, applied to every kind of file the gate reads."""

from __future__ import annotations

from gate.yaml import MAX_BYTES


def alias_bomb() -> str:
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for i, c in enumerate("bcdefghij"):
        lines.append(f"{c}: &{c} [" + ",".join([f"*{'abcdefghij'[i]}"] * 9) + "]")
    return "\n".join(lines) + "\n"


# name -> raw bytes; every case must end in a clear finding or exit 2 naming the file, never a crash
COMMON: dict[str, bytes] = {
    "empty": b"",
    "only-comment": b"# nothing here\n",
    "malformed-flow": b"key: [unclosed\n",
    "bad-indentation": b"a: 1\n  b: 2\n",
    "tabs": b"a:\n\t- b\n",
    "binary": b"\x00\x01\x02\xff" * 64,
    "not-utf8": b"name: caf\xe9\n",
    "gigantic": b"a: " + b"x" * (MAX_BYTES + 10) + b"\n",
    "deep-nesting": b"[" * 20000 + b"]" * 20000,
    "deep-block-nesting": "\n".join(" " * i + "- x:" for i in range(0, 1200, 2)).encode(),
    "alias-bomb": alias_bomb().encode(),
    "python-tag": b"a: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
    "custom-tag": b"a: !Ref something\n",
    "duplicate-keys": b"a: 1\nb: 2\na: 3\n",
    "scalar-document": b"just a string\n",
    "list-document": b"- a\n- b\n",
    "two-documents": b"a: 1\n---\nb: 2\n",
    "control-characters": b"name: \x1b[31mred\x07\n",
    "unicode-bidi": "name: \u202eevil\u202c\n".encode(),
    "bom": b"\xef\xbb\xbfa: 1\n",
    "huge-number": b"a: " + b"9" * 5000 + b"\n",
    "null-key": b"~: 1\n",
    "json-in-yaml": b'{"a": [1, 2, {"b": null}]}\n',
}
