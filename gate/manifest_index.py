"""Which files define services in a tree, and what paths they claim beyond their directories.

`ManifestIndex` (one per repository, `ManifestIndex.of(repo)`) answers two questions about a
snapshot, each on two paths that must always agree (tests/manifest_index_test.py checks it):

- `entries`: every source file (service.yaml, Backstage catalog files) -> its entry. The slow
  path lists the tree; the cached path works a tree declared as base plus diff out from its
  base's list, keeps a commit's list in the git directory, and works a commit never seen out from
  the nearest kept one plus the diff between them. A background thread (`prepare`) lists a tree
  while the caller reads configuration, when nothing is kept to start from.
- `claims`: (source file, path or glob) for every `paths:` glob and every document named outside
  the service's directory. The slow path parses every source file; the cached path takes a
  change's from its base and redoes only the changed files, keeps a commit's pairs, keeps each
  file's by blob id, and skips parsing a file whose text cannot claim anything (a regex pre-filter).
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import threading
from typing import Any

from gate import backstage
from gate import yaml as gate_yaml
from gate.cache import Store, read_json, write_json
from gate.errors import FatalError
from gate.git import EMPTY, INDEX, Change, Entry, GitError, Repo
from gate.service import MANIFEST, Service, globs_of, manifest_path, root_of
from gate.snapshot import Snapshot

Claims = list[tuple[str, str]]  # (source file, claimed path or glob)
CACHE_VERSION = 5  # raised when what a source file claims is worked out differently (the kept answers are then redone)


class ManifestIndex:
    """The service source files of a repository's trees and their claims, with the caches that make
    asking cheap: per snapshot in memory, per commit and per blob in `<git dir>/gate/`."""

    def __init__(self, repo: Repo, settings: backstage.Settings | None = None) -> None:
        self.repo = repo
        self.settings = settings or backstage.Settings()
        self._listings: dict[
            Snapshot, tuple[str, dict[str, Entry]]
        ] = {}  # snapshot -> (sources key, entries)
        self._threads: dict[Snapshot, threading.Thread] = {}
        self._claims: dict[Snapshot, tuple[str, Claims]] = {}

    @classmethod
    def of(cls, repo: Repo) -> ManifestIndex:
        """The repository's index (made with the default settings when none were configured)."""
        if not isinstance(
            repo.manifest_index, cls
        ):  # None until made: the repository, a layer below, holds it untyped
            repo.manifest_index = cls(repo)
        return repo.manifest_index

    def configure(self, settings: backstage.Settings) -> None:
        """The trusted (base revision's) source settings; answers worked out under others are redone."""
        self.settings = settings

    @property
    def names(self) -> tuple[str, ...]:
        """The file names that define services: service.yaml, then the Backstage catalog files."""
        return _names(self.settings)

    @property
    def key(self) -> str:
        """Names and types decide which files define services: caches are kept per setting."""
        return _key(self.settings)

    def _store(self, kind: str, key: str | None = None) -> Store:
        return Store(self.repo.git_dir, f"{kind}-{key or self.key}")

    # -- source files -----------------------------------------------------------------------------

    def prepare(self, snapshot: Snapshot) -> None:
        """Start listing a tree's source files in the background (git lists while the caller reads
        configuration) when its claims are not kept from an earlier run; `entries` waits for it."""
        if snapshot in self._listings or snapshot in self._threads:
            return
        if snapshot.rev not in (EMPTY, INDEX) and self._store("claims").newest_name() is not None:
            return  # the claims are kept, or worked out from a kept commit's: no list needed

        def work() -> None:
            try:
                self.entries(snapshot)
            except Exception:  # noqa: BLE001 - asked again on the main thread, which reports it properly
                self._listings.pop(snapshot, None)

        thread = threading.Thread(target=work, daemon=True)
        self._threads[snapshot] = thread
        thread.start()

    def know(self, snapshot: Snapshot, entries: dict[str, Entry]) -> None:
        """A tree's source files, learnt elsewhere (a caller that listed the whole tree)."""
        self._listings[snapshot] = (self.key, entries)

    def forget(self, snapshot: Snapshot) -> None:
        """Let a tree go (a scorecard's trend point, once judged): asked again, it is worked out again."""
        self._listings.pop(snapshot, None)
        self._threads.pop(snapshot, None)
        self._claims.pop(snapshot, None)

    def entries(self, snapshot: Snapshot) -> dict[str, Entry]:
        """Every source file of a tree: path -> entry (the cached path)."""
        thread = self._threads.get(snapshot)
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        settings = self.settings  # one reading: the settings may arrive while a listing runs
        key = _key(settings)
        found = self._listings.get(snapshot)
        if found is None or found[0] != key:
            found = (key, self._entries(snapshot, settings))
            self._listings[snapshot] = found
        return found[1]

    def entries_slow(
        self, snapshot: Snapshot, settings: backstage.Settings | None = None
    ) -> dict[str, Entry]:
        """Every source file of a tree, from a listing of that tree and nothing kept."""
        return self.repo.named(snapshot.rev, *_names(settings or self.settings))

    def _entries(self, snapshot: Snapshot, settings: backstage.Settings) -> dict[str, Entry]:
        names = _names(settings)
        if snapshot.base is not None:
            entries = self.entries(snapshot.base)
            snapshot.base.know(entries)
            return _apply(entries, snapshot.changes, names)
        if snapshot.rev in (EMPTY, INDEX):
            return self.entries_slow(snapshot, settings)
        store = self._store("sources", _key(settings))
        found = _entry_map(store.get(snapshot.rev))
        if found is None:
            nearest = _nearest(store, self.repo, snapshot.rev)
            base = _entry_map(nearest[0]) if nearest is not None else None
            found = (
                _apply(base, nearest[1], names)
                if nearest is not None and base is not None
                else self.entries_slow(snapshot, settings)
            )
            store.put(snapshot.rev, {p: [e.mode, e.sha] for p, e in found.items()})
        return found

    # -- claims -----------------------------------------------------------------------------------

    def claims(self, snapshot: Snapshot) -> Claims:
        """Every (source file, claim) pair of a tree (the cached path)."""
        key = self.key
        found = self._claims.get(snapshot)
        if found is None or found[0] != key:
            found = (key, self._claims_of(snapshot))
            self._claims[snapshot] = found
        return found[1]

    def claims_slow(self, snapshot: Snapshot) -> Claims:
        """Every (source file, claim) pair of a tree: each source file of a listing parsed, nothing kept or skipped."""
        entries = dict(sorted(self.entries_slow(snapshot).items()))
        texts = self.repo.blobs([e.sha for e in entries.values() if e.mode.startswith("100")])
        return [
            (m, claim)
            for m, e in entries.items()
            for claim in claims_of(
                texts.get(e.sha, b"") if e.mode.startswith("100") else b"",
                root_of(m),
                m,
                self.settings,
                prefilter=False,
            )
        ]

    def _claims_of(self, snapshot: Snapshot) -> Claims:
        names = set(self.names)
        if snapshot.base is not None:
            changed = {
                p
                for c in snapshot.changes
                for p in (c.path, c.old_path)
                if p and posixpath.basename(p) in names
            }
            kept = [(m, claim) for m, claim in self.claims(snapshot.base) if m not in changed]
            return kept + self._by_blob(
                snapshot, {m: e for m in sorted(changed) if (e := snapshot.entry(m)) is not None}
            )
        if snapshot.rev in (EMPTY, INDEX):
            return self._by_blob(snapshot, dict(sorted(self._known(snapshot).items())))
        store = self._store("claims")
        pairs = _pairs(store.get(snapshot.rev))
        if pairs is not None:
            return pairs
        nearest = _nearest(
            store, self.repo, snapshot.rev
        )  # a commit never seen: redo what changed since
        before = _pairs(nearest[0]) if nearest is not None else None
        if nearest is not None and before is not None:
            redo = {c.path: c.new for c in nearest[1] if posixpath.basename(c.path) in names}
            pairs = [(m, claim) for m, claim in before if m not in redo]
            pairs += self._by_blob(
                snapshot, {m: e for m, e in sorted(redo.items()) if e is not None}
            )
        else:
            pairs = self._by_blob(snapshot, dict(sorted(self._known(snapshot).items())))
        store.put(snapshot.rev, [list(p) for p in pairs])
        return pairs

    def _known(self, snapshot: Snapshot) -> dict[str, Entry]:
        entries = self.entries(snapshot)
        snapshot.know(entries)
        return entries

    def _by_blob(self, snapshot: Snapshot, manifests: dict[str, Entry]) -> Claims:
        """Claims of these source files, each parsed once per blob id, root and name (kept in the git directory)."""
        keys = {m: f"{e.sha}:{root_of(m)}:{posixpath.basename(m)}" for m, e in manifests.items()}
        cache = _ClaimCache(self.repo)
        missing = [m for m in manifests if keys[m] not in cache.entries]
        if missing:
            texts = self.repo.blobs([manifests[m].sha for m in missing])
            for manifest in missing:
                raw = (
                    texts.get(manifests[manifest].sha, b"")
                    if manifests[manifest].mode.startswith("100")
                    else b""
                )
                cache.entries[keys[manifest]] = list(
                    claims_of(raw, root_of(manifest), manifest, self.settings)
                )
            cache.save()
        return [(m, claim) for m in manifests for claim in cache.entries[keys[m]]]


