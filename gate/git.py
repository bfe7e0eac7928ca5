"""The only module that talks to git: one process per question, NUL-separated answers.

Everything the gate judges is read from git objects (a commit's tree or the index), never
from the working tree, so a path in a manifest can never make the gate read outside the
repository, and uncommitted edits cannot change a verdict on a commit.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterator
from functools import cached_property
from typing import IO, Any, NamedTuple

from gate.errors import FatalError

INDEX = ":index:"  # the staged tree, for pre-commit
EMPTY = ":empty:"  # no tree at all: the base of a repository's first commit

_DEFAULT_BRANCHES = ("origin/HEAD", "origin/main", "origin/master", "main", "master")
# git's own words in English whatever the user's locale, never a prompt for credentials, and the
# objects as they are: refs/replace (`git replace`) cannot show one commit or tree in place of another.
_ENV = {
    **os.environ,
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_REPLACE_OBJECTS": "1",
}


class Entry(NamedTuple):
    mode: str
    sha: str


class Change(NamedTuple):
    status: str  # A added, M modified, D deleted, R renamed, C copied, T type changed
    path: str
    old_path: str | None = None
    new: Entry | None = None  # the path's mode and blob id after the change (None when deleted)
    added: int = 0  # lines, when asked for (binary files count 0)
    deleted: int = 0


class Commit(NamedTuple):
    sha: str
    parents: tuple[str, ...]
    author_email: str
    message: str


class GitError(FatalError):
    pass


class LogFormat:
    """A `git log --format` whose separators carry a token drawn afresh for every run.

    A commit's message, author name or email and file names are the author's to write, bytes
    \x1e, \x1f and newlines included; none can hold a random token it never saw, so nothing a
    commit contains can end a field or a record early, nor forge another commit's record. Each
    record opens with the record mark and every field is followed by the field mark; what git
    writes after the last field (files, a patch) is the record's tail.
    """

    def __init__(self, *fields: str) -> None:
        token = secrets.token_hex(16)
        self.fields = fields
        self.record_mark = b"\x1e" + token.encode()
        self.field_mark = b"\x1f" + token.encode()
        self.format = f"%x1e{token}" + "".join(f"{f}%x1f{token}" for f in fields)

    def split(self, record: bytes) -> tuple[list[bytes], bytes]:
        """A record's fields (after its record mark) and its tail; exactly as many fields as asked for, or a GitError."""
        parts = record.split(self.field_mark)
        if len(parts) != len(self.fields) + 1:
            raise GitError(
                f"git log answered a record with {len(parts) - 1} fields where {len(self.fields)} were asked for"
            )
        return parts[:-1], parts[-1]

    def records(self, out: bytes) -> list[tuple[list[bytes], bytes]]:
        """Every record of a whole answer, each split as `split` does."""
        pieces = out.split(self.record_mark)
        if pieces[0].strip(b"\0\n"):
            raise GitError("git log answered text before its first record")
        return [self.split(piece) for piece in pieces[1:]]

    def stream(self, process: Stream) -> Iterator[bytes]:
        """The records of a running `git log`, as they come (the process is finished or abandoned)."""
        tail = b""
        finished = False
        try:
            while True:
                chunk = process.stdout.read(1 << 16)
                if not chunk:
                    break
                pieces = (tail + chunk).split(self.record_mark)
                tail = pieces.pop()
                yield from (p for p in pieces if p)
            finished = True
            process.finish()  # git stopped mid-way (a missing object): never a silently short history
            if tail:
                yield tail
        finally:
            if not finished:
                process.abandon()


