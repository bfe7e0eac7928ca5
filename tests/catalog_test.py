from __future__ import annotations

import os
from typing import Any

import pytest
from conftest import GitRepo

from gate.catalog import Catalog
from gate.git import Repo
from gate.manifest_index import ManifestIndex
from gate.snapshot import Snapshot

MINIMAL = "apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\nowners: {{team: t}}\n"


def _catalog(repo: GitRepo, rev: str = "HEAD") -> Catalog:
    r = Repo(repo.path)
    return Catalog(Snapshot(r, r.resolve(rev)))


def test_discovers_tracked_manifests_only(repo: GitRepo) -> None:
    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1))
    repo.write("services/a/nested/b/service.yaml", MINIMAL.format(name="b", tier=2))
    repo.commit()
    repo.write("services/untracked/service.yaml", MINIMAL.format(name="u", tier=0))
    catalog = _catalog(repo)
    assert catalog.manifests == ("services/a/nested/b/service.yaml", "services/a/service.yaml")
    assert [s.name for s in catalog.all()] == ["b", "a"]


def test_longest_prefix_owns_a_path(repo: GitRepo) -> None:
    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1))
    repo.write("services/a/nested/b/service.yaml", MINIMAL.format(name="b", tier=2))
    repo.commit()
    catalog = _catalog(repo)
    assert [s.name for s in catalog.owners("services/a/nested/b/x.py")] == ["b"]
    assert [s.name for s in catalog.owners("services/a/nested/x.py")] == ["a"]
    assert catalog.owners("services/ab/x.py") == []
    assert catalog.owners("top.txt") == []


def test_paths_globs_and_named_documents_add_owners(repo: GitRepo) -> None:
    repo.write(
        "services/a/service.yaml",
        MINIMAL.format(name="a", tier=1) + "paths: [libs/money/**]\nrunbook: /docs/runbooks/a.md\n",
    )
    repo.commit()
    catalog = _catalog(repo)
    assert [s.name for s in catalog.owners("libs/money/x.py")] == ["a"]
    assert [s.name for s in catalog.owners("docs/runbooks/a.md")] == ["a"]
    assert catalog.owners("libs/other.py") == []


def test_paths_cannot_move_a_file_away_from_a_stricter_service(repo: GitRepo) -> None:
    repo.write("services/pay/service.yaml", MINIMAL.format(name="pay", tier=0))
    repo.write(
        "services/toy/service.yaml",
        MINIMAL.format(name="toy", tier=3) + "paths: [services/pay/**]\n",
    )
    repo.commit()
    owners = _catalog(repo).owners("services/pay/charge.py")
    assert sorted(s.name for s in owners) == ["pay", "toy"]  # judged by both, tier 0 included


def test_root_service_owns_everything_else(repo: GitRepo) -> None:
    repo.write("service.yaml", MINIMAL.format(name="mono", tier=2))
    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1))
    repo.commit()
    catalog = _catalog(repo)
    assert [s.name for s in catalog.owners("tools/x.sh")] == ["mono"]
    assert [s.name for s in catalog.owners("services/a/x")] == ["a"]


def test_broken_manifests_become_problems_with_lines(repo: GitRepo) -> None:
    repo.write("services/yaml/service.yaml", "name: x\ntier: [1\n")
    repo.write(
        "services/schema/service.yaml",
        MINIMAL.format(name="schema", tier=1) + "runbook: 42\nbogus: true\n",
    )
    repo.write("services/list/service.yaml", "- a\n- b\n")
    repo.write("services/empty/service.yaml", "")
    repo.write("services/badtier/service.yaml", MINIMAL.format(name="badtier", tier='"high"'))
    os.makedirs(repo.root / "services/link")
    os.symlink("../yaml/service.yaml", repo.root / "services/link/service.yaml")
    repo.commit()
    services = {s.root: s for s in _catalog(repo).all()}
    yaml_err = services["services/yaml/"]
    assert not yaml_err.parsed and yaml_err.name == "yaml"
    assert yaml_err.problems[0].line == 3 and "invalid YAML" in yaml_err.problems[0].message
    schema = services["services/schema/"]
    assert schema.parsed
    messages = {(p.line, p.message) for p in schema.problems}
    assert (6, "schema: runbook: 42 is not a string") in messages
    assert (7, "schema: bogus: unknown field") in messages
    assert "expected a mapping" in services["services/list/"].problems[0].message
    assert "empty" in services["services/empty/"].problems[0].message
    badtier = services["services/badtier/"]
    assert badtier.tier == 0  # judged as the strictest tier
    assert any("tier" in p.message for p in badtier.problems)
    assert "not a regular file" in services["services/link/"].problems[0].message