def _names(settings: backstage.Settings) -> tuple[str, ...]:
    return (MANIFEST, *(n for n in settings.files if n != MANIFEST))


def _key(settings: backstage.Settings) -> str:
    text = f"{CACHE_VERSION}\0" + "\0".join(_names(settings)) + "\1" + "\0".join(settings.types)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _pairs(loaded: Any) -> Claims | None:
    """(manifest, claim) pairs as a claims file holds them, or None when it holds anything else."""
    if isinstance(loaded, list) and all(
        isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in loaded
    ):
        return [(m, claim) for m, claim in loaded]
    return None


def _nearest(store: Store, repo: Repo, rev: str) -> tuple[Any, list[Change]] | None:
    """The most recently kept commit's value, and the diff from that commit to `rev`."""
    kept = store.newest()
    if kept is None:
        return None
    try:
        return kept[1], repo.changes(kept[0], rev, renames=False)
    except GitError:  # that commit is gone (rewritten history, gc)
        return None


def _apply(
    entries: dict[str, Entry], changes: list[Change], names: tuple[str, ...]
) -> dict[str, Entry]:
    """The source file entries of a tree, from another tree's and the diff between them."""
    result = dict(entries)
    for change in changes:
        if (
            change.old_path is not None
            and change.status == "R"
            and posixpath.basename(change.old_path) in names
        ):
            result.pop(change.old_path, None)
        if posixpath.basename(change.path) in names:
            if change.new is None:
                result.pop(change.path, None)
            else:
                result[change.path] = change.new
    return result