class Repo:
    """A repository, spoken to through git's plumbing: one short process per question, plus one
    long-lived `git cat-file --batch` for reading objects.

    Plain subprocesses rather than a wrapper library: importing one costs more than the whole
    git work of a warm check (see bench/README.md).
    """

    def __init__(self, path: str = ".") -> None:
        if not os.path.isdir(path):
            raise FatalError("no such directory", path)
        self.root = os.path.abspath(path)
        self._cat_file: _CatFile | None = None
        self._index_tree: tuple[tuple[int, ...] | None, str] | None = (
            None  # (index file state, tree)
        )
        # Which files define services and what is known about them (gate.manifest_index.ManifestIndex.of, a layer above).
        self.manifest_index: object | None = None
        # One process answers everything the run needs to know about the repository itself.
        status, out, _ = self._exec(
            "rev-parse",
            "--is-bare-repository",
            "--absolute-git-dir",
            "--is-shallow-repository",
            "--show-toplevel",
        )
        lines = out.decode("utf-8", "surrogateescape").splitlines()
        if len(lines) < 3:
            raise FatalError(
                "not a git repository (or any parent up to the root)", os.path.abspath(path)
            )
        bare, git_dir, shallow = lines[0] == "true", lines[1], lines[2] == "true"
        if len(lines) >= 4 and status == 0:
            top = lines[3]
        elif bare:  # a bare repository (a mirror, a CI cache) has history but no work tree
            top = git_dir
        else:  # inside .git itself
            raise FatalError(
                "not a git repository (or any parent up to the root)", os.path.abspath(path)
            )
        self.root = top
        self.git_dir = git_dir  # where gate keeps its caches
        self.is_shallow = shallow

    @cached_property
    def _attribute_free(self) -> tuple[str, dict[str, str]]:
        """Where and how to run a diff or log that counts lines between commits: from an empty work
        tree with an empty index, so no `.gitattributes` a change commits or checks out (`* -diff`,
        `binary`) can hide lines from the risk model; only the operator's own info/attributes apply."""
        import atexit
        import shutil
        import tempfile

        empty = tempfile.mkdtemp(prefix="gate-noattr-")
        atexit.register(shutil.rmtree, empty, True)
        env = {
            **_ENV,
            "GIT_DIR": self.git_dir,
            "GIT_WORK_TREE": empty,
            "GIT_INDEX_FILE": os.path.join(empty, "index"),
        }
        return empty, env

    def _exec(self, *args: str, attribute_free: bool = False) -> tuple[int, bytes, bytes]:
        cwd, env = self._attribute_free if attribute_free else (self.root, _ENV)
        try:
            result = subprocess.run(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
            )
        except FileNotFoundError:
            raise FatalError("git is not installed or not on PATH") from None
        return result.returncode, result.stdout, result.stderr

    def run(
        self, *args: str, ok_codes: tuple[int, ...] = (0,), attribute_free: bool = False
    ) -> bytes:
        """Run one git command; its stdout as bytes. Other exit codes raise GitError with git's words."""
        status, out, err = self._exec(*args, attribute_free=attribute_free)
        if status not in ok_codes:
            raise _failure(args, status, err)
        return out

    def stream(self, *args: str, attribute_free: bool = True) -> Stream:
        """A git command whose stdout is read as it is produced; the reader calls `finish()` at the
        end of the output (a failure mid-way is then a GitError) or `abandon()` to stop early.
        History is read between commits, attribute-free: no checked-out attributes apply."""
        cwd, env = self._attribute_free if attribute_free else (self.root, _ENV)
        errors = tempfile.TemporaryFile()  # a file, not a pipe: git may write any amount there
        try:
            process = subprocess.Popen(
                ["git", "-c", "core.quotepath=off", *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=errors,
            )
        except FileNotFoundError:
            errors.close()
            raise FatalError("git is not installed or not on PATH") from None
        return Stream(process, args, errors)

    @property
    def objects(self) -> _CatFile:
        if self._cat_file is None:
            self._cat_file = _CatFile(self.root)
        return self._cat_file

    # -- revisions ---------------------------------------------------------------------

    def resolve(self, rev: str) -> str:
        """The commit id of `rev`, or a FatalError that says what to do."""
        if rev.startswith("-"):
            raise FatalError(f"invalid revision {rev!r}")
        out = self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{rev}^{{commit}}",
            ok_codes=(0, 1),
        )
        if not out.strip():
            if rev == "HEAD" and not self.has_commits():
                raise FatalError(
                    "the repository has no commits yet; commit first or use --staged", self.root
                )
            hint = (
                " (a shallow clone: fetch more history, e.g. actions/checkout with fetch-depth: 0)"
                if self.is_shallow
                else ""
            )
            raise FatalError(f"unknown revision {rev!r}{hint}")
        return out.decode().strip()

    def resolve_many(self, revs: list[str]) -> list[str]:
        """Commit ids of several revisions in one process (errors as `resolve` words them)."""
        if not any(r.startswith("-") for r in revs):
            status, out, _ = self._exec(
                "rev-parse", "--end-of-options", *(f"{r}^{{commit}}" for r in revs)
            )
            shas = [line for line in out.decode().split() if line != "--end-of-options"]
            if status == 0 and len(shas) == len(revs):
                return shas
        return [self.resolve(r) for r in revs]

    def check_unambiguous(self, rev: str) -> None:
        """Refuse a revision name that names different commits through different refs.

        The base is the trusted side; a pull request's author can create a branch or tag (a CI
        checkout of `origin/main` as a local branch, a tag `main`) that git's name lookup would
        pick before the real base branch."""
        if (
            not rev
            or all(c in "0123456789abcdef" for c in rev.lower())
            or any(c in rev for c in "~^:@")
        ):
            return
        names = [
            f"refs/{rev}",
            f"refs/tags/{rev}",
            f"refs/heads/{rev}",
            f"refs/remotes/{rev}",
            f"refs/remotes/{rev}/HEAD",
        ]
        out = self.run(
            "for-each-ref", "--format=%(refname)%09%(objectname)%09%(*objectname)", *names
        ).decode("utf-8", "replace")
        found: dict[str, str] = {}
        for line in out.splitlines():
            name, _, rest = line.partition("\t")
            target, _, peeled = rest.partition("\t")
            if name in names:
                found[name] = peeled or target
        if len(set(found.values())) > 1:
            raise FatalError(
                f"base revision {rev!r} is ambiguous: {', '.join(sorted(found))} name different commits; "
                "pass the full ref (e.g. refs/remotes/origin/main) or the commit id"
            )

    def resolve_or_empty(self, rev: str) -> str:
        """The commit id of `rev`, or EMPTY when it does not exist (HEAD before the first commit)."""
        out = self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{rev}^{{commit}}",
            ok_codes=(0, 1),
        ).strip()
        return out.decode() if out else EMPTY

    def has_commits(self) -> bool:
        return bool(self.run("rev-parse", "--verify", "--quiet", "HEAD", ok_codes=(0, 1)).strip())

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
            if self.run(
                "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}", ok_codes=(0, 1)
            ).strip():
                return name
        raise FatalError(
            "cannot find the default branch (origin/HEAD, main or master); pass --base REV"
        )

    def branch(self) -> str | None:
        """The checked-out branch's short name, or None when HEAD is detached."""
        out = self.run("symbolic-ref", "--quiet", "--short", "HEAD", ok_codes=(0, 1, 128))
        return out.decode("utf-8", "replace").strip() or None

    def first_added(self, rev: str, path: str) -> int | None:
        """The author time of the oldest commit `rev` reaches that added `path`, or None."""
        times = self.run(
            "log", "--diff-filter=A", "--format=%at", rev, "--", f":(literal){path}"
        ).split()
        return int(times[-1]) if times else None

    def default_branch(self) -> str | None:
        """The default branch's short name (`main` for origin/HEAD -> origin/main), or None."""
        try:
            base = self.default_base()
        except FatalError:
            return None
        if base == "origin/HEAD":
            base = self.run("rev-parse", "--abbrev-ref", base).decode().strip()
        return base.removeprefix("origin/")

    def is_ancestor(self, ancestor: str, rev: str) -> bool:
        status, _, err = self._exec("merge-base", "--is-ancestor", ancestor, rev)
        if status not in (0, 1):
            raise GitError(
                f"git merge-base failed: {err.decode('utf-8', 'replace').strip() or f'exit {status}'}"
            )
        return status == 0

    def parent(self, rev: str) -> str:
        """First parent of `rev`, or EMPTY for a root commit."""
        out = self.run("rev-parse", "--verify", "--quiet", f"{rev}^1", ok_codes=(0, 1)).strip()
        return out.decode() if out else EMPTY

    # -- changes -----------------------------------------------------------------------

    def changes(
        self, base: str, head: str, renames: bool = True, lines: bool = False
    ) -> list[Change]:
        """Files changed from tree `base` to tree `head` (commit ids, INDEX or EMPTY); with `lines`,
        the lines added and deleted per file too, from the same process."""
        # Exactly what differs between the trees, whatever the user's diff settings say.
        args = [
            "diff",
            "--raw",
            "--no-abbrev",
            "-z",
            "-M" if renames else "--no-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--ignore-submodules=none",
        ]
        if lines:
            args.append("--numstat")
        if head == INDEX and lines:
            # Lines are counted between trees, attribute-free: the index as a tree, so no
            # `.gitattributes` staged or left in the work tree (`* -diff`) can hide them.
            head = self.index_tree()
        if head == INDEX:
            args.append("--cached")
            args.append(_empty_tree(self) if base == EMPTY else base)
        else:
            args += [_empty_tree(self) if base == EMPTY else base, head]
        return parse_raw(self.run(*args, "--", attribute_free=head != INDEX))

    def index_tree(self) -> str:
        """The staged tree's id, written from the real index (`git write-tree`), or INDEX when the
        index cannot be a tree (a merge left it unmerged). Written once while the index file stays
        as the write left it: git reads the whole index for it (70,000 entries at 10,000 services)."""
        known = self._index_tree
        if known is not None and known[0] == _index_state(self.root, self.git_dir):
            return known[1]
        tree = self.run("write-tree", ok_codes=(0, 1, 128)).decode().strip() or INDEX
        self._index_tree = (_index_state(self.root, self.git_dir), tree)
        return tree

    # -- trees ---------------------------------------------------------------------------

    def tree(self, rev: str) -> dict[str, Entry]:
        """Every file of a tree: path -> (git mode, object id). Modes: 100644/100755 files,
        120000 symbolic links, 160000 submodules."""
        if rev == EMPTY:
            return {}
        return parse_listing(self._listing(rev), staged=rev == INDEX)

    def _listing(self, rev: str) -> bytes:
        """Every entry of a commit's tree (`ls-tree -r`) or of the index (`ls-files --stage`), NUL-separated."""
        if rev == INDEX:
            return self.run("ls-files", "--stage", "-z")
        return self.run("ls-tree", "-r", "-z", "--full-tree", rev)

    def subtree(self, rev: str, directory: str) -> dict[str, Entry]:
        """Every file under one directory of a tree (or of the index): path -> entry, in one process."""
        if rev == EMPTY or not tree_path(directory):
            return {}
        if rev == INDEX:
            out = self.run("--literal-pathspecs", "ls-files", "--stage", "-z", "--", directory)
        else:
            out = self.run(
                "--literal-pathspecs", "ls-tree", "-r", "-z", "--full-tree", rev, "--", directory
            )
        return parse_listing(out, staged=rev == INDEX)

    def named(self, rev: str, *basenames: str) -> dict[str, Entry]:
        """Every file called one of `basenames` in a tree, anywhere: path -> entry (one listing)."""
        if rev == EMPTY:
            return {}
        return parse_listing(self._listing(rev), staged=rev == INDEX, basenames=basenames)

    def mentioning(self, rev: str, word: str, basenames: tuple[str, ...]) -> list[str]:
        """Files called one of `basenames` anywhere in commit `rev` whose text contains `word` as a
        fixed string (one `git grep`, no attributes: a superset the caller narrows by parsing)."""
        if rev in (EMPTY, INDEX) or not word or "\0" in word or len(word) > 256:
            return []
        specs = [f":(glob)**/{name}" for name in basenames if "/" not in name]
        out = self.run(
            "grep",
            "--no-color",
            "-l",
            "-z",
            "-I",
            "-F",
            "-e",
            word,
            rev,
            "--",
            *specs,
            ok_codes=(0, 1),
            attribute_free=True,
        )
        prefix = f"{rev}:"
        return sorted(
            p[len(prefix) :]
            for p in out.decode("utf-8", "surrogateescape").split("\0")
            if p.startswith(prefix)
        )

    def entries(self, rev: str, paths: list[str]) -> dict[str, Entry]:
        """path -> entry at commit `rev` for those of `paths` that exist there (paths taken literally,
        never as globs; a directory's entry has mode 040000), in one `git ls-tree`."""
        if not paths or rev == EMPTY:
            return {}
        return parse_listing(
            self.run("--literal-pathspecs", "ls-tree", "-z", "--full-tree", rev, "--", *paths)
        )

    def blobs(self, shas: list[str]) -> dict[str, bytes]:
        """Many objects through the long-lived `git cat-file --batch`: object id -> bytes. The ids come
        from trees, so one that is missing means a damaged clone: an error, never an absent file."""
        wanted = list(dict.fromkeys(shas))
        found = self.objects.read_many(wanted)
        missing = [sha for sha in wanted if sha not in found]
        if missing:
            raise GitError(
                f"git cat-file failed: object {missing[0]} is missing (a damaged or partial clone; run git fsck)"
            )
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
        found = self.objects.read_many([name], blobs_only=True)
        return found.get(name)

    def commits(self, base: str, head: str, paths: list[str] | None = None) -> list[Commit]:
        """Commits in base..head, newest first, in one process; with `paths`, every commit but
        merges that changes one of them (taken literally), on any line of history."""
        log = LogFormat("%H", "%P", "%ae", "%B")
        touching = ("--full-history", "--no-merges") if paths is not None else ()
        out = self.run(
            "--literal-pathspecs",
            "log",
            "-z",
            *touching,
            f"--format={log.format}",
            f"{base}..{head}" if base != EMPTY else head,
            "--",
            *(paths or ()),
        )
        commits = []
        for fields, _ in log.records(out):
            sha, parents, email, message = (f.decode("utf-8", "replace") for f in fields)
            commits.append(Commit(sha.strip(), tuple(parents.split()), email, message))
        return commits

    # -- named questions (every git command gate runs is spelled in this module) -------------

    def count_commits(self, rev: str) -> int:
        """How many commits `rev` reaches."""
        return int(self.run("rev-list", "--count", rev).decode().strip() or 0)

    def newest_commits(self, rev: str, count: int) -> list[tuple[int, bool]]:
        """The newest `count` commits `rev` reaches, in `git log`'s order: (author time, is a merge)."""
        out = self.run("log", "--format=%at %P", f"--max-count={count}", rev).decode()
        return [(int(r[0]), len(r) > 2) for line in out.splitlines() if (r := line.split())]

    def reachable(self, rev: str) -> list[str]:
        """The ids of every commit `rev` reaches, newest first."""
        return self.run("rev-list", rev).decode().split()

    def first_parent_before(self, rev: str, moment: int) -> str:
        """The newest commit on `rev`'s first-parent line committed at or before `moment` (a Unix time), or ""."""
        return (
            self.run("rev-list", "--first-parent", "-n1", f"--before=@{moment}", rev, "--")
            .strip()
            .decode()
        )

    def commit_times(self, rev: str, since: int) -> dict[str, tuple[tuple[str, ...], int, int]]:
        """Every commit `rev` reaches committed since `since` (a Unix time): its parents, author
        time and committer time, in one process."""
        found = {}
        for line in (
            self.run("log", "--format=%H %at %ct %P", f"--since=@{since}", rev, "--")
            .decode()
            .splitlines()
        ):
            sha, author, committer, *parents = line.split()
            found[sha] = (tuple(parents), int(author), int(committer))
        return found

    def tags(self, pattern: str) -> list[tuple[str, str, int]]:
        """Tags matching a glob, as (name, the commit it points at, its time: the tag's own for an
        annotated tag, the commit's otherwise), oldest first."""
        out = self.run(
            "for-each-ref",
            "--sort=creatordate",
            "--format=%(refname:short)%00%(objectname)%00%(*objectname)%00%(creatordate:unix)",
            f"refs/tags/{pattern}",
        ).decode("utf-8", "replace")
        found = []
        for line in out.splitlines():
            name, target, peeled, when = line.split("\0")
            found.append((name, peeled or target, int(when)))
        return found

    def root_times(self, rev: str) -> list[int]:
        """The author times of the root commits `rev` reaches."""
        return [int(t) for t in self.run("log", "--max-parents=0", "--format=%at", rev).split()]

    def author_ident(self) -> str:
        """Who would author a commit made now (`git var GIT_AUTHOR_IDENT`), or "" when git cannot say."""
        return self.run("var", "GIT_AUTHOR_IDENT", ok_codes=(0, 128)).decode("utf-8", "replace")

    def authorship(self, rev: str) -> tuple[str, int, str]:
        """A commit's author email, author time and message."""
        log = LogFormat("%ae", "%at", "%B")
        ((fields, _),) = log.records(self.run("log", "-1", f"--format={log.format}", rev))
        email, time, message = (f.decode("utf-8", "replace") for f in fields)
        return email, int(time), message

    def zero_context_diff(self, old: str, new: str) -> bytes:
        """`git diff -U0` between two commits (renames off), for the lines each change deleted; b"" when git cannot."""
        return self.run(
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            old,
            new,
            ok_codes=(0, 128),
        )

    def path_log(self, path: str) -> list[tuple[str, str, str, str]]:
        """Every commit that touched `path`, oldest first: its id, author name, author email and ISO author date."""
        log = LogFormat("%H", "%an", "%ae", "%aI")
        out = self.run("log", "--reverse", f"--format={log.format}", "--", path)
        records = []
        for fields, _ in log.records(out):
            sha, name, email, when = (f.decode("utf-8", "replace") for f in fields)
            records.append((sha, name, email, when))
        return records

    def first_parents(self, rev: str = "HEAD") -> list[tuple[str, str, str]]:
        """`rev`'s first-parent line (the branch's own history: its merges and direct commits),
        oldest first: each commit's id, committer date (YYYY-MM-DD) and subject."""
        log = LogFormat("%H", "%cs", "%s")
        out = self.run("log", "--first-parent", "--reverse", f"--format={log.format}", rev)
        return [
            (fields[0].decode(), fields[1].decode(), fields[2].decode("utf-8", "replace"))
            for fields, _ in log.records(out)
        ]

    def path_patches(self, path: str) -> str:
        """Every patch to `path` in HEAD's history, as text (no external diff, no text conversion)."""
        return self.run(
            "log", "-p", "--format=", "--no-ext-diff", "--no-textconv", "HEAD", "--", path
        ).decode("utf-8", "replace")

    def uncommitted(self, pathspec: str) -> list[str]:
        """Paths matching `pathspec` in the index or the working tree (untracked, not ignored); [] when git cannot say."""
        out = self.run(
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            pathspec,
            ok_codes=(0, 128),
        )
        return [os.fsdecode(p) for p in out.split(b"\0") if p]

    # -- streamed answers (read as git produces them) ---------------------------------------

    def log_stream(
        self,
        *args: str,
        format: str,
        lines: bool = True,
        renames: bool = True,
        paths: list[str] | None = None,
    ) -> Stream:
        """`git log -z ARGS -- PATHS` with each commit's files: with `lines` their line counts
        (`--numstat`), else their status only (trees compared, never contents)."""
        # A small delta cache: as fast here, and git's memory stays well under the default 96 MiB.
        changes = ["--numstat" if lines else "--name-status", "-M" if renames else "--no-renames"]
        return self.stream(
            "-c",
            "core.deltaBaseCacheLimit=16m",
            "--literal-pathspecs",
            "log",
            "-z",
            *changes,
            "--no-color",
            f"--format={format}",
            *args,
            "--",
            *(paths or ()),
        )

    def patch_stream(self, base: str, head: str) -> Stream:
        """`git diff -U0` from tree `base` to tree `head` (commit ids, INDEX or EMPTY), prefixes a/ and b/."""
        old = _empty_tree(self) if base == EMPTY else base
        # The staged side is the real index written as a tree: the attribute-free diff runs with an
        # empty index of its own, against which `--cached` would show every file of `base` deleted.
        new = self.index_tree() if head == INDEX else head
        sides = ["--cached", old] if new == INDEX else [old, new]
        # No pathspecs: the diff of the two trees is exactly the changed files, and git would match
        # every tree entry against every pathspec (a 2,000-file change paid for that).
        # The prefixes are spelled out: the user's diff.noprefix or diff.mnemonicPrefix must not reach the parser.
        return self.stream(
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            *sides,
            "--",
            attribute_free=new != INDEX,
        )

    def log_patches(self, rev: str, format: str, *args: str) -> Stream:
        """`git log -p -U0 ARGS rev` as `patch_stream` diffs a change (renames off, prefixes a/ and
        b/): each commit's patch against its parent, none for a merge."""
        return self.stream(
            "-c",
            "core.deltaBaseCacheLimit=16m",
            "log",
            "-p",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--no-renames",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            f"--format={format}",
            *args,
            rev,
            "--",
        )

    def first_parent_patches(self, head: str, format: str, *args: str) -> Stream:
        """`git log -p -U0` along `head`'s first parents, a merge diffed against its first parent."""
        return self.stream(
            "-c",
            "core.deltaBaseCacheLimit=16m",
            "log",
            "--first-parent",
            "--diff-merges=first-parent",
            "-p",
            "-U0",
            "-M",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            f"--format={format}",
            *args,
            head,
            "--",
        )

    def spelled_alike(self, rev: str, path: str) -> list[str]:
        """Paths tracked at `rev` (a commit or INDEX) that a case-insensitive checkout opens as
        `path` (macOS, Windows): equal under `folded`, so in letter case beyond ASCII (U+017F LONG S
        is an s to APFS and NTFS), composed or decomposed accents, or invisible format characters."""
        return self.alike(rev, [path]).get(path, [])

    def alike(self, rev: str, paths: list[str], same_name: bool = False) -> dict[str, list[str]]:
        """`spelled_alike` for many paths in one process: path -> the tracked paths that fold like
        it; with `same_name`, only those whose file name is spelled exactly as the path's."""
        wanted: dict[str, list[str]] = {}
        for path in paths:
            if tree_path(path):
                wanted.setdefault(folded(path), []).append(path)
        if rev == EMPTY or not wanted:
            return {}
        # one glob per depth ("*" never crosses "/"); the exact comparison is `folded`
        shapes = {
            (p.count("/"), _glob_escaped(p.rpartition("/")[2]) if same_name else "*")
            for group in wanted.values()
            for p in group
        }
        specs = [":(glob)" + "*/" * depth + name for depth, name in sorted(shapes)]
        if rev == INDEX:
            out = self.run("ls-files", "-z", "--", *specs)
        else:
            out = self.run(
                "diff", "--name-only", "-z", "--no-renames", _empty_tree(self), rev, "--", *specs
            )
        found: dict[str, list[str]] = {}
        for raw in out.split(b"\0"):
            name = _text(raw) if raw else ""
            for path in wanted.get(folded(name), []) if name else []:
                found.setdefault(path, []).append(name)
        return found

    def blob_ids(self, rev: str, paths: list[str]) -> dict[str, str]:
        """path -> blob id at `rev` for those of `paths` that exist there (one process)."""
        return {path: entry.sha for path, entry in self.entries(rev, paths).items()}


