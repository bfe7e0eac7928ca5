"""The only module that talks to git: one process per question, NUL-separated answers.

Everything the gate judges is read from git objects (a commit's tree or the index), never
from the working tree, so a path in a manifest can never make the gate read outside the
repository, and uncommitted edits cannot change a verdict on a commit.
"""
from __future__ import annotations

import os
from functools import cached_property
from typing import Any, NamedTuple

from gate.errors import FatalError

INDEX = ":index:"  # the staged tree, for pre-commit
EMPTY = ":empty:"  # no tree at all: the base of a repository's first commit

_DEFAULT_BRANCHES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")


class Change(NamedTuple):
    status: str  # A added, M modified, D deleted, R renamed, C copied, T type changed
    path: str
    old_path: str | None = None


class Entry(NamedTuple):
    mode: str
    sha: str


class Commit(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    author_email: str
    message: str


class GitError(FatalError):
    pass


class Repo:
    def __init__(self, path: str = ".") -> None:
        import git as gitpython  # lazy: the start-up path of `gate --help` stays fast

        self._exc = gitpython.exc
        if not os.path.isdir(path):
            raise FatalError("no such directory", path)
        probe = gitpython.cmd.Git(path)
        try:
            top = probe.execute(["git", "rev-parse", "--show-toplevel"]).strip()
        except gitpython.exc.GitCommandNotFound:
            raise FatalError("git is not installed or not on PATH") from None
        except gitpython.exc.GitCommandError:
            top = ""
        if not top:
            try:  # a bare repository (a mirror, a CI cache) has history but no work tree
                bare = probe.execute(["git", "rev-parse", "--is-bare-repository"]).strip() == "true"
                top = probe.execute(["git", "rev-parse", "--git-dir"]).strip() if bare else ""
            except gitpython.exc.GitCommandError:
                top = ""
            if not top:
                raise FatalError("not a git repository (or any parent up to the root)", os.path.abspath(path)) from None
            top = os.path.normpath(os.path.join(os.path.abspath(path), top))
        self.root = str(top).strip()
        self._git = gitpython.cmd.Git(self.root)

    def run(self, *args: str, ok_codes: tuple[int, ...] = (0,)) -> bytes:
        """Run one git command; its stdout as bytes. Other exit codes raise GitError with git's words."""
        status, out, err = self._git.execute(
            ["git", "-c", "core.quotepath=off", *args],
            with_extended_output=True,
            with_exceptions=False,
            stdout_as_string=False,
            strip_newline_in_stdout=False,
        )
        if status not in ok_codes:
            message = err.decode("utf-8", "replace").strip() if isinstance(err, bytes) else str(err).strip()
            raise GitError(f"git {args[0]} failed: {message.splitlines()[-1] if message else f'exit {status}'}")
        return out if isinstance(out, bytes) else str(out).encode()

    # -- revisions ---------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The commit id of `rev`, or a FatalError that says what to do."""
        if rev.startswith("-"):
            raise FatalError(f"invalid revision {rev!r}")
        out = self.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}", ok_codes=(0, 1))
        if not out.strip():
            if rev == "HEAD" and not self.has_commits():
                raise FatalError("the repository has no commits yet; commit first or use --staged", self.root)
            hint = " (a shallow clone: fetch more history, e.g. actions/checkout with fetch-depth: 0)" if self.is_shallow else ""
            raise FatalError(f"unknown revision {rev!r}{hint}")
        return out.decode().strip()

    def has_commits(self) -> bool:
        return bool(self.run("rev-parse", "--verify", "--quiet", "HEAD", ok_codes=(0, 1)).strip())

    @cached_property
    def git_dir(self) -> str:
        """The repository's git directory, where gate keeps its caches."""
        return self.run("rev-parse", "--absolute-git-dir").decode().strip()

    @cached_property
    def is_shallow(self) -> bool:
        return self.run("rev-parse", "--is-shallow-repository").strip() == b"true"

    def merge_base(self, base: str, head: str) -> str:
        out = self.run("merge-base", base, head, ok_codes=(0, 1)).strip()
        if out:
            return out.decode()
        if self.is_shallow:
            raise FatalError(
                "no merge-base between base and head in this shallow clone; fetch the full history "
                "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
            )
        raise FatalError("base and head share no history (no merge-base); pass --base explicitly")

    def default_base(self) -> str:
        for name in _DEFAULT_BRANCHES:
            if self.run("rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", ok_codes=(0, 1)).strip():
                return name
        raise FatalError("cannot find the default branch (origin/HEAD, main or master); pass --base REV")

    def parent(self, rev: str) -> str:
        """First parent of `rev`, or EMPTY for a root commit."""
        out = self.run("rev-parse", "--verify", "--quiet", f"{rev}^1", ok_codes=(0, 1)).strip()
        return out.decode() if out else EMPTY

    # -- changes -----------------------------------------------------------------------

    def changes(self, base: str, head: str) -> list[Change]:
        """Files changed from tree `base` to tree `head` (commit ids, INDEX or EMPTY)."""
        args = ["diff", "--name-status", "-z", "-M", "--no-ext-diff", "--no-textconv"]
        if head == INDEX:
            args.append("--cached")
            args.append(_empty_tree(self) if base == EMPTY else base)
        else:
            args += [_empty_tree(self) if base == EMPTY else base, head]
        return parse_name_status(self.run(*args, "--"))

    # -- trees ---------------------------------------------------------------------------

    def tree(self, rev: str) -> dict[str, Entry]:
        """Every file of a tree: path -> (git mode, object id). Modes: 100644/100755 files,
        120000 symbolic links, 160000 submodules."""
        if rev == EMPTY:
            return {}
        files: dict[str, Entry] = {}
        if rev == INDEX:  # "mode sha stage\tpath"
            for entry in self.run("ls-files", "--stage", "-z").split(b"\0"):
                if entry:
                    meta, _, path = entry.partition(b"\t")
                    mode, sha, _ = meta.decode().split(" ", 2)
                    files[_text(path)] = Entry(mode, sha)
            return files
        for entry in self.run("ls-tree", "-r", "-z", "--full-tree", rev).split(b"\0"):  # "mode type sha\tpath"
            if entry:
                meta, _, path = entry.partition(b"\t")
                mode, _, sha = meta.decode().split(" ", 2)
                files[_text(path)] = Entry(mode, sha)
        return files

    def blobs(self, shas: list[str]) -> dict[str, bytes]:
        """Many objects in one `git cat-file --batch` round trip: object id -> bytes."""
        import subprocess

        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        result = subprocess.run(["git", "cat-file", "--batch"], cwd=self.root, input="\n".join(wanted).encode() + b"\n",
                                capture_output=True, check=False)
        out, position, found = result.stdout, 0, {}
        for sha in wanted:
            end = out.index(b"\n", position)
            header = out[position:end].split()
            position = end + 1
            if len(header) == 3:
                size = int(header[2])
                found[sha] = out[position:position + size]
                position += size + 1
        return found

    def read(self, rev: str, path: str) -> bytes | None:
        """A file's bytes at `rev` (one long-lived `git cat-file --batch` serves every read)."""
        if rev == EMPTY:
            return None
        name = f":{path}" if rev == INDEX else f"{rev}:{path}"
        if "\n" in name or not name.isprintable() and _undecodable(name):
            # cat-file --batch reads UTF-8 names line by line: ask for this one on its own.
            if self.run("cat-file", "-t", name, ok_codes=(0, 128)).strip() != b"blob":
                return None
            return self.run("cat-file", "blob", name)
        try:
            _, kind, _, data = self._git.get_object_data(name)
        except (ValueError, self._exc.GitCommandError):
            return None
        return data if kind == b"blob" or kind == "blob" else None

    def commits(self, base: str, head: str) -> list[Commit]:
        """Commits in base..head, newest first, in one process."""
        out = self.run("log", "-z", "--format=%H%x1f%P%x1f%ae%x1f%B", f"{base}..{head}" if base != EMPTY else head, "--")
        commits = []
        for record in out.split(b"\0"):
            if record.strip():
                sha, parents, email, message = record.decode("utf-8", "replace").split("\x1f", 3)
                commits.append(Commit(sha.strip(), tuple(parents.split()), email, message))
        return commits

    def blob_ids(self, rev: str, paths: list[str]) -> dict[str, str]:
        """path -> blob id at `rev` for those of `paths` that exist there (one process)."""
        if not paths or rev == EMPTY:
            return {}
        out = self.run("ls-tree", "-z", "--full-tree", rev, "--", *paths)
        blobs = {}
        for entry in out.split(b"\0"):
            if entry:
                meta, _, path = entry.partition(b"\t")
                blobs[_text(path)] = meta.split(b" ")[2].decode()
        return blobs


