from __future__ import annotations

import pytest

from gate.globs import PatternIndex, matches


@pytest.mark.parametrize(
    "pattern, path, expected",
    [
        ("libs/money/**", "libs/money/a/b.py", True),
        ("libs/money/**", "libs/moneybags/a.py", False),
        ("libs/money/", "libs/money/a.py", True),
        ("*.md", "README.md", True),
        ("*.md", "docs/README.md", False),
        ("**/*.md", "docs/deep/README.md", True),
        ("**/*.md", "README.md", True),
        ("migrations/*.sql", "migrations/001.sql", True),
        ("migrations/?.sql", "migrations/12.sql", False),
        ("/abs/x", "abs/x", True),
        ("a[b].txt", "a[b].txt", True),
    ],
)
def test_globs(pattern: str, path: str, expected: bool) -> None:
    assert matches(pattern, path) is expected


def test_a_pattern_index_answers_as_matching_each_pattern_would() -> None:
    patterns = [
        "libs/money/**",
        "/ops/runbook.md",
        "ops/runbook.md",
        "libs/*/x.py",
        "**/*.sql",
        "docs/",
        *(f"libs/s{n:02d}*/**" for n in range(20)),  # one group of 20: an automaton
        *(f"libs/*/v{n}.py" for n in range(10)),
    ]
    index = PatternIndex([(p, f"m{i}") for i, p in enumerate(patterns)])
    paths = [
        "libs/money/a.py",
        "ops/runbook.md",
        "libs/s07x/deep/file.py",
        "libs/q/v3.py",
        "libs/q/x.py",
        "db/migrations/1.sql",
        "docs/index.md",
        "libs",
        "",
    ]
    for path in paths:
        expected = sorted(f"m{i}" for i, p in enumerate(patterns) if p == path or matches(p, path))
        assert sorted(set(index.matching(path))) == expected, path