def _failure(args: tuple[str, ...], status: int, err: bytes) -> GitError:
    """A GitError naming the git command and git's last words."""
    message = err.decode("utf-8", "replace").strip()
    command = next(
        (
            a
            for a, before in zip(args, ("",) + args, strict=False)
            if not a.startswith("-") and before != "-c"
        ),
        "",
    )
    return GitError(
        f"git {command} failed: {message.splitlines()[-1] if message else f'exit {status}'}"
    )


class Stream:
    """A running git command whose output is read as it comes; its exit status is always checked."""

    def __init__(
        self, process: subprocess.Popen[bytes], args: tuple[str, ...], errors: IO[bytes]
    ) -> None:
        self.process, self.args, self._errors = process, args, errors
        assert process.stdout is not None
        self.stdout: IO[bytes] = process.stdout

    def finish(self) -> None:
        """The output was read to its end: a non-zero exit (a missing object mid-way) is a GitError."""
        self.stdout.close()
        status = self.process.wait()
        self._errors.seek(0)
        err = self._errors.read()
        self._errors.close()
        if status != 0:
            raise _failure(self.args, status, err)

    def abandon(self) -> None:
        """Stop reading early (the caller has what it needs): git's exit status no longer matters."""
        self.stdout.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._errors.close()


def parse_raw(out: bytes) -> list[Change]:
    """`git diff --raw -z --no-abbrev [--numstat]`: ":oldmode newmode oldsha newsha status\0path\0[newpath\0]"
    per file, then (with --numstat) "added\tdeleted\tpath\0" or "added\tdeleted\t\0old\0new\0" in the same order."""
    parts = out.split(b"\0")
    changes: list[Change] = []
    i = 0
    while i < len(parts) and parts[i].startswith(b":"):
        _, new_mode, _, new_sha, status = parts[i][1:].decode().split(" ", 4)
        new = Entry(new_mode, new_sha) if status[0] != "D" else None
        if status[0] in ("R", "C"):
            changes.append(Change(status[0], _text(parts[i + 2]), _text(parts[i + 1]), new))
            i += 3
        else:
            changes.append(Change(status[0], _text(parts[i + 1]), None, new))
            i += 2
    for n in range(len(changes)):
        if i >= len(parts) or not parts[i]:
            break
        added, deleted, _, _, i = parse_numstat(parts, i)
        changes[n] = changes[n]._replace(added=added, deleted=deleted)
    return changes