def parse_name_status(out: bytes) -> list[Change]:
    parts = out.split(b"\0")
    changes: list[Change] = []
    i = 0
    while i < len(parts) and parts[i]:
        status = parts[i].decode()[:1]
        if status in ("R", "C"):
            changes.append(Change(status, _text(parts[i + 2]), _text(parts[i + 1])))
            i += 3
        else:
            changes.append(Change(status, _text(parts[i + 1])))
            i += 2
    return changes


def _undecodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text(path: bytes) -> str:
    # Non-UTF-8 names survive as surrogates, so they round-trip to git unchanged.
    return os.fsdecode(path)


def _empty_tree(repo: Any) -> str:
    return repo.run("hash-object", "-t", "tree", "/dev/null").decode().strip()


class Snapshot:
    """One tree (a commit, the index, or nothing) with its file list and cached reads."""

    def __init__(self, repo: Repo, rev: str) -> None:
        self.repo = repo
        self.rev = rev
        self._reads: dict[str, bytes | None] = {}
        self._entries: dict[str, Entry | None] = {}

    @cached_property
    def files(self) -> dict[str, Entry]:
        return self.repo.tree(self.rev)

    def entry(self, path: str) -> Entry | None:
        """One path's mode and id, without listing the whole tree when it has not been listed yet."""
        if "files" in self.__dict__ or self.rev in (EMPTY, INDEX):
            return self.files.get(path)
        if path not in self._entries:
            self.prefetch([path])
        return self._entries[path]

    def prefetch(self, paths: list[str]) -> None:
        """Look up many paths' modes and ids in one `git ls-tree` (paths taken literally, never as globs)."""
        if "files" in self.__dict__ or self.rev in (EMPTY, INDEX):
            return
        todo = sorted({p for p in paths if p and p not in self._entries})
        if not todo:
            return
        if len(todo) > 1000:  # a huge change: one full listing is cheaper than a huge command line
            listing = self.files
            self._entries.update({p: listing.get(p) for p in todo})
            return
        out = self.repo.run("--literal-pathspecs", "ls-tree", "-z", "--full-tree", self.rev, "--", *todo)
        found: dict[str, Entry] = {}
        for item in out.split(b"\0"):
            if item:
                meta, _, name = item.partition(b"\t")
                mode, _, sha = meta.decode().split(" ", 2)
                found[_text(name)] = Entry(mode, sha)
        for path in todo:
            self._entries[path] = found.get(path)

    def is_file(self, path: str) -> bool:
        entry = self.entry(path)
        return entry is not None and entry.mode.startswith("100")

    def is_symlink(self, path: str) -> bool:
        entry = self.entry(path)
        return entry is not None and entry.mode == "120000"

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        """Regular files among `paths`, read in one round trip (and remembered for `read`)."""
        todo = [p for p in paths if p not in self._reads and self.is_file(p)]
        found = self.repo.blobs([self.entry(p).sha for p in todo])  # type: ignore[union-attr]
        for path in todo:
            self._reads[path] = found.get(self.entry(path).sha)  # type: ignore[union-attr]
        return {p: self._reads[p] for p in paths if self._reads.get(p) is not None}  # type: ignore[misc]

    def is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return any(f.startswith(prefix) for f in self.files)

    def read(self, path: str) -> bytes | None:
        if path not in self._reads:
            self._reads[path] = self.repo.read(self.rev, path) if self.is_file(path) else None
        return self._reads[path]


def command(cwd: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run a git command that changes a repository (used by `gate demo`); stdout as text."""
    import subprocess

    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout
