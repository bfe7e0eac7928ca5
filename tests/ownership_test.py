"""Who judges a change (gate/ownership.py): the strictest tier a service ever had in this change's history."""

from __future__ import annotations

import pytest
from conftest import GitRepo

from gate.catalog import Service
from gate.git import Repo
from gate.ownership import reach, strictest_tier
from gate.snapshot import Snapshot


def service(tier: int, parsed: bool = True) -> Service:
    return Service(
        "cart", "cart/", "cart/service.yaml", tier, {"tier": tier} if parsed else None, None
    )


def test_a_change_that_lowers_its_own_tier_is_judged_at_the_tier_it_had() -> None:
    """Attack: set `tier: 3` in the same change, so the tier-0 rules do not apply to it."""
    judged = strictest_tier(service(3), [service(1), service(0)])
    assert judged.tier == 0 and judged.name == "cart"
    assert strictest_tier(service(3), [None, service(2)]).tier == 2


def test_raising_a_tier_takes_effect_at_once() -> None:
    assert strictest_tier(service(0), [service(2), None]).tier == 0


def test_only_a_tier_the_base_really_declared_counts() -> None:
    """A base manifest that did not parse, or whose tier is not a number, has no tier to hold the change to."""
    assert strictest_tier(service(2), [service(0, parsed=False)]).tier == 2
    unparsed_tier = Service(
        "cart", "cart/", "cart/service.yaml", 0, {"tier": "0"}, None
    )  # the catalog's fallback, not a declaration
    assert strictest_tier(service(2), [unparsed_tier]).tier == 2


def _reach(repo: GitRepo, path: str, before: str, after: str) -> tuple[str, ...] | None:
    repo.write(path, before)
    old = repo.commit("before")
    repo.write(path, after)
    new = repo.commit("after")
    git = Repo(repo.path)
    return reach(path, Snapshot(git, old), Snapshot(git, new))


@pytest.mark.parametrize(
    "path,before,after,expected",
    [
        (".gitattributes", "", "services/pay/** export-ignore\n", ("services/pay/",)),
        (".gitattributes", "", "/svc/src/*.py eol=crlf\n", ("svc/src/",)),
        (".gitattributes", "", "*.py filter=lfs\n", ("",)),  # any depth: everything
        (".gitattributes", "", "* -diff linguist-generated\n", ()),  # how it shows, not what it is
        (".gitattributes", "", "[attr]x export-ignore\n", ("",)),
        ("libs/.gitattributes", "", "*.c ident\n", ("libs/",)),
        ("libs/.gitattributes", "", '"a b/*" text\n', ("libs/a b/",)),
        (".github/CODEOWNERS", "* @a\n", "* @a\n/Svc/ @b\n", ("svc/",)),  # compared folded
        (
            ".gitmodules",
            '[submodule "s"]\n\tpath = x/sdk\n\turl = a\n',
            '[submodule "s"]\n\tpath = x/sdk\n\turl = b\n',
            ("x/sdk/",),
        ),
        ("services/pay/README.md", "", "x\n", None),
    ],
)
def test_the_lines_a_judging_file_changes_reach_paths(
    repo: GitRepo, path: str, before: str, after: str, expected: tuple[str, ...] | None
) -> None:
    assert _reach(repo, path, before, after) == expected
