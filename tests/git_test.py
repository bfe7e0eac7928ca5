from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import GitRepo

from gate.errors import FatalError
from gate.git import EMPTY, INDEX, Change, Entry, Repo, folded, parse_raw
from gate.snapshot import Snapshot


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="not a git repository"):
        Repo(str(tmp_path))


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="no such directory"):
        Repo(str(tmp_path / "nope"))


def test_unknown_revision(repo: GitRepo) -> None:
    repo.write("a", "1")
    repo.commit()
    with pytest.raises(FatalError, match="unknown revision 'nope'"):
        Repo(repo.path).resolve("nope")
    with pytest.raises(FatalError, match="invalid revision"):
        Repo(repo.path).resolve("--output=/tmp/x")


def test_empty_repository(repo: GitRepo) -> None:
    with pytest.raises(FatalError, match="no commits yet"):
        Repo(repo.path).resolve("HEAD")


def test_changes_with_renames_deletions_binary_and_odd_names(repo: GitRepo) -> None:
    repo.write("keep.txt", "k\n")
    repo.write("old name.txt", "same content for rename detection\n" * 5)
    repo.write("gone.txt", "bye\n")
    base = repo.commit("base")
    repo.git("mv", "old name.txt", "new name.txt")
    repo.remove("gone.txt")
    repo.write("bin.dat", bytes(range(256)) * 10)
    repo.write("ünïcode/файл.md", "x\n")
    repo.write("with\nnewline.txt", "x\n")
    repo.write("keep.txt", "changed\n")
    head = repo.commit("head")
    changes = {c[:3] for c in Repo(repo.path).changes(base, head)}
    assert changes == {
        ("R", "new name.txt", "old name.txt"),
        ("D", "gone.txt", None),
        ("A", "bin.dat", None),
        ("A", "ünïcode/файл.md", None),
        ("A", "with\nnewline.txt", None),
        ("M", "keep.txt", None),
    }
    snap = Snapshot(Repo(repo.path), head)
    assert snap.read("with\nnewline.txt") == b"x\n"
    assert snap.read("ünïcode/файл.md") == b"x\n"
    assert snap.read("gone.txt") is None


def test_non_utf8_file_name_round_trips(repo: GitRepo) -> None:
    name = os.fsdecode(b"caf\xe9.txt")
    (repo.root / name).write_bytes(b"latin-1 name\n")
    head = repo.commit()
    r = Repo(repo.path)
    assert [c.path for c in r.changes(EMPTY, head)] == [name]
    assert Snapshot(r, head).read(name) == b"latin-1 name\n"