def _entry_map(loaded: Any) -> dict[str, Entry] | None:
    try:
        return {str(p): Entry(str(v[0]), str(v[1])) for p, v in loaded.items()}
    except (AttributeError, TypeError, IndexError, KeyError):
        return None


# Text that may make a source file claim something outside its directory: a path-claiming key, YAML
# anchors, aliases, merges and tags, escapes in quoted text, a parent directory (the raw text).
_MARKERS = (b"paths", b"deploy", b"openslo", b"sloth", b"&", b"*", b"<<", b"!", b"\\", b"..")
# A "/" that may start a value (the repository root): not inside a word or a path, never a URL's scheme://.
_ROOTED = re.compile(rb"/(?:(?<=[^\w/.:]/)|(?<=[^\w.]:/))")
_COMMENT = re.compile(rb"(?:^|\s)#")
# Every line break YAML knows (PyYAML's reader): LF, CR, NEL, U+2028 and U+2029, in UTF-8. A comment
# ends at any of them: a pre-filter that knew only LF read what follows a CR as still commented out.
_LINE_BREAK = re.compile(rb"\r\n|[\r\n]|\xc2\x85|\xe2\x80[\xa8\xa9]")
_QUOTE_OR_FLOW = re.compile(
    rb"[\"'{\[]"
)  # before a "#", these may make it text rather than a comment


def claims_of(
    raw: bytes,
    root: str,
    manifest: str,
    settings: backstage.Settings | None = None,
    prefilter: bool = True,
) -> tuple[str, ...]:
    """What a source file claims beyond its own directory. With `prefilter`, YAML is parsed only when
    the text may claim something (a path-claiming key, an anchor, or a document path with / or ..)."""
    if prefilter and not may_claim(raw, root):
        # paths are relative to the source file: without / or .. they stay in its directory
        return _root_readings(raw, root, manifest)
    datas = []
    if posixpath.basename(manifest) == MANIFEST:
        try:
            doc = gate_yaml.load(raw, manifest)
        except FatalError:
            return _root_readings(raw, root, manifest)  # as the pre-filter finds them
        datas.append(doc.data)
    else:
        found, _ = backstage.load_entities(raw, manifest)
        datas += [
            backstage.to_manifest(e).data
            for e in found
            if backstage.is_service(e, settings or backstage.Settings())
        ][:1]
    claims: list[str] = list(_root_readings(raw, root, manifest))
    for data in datas:
        if not isinstance(data, dict):
            continue
        service = Service("", root, manifest, 0, data, None)
        claims += globs_of(data)
        claims += [
            d
            for d in [*service.documents(), *service.deploy_claims(), *service.flag_claims()]
            if not (d + "/").startswith(root) or not root
        ]  # (the directory itself is inside)
    return tuple(
        p for p in dict.fromkeys(claims) if p.startswith(ROOT_READING) or not _CONTROL.search(p)
    )  # the schema rejects those: they claim nothing


# A claim that holds only where the old root reading applies: ROOT_READING + the root-relative path.
ROOT_READING = "\0"
# A path-naming key on one line, with a plain value (kept to the first space, comma or bracket).
_NAMING = re.compile(
    rb"""(?m)(?:^|[\s{,])["']?(?:runbook|plan|openslo|sloth)["']?[ \t]*:(?:[ \t]+(.*))?$"""
)
_COMPLEX = (b"&", b"*", b"!", b"\\", b"?", b"<<")  # YAML that a line's text may not show as written