def _listing(r: Repo, rev: str) -> dict[str, tuple[str, str]]:
    return {p: (e.mode, e.sha) for p, e in r.named(rev, "service.yaml").items()}


def test_manifest_list_of_a_change_follows_the_diff(repo: GitRepo) -> None:
    repo.write("service.yaml", MINIMAL.format(name="root", tier=3))
    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1))
    repo.write("services/b/service.yaml", MINIMAL.format(name="b", tier=1))
    repo.write("services/c/service.yaml", MINIMAL.format(name="c", tier=1))
    repo.write("services/not-a-manifest/service.yaml.bak", "x\n")
    base = repo.commit("base")
    repo.replace("services/a/service.yaml", "tier: 1", "tier: 2")  # edited
    repo.remove("services/b/service.yaml")  # deleted
    repo.git("mv", "services/c", "services/c2")  # moved
    repo.write("services/d/deep/service.yaml", MINIMAL.format(name="d", tier=0))  # added
    repo.write("services/e/not-service.yaml", "x\n")
    head = repo.commit("head")
    r = Repo(repo.path)
    derived = Snapshot(r, head).after(Snapshot(r, base), r.changes(base, head))
    catalog = Catalog(derived)
    assert {p: (e.mode, e.sha) for p, e in catalog.entries.items()} == _listing(r, head)
    assert derived.listing is None
    assert catalog.service_at("services/a/service.yaml").tier == 2


def test_manifest_lists_are_kept_per_commit_and_worked_out_from_the_nearest(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        repo.write(f"services/s{i}/service.yaml", MINIMAL.format(name=f"s{i}", tier=1))
    first = repo.commit("first")
    r = Repo(repo.path)
    _ = Catalog(Snapshot(r, first)).entries
    folder = os.path.join(r.git_dir, "gate", f"sources-{ManifestIndex.of(r).key}")
    assert os.listdir(folder) == [f"{first}.json"]
    repo.remove("services/s0/service.yaml")
    repo.write("services/s9/service.yaml", MINIMAL.format(name="s9", tier=0))
    repo.replace("services/s1/service.yaml", "tier: 1", "tier: 3")
    second = repo.commit("second")
    calls: list[tuple[str, ...]] = []
    run = r.run

    def recording(*a: str, **k: Any) -> bytes:
        calls.append(a)
        return run(*a, **k)

    monkeypatch.setattr(r, "run", recording)
    catalog = Catalog(Snapshot(r, second))
    assert not any(a[:2] == ("ls-tree", "-r") for a in calls), (
        "worked out from the diff, not a listing"
    )
    assert {p: (e.mode, e.sha) for p, e in catalog.entries.items()} == _listing(r, second)
    assert sorted(os.listdir(folder)) == sorted([f"{first}.json", f"{second}.json"])


def test_manifest_index_survives_a_vanished_or_corrupt_cache(repo: GitRepo) -> None:
    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1))
    head = repo.commit()
    r = Repo(repo.path)
    folder = os.path.join(r.git_dir, "gate", f"sources-{ManifestIndex.of(r).key}")
    os.makedirs(folder)
    with open(os.path.join(folder, f"{'0' * 40}.json"), "w") as f:  # a commit that no longer exists
        f.write('{"services/ghost/service.yaml": ["100644", "' + "1" * 40 + '"]}')
    assert list(Catalog(Snapshot(r, head)).manifests) == ["services/a/service.yaml"]
    with open(os.path.join(folder, f"{head}.json"), "w") as f:
        f.write("{not json")
    assert list(Catalog(Snapshot(r, head)).manifests) == ["services/a/service.yaml"]
    with open(os.path.join(folder, f"{head}.json"), "w") as f:
        f.write('{"services/a/service.yaml": 5}')
    assert list(Catalog(Snapshot(r, head)).manifests) == ["services/a/service.yaml"]