def parse_numstat(tokens: list[bytes], i: int) -> tuple[int, int, bytes, bytes | None, int]:
    """The `--numstat -z` record at tokens[i]: "added\tdeleted\tpath", or for a rename "added\tdeleted\t"
    followed by the old and the new path. (added, deleted, path, old path or None, index of the next
    record); a binary file counts 0 lines."""
    added, deleted, path = tokens[i].split(b"\t", 2)
    old = None
    if not path:  # a rename: the old and new paths follow
        old, path = tokens[i + 1], tokens[i + 2]
        i += 2
    return (
        int(added) if added.isdigit() else 0,
        int(deleted) if deleted.isdigit() else 0,
        path,
        old,
        i + 1,
    )


def parse_listing(
    out: bytes, staged: bool = False, basenames: tuple[str, ...] = ()
) -> dict[str, Entry]:
    """`git ls-tree -z` ("mode type sha\tpath") or, `staged`, `git ls-files --stage -z` ("mode sha stage\tpath")
    records: path -> entry; with `basenames`, only the files called one of them (anywhere)."""
    records = out.split(b"\0")
    if basenames:
        names = tuple(n.encode() for n in basenames)
        records = [
            r
            for r in records
            if r.endswith(names)
            and any(r.endswith(b"/" + n) or r.endswith(b"\t" + n) for n in names if r.endswith(n))
        ]
    found: dict[str, Entry] = {}
    for record in records:
        if record:
            meta, _, path = record.partition(b"\t")
            first, second, third = meta.decode().split(" ", 2)
            found[_text(path)] = Entry(first, second if staged else third)
    return found


