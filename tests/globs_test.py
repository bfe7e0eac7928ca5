from __future__ import annotations

import pytest

from gate.globs import matches


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