def test_claims_of_a_change_are_the_base_claims_with_the_changed_manifests_redone(
    repo: GitRepo,
) -> None:
    repo.write(
        "services/a/service.yaml", MINIMAL.format(name="a", tier=1) + "paths: [libs/shared/**]\n"
    )
    repo.write(
        "services/b/service.yaml", MINIMAL.format(name="b", tier=1) + "paths: [libs/old/**]\n"
    )
    repo.write("services/c/service.yaml", MINIMAL.format(name="c", tier=1))
    repo.write("libs/shared/x.py", "x\n")
    base = repo.commit("base")
    repo.replace("services/b/service.yaml", "libs/old/**", "libs/new/**")  # b moves its claim
    repo.write(
        "services/c/service.yaml", MINIMAL.format(name="c", tier=0) + "runbook: /docs/c.md\n"
    )  # c claims a document (from the root)
    head = repo.commit("head")
    r = Repo(repo.path)
    _ = Catalog(Snapshot(r, base))._claims  # the base's pairs are now kept for its commit
    assert os.listdir(os.path.join(r.git_dir, "gate", f"claims-{ManifestIndex.of(r).key}")) == [
        f"{base}.json"
    ]
    derived = Catalog(Snapshot(r, head).after(Snapshot(r, base), r.changes(base, head)))
    fresh = Catalog(Snapshot(r, head))
    for path in (
        "libs/shared/x.py",
        "libs/old/y.py",
        "libs/new/y.py",
        "docs/c.md",
        "elsewhere.txt",
    ):
        assert [s.name for s in derived.owners(path)] == [s.name for s in fresh.owners(path)], path
    assert [s.name for s in derived.owners("libs/new/y.py")] == ["b"] and derived.owners(
        "libs/old/y.py"
    ) == []
    assert [s.name for s in derived.owners("docs/c.md")] == ["c"]


def test_a_corrupt_claims_file_is_worked_out_again(repo: GitRepo) -> None:
    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1) + "paths: [libs/**]\n")
    head = repo.commit()
    r = Repo(repo.path)
    folder = os.path.join(r.git_dir, "gate", f"claims-{ManifestIndex.of(r).key}")
    os.makedirs(folder)
    for junk in ('[["services/a/service.yaml"]]', '{"a": 1}', "[[1, 2]]", "nope"):
        with open(os.path.join(folder, f"{head}.json"), "w") as f:
            f.write(junk)
        assert [s.name for s in Catalog(Snapshot(r, head)).owners("libs/x.py")] == ["a"], junk


def test_claims_of_a_new_commit_come_from_the_nearest_kept_one(
    repo: GitRepo, monkeypatch: Any
) -> None:
    import shutil

    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1) + "paths: [libs/a/**]\n")
    repo.write("services/b/service.yaml", MINIMAL.format(name="b", tier=1) + "paths: [libs/b/**]\n")
    first = repo.commit("first")
    r = Repo(repo.path)
    _ = Catalog(Snapshot(r, first))._claims
    repo.remove("services/a/service.yaml")  # a's claim goes
    repo.write(
        "services/c/service.yaml", MINIMAL.format(name="c", tier=1) + "paths: [libs/c/**]\n"
    )  # c's comes
    second = repo.commit("second")

    def refuse(*args: object) -> None:
        raise AssertionError("listed the whole tree")

    with monkeypatch.context() as m:
        m.setattr(Repo, "named", refuse)
        m.setattr(Repo, "tree", refuse)
        derived = sorted(Catalog(Snapshot(r, second))._claims)
    shutil.rmtree(os.path.join(r.git_dir, "gate"))
    assert (
        derived
        == sorted(Catalog(Snapshot(r, second))._claims)
        == [("services/b/service.yaml", "libs/b/**"), ("services/c/service.yaml", "libs/c/**")]
    )


