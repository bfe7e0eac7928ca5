"""Risk of one change to one service: features from its diff and recent history, a 0-100 score, reasons."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterator
from typing import Any

from gate.cache import Store
from gate.git import EMPTY, INDEX, Repo
from gate.risk.features import Change, HistoryIndex
from gate.risk.history import Commit, FileChange, stream, touching
from gate.risk.model import DEFAULT_MODEL, Model, level, load
from gate.settings import RiskSettings
from gate.snapshot import Snapshot

HISTORY_KEEP = 256  # mined histories kept in <git dir>/gate/history/, newest first

WORDS: dict[str, Callable[[float], str]] = {
    "la": lambda v: f"adds {v:,.0f} lines",
    "ld": lambda v: f"deletes {v:,.0f} lines",
    "nf": lambda v: f"touches {v:.0f} files",
    "ns": lambda v: f"spans {v:.0f} top-level directories",
    "nd": lambda v: f"spans {v:.0f} directories",
    "entropy": lambda v: "spreads its edits evenly across many files",
    "lt": lambda v: f"edits large files ({v:,.0f} lines before the change)",
    "fix": lambda v: "is a fix (fixes are followed by fixes more often)",
    "ndev": lambda v: f"edits files {v:.0f} developers have changed",
    "nuc": lambda v: f"edits files changed {v:.0f} times before",
    "migrations": lambda v: f"touches {v:.0f} schema migration(s)",
    "infrastructure": lambda v: f"touches {v:.0f} infrastructure-as-code file(s)",
    "deploy_config": lambda v: f"changes {v:.0f} deployment or config file(s)",
    "dependencies": lambda v: f"changes {v:.0f} dependency manifest(s) or lockfile(s)",
    "auth": lambda v: f"touches {v:.0f} auth/security path(s)",
    "feature_flags": lambda v: f"changes {v:.0f} feature-flag file(s)",
    "tier": lambda v: f"tier {v:.0f} service",
    "recent_failures": lambda v: (
        f"its files were fixed or reverted {v:.0f} time(s) in the last 90 days"
    ),
    "freeze": lambda v: "made inside a change freeze",
    "age": lambda v: f"edits files last changed {v:,.0f} days ago on average",
    "rel_churn": lambda v: f"rewrites {v:.0%} of the lines its files end up with",
    "file_fixes": lambda v: (
        f"its files were fixed or reverted {v:.0f} time(s) in the history window"
    ),
    "new_files": lambda v: f"adds {v:.0f} new file(s)",
    "added_code": lambda v: f"adds {v:,.0f} lines of code",
    "decisions": lambda v: f"adds {v:,.0f} branches (if, loops, case, catch, && and ||)",
}


ADDED_LIMIT = (
    4 << 20
)  # bytes of diff read for the added-line features; past this a change's text is cut


def start_added(repo: Repo, base: str, head: str, paths: list[str]) -> Any:
    """Start `git diff -U0` of the change (read later by `read_added`), or None when `paths`
    (the changed files) is empty."""
    if not paths or head == EMPTY:
        return None
    return repo.patch_stream(base, head)


def read_added(process: Any) -> dict[str, str]:
    """Each file's added lines (without the leading "+"), from a process `start_added` started.
    Only files read in full: past ADDED_LIMIT the file being read and those after it are left out."""
    if process is None:
        return {}
    out = process.stdout.read(ADDED_LIMIT + 1)
    cut = len(out) > ADDED_LIMIT
    if cut:
        process.abandon()
    else:
        process.finish()  # a diff that died mid-way is a git error, never a short list of added lines
    added: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in out.split(b"\n"):
        if line.startswith(b"+++ "):
            name = _unquote(line[4:])
            current = added.setdefault(name[2:], []) if name.startswith("b/") else None
        elif line.startswith(b"+") and current is not None:
            current.append(line[1:].decode("utf-8", "replace"))
        elif line.startswith(b"diff --git "):
            current = None
    if cut and current is not None:
        added = {path: lines for path, lines in added.items() if lines is not current}
    return {path: "\n".join(lines) for path, lines in added.items()}


def _unquote(raw: bytes) -> str:
    """A path as `git diff` prints it: as is, or C-quoted ("b/tab\\there") when it holds odd bytes;
    git ends the line with a tab when the name holds a space."""
    raw = raw[:-1] if raw.endswith(b"\t") else raw
    if raw.startswith(b'"') and raw.endswith(b'"'):
        import codecs

        decoded: Any = codecs.escape_decode(raw[1:-1])[0]  # bytes; older typeshed says str
        raw = decoded
    return os.fsdecode(raw)


def change_features(
    index: HistoryIndex, change: Change, lines_before: dict[str, int], added: dict[str, str]
) -> dict[str, float]:
    """A change's features as the check computes them, from its history, its files' sizes before
    it and the text of its added lines per file (`read_added`)."""
    text = "\n".join(added[f.path] for f in change.files if f.path in added)
    features = index.features(change, lines_before, text)
    # Lines whose text was not read (a diff past ADDED_LIMIT) count on the risky side: each as
    # a line of code and a decision point, so padding a change can never lower its score.
    unread = sum(f.added for f in change.files if f.path not in added)
    features["added_code"] += unread
    features["decisions"] += unread
    return features


class RiskScorer:
    """Scores each changed service of one change; history is mined once per change."""

    def __init__(
        self,
        settings: RiskSettings,
        base: Snapshot,
        head: Snapshot,
        today: dt.date,
        trusted: Snapshot | None = None,
    ) -> None:
        self.settings = settings
        self.base, self.head, self.today = base, head, today
        self.trusted = trusted or base  # the base branch's tip: where the model is read
        self.repo = head.repo
        self.model = self._model()
        self._files: list[FileChange] | None = None
        self._index: HistoryIndex | None = None
        self._paths: dict[str, list[tuple[int, FileChange]]] | None = (
            None  # changed files by each of their paths
        )
        self._author, self._time, self._message = self._identity()
        self._store = Store(self.repo.git_dir, "history", keep=HISTORY_KEEP)
        self._history = self._start_history()
        self._added_process = start_added(
            self.repo, self.base.rev, self.head.rev, [f.path for f in self.files()]
        )
        self._added: dict[str, str] | None = None
        self.incomplete: str | None = None  # why the mined history stopped short, when it did

    def _model(self) -> Model:
        path = self.settings.model
        if not path:
            return DEFAULT_MODEL
        from gate.errors import FatalError

        raw = self.trusted.read(
            str(path)
        )  # from the base branch's tip: a change cannot retrain its own judge
        if raw is None:
            raise FatalError(
                "risk model not found in the base revision (write it with `gate risk calibrate`)",
                str(path),
            )
        return load(raw, str(path))

    def _identity(self) -> tuple[str, int, str]:
        if self.head.rev in (INDEX, EMPTY):
            ident = self.repo.author_ident()
            email = ident[ident.find("<") + 1 : ident.find(">")].lower() if "<" in ident else ""
            midnight = dt.datetime.combine(
                self.today, dt.time(), dt.timezone.utc
            )  # a staged change is judged as of today
            return email, int(midnight.timestamp()), ""
        email, time, message = self.repo.authorship(self.head.rev)
        return (email.lower() if self._author_verified() else ""), time, message

    def _author_verified(self) -> bool:
        """In a pull request the author line is the opener's claim: experience is credited only when
        GitHub links the head commit's author to the opener's account; unknown means newcomer.
        Outside a pull request (a terminal, the hook) the author is the person running gate."""
        from gate import github

        pull_request = github.pull_request_from_env()
        if pull_request is None:
            return True
        try:
            login = github.commit_author_login(pull_request, self.head.rev)
        except github.GitHubUnavailable:
            return False
        return login is not None and login.lower() == pull_request.author.lower()

    def files(self) -> list[FileChange]:
        if self._files is None:
            counted = (
                self.head.base is self.base and self.head.lines
            )  # the check's own diff counted lines
            changes = (
                self.head.changes
                if counted
                else self.repo.changes(self.base.rev, self.head.rev, lines=True)
            )
            self._files = [FileChange(c.path, c.added, c.deleted, c.old_path) for c in changes]
        return self._files

    def cancel(self) -> None:
        """Stop mining history that will not be used (the change touched no service)."""
        if self._history is not None:
            for running in self._history[1]:
                running.close()  # type: ignore[attr-defined]  # history.stream/touching return generators, typed as Iterator
        if self._added_process is not None and self._added is None:
            self._added_process.abandon()
            self._added = {}

    def _start_history(self) -> tuple[str, list[Iterator[Commit]]] | None:
        """Start mining the touched files' and the author's recent history; it runs while policies are checked.

        The window ends at the change's own time, so the same change always sees the same history.
        """
        if self.base.rev == EMPTY:
            return None
        days = self.settings.history_days
        paths = sorted({p for f in self.files() for p in (f.path, f.old_path) if p})
        key = hashlib.sha256(
            "\0".join([self.base.rev, str(days), str(self._time), self._author, *paths]).encode(
                "utf-8", "surrogateescape"
            )
        ).hexdigest()[:32]
        if self._cached(key) is not None:
            return key, []
        since = f"--since=@{self._time - days * 86400}"
        # Who touched which file and when; never line counts: the score measures the files' size
        # before the change from the files themselves, so git never has to diff old contents.
        streams = [touching(self.repo, since, self.base.rev, paths=paths)] if paths else []
        if self._author:
            streams.append(
                stream(
                    self.repo,
                    since,
                    f"--author=<{self._author}>",
                    "--regexp-ignore-case",
                    "--fixed-strings",
                    self.base.rev,
                    lines=False,
                    renames=False,
                )
            )
        return key, streams

    def _cached(self, key: str) -> list[Commit] | None:
        try:
            return [
                Commit(c[0], tuple(c[1]), c[2], c[3], c[4], tuple(FileChange(*x) for x in c[5]))
                for c in self._store.get(key)
            ]
        except (TypeError, ValueError, IndexError, KeyError):
            return None

    def index(self) -> HistoryIndex:
        """Recent history of every touched file, and of the author (cached by base commit and paths)."""
        if self._index is None:
            self._index = HistoryIndex()
            commits: list[Commit] = []
            if self._history is not None:
                key, streams = self._history
                if streams:
                    commits = self._mine(streams)
                    if self.incomplete is None:
                        self._save(key, commits)
                else:
                    commits = self._cached(key) or []
            for commit in sorted(commits, key=lambda c: c.time):
                self._index.add(commit)
        return self._index

    def _mine(self, streams: list[Iterator[Commit]]) -> list[Commit]:
        """Every commit the streams give; a git that fails mid-way leaves a visible note, never a silently short history."""
        from gate.git import GitError

        commits: list[Commit] = []
        for running in streams:
            try:
                commits.extend(running)
            except GitError as e:
                self.incomplete = str(e)
        return commits

    def _save(self, key: str, commits: list[Commit]) -> None:
        self._store.put(
            key,
            [
                [c.sha, list(c.parents), c.author, c.time, c.message, [list(x) for x in c.files]]
                for c in commits
            ],
        )

    def _in_freeze(self) -> str | None:
        for window in self.settings.freeze:
            if window.start <= self.today <= window.end:
                return window.reason
        return None

    def _by_path(self) -> dict[str, list[tuple[int, FileChange]]]:
        """Changed files by each of their paths; the first call also reads every file's base
        version in one round trip (their sizes before the change)."""
        if self._paths is None:
            by_path: dict[str, list[tuple[int, FileChange]]] = {}
            for i, f in enumerate(self.files()):
                for path in {f.path, f.old_path or f.path}:
                    by_path.setdefault(path, []).append((i, f))
            self._paths = by_path
            self.base.read_many([f.old_path or f.path for f in self.files()])
        return self._paths

    def score(self, changed: tuple[str, ...], tier: int) -> dict[str, Any]:
        by_path = self._by_path()
        picked = dict(item for path in changed for item in by_path.get(path, ()))
        files = tuple(picked[i] for i in sorted(picked))  # in diff order
        freeze = self._in_freeze()
        change = Change(self._author, self._time, files, self._message, tier, freeze is not None)
        before = [f.old_path or f.path for f in files]
        raws = self.base.read_many(before)  # already read: no round trip
        lines_before = {path: raws[path].count(b"\n") if path in raws else 0 for path in before}
        if self._added is None:
            self._added = read_added(self._added_process)
        features = change_features(self.index(), change, lines_before, self._added)
        score = self.model.score(features)
        pushing = (
            []
            if level(score) == "low"
            else [
                name
                for name, push in self.model.contributions(features)
                if push > 0.2
                and name in WORDS
                and features.get(name)
                and self.model.weights[name] > 0
            ]
        )  # high, hence risky: the words say so
        if (
            "la" in pushing and "added_code" in pushing
        ):  # one reason for the size: "adds 2,102 lines (1,502 of code)"
            pushing.remove(
                "added_code" if pushing.index("la") < pushing.index("added_code") else "la"
            )
            pushing[pushing.index("la" if "la" in pushing else "added_code")] = "size"
        words: dict[str, Callable[[float], str]] = {
            **WORDS,
            "size": lambda v: (
                f"adds {features['la']:,.0f} lines ({features['added_code']:,.0f} of code)"
            ),
        }
        factors = [words[name](features.get(name, 0.0)) for name in pushing][:4]
        if features["exp"] == 0 and self._author:
            factors.append("the author's first change in this repository's recent history")
        elif features["sexp"] == 0 and self._author:
            factors.append("the author's first change in this part of the repository")
        if features["la"] >= 50 and features["test_ratio"] == 0:
            factors.append("adds no test lines")
        if freeze:
            factors.append(f"made inside the change freeze {freeze!r}")
        history = {}
        if self.incomplete:
            # Less history means fewer prior changes and fixes counted: the score may read low, so say so.
            factors.insert(
                0,
                f"history incomplete ({self.incomplete}): this score may understate the risk; repair or deepen the clone",
            )
            history = {"history": f"incomplete: {self.incomplete}"}
        return {
            **history,
            "score": round(score),
            "level": level(score),
            "factors": list(dict.fromkeys(factors)),
            "model": str(self.model.meta.get("name", "custom")),
            "features": {k: round(v, 4) for k, v in features.items()},
        }