def test_staged_changes_against_head_and_in_empty_repo(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    r = Repo(repo.path)
    assert [c[:3] for c in r.changes(EMPTY, INDEX)] == [("A", "a.txt", None)]
    head = repo.commit()
    repo.write("a.txt", "b\n")
    repo.write("unstaged.txt", "u\n")
    repo.git("add", "a.txt")
    assert [c[:3] for c in r.changes(head, INDEX)] == [("M", "a.txt", None)]
    assert Snapshot(r, INDEX).read("a.txt") == b"b\n"
    assert "unstaged.txt" not in Snapshot(r, INDEX).files


def test_tree_modes_for_symlinks_and_submodule_like_entries(repo: GitRepo) -> None:
    repo.write("target.md", "t\n")
    os.symlink("target.md", repo.root / "link.md")
    os.symlink("/etc/passwd", repo.root / "escape.md")
    head = repo.commit()
    snap = Snapshot(Repo(repo.path), head)
    assert snap.is_file("target.md")
    assert snap.is_symlink("link.md") and not snap.is_file("link.md")
    assert snap.read("escape.md") is None  # never followed, never read


def test_merge_base_and_default_branch(repo: GitRepo) -> None:
    repo.write("a", "1")
    first = repo.commit()
    repo.branch("feature")
    repo.write("b", "2")
    feature = repo.commit()
    repo.git("checkout", "-q", "main")
    repo.write("c", "3")
    repo.commit()
    r = Repo(repo.path)
    assert r.default_base() == "main"
    assert r.merge_base(r.resolve("main"), feature) == first
    assert [c.path for c in r.changes(first, feature)] == ["b"]


def test_no_default_branch(repo: GitRepo) -> None:
    repo.git("checkout", "-q", "-b", "trunk")
    repo.write("a", "1")
    repo.commit()
    with pytest.raises(FatalError, match="pass --base"):
        Repo(repo.path).default_base()


def test_unrelated_histories(repo: GitRepo) -> None:
    repo.write("a", "1")
    repo.commit()
    repo.git("checkout", "-q", "--orphan", "other")
    repo.write("b", "2")
    other = repo.commit()
    r = Repo(repo.path)
    with pytest.raises(FatalError, match="no merge-base"):
        r.merge_base(r.resolve("main"), other)


def test_shallow_clone_without_merge_base_says_fetch_depth(repo: GitRepo, tmp_path: Path) -> None:
    repo.write("a", "1")
    repo.commit("one")
    repo.branch("feature")
    for i in range(3):
        repo.write("f", str(i))
        repo.commit(f"feature {i}")
    repo.git("checkout", "-q", "main")
    for i in range(3):
        repo.write("m", str(i))
        repo.commit(f"main {i}")
    clone = tmp_path / "shallow"
    subprocess.run(
        [
            "git",
            "clone",
            "-q",
            "--depth=1",
            "--no-single-branch",
            f"file://{repo.root}",
            str(clone),
        ],
        check=True,
    )
    r = Repo(str(clone))
    assert r.is_shallow
    with pytest.raises(FatalError, match="fetch-depth: 0"):
        r.merge_base(r.resolve("origin/main"), r.resolve("origin/feature"))
    with pytest.raises(FatalError, match="shallow clone"):
        r.resolve("HEAD~5")


def test_parse_raw_copy_type_change_and_deletion() -> None:
    a, b, z = "a" * 40, "b" * 40, "0" * 40
    out = (
        f":100644 100644 {a} {b} C075\0a\0b\0:100644 120000 {a} {b} T\0link\0"
        f":100644 100755 {a} {b} M\0x y\0:100644 000000 {a} {z} D\0gone\0"
    ).encode()
    assert parse_raw(out) == [
        Change("C", "b", "a", Entry("100644", b)),
        Change("T", "link", None, Entry("120000", b)),
        Change("M", "x y", None, Entry("100755", b)),
        Change("D", "gone"),
    ]


def test_paths_that_look_like_pathspec_magic_are_taken_literally(repo: GitRepo) -> None:
    for name in ("*.md", "[x].txt", ":(exclude)y", "a b.md"):
        repo.write(name, "x\n")
    head = repo.commit()
    base = repo.commit("empty")
    snap = Snapshot(Repo(repo.path), base)
    snap.prefetch(["*.md", "[x].txt", ":(exclude)y", "missing.md", "a b.md"])
    assert (
        snap.is_file("*.md")
        and snap.is_file("[x].txt")
        and snap.is_file(":(exclude)y")
        and snap.is_file("a b.md")
    )
    assert not snap.is_file("missing.md") and not snap.is_file("x.md")
    assert Snapshot(Repo(repo.path), head).read(":(exclude)y") == b"x\n"


def test_a_tree_derived_from_base_and_diff_answers_like_a_full_listing(repo: GitRepo) -> None:
    """Judging a change never lists the head tree: every path must read the same either way."""
    repo.write("keep.txt", "same\n")
    repo.write("edit.txt", "before\n")
    repo.write("gone/file.txt", "bye\n")
    repo.write("old/moved.md", "moved content that is long enough to be a rename\n" * 4)
    repo.write("becomes-dir", "a file first\n")
    repo.write("dir/deep/x.txt", "x\n")
    (repo.root / "link").symlink_to("keep.txt")
    base = repo.commit("base")
    repo.write("edit.txt", "after\n")
    repo.remove("gone/file.txt")
    (repo.root / "new").mkdir()
    repo.git("mv", "old/moved.md", "new/moved.md")
    repo.remove("becomes-dir")
    repo.write("becomes-dir/inside.txt", "now a directory\n")
    (repo.root / "link").unlink()
    repo.write("link", "a regular file now\n")
    repo.write("dir/deep/y.txt", "y\n")
    repo.write("added.txt", "new\n")
    head = repo.commit("head")

    r = Repo(repo.path)
    full = Snapshot(r, head)
    derived = Snapshot(r, head).after(Snapshot(r, base), r.changes(base, head))
    paths = (
        set(full.files)
        | set(Snapshot(r, base).files)
        | {
            "dir",
            "dir/deep",
            "becomes-dir",
            "old",
            "new",
            "gone",
            "missing.txt",
            "../keep.txt",
            "/keep.txt",
            "dir//deep/x.txt",
        }
    )
    derived.prefetch(sorted(paths)[:3])  # a batch first, then single lookups
    for path in sorted(paths):
        assert derived.is_file(path) == full.is_file(path), path
        assert derived.is_symlink(path) == full.is_symlink(path), path
        assert derived.read(path) == full.read(path), path
    assert derived.read("link") == b"a regular file now\n" and not derived.is_file("gone/file.txt")
    assert derived.listing is None, "the derived tree must not have listed itself"


def test_staged_tree_derived_from_head_and_the_cached_diff(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    repo.write("b.txt", "b\n")
    head = repo.commit()
    repo.write("a.txt", "staged\n")
    repo.write("c.txt", "new\n")
    repo.git("add", "a.txt", "c.txt")
    repo.write("b.txt", "unstaged edit\n")
    r = Repo(repo.path)
    derived = Snapshot(r, INDEX).after(Snapshot(r, head), r.changes(head, INDEX))
    assert derived.read("a.txt") == b"staged\n" and derived.read("c.txt") == b"new\n"
    assert derived.read("b.txt") == b"b\n", "unstaged edits are invisible"


def test_changes_count_lines_in_the_same_diff(repo: GitRepo) -> None:
    repo.write("a.txt", "1\n2\n3\n")
    repo.write("moved.txt", "line\n" * 20)
    repo.write("bin.dat", bytes(range(256)))
    base = repo.commit()
    repo.write("a.txt", "1\nTWO\n3\n4\n")
    repo.git("mv", "moved.txt", "renamed.txt")
    repo.write("bin.dat", bytes(range(255, -1, -1)))
    head = repo.commit()
    counted = {
        c.path: (c.status, c.added, c.deleted)
        for c in Repo(repo.path).changes(base, head, lines=True)
    }
    assert counted == {"a.txt": ("M", 2, 1), "renamed.txt": ("R", 0, 0), "bin.dat": ("M", 0, 0)}
    plain = {c.path: (c.added, c.deleted) for c in Repo(repo.path).changes(base, head)}
    assert plain["a.txt"] == (0, 0)


def test_several_revisions_resolve_in_one_call_and_a_bad_one_is_named(repo: GitRepo) -> None:
    first = repo.commit("one")
    second = repo.commit("two")
    r = Repo(repo.path)
    assert r.resolve_many(["HEAD", "HEAD~1"]) == [second, first]
    with pytest.raises(FatalError, match="unknown revision 'nope'"):
        r.resolve_many(["HEAD", "nope"])
    with pytest.raises(FatalError, match="invalid revision"):
        r.resolve_many(["--output=/tmp/x", "HEAD"])


def test_the_diff_ignores_the_users_diff_settings(repo: GitRepo) -> None:
    """The head tree is derived from the diff, so no setting may hide a changed path from it."""
    repo.write("a.txt", "a\n")
    sub = repo.root.parent / "sub"
    sub.mkdir()
    GitRepo(sub).git("init", "-q")
    GitRepo(sub).write("s.txt", "1\n")
    first_sub = GitRepo(sub).commit("s1")
    repo.git("add", "a.txt")
    repo.git(
        "update-index", "--add", "--cacheinfo", f"160000,{first_sub},vendor/sub"
    )  # a gitlink with no checkout
    repo.git("commit", "-q", "-m", "base")
    base = repo.git("rev-parse", "HEAD")
    GitRepo(sub).write("s.txt", "2\n")
    second_sub = GitRepo(sub).commit("s2")
    repo.git("update-index", "--cacheinfo", f"160000,{second_sub},vendor/sub")
    repo.git("commit", "-q", "-m", "bump")
    head = repo.git("rev-parse", "HEAD")
    repo.git("config", "diff.ignoreSubmodules", "all")
    repo.git("config", "diff.noprefix", "true")
    changes = Repo(repo.path).changes(base, head)
    assert [(c.path, c.new) for c in changes] == [("vendor/sub", Entry("160000", second_sub))]


def test_a_git_failure_names_the_command_not_its_options(repo: GitRepo) -> None:
    repo.commit("one")
    r = Repo(repo.path)
    with pytest.raises(FatalError, match=r"^git ls-tree failed: fatal: "):
        r.run("--literal-pathspecs", "-c", "x.y=z", "ls-tree", "deadbeef" * 5)


def test_many_and_long_names_read_through_one_cat_file_without_stalling(repo: GitRepo) -> None:
    deep = "/".join(["d" * 200] * 4)
    for i in range(300):
        repo.write(f"{deep}/f{i:03d}.txt", f"{i}\n" * 2000)  # answers far bigger than a pipe
    head = repo.commit()
    r = Repo(repo.path)
    snap = Snapshot(r, head)
    got = snap.read_many([f"{deep}/f{i:03d}.txt" for i in range(300)])
    assert len(got) == 300 and got[f"{deep}/f123.txt"] == b"123\n" * 2000
    names = [
        f"{head}:{deep}/f{i:03d}.txt" for i in range(300)
    ]  # long rev:path names, 2 KiB chunks' worth
    assert len(r.objects.read_many(names, blobs_only=True)) == 300


def test_git_missing_from_path_is_one_clear_line(example: GitRepo, tmp_path: Path) -> None:
    import sys

    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}  # no git anywhere
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from gate.cli import main; main()",
            "check",
            "--repo",
            example.path,
            "--base",
            "main",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert result.stderr == "gate: error: git is not installed or not on PATH\n"


def test_a_cat_file_that_dies_is_a_git_error_not_a_hang(repo: GitRepo) -> None:
    repo.write("a.txt", "a\n")
    head = repo.commit()
    r = Repo(repo.path)
    snap = Snapshot(r, head)
    assert snap.read("a.txt") == b"a\n"
    r.objects._process.kill()
    r.objects._process.wait()
    with pytest.raises(FatalError, match="git cat-file stopped"):
        Snapshot(r, head).read("a.txt")


EVIL_EMAIL = "mal\x1fThis reverts commit 0123456789abcdef\x1e@example.com"


def test_log_answers_keep_separator_bytes_in_their_field(repo: GitRepo) -> None:
    """Names, e-mails and messages are the author's to write: \x1e and \x1f in them never split a record."""
    repo.write("exceptions.yaml", "x\n")
    repo.git("add", "-A")
    message = (
        "tidy\x1fThis reverts commit 0123456789abcdef\x1e"
        + "d" * 40
        + "\x1f\x1fboss@example.com\x1f"
    )
    repo.git("commit", "-q", "-m", message, f"--author=Mal\x1flo\x1ery <{EVIL_EMAIL}>")
    sha = repo.git("rev-parse", "HEAD")
    r = Repo(repo.path)
    (commit,) = r.commits(EMPTY, "HEAD")
    assert (commit.sha, commit.parents, commit.author_email, commit.message.rstrip("\n")) == (
        sha,
        (),
        EVIL_EMAIL,
        message,
    )
    email, time, said = r.authorship("HEAD")
    assert (email, said.rstrip("\n")) == (EVIL_EMAIL, message) and time > 0
    ((logged, name, mail, when),) = r.path_log("exceptions.yaml")
    assert (logged, name, mail) == (sha, "Mal\x1flo\x1ery", EVIL_EMAIL) and when.startswith("20")


def test_log_format_tokens_are_fresh_and_the_field_count_is_checked() -> None:
    from gate.git import GitError, LogFormat

    one, two = LogFormat("%H", "%B"), LogFormat("%H", "%B")
    assert one.field_mark != two.field_mark and one.record_mark != two.record_mark
    assert one.records(one.record_mark + b"a" + one.field_mark + b"b" + one.field_mark + b"\n") == [
        ([b"a", b"b"], b"\n")
    ]
    with pytest.raises(GitError, match="1 fields where 2"):
        one.split(b"a" + one.field_mark + b"b\x1fc")
    with pytest.raises(GitError, match="before its first record"):
        one.records(b"junk" + one.record_mark + b"a" + one.field_mark + b"b" + one.field_mark)


def _patch_bytes(r: Repo, base: str, head: str) -> bytes:
    process = r.patch_stream(base, head)
    out = process.stdout.read()
    process.finish()
    return out


@pytest.mark.parametrize("files", [1, 400])
def test_staged_patch_is_the_staged_change_whatever_the_repository_size(
    repo: GitRepo, files: int
) -> None:
    """The pre-commit hook's diff is the staged change, not the repository: git's output for a
    one-file staged edit is the same bytes with 1 file committed beside it or 400."""
    for i in range(files):
        repo.write(f"services/s{i}/service.yaml", f"name: s{i}\n")
    repo.write("services/edited/app.py", "a = 1\n")
    head = repo.commit()
    repo.write("services/edited/app.py", "a = 1\nif a:\n    b = 2\n")
    repo.write("services/s0/unstaged.txt", "not staged\n")
    repo.git("add", "services/edited/app.py")
    r = Repo(repo.path)
    out = _patch_bytes(r, head, INDEX)
    expected = (
        b"diff --git a/services/edited/app.py b/services/edited/app.py\n"
        + b"index "
        + repo.git("rev-parse", "--short", "HEAD:services/edited/app.py").encode()
        + b".."
        + repo.git("rev-parse", "--short", ":services/edited/app.py").encode()
        + b" 100644\n--- a/services/edited/app.py\n+++ b/services/edited/app.py\n"
        + b"@@ -1,0 +2,2 @@ a = 1\n+if a:\n+    b = 2\n"
    )
    assert out == expected, out[:300]
    # The pushed range (pre-commit's pre-push stage) is two commits: the same bytes.
    repo.git("commit", "-q", "-m", "staged edit")
    pushed = repo.git("rev-parse", "HEAD")
    assert _patch_bytes(r, head, pushed) == expected


def test_staged_patch_in_a_repository_without_commits(repo: GitRepo) -> None:
    repo.write("a.txt", "one\n")
    repo.git("add", "a.txt")
    out = _patch_bytes(Repo(repo.path), EMPTY, INDEX)
    assert out.endswith(b"+++ b/a.txt\n@@ -0,0 +1 @@\n+one\n")


def test_the_staged_tree_follows_the_index(repo: GitRepo) -> None:
    """Written once per index state (the check and the risk diff share it), never a stale one."""
    repo.write("a.txt", "a\n")
    repo.git("add", "a.txt")
    r = Repo(repo.path)
    first = r.index_tree()
    assert r.index_tree() == first == repo.git("write-tree")
    repo.write("a.txt", "b\n")
    repo.git("add", "a.txt")
    assert r.index_tree() == repo.git("write-tree") != first


@pytest.mark.parametrize(
    "alike",
    [
        "SLO-Status.JSON",
        "\u017flo-\u017ftatus.json",  # LONG S
        "slo-status.j\u017fon",
        "slo-\u200cstatus.json",  # an invisible format character
        "slo-\ufeffstatus.json",
    ],
)
def test_names_a_case_insensitive_file_system_opens_as_one_fold_alike(alike: str) -> None:
    assert folded(alike) == folded("slo-status.json")


def test_folding_keeps_names_apart_that_no_file_system_merges() -> None:
    assert folded("slo-status.jso\u0274") != folded("slo-status.json")
    assert folded("slo-status.json.bak") != folded("slo-status.json")
    assert folded("caf\u00e9") == folded("cafe\u0301")  # composed and decomposed
    assert folded("\u212aelvin") == folded("kelvin") and folded("\u0131d") == folded("ID")


def test_spelled_alike_finds_unicode_lookalikes_at_their_depth(repo: GitRepo) -> None:
    repo.write("ops/\u017flo.json", "{}")
    repo.write("\u017flo.json", "{}")
    repo.write("ops/deeper/slo.json", "{}")
    sha = repo.commit()
    git = Repo(repo.path)
    assert git.spelled_alike(sha, "ops/SLO.json") == ["ops/\u017flo.json"]
    assert git.spelled_alike(sha, "slo.json") == ["\u017flo.json"]
    repo.write("OPS/Slo.JSON", "{}")
    repo.git("add", "-A")
    assert sorted(git.spelled_alike(INDEX, "ops/slo.json")) == ["OPS/Slo.JSON", "ops/\u017flo.json"]