def _root_readings(raw: bytes, root: str, manifest: str) -> tuple[str, ...]:
    """Where a service.yaml outside the repository root may read a document through the old root
    reading (a path the manifest names relative to it, read from the root when the trusted tip has
    only that file): conditional claims, which the catalog keeps only where that reading applies.
    A superset, found line by line without parsing unless the text is not plain enough for that."""
    if not root or posixpath.basename(manifest) != MANIFEST:
        return ()
    values = _plain_values(raw)
    if values is None:
        try:
            data = gate_yaml.load(raw, manifest).data
        except FatalError:
            return ()
        service = Service("", root, manifest, 0, data if isinstance(data, dict) else {}, None)
        values = [v for _, v in service.named_paths()]
    found = []
    for value in values:
        if value.startswith(("/", "https://", "http://")):
            continue
        reading = manifest_path("", value)
        if reading and reading != manifest_path(root, value) and not reading.startswith(root):
            if not _CONTROL.search(reading):
                found.append(ROOT_READING + reading)
    return tuple(dict.fromkeys(found))


def _plain_values(raw: bytes) -> list[str] | None:
    """The values of path-naming keys, read line by line; None when the text needs a YAML parse."""
    if any(map(raw.__contains__, _COMPLEX)):
        return None
    values = []
    for match in _NAMING.finditer(raw):
        text = (match.group(1) or b"").decode("utf-8", "replace").strip()
        if not text or text[0] in "|>[{" or _continues(raw, match.start(), match.end()):
            return None
        if text[0] in "\"'":
            end = text.find(text[0], 1)
            if end < 0:
                return None
            values.append(text[1:end])
        else:  # a plain value: to its comment in a block, to the first comma or bracket in a flow
            values += [re.split(r"[ \t]#", text)[0].strip(), re.split(r"[\s,}\]]", text)[0]]
    return values


def _continues(raw: bytes, start: int, end: int) -> bool:
    """Whether a value may go on past its line: an open flow bracket on it, or a next line indented
    deeper than the line's key (the continuation of a plain scalar)."""
    line_start = raw.rfind(b"\n", 0, start) + 1
    line = raw[line_start:end]
    if line.count(b"{") + line.count(b"[") != line.count(b"}") + line.count(b"]"):
        return True
    key_column = len(line) - len(line.lstrip(b" -{,\t"))
    following = raw[end + 1 :].split(b"\n", 1)[0] if end < len(raw) else b""
    return bool(following.strip()) and len(following) - len(following.lstrip()) > key_column


def may_claim(raw: bytes, root: str) -> bool:
    """False only when the text cannot claim anything outside its directory (the pre-filter): not the
    repository root's file (whose directory is everything), no marker, and every "/" that could start
    a value sits in a comment (a "#" after a space on its line, with no quote or flow bracket before it)."""
    if not root or any(map(raw.__contains__, _MARKERS)):
        return True
    for line in _LINE_BREAK.split(raw):  # linear: each line once, its first "/" only
        match = _ROOTED.search(b" " + line)  # the space stands for the line break before it
        if match is None:
            continue
        prefix = line[: match.start() - 1]
        comment = _COMMENT.search(prefix)
        if comment is None or _QUOTE_OR_FLOW.search(prefix, 0, comment.start()) is not None:
            return True  # later "/"s of the line sit after the same comment, or it is no comment
    return False


_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


class _ClaimCache:
    """source file blob id + root + name -> claims, in <git dir>/gate/claims-v3.json; a broken cache is rebuilt."""

    def __init__(self, repo: Repo) -> None:
        self.path = os.path.join(repo.git_dir, "gate", f"claims-v{CACHE_VERSION}.json")
        loaded = read_json(self.path)
        self.entries: dict[str, list[str]] = (
            {k: v for k, v in loaded.items() if isinstance(v, list)}
            if isinstance(loaded, dict)
            else {}
        )

    def save(self) -> None:
        write_json(self.path, self.entries)


# -- the module-level doors other modules use -------------------------------------------------------


def configure(repo: Repo, settings: backstage.Settings) -> None:
    """The trusted (base revision's) source settings every catalog of this repository uses."""
    ManifestIndex.of(repo).configure(settings)


def settings_of(repo: Repo) -> backstage.Settings:
    return ManifestIndex.of(repo).settings


def source_names(repo: Repo) -> tuple[str, ...]:
    """The file names that define services: service.yaml, then the Backstage catalog files."""
    return ManifestIndex.of(repo).names


def prepare(snapshot: Snapshot) -> None:
    """See `ManifestIndex.prepare`."""
    ManifestIndex.of(snapshot.repo).prepare(snapshot)


def manifest_entries(snapshot: Snapshot) -> dict[str, Entry]:
    """See `ManifestIndex.entries`."""
    return ManifestIndex.of(snapshot.repo).entries(snapshot)