def test_a_failing_background_listing_is_reported_once_by_the_caller(
    repo: GitRepo, monkeypatch: Any, capfd: Any
) -> None:
    import pytest

    from gate.git import GitError

    repo.write("services/a/service.yaml", MINIMAL.format(name="a", tier=1))
    head = repo.commit()
    calls = []

    def broken(snapshot: Snapshot) -> None:
        calls.append(snapshot.rev)
        raise GitError("git ls-tree failed: fatal: bad tree object")

    monkeypatch.setattr(
        ManifestIndex, "_entries", lambda self, snapshot, settings: broken(snapshot)
    )
    snapshot = Snapshot(Repo(repo.path), head)
    index = ManifestIndex.of(snapshot.repo)
    index.prepare(snapshot)
    with pytest.raises(GitError, match="bad tree object"):
        index.entries(snapshot)
    assert len(calls) == 2  # the thread's attempt, then the caller's own
    assert "Traceback" not in capfd.readouterr().err


def test_a_claim_is_seen_however_yaml_spells_it(repo: GitRepo) -> None:
    """The pre-filter that spares parsing most manifests must not hide a claim YAML spells unusually:
    an escape, a tag, an alias, a value on the next line, or the repository root's own documents."""
    spellings = {
        "a": 'runbook: "\\x2e\\x2e/shared/a.md"\n',
        "b": "runbook: !!str /shared/b.md\n",
        "c": "x: &doc ../shared/c.md\nrunbook: *doc\n",
        "d": "runbook: # the shared one\n  /shared/d.md\n",
    }
    for name, extra in spellings.items():
        repo.write(f"services/{name}/service.yaml", MINIMAL.format(name=name, tier=1) + extra)
    repo.write(
        "service.yaml", MINIMAL.format(name="root", tier=0) + "runbook: services/shared/root.md\n"
    )
    repo.write("services/shared/service.yaml", MINIMAL.format(name="shared", tier=3))
    repo.commit()
    catalog = _catalog(repo)
    assert [s.name for s in catalog.owners("services/shared/a.md")] == ["a", "shared"]
    assert [s.name for s in catalog.owners("shared/b.md")] == ["root", "b"]
    assert [s.name for s in catalog.owners("services/shared/c.md")] == ["c", "shared"]
    assert [s.name for s in catalog.owners("shared/d.md")] == ["root", "d"]
    assert [s.name for s in catalog.owners("services/shared/root.md")] == ["root", "shared"]
    assert [s.name for s in catalog.owners("services/shared/other.md")] == ["shared"]


def test_a_file_read_through_the_root_reading_belongs_to_its_reader(repo: GitRepo) -> None:
    """svc's runbook exists only at the root: that file is svc's material (and the root's twin
    beside another manifest is not, since that one reads its own)."""
    repo.write("svc/service.yaml", "name: svc\ntier: 0\nrunbook: 'docs/run.md'  # old reading\n")
    repo.write("other/service.yaml", "name: other\ntier: 3\nrunbook: docs/run.md\n")
    repo.write("other/docs/run.md", "# other\n")
    repo.write("docs/run.md", "# svc\n")
    rev = repo.commit("legacy")
    catalog = Catalog(Snapshot(Repo(repo.path), rev))
    assert [s.name for s in catalog.owners("docs/run.md")] == ["svc"]
    assert [s.name for s in catalog.owners("other/docs/run.md")] == ["other"]