def _glob_escaped(name: str) -> str:
    return "".join("\\" + c if c in "*?[\\" else c for c in name)


def folded(name: str) -> str:
    """A name as a case-insensitive file system compares it: upper-cased (NTFS's table: U+017F
    LONG S is S, U+0131 DOTLESS I is I), case-folded (APFS: the KELVIN SIGN is k), decomposed
    (APFS and HFS+ ignore composition), without format characters (HFS+ ignored U+200C and kin)."""
    upper = unicodedata.normalize("NFD", name).upper()
    return "".join(
        c for c in unicodedata.normalize("NFD", upper.casefold()) if unicodedata.category(c) != "Cf"
    )


def tree_path(path: str) -> bool:
    """Whether `path` can name an entry inside a tree (never "../x", "/etc/x", "a//b")."""
    # git stores no NUL in a name, and a NUL cannot be a command-line argument: never asked
    return (
        "\0" not in path
        and not path.startswith("/")
        and all(part not in ("", ".", "..") for part in path.split("/"))
    )


def _undecodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _text(path: bytes) -> str:
    # Non-UTF-8 names survive as surrogates, so they round-trip to git unchanged.
    return os.fsdecode(path)


def _index_state(root: str, git_dir: str) -> tuple[int, ...] | None:
    """What identifies the index file's content cheaply (inode, size, modification time), or None.
    git replaces the file to change it, so a new index is a new inode."""
    # GIT_INDEX_FILE (set by `git commit` for its hooks) is relative to where git runs: the root.
    try:
        found = os.stat(
            os.path.join(root, os.environ.get("GIT_INDEX_FILE") or os.path.join(git_dir, "index"))
        )
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def _empty_tree(repo: Any) -> str:
    tree: str = repo.run("hash-object", "-t", "tree", "/dev/null").decode().strip()
    return tree


