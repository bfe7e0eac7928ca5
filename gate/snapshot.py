"""One revision's tree (a commit, the index, or nothing) as gate reads it: entries and contents,
each asked of git once (the plan of what a check will read is gate/read_ahead.py).

A snapshot built `after(base, changes)` knows every changed path's entry from the diff and asks
the base about the rest, so judging a change never lists the whole head tree. Whether the whole
tree has been listed is the field `listing` (None until then), never a hidden attribute.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field

from gate.git import EMPTY, INDEX, Change, Entry, Repo, tree_path

# Past this many unknown paths one full listing beats a huge `ls-tree` command line.
FULL_LISTING_AFTER = 1000


@dataclass(eq=False, slots=True)
class Snapshot:
    """One tree with its entries and reads remembered. Equal only to itself (a dictionary key by identity)."""

    repo: Repo
    rev: str  # a commit id, INDEX or EMPTY
    base: Snapshot | None = None  # set by `after`: this tree is `base` with `changes` applied
    changes: list[Change] = field(default_factory=list, repr=False)
    lines: bool = False  # whether `changes` counted lines
    listing: dict[str, Entry] | None = field(
        default=None, repr=False
    )  # every file of the tree, once listed (or given by the caller)
    catalog: object | None = field(
        default=None, repr=False
    )  # its services (`gate.catalog.Catalog.of`, a layer above), built once
    _reads: dict[str, bytes | None] = field(default_factory=dict, init=False, repr=False)
    _entries: dict[str, Entry | None] = field(
        default_factory=dict, init=False, repr=False
    )  # asked of git or the base
    _dirs: dict[str, dict[str, Entry]] = field(
        default_factory=dict, init=False, repr=False
    )  # `under`'s answers, by directory
    _changed: dict[str, Entry | None] = field(
        default_factory=dict, init=False, repr=False
    )  # from the diff
    _sorted: tuple[dict[str, Entry], list[str]] | None = field(
        default=None, init=False, repr=False
    )  # the listing and its sorted paths (`under`)

    def after(self, base: Snapshot, changes: list[Change], lines: bool = False) -> Snapshot:
        """Declare this tree to be `base` with `changes` applied (exactly what `Repo.changes` said;
        `lines` when it was asked to count lines)."""
        self.base, self.changes, self.lines = base, changes, lines
        for change in changes:
            if change.old_path is not None and change.status == "R":
                self._changed[change.old_path] = None
            self._changed[change.path] = change.new
        return self

    @property
    def files(self) -> dict[str, Entry]:
        """Every file of the tree: path -> entry (one full listing, the first time it is asked)."""
        if self.listing is None:
            self.listing = self.repo.tree(self.rev)
        return self.listing

    @property
    def listed(self) -> bool:
        """Whether every entry is known without asking git (listed, or no tree at all)."""
        return self.listing is not None or self.rev == EMPTY

    def know(self, entries: dict[str, Entry]) -> None:
        """Remember entries learnt elsewhere (a cached manifest list) so no process asks for them."""
        for path, entry in entries.items():
            if path not in self._changed:
                self._entries.setdefault(path, entry)

    def entry(self, path: str) -> Entry | None:
        """One path's mode and id, without listing the whole tree when it has not been listed yet."""
        if (
            self.listing is not None or self.rev == EMPTY
        ):  # (`listed`, spelled out: the hottest line of a check)
            return self.files.get(path)
        if path in self._changed:
            return self._changed[path]
        if path not in self._entries:
            self.prefetch([path])
        return self._entries[path]

    def prefetch(self, paths: Iterable[str]) -> None:
        """Look up many paths' modes and ids in one `git ls-tree` (paths taken literally, never as globs)."""
        if self.listed:
            return
        todo = sorted({p for p in paths if p and p not in self._entries and p not in self._changed})
        for path in [p for p in todo if not tree_path(p)]:
            self._entries[path] = (
                None  # "../x", "/etc/x", "a//b": never a path inside a tree, never asked
            )
        todo = [p for p in todo if tree_path(p)]
        if (
            todo and self.base is not None
        ):  # unchanged paths are as the base has them (a directory is asked here)
            todo = self._from_base(todo)
        if not todo:
            return
        if self.rev == INDEX or len(todo) > FULL_LISTING_AFTER:
            listing = self.files
            self._entries.update({p: listing.get(p) for p in todo})
            return
        found = self.repo.entries(self.rev, todo)
        for path in todo:
            self._entries[path] = found.get(path)

    def _from_base(self, todo: list[str]) -> list[str]:
        """Take unchanged paths' entries from the base; the paths it cannot answer (directories) remain."""
        assert self.base is not None
        self.base.prefetch(todo)
        for path in todo:
            entry = self.base.entry(path)
            if entry is None or entry.mode != "040000":
                self._entries[path] = entry
        return [p for p in todo if p not in self._entries]

    def is_file(self, path: str) -> bool:
        entry = self.entry(path)
        return entry is not None and entry.mode.startswith("100")

    def is_symlink(self, path: str) -> bool:
        entry = self.entry(path)
        return entry is not None and entry.mode == "120000"

    def read_many(self, paths: list[str]) -> dict[str, bytes]:
        """Regular files among `paths`, read in one round trip (and remembered for `read`)."""
        self.prefetch(paths)
        todo = {
            p: entry.sha
            for p in paths
            if p not in self._reads
            and (entry := self.entry(p)) is not None
            and entry.mode.startswith("100")
        }
        found = self.repo.blobs(list(todo.values()))
        for path, sha in todo.items():
            self._reads[path] = found.get(sha)
        return {p: read for p in paths if (read := self._reads.get(p)) is not None}

    def under(self, directory: str) -> dict[str, Entry]:
        """Every file under one directory: from the listing when there is one, else one git process
        for that directory alone (so a check that reads one directory never lists the whole tree)."""
        directory = directory.rstrip("/")
        if self.listed:
            prefix, paths, files = directory + "/", self._sorted_paths(), self.files
            found = {}
            at = bisect.bisect_left(paths, prefix)
            while at < len(paths) and paths[at].startswith(prefix):  # sorted: they are together
                found[paths[at]] = files[paths[at]]
                at += 1
            return found
        if directory not in self._dirs:
            self._dirs[directory] = self.repo.subtree(self.rev, directory)
        return self._dirs[directory]

    def _sorted_paths(self) -> list[str]:
        """The listing's paths in order, kept while the listing is the same (a directory's files
        are then one bisection away, not a scan of the tree per directory)."""
        files = self.files
        if (
            self._sorted is None
            or self._sorted[0] is not files
            or len(self._sorted[1]) != len(files)
        ):
            self._sorted = (files, sorted(files))
        return self._sorted[1]

    def is_dir(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return any(f.startswith(prefix) for f in self.files)

    def read(self, path: str) -> bytes | None:
        if path not in self._reads:
            entry = self.entry(path)
            self._reads[path] = (
                self.repo.blobs([entry.sha]).get(entry.sha)
                if entry is not None and entry.mode.startswith("100")
                else None
            )
        return self._reads[path]
