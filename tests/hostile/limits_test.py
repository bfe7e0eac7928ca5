"""What a change can do to the gate's running time and its code paths: globs and parsers stay linear,
every document has a size limit that is a finding, and no manifest value reaches a check, git or
a reporter before the schema accepted its type."""

from __future__ import annotations

import contextlib
import json
import re
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import GitRepo, gate_subprocess
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing.typed import present

from gate import codeowners, globs, markdown

HOSTILE_GLOB = "**a" * 12 + "**b"


@contextlib.contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Turn a hang into a failure (the old matchers took minutes); the speed itself is measured in bench/."""

    def fail(*_: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    old = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run(repo: GitRepo) -> Any:
    result = gate_subprocess(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", "--as-of", "2026-11-24"
    )
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


# -- globs ---------------------------------------------------------------------------------------


def _reference_body(body: str) -> str:
    """A glob body as a regular expression: the documented meaning, written the obvious way
    (exponential on hostile patterns, fine on small ones)."""
    out, i = [], 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif body.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append({"*": "[^/]*", "?": "[^/]"}.get(body[i], re.escape(body[i])))
            i += 1
    return "".join(out)


def reference_glob(pattern: str) -> re.Pattern[str]:
    pattern = pattern.lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    return re.compile(_reference_body(pattern) + r"\Z", re.DOTALL)


def reference_codeowners(pattern: str) -> re.Pattern[str]:
    """GitHub's CODEOWNERS meaning (gitignore rules without negation or ranges)."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    suffix = "/.*" if directory else "" if body.endswith("/*") else "(?:/.*)?"
    return re.compile(
        ("" if anchored else "(?:.*/)?") + _reference_body(body) + suffix + r"\Z", re.DOTALL
    )


glob_alphabet = st.sampled_from(["*", "**", "**/", "?", "/", "a", "b", ".", "a/", "/b", "x"])
patterns = st.lists(glob_alphabet, min_size=1, max_size=7).map("".join)
paths = st.lists(st.sampled_from(["a", "b", "/", ".", "x", "ab", "a/b"]), max_size=10).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, paths)
def test_glob_matching_agrees_with_the_reference(pattern: str, path: str) -> None:
    assert globs.matches(pattern, path) == bool(reference_glob(pattern).match(path))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(patterns, paths)
def test_codeowners_matching_agrees_with_the_reference(pattern: str, path: str) -> None:
    entry = codeowners.Entry(pattern, ("@o",), 1)
    assert entry.matches(path) == bool(reference_codeowners(pattern).match(path))


@pytest.mark.parametrize(
    "pattern", [HOSTILE_GLOB, "*a" * 40 + "*b", "**/" * 30 + "b", "?*" * 50 + "b"]
)
def test_hostile_globs_return_at_once(pattern: str) -> None:
    path = "a" * 200
    with deadline(10):
        assert not globs.matches(pattern, path)
        assert not codeowners.Entry(pattern, ("@o",), 1).matches(path)
        assert not codeowners.Entry("/" + pattern, ("@o",), 1).matches(path + "/c")


def test_a_hostile_paths_glob_in_a_manifest_does_not_hang_the_check(example: GitRepo) -> None:
    example.write(
        "services/search/service.yaml",
        example.read("services/search/service.yaml") + f"paths: ['{HOSTILE_GLOB}']\n",
    )
    example.write(
        ".github/CODEOWNERS", example.read(".github/CODEOWNERS") + f"{HOSTILE_GLOB} @acme/x\n"
    )
    example.write("libs/" + "a" * 200, "x\n")
    example.commit()
    with deadline(60):
        doc = run(example)
    assert "search" in {s["name"] for s in doc["services"]}


# -- documents: size limits and linear parsers ----------------------------------------------------


def test_markdown_headings_are_linear() -> None:
    with deadline(20):  # 240,000 headings took 69 s with the quadratic parser
        found = markdown.headings("# h\n" * 240_000)
        assert len(found) == 240_000 and not any(h.has_content for h in found)
        assert markdown.headings("# a" + " " * 200_000 + "b\n")[0].text.startswith("a")
        assert markdown.headings("x\n" + "=\n" * 100_000)[0] == markdown.Heading(1, "x", 1, False)


def test_markdown_headings_keep_their_meaning() -> None:
    text = "# Title\n\nintro\n\n## Empty\n## Full\ntext\n### Sub\n\nSetext\n------\n\n```\n# not a heading\n```\n## Closed ##\nbody\n"
    assert [(h.level, h.text, h.line, h.has_content) for h in markdown.headings(text)] == [
        (1, "Title", 1, True),
        (2, "Empty", 5, False),
        (2, "Full", 6, True),
        (3, "Sub", 8, False),
        (2, "Setext", 10, True),
        (2, "Closed", 16, True),
    ]