class _CatFile:
    """One `git cat-file --batch` for the whole run. Requests go in chunks that fit in the pipe
    (16 KiB), so writing a chunk never waits for gate to read answers it has not asked for yet."""

    CHUNK_BYTES = 16 * 1024

    def __init__(self, root: str) -> None:
        self._process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            env=_ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )

    def read_many(self, names: list[str], blobs_only: bool = False) -> dict[str, bytes]:
        """name (an object id or rev:path) -> bytes, for the names that exist (and are blobs)."""
        found: dict[str, bytes] = {}
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        for chunk in _chunks(names, self.CHUNK_BYTES):
            try:
                stdin.write(b"".join(os.fsencode(n) + b"\n" for n in chunk))
                stdin.flush()
            except OSError as e:
                raise GitError(f"git cat-file stopped: {e}") from None
            for name in chunk:
                header = stdout.readline().split()
                if len(header) == 3 and header[2].isdigit():
                    data = _read_exactly(stdout, int(header[2]) + 1)[:-1]
                    if not blobs_only or header[1] == b"blob":
                        found[name] = data
                elif not header:
                    raise GitError("git cat-file stopped answering")
        return found

    def close(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            try:
                self._process.stdin.close()
            except OSError:
                pass
            self._process.wait()
        if self._process.stdout:
            self._process.stdout.close()

    def __del__(self) -> None:
        self.close()


def _chunks(names: list[str], limit: int) -> list[list[str]]:
    chunks: list[list[str]] = [[]]
    size = 0
    for name in names:
        size += len(name) + 1
        if chunks[-1] and size > limit:
            chunks.append([])
            size = len(name) + 1
        chunks[-1].append(name)
    return [c for c in chunks if c]


def _read_exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise GitError("git cat-file stopped answering")
    return data


def toplevel(directory: str) -> str | None:
    """The work tree's top directory that holds `directory`, or None outside any repository."""
    result = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=directory, capture_output=True, text=True
    )
    return result.stdout.strip() if result.returncode == 0 else None


