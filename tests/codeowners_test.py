from __future__ import annotations

import pytest

from gate import codeowners

# The example file from GitHub's "About code owners" documentation.
GITHUB_EXAMPLE = """\
# This is a comment.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
*.txt @octo-org/octocats
/build/logs/ @doctocat
docs/* docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/ @octocat
/apps/github
"""


@pytest.mark.parametrize(
    "path, owners",
    [
        ("some/deeply/nested/file.rb", ("@global-owner1", "@global-owner2")),
        ("src/app.js", ("@js-owner",)),
        ("main.go", ("docs@example.com",)),
        ("notes.txt", ("@octo-org/octocats",)),
        ("build/logs/2026/today.log", ("@octocat",)),  # /build/logs/ matches, but the later **/logs wins
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes after docs/*
        ("docs/build-app/troubleshooting.md", ("@doctocat",)),
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("deeply/nested/logs/x", ("@octocat",)),
        ("apps/web/index.html", ("@octocat",)),
        ("apps/github/readme", ()),  # a pattern with no owners leaves the path unowned
    ],
)
def test_github_documented_examples(path: str, owners: tuple[str, ...]) -> None:
    entry = codeowners.owner_entry(codeowners.parse(GITHUB_EXAMPLE), path)
    assert entry is not None
    assert entry.owners == owners


def test_docs_star_matches_direct_children_only() -> None:
    entries = codeowners.parse("docs/* @docs\n")
    assert codeowners.owner_entry(entries, "docs/a.md") is not None
    assert codeowners.owner_entry(entries, "docs/sub/a.md") is None


def test_unanchored_directory_matches_at_any_depth_and_last_match_wins() -> None:
    entries = codeowners.parse("apps/ @a\n/services/x/ @b\n/services/x/ @c\n")
    assert codeowners.owner_entry(entries, "deep/apps/x.py").owners == ("@a",)
    hit = codeowners.owner_entry(entries, "services/x/service.yaml")
    assert hit.owners == ("@c",) and hit.line == 3
    assert codeowners.owner_entry(entries, "services/xy/service.yaml") is None


def test_escaped_spaces() -> None:
    entries = codeowners.parse("path\\ with\\ spaces/ @space\n")
    assert codeowners.owner_entry(entries, "path with spaces/f").owners == ("@space",)