def test_an_oversized_runbook_is_a_finding_naming_file_and_limit(example: GitRepo) -> None:
    example.write(
        "services/checkout/docs/runbook.md",
        example.read("services/checkout/docs/runbook.md") + "x" * markdown.MAX_BYTES,
    )
    example.commit()
    doc = run(example)
    found = [
        f
        for s in doc["services"]
        for f in s["findings"]
        if f["file"] == "services/checkout/docs/runbook.md"
    ]
    assert any(
        "limit" in f["message"] and f"{markdown.MAX_BYTES:,}" in f["message"] for f in found
    ), found
    assert doc["verdict"] == "block"


def test_an_oversized_codeowners_is_a_finding_naming_file_and_limit(example: GitRepo) -> None:
    example.write(
        ".github/CODEOWNERS",
        example.read(".github/CODEOWNERS") + ("# padding\n" * (codeowners.MAX_BYTES // 10 + 1)),
    )
    example.write("services/cart/src/cart.py", "x = 2\n")
    example.commit()
    doc = run(example)
    found = [f for s in doc["services"] for f in s["findings"] if f["file"] == ".github/CODEOWNERS"]
    assert any(
        "limit" in f["message"] and f"{codeowners.MAX_BYTES:,}" in f["message"] for f in found
    ), doc["services"][0]["findings"]


def test_an_oversized_openslo_document_is_a_finding_naming_file_and_limit(example: GitRepo) -> None:
    from gate.yaml import MAX_BYTES

    example.write("services/payments/slo/availability.yaml", "a: " + "x" * MAX_BYTES + "\n")
    example.commit()
    doc = run(example)
    found = [
        f
        for s in doc["services"]
        for f in s["findings"]
        if f["file"] == "services/payments/slo/availability.yaml"
    ]
    assert any(f"{MAX_BYTES:,}-byte limit" in f["message"] for f in found), found


# -- validate before use --------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["[a, b]", "{a: b}", "7", "null", "true"])
def test_an_slo_name_of_the_wrong_type_is_a_finding(example: GitRepo, value: str) -> None:
    example.replace(
        "services/checkout/service.yaml", "name: checkout-availability", f"name: {value}"
    )
    example.commit()
    doc = run(example)
    checkout = next(s for s in doc["services"] if s["name"] == "checkout")
    assert any(
        f["rule"] == "manifest-valid" and "slos.0" in f["message"] for f in checkout["findings"]
    ), checkout["findings"]
    assert doc["verdict"] == "block"


@pytest.mark.parametrize(
    "field,value",
    [
        ("runbook", "docs/run\\0book.md"),
        ("runbook", "docs/run\\nbook.md"),
        ("plan", "docs/roll\\x1bback.md"),
        ("paths", "libs/\\0/**"),
        ("openslo", "slo/\\0.yaml"),
    ],
)
def test_paths_with_nul_or_control_characters_are_findings(
    example: GitRepo, field: str, value: str
) -> None:
    manifest = example.read("services/checkout/service.yaml")
    if field == "runbook":
        assert "runbook: docs/runbook.md" in manifest
        manifest = manifest.replace("runbook: docs/runbook.md", f'runbook: "{value}"')
    elif field == "plan":
        assert "plan: docs/rollback.md" in manifest
        manifest = manifest.replace("plan: docs/rollback.md", f'plan: "{value}"')
    elif field == "paths":
        manifest = manifest.replace("paths: [libs/money/**]", f'paths: ["{value}"]')
    else:
        manifest = manifest.replace("slos:\n", f'slos:\n  - openslo: "{value}"\n')
    example.write("services/checkout/service.yaml", manifest)
    example.commit()
    doc = run(example)
    checkout = next(s for s in doc["services"] if s["name"] == "checkout")
    assert any(
        f["rule"] == "manifest-valid" and "control character" in f["message"]
        for f in checkout["findings"]
    ), checkout["findings"]
    assert doc["verdict"] == "block"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        patterns | st.sampled_from(["/a/", "a/b", "docs/*", "*", "b"]), min_size=1, max_size=8
    ),
    paths.filter(lambda p: p and not p.startswith("/") and "//" not in p),
)  # paths git can hold
def test_codeowners_last_match_agrees_with_scanning_every_line(lines: list[str], path: str) -> None:
    entries = [codeowners.Entry(p, (f"@o{i}",), i + 1) for i, p in enumerate(lines)]
    expected = next(
        (e for e in reversed(entries) if reference_codeowners(e.pattern).match(path)), None
    )
    assert codeowners.Owners.of(entries).owner(path) == expected


def test_a_codeowners_of_hostile_globs_at_its_size_limit_answers_at_once() -> None:
    lines = [
        f"**a**a**a**a**a**b{i} @x\n" for i in range(codeowners.MAX_BYTES // 30 // 8)
    ]  # an eighth of the limit (the limit itself is timed in the report)
    text = "".join(lines).encode()
    with deadline(30):  # one automaton per line took a minute for one path
        owners = codeowners.Answers(text, None, None)
        assert owners.owner("a" * 200 + "b") is None
        assert present(owners.owner("a" * 200 + "b7/c")).owners == ("@x",)