def command(cwd: str, *args: str, env: dict[str, str] | None = None) -> str:
    """Run a git command that changes a repository (used by `gate demo`); stdout as text."""
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise GitError(f"git {args[0]} failed: {result.stderr.strip()}")
    return result.stdout


def fast_import(git_dir: str, stream: bytes) -> dict[str, str]:
    """A new bare repository at `git_dir` holding the commits of a fast-import stream: branch -> commit."""
    env = {**_ENV, "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull}
    for args, data in (
        (["init", "-q", "--bare", git_dir], None),
        (["-C", git_dir, "fast-import", "--quiet"], stream),
    ):
        done = subprocess.run(["git", *args], input=data, env=env, capture_output=True, check=False)
        if done.returncode != 0:
            raise GitError(
                f"git {args[-2] if data else 'init'} failed: {done.stderr.decode(errors='replace').strip()}"
            )
    refs = subprocess.run(
        [
            "git",
            "-C",
            git_dir,
            "for-each-ref",
            "--format=%(refname:short) %(objectname)",
            "refs/heads/",
        ],
        env=env,
        capture_output=True,
        check=True,
    )
    return dict(line.split(" ", 1) for line in refs.stdout.decode().splitlines())


class FetchError(GitError):
    """A pinned revision could not be had: the gate cannot decide (exit 3)."""

    exit_code = 3


def fetch_file(git_dir: str, url: str, rev: str, path: str) -> bytes | None:
    """The file at `rev:path` of the repository at `url`, fetched (that one commit, shallow) into the
    bare repository `git_dir`; None when the commit has no such file. FetchError when the commit
    cannot be fetched."""
    # The operator's git config stays (credential helpers, proxies, insteadOf); never ext:: or fd::.
    env = {**_ENV, "GIT_ALLOW_PROTOCOL": "file:git:http:https:ssh"}
    if not os.path.isdir(os.path.join(git_dir, "objects")):
        subprocess.run(
            ["git", "init", "-q", "--bare", git_dir], env=env, capture_output=True, check=True
        )
    have = subprocess.run(
        ["git", "-C", git_dir, "cat-file", "-e", f"{rev}^{{commit}}"],
        env=env,
        capture_output=True,
        check=False,
    )
    if have.returncode != 0:
        try:
            done = subprocess.run(
                [
                    "git",
                    "-C",
                    git_dir,
                    "fetch",
                    "--quiet",
                    "--no-tags",
                    "--depth=1",
                    "--",
                    url,
                    rev,
                ],
                env=env,
                capture_output=True,
                check=False,
                timeout=300,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise FetchError(f"fetching {rev} from {url} timed out") from None
        if done.returncode != 0:
            lines = [
                line for line in done.stderr.decode(errors="replace").splitlines() if line.strip()
            ]
            why = "; ".join(lines[:2]) or f"exit {done.returncode}"
            raise FetchError(f"cannot fetch commit {rev} from {url}: {why}")
    blob = subprocess.run(
        ["git", "-C", git_dir, "cat-file", "blob", f"{rev}:{path}"],
        env=env,
        capture_output=True,
        check=False,
    )
    return blob.stdout if blob.returncode == 0 else None
