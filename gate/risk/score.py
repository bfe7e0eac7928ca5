"""Risk of one change to one service: features from its diff and recent history, a 0-100 score, reasons."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from typing import Any, Literal

from gate.cache import Store
from gate.git import EMPTY, INDEX, Repo
from gate.risk.features import DAY, Change, HistoryIndex, change_features, judged_at
from gate.risk.history import Commit, FileChange, stream, touching
from gate.risk.model import DEFAULT_MODEL, Model, level, load
from gate.risk.patch import ADDED_LIMIT, EMPTY_PATCH, Patch
from gate.risk.patch import parse as parse_patch
from gate.risk.scale import Scale, neutral, reference, scale_for
from gate.settings import RiskSettings
from gate.snapshot import Snapshot

HISTORY_KEEP = 256  # mined histories kept in <git dir>/gate/history/, newest first

# What a feature says when it pushes a score up, read from the change's features. A reason is shown
# only for a feature whose weight in the model in use points the score up for this change's value
# (`reasons`): never for a feature the model does not weigh, nor one that made this change look safer.
WORDS: dict[str, Callable[[dict[str, float]], str]] = {
    "la": lambda f: f"adds {f['la']:,.0f} lines",
    "ld": lambda f: f"deletes {f['ld']:,.0f} lines",
    "nf": lambda f: f"touches {f['nf']:.0f} files",
    "ns": lambda f: f"spans {f['ns']:.0f} top-level directories",
    "nd": lambda f: f"spans {f['nd']:.0f} directories",
    "entropy": lambda f: "spreads its edits evenly across many files",
    "lt": lambda f: f"edits large files ({f['lt']:,.0f} lines before the change)",
    "fix": lambda f: "is a fix (fixes are followed by fixes more often)",
    "ndev": lambda f: f"edits files {f['ndev']:.0f} developers have changed",
    "nuc": lambda f: f"edits files changed {f['nuc']:.0f} times in the history window",
    "exp": lambda f: (
        "the author's first change in this repository's recent history"
        if not f["exp"]
        else f"the author made only {f['exp']:.0f} change(s) here in the history window"
    ),
    "rexp": lambda f: "the author made few recent changes in this repository",
    "sexp": lambda f: (
        "the author's first change in this part of the repository"
        if not f["sexp"]
        else f"the author changed this part of the repository only {f['sexp']:.0f} time(s)"
    ),
    "migrations": lambda f: f"touches {f['migrations']:.0f} schema migration(s)",
    "infrastructure": lambda f: f"touches {f['infrastructure']:.0f} infrastructure-as-code file(s)",
    "deploy_config": lambda f: f"changes {f['deploy_config']:.0f} deployment or config file(s)",
    "dependencies": lambda f: (
        f"changes {f['dependencies']:.0f} dependency manifest(s) or lockfile(s)"
    ),
    "auth": lambda f: f"touches {f['auth']:.0f} auth/security path(s)",
    "feature_flags": lambda f: f"changes {f['feature_flags']:.0f} feature-flag file(s)",
    "test_ratio": lambda f: "adds few test lines",
    "tier": lambda f: f"tier {f['tier']:.0f} service",
    "recent_failures": lambda f: (
        f"its files were fixed or reverted {f['recent_failures']:.0f} time(s) in the last 90 days"
    ),
    "freeze": lambda f: "made inside a change freeze",
    "age": lambda f: f"edits a file last changed {f['age']:,.0f} days ago",
    "rel_churn": lambda f: f"rewrites {f['rel_churn']:.0%} of the lines its files end up with",
    "file_fixes": lambda f: (
        f"its files were fixed or reverted {f['file_fixes']:.0f} time(s) in the history window"
    ),
    "new_files": lambda f: f"adds {f['new_files']:.0f} new file(s)",
    "added_code": lambda f: (
        f"adds {f['la']:,.0f} lines ({f['added_code']:,.0f} of new code"
        + (f", {f['moved']:,.0f} moved)" if f.get("moved") else ")")
    ),
    "decisions": lambda f: (
        f"adds {f['decisions']:,.0f} branches (if, loops, case, catch, && and ||)"
    ),
    "moved": lambda f: f"moves {f['moved']:,.0f} lines",
}
PUSH = 0.2  # a feature is a reason when it raises the logit by this much over a typical change
REASONS_SHOWN = 4


def reasons(model: Model, features: dict[str, float], freeze: str | None = None) -> list[str]:
    """Why the score is high: the features that push it up most, each in words, strongest first.
    A feature is named only when its weight times its distance from a typical change raises the
    score, so a reason always points the way the model does."""
    out = []
    for name, push in model.contributions(features):
        if push > PUSH and name in WORDS:
            out.append(
                f"made inside the change freeze {freeze!r}"
                if name == "freeze" and freeze
                else WORDS[name](features)
            )
    return out[:REASONS_SHOWN]


def start_patch(repo: Repo, base: str, head: str, paths: list[str]) -> Any:
    """Start `git diff -U0` of the change (read later by `read_patch`), or None when `paths`
    (the changed files) is empty."""
    if not paths or head == EMPTY:
        return None
    return repo.patch_stream(base, head)


def read_patch(process: Any) -> Patch:
    """The change's added and deleted lines per file, from a process `start_patch` started.
    Only files read in full: past ADDED_LIMIT the file being read and those after it are left out."""
    if process is None:
        return EMPTY_PATCH
    out = process.stdout.read(ADDED_LIMIT + 1)
    cut = len(out) > ADDED_LIMIT
    if cut:
        process.abandon()
    else:
        process.finish()  # a diff that died mid-way is a git error, never a short list of added lines
    return parse_patch(out, cut)


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
        self._author, self._time, self._message = self._identity()
        self._store = Store(self.repo.git_dir, "history", keep=HISTORY_KEEP)
        self._history = self._start_history()
        self._patch_process = start_patch(
            self.repo, self.base.rev, self.head.rev, [f.path for f in self.files()]
        )
        self._patch: Patch | None = None
        self.incomplete: str | None = None  # why the mined history stopped short, when it did
        self._scale: Scale | Literal[False] | None = None
        self._features: dict[str, float] | None = None
        self._narrow: tuple[Change, dict[str, int]] | None = None  # what `_ranked` re-features

    def scale(self) -> Scale | None:
        """Where this repository's recent changes stand, drawn at the trusted tip (cached)."""
        if self._scale is None:
            tip = self.trusted.rev
            self._scale = (
                scale_for(self.repo, tip, self.model, self.settings.history_days)
                if tip not in (EMPTY, INDEX)
                else reference(self.model)
            ) or False
        return self._scale or None

    def _ranked(self, features: dict[str, float], scale: Scale) -> float:
        """The change's tier-neutral probability as its scale ranks changes: with the scale's
        history window when a busy repository's scale was drawn with a shorter one."""
        if scale.window is None or scale.source != "repository" or self._narrow is None:
            return neutral(self.model, features)
        change, lines_before = self._narrow
        patch = self._patch or EMPTY_PATCH
        narrow = change_features(self.index(), change, lines_before, patch, scale.window)
        return neutral(self.model, narrow)

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
            return email, judged_at(self.today), ""  # today's own commits are history
        email, _, message = self.repo.authorship(self.head.rev)
        verified = email.lower() if self._author_verified() else ""
        return verified, judged_at(self.today), message

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
        if self._patch_process is not None and self._patch is None:
            self._patch_process.abandon()
            self._patch = EMPTY_PATCH

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
            self._index = HistoryIndex(self.settings.history_days * DAY)
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

    def features(self) -> dict[str, float]:
        """The change's features (computed once; every service is judged on the whole change)."""
        if self._features is None:
            files = tuple(self.files())  # in diff order
            freeze = self._in_freeze() is not None
            change = Change(self._author, self._time, files, self._message, 2, freeze)
            before = [f.old_path or f.path for f in files]
            raws = self.base.read_many(before)
            lines_before = {p: raws[p].count(b"\n") if p in raws else 0 for p in before}
            self._narrow = (change, lines_before)
            if self._patch is None:
                self._patch = read_patch(self._patch_process)
            self._features = change_features(self.index(), change, lines_before, self._patch)
        return self._features

    def score(self, changed: tuple[str, ...], tier: int) -> dict[str, Any]:
        """The risk of the whole change (every file it touches: its services ship together),
        judged at the tier of a service it touches (`changed`: that service's files)."""
        freeze = self._in_freeze()
        features = {**self.features(), "tier": float(tier)}
        probability = self.model.score(features)
        scale = self.scale()
        score = scale.percentile(self._ranked(features, scale)) if scale else probability
        factors = [] if level(score) == "low" else reasons(self.model, features, freeze)
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
            "score": min(100, max(0, round(score))),
            "level": level(score),
            "probability": round(probability, 2),
            "scale": scale.describe(probability) if scale else "model probability",
            "factors": list(dict.fromkeys(factors)),
            "model": str(self.model.meta.get("name", "custom")),
            "features": {k: round(v, 4) for k, v in features.items()},
        }
