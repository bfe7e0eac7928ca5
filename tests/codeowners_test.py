from __future__ import annotations

from typing import Any

import pytest
from testing.typed import present

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
        (
            "build/logs/2026/today.log",
            ("@octocat",),
        ),  # /build/logs/ matches, but the later **/logs wins
        ("docs/getting-started.md", ("@doctocat",)),  # /docs/ comes after docs/*
        ("docs/build-app/troubleshooting.md", ("@doctocat",)),
        ("scripts/deploy.sh", ("@doctocat", "@octocat")),
        ("deeply/nested/logs/x", ("@octocat",)),
        ("apps/web/index.html", ("@octocat",)),
        ("apps/github/readme", ()),  # a pattern with no owners leaves the path unowned
    ],
)
def test_github_documented_examples(path: str, owners: tuple[str, ...]) -> None:
    entry = codeowners.Owners.of(codeowners.parse(GITHUB_EXAMPLE)).owner(path)
    assert entry is not None
    assert entry.owners == owners


def test_docs_star_matches_direct_children_only() -> None:
    entries = codeowners.parse("docs/* @docs\n")
    assert codeowners.Owners.of(entries).owner("docs/a.md") is not None
    assert codeowners.Owners.of(entries).owner("docs/sub/a.md") is None


def test_unanchored_directory_matches_at_any_depth_and_last_match_wins() -> None:
    entries = codeowners.parse("apps/ @a\n/services/x/ @b\n/services/x/ @c\n")
    assert present(codeowners.Owners.of(entries).owner("deep/apps/x.py")).owners == ("@a",)
    hit = present(codeowners.Owners.of(entries).owner("services/x/service.yaml"))
    assert hit.owners == ("@c",) and hit.line == 3
    assert codeowners.Owners.of(entries).owner("services/xy/service.yaml") is None


def test_escaped_spaces() -> None:
    entries = codeowners.parse("path\\ with\\ spaces/ @space\n")
    assert present(codeowners.Owners.of(entries).owner("path with spaces/f")).owners == ("@space",)


def test_owner_answers_are_kept_per_blob(tmp_path: Any) -> None:
    import os
    import subprocess

    from conftest import GIT_ENV, TODAY

    from gate.git import Repo
    from gate.policy.kinds import CheckContext
    from gate.snapshot import Snapshot

    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True, env=env)
    lines = [f"/services/s{i}/ @org/team-{i}" for i in range(300)]
    (tmp_path / "CODEOWNERS").write_text("\n".join(lines) + "\n")
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", "x"], cwd=tmp_path, check=True, env=env)
    repo = Repo(str(tmp_path))
    head = Snapshot(repo, repo.resolve("HEAD"))

    def owner(path: str) -> Any:  # one run: ask, then keep the answers
        ctx = CheckContext(head=head, base=head, today=TODAY)
        assert ctx.codeowners is not None
        answer = ctx.codeowners[1].owner(path)
        ctx.save()
        return answer

    assert owner("services/s7/service.yaml").owners == ("@org/team-7",)
    folder = tmp_path / ".git" / "gate" / "codeowners"
    [cached] = list(folder.iterdir())
    assert cached.name == f"{present(head.entry('CODEOWNERS')).sha}.json"
    assert owner("nowhere/x") is None
    cached.write_text(
        '{"services/s7/service.yaml": ["/services/s7/", ["@org/cached"], 8], "nowhere/x": null}'
    )
    assert owner("services/s7/service.yaml").owners == ("@org/cached",), (
        "a later run reads the answer"
    )
    assert owner("services/s8/service.yaml").owners == ("@org/team-8",), (
        "a new question parses the file"
    )
    for junk in (
        "{broken",
        '{"services/s7/service.yaml": [1]}',
        "[]",
        '{"services/s7/service.yaml": "x"}',
    ):
        cached.write_text(junk)
        assert owner("services/s7/service.yaml").owners == ("@org/team-7",), junk


def test_the_index_answers_exactly_like_scanning_every_line() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    segment = st.sampled_from(["a", "b", "docs", "svc", "x.py", "*", "**", "*.md", "?"])
    pattern = st.builds(
        lambda lead, parts, tail: lead + "/".join(parts) + tail,
        st.sampled_from(["", "/"]),
        st.lists(segment, min_size=1, max_size=3),
        st.sampled_from(["", "/"]),
    )
    path = st.lists(
        st.sampled_from(["a", "b", "docs", "svc", "x.py", "r.md"]), min_size=1, max_size=4
    ).map("/".join)

    @settings(max_examples=300, deadline=None)
    @given(st.lists(pattern, max_size=12), st.lists(path, min_size=1, max_size=5))
    def check(patterns: list[str], paths: list[str]) -> None:
        entries = codeowners.parse("".join(f"{p} @o{i}\n" for i, p in enumerate(patterns)))
        owners = codeowners.Owners.of(entries)
        for p in paths:
            scanned = next((e for e in reversed(entries) if e.matches(p)), None)
            assert owners.owner(p) == scanned, (patterns, p)

    check()
