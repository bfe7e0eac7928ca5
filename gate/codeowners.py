"""GitHub CODEOWNERS: where it lives, how its patterns match, who owns a path (last match wins)."""

from __future__ import annotations

import re
from functools import cached_property, lru_cache
from typing import Any, NamedTuple

from gate import globs

LOCATIONS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")  # GitHub's search order
MAX_BYTES = 3 * 1024 * 1024  # GitHub does not load a bigger CODEOWNERS file: nobody owns anything


class Entry(NamedTuple):
    pattern: str
    owners: tuple[str, ...]
    line: int

    def matches(self, path: str) -> bool:
        if not _wild(self.pattern):
            return _literal_match(self.pattern, path)
        return _compile(self.pattern).match(path)


def parse(text: str) -> list[Entry]:
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if "\\" in line:  # an escaped space in a pattern
            parts = re.split(r"(?<!\\)\s+", line)
            parts[0] = parts[0].replace("\\ ", " ")
        else:
            parts = line.split()
        entries.append(Entry(parts[0], tuple(parts[1:]), number))
    return entries


class Owners:
    """Anchored literal patterns (most lines of a big CODEOWNERS) looked up by the path's ancestors;
    the rest matched all at once (globs.GlobSet). Same answer as scanning every line from the end."""

    def __init__(self, literal: dict[str, list[Entry]], others: list[Entry]) -> None:
        self.literal, self.others = literal, others

    @classmethod
    def of(cls, entries: list[Entry] | tuple[Entry, ...]) -> Owners:
        literal: dict[str, list[Entry]] = {}
        others: list[Entry] = []
        for entry in entries:
            body = entry.pattern.strip("/")
            if not _wild(entry.pattern) and (entry.pattern.startswith("/") or "/" in body):
                literal.setdefault(body, []).append(entry)
            else:
                others.append(entry)
        return cls(literal, others)

    def owner(self, path: str) -> Entry | None:
        best: Entry | None = None
        prefix = path
        while prefix:
            for entry in self.literal.get(prefix, ()):
                if (best is None or entry.line > best.line) and entry.matches(path):
                    best = entry
            prefix = prefix.rpartition("/")[0]
        if best is not None and (not self.others or self.others[-1].line < best.line):
            return (
                best  # no wildcard line comes after it (the usual `*` on line 1): nothing can win
            )
        found = self.matcher.last_match(path)  # the others, all at once
        if found is not None and (best is None or self.others[found].line > best.line):
            return self.others[found]
        return best

    @cached_property
    def matcher(self) -> globs.GlobSet:
        return globs.GlobSet([_compile(entry.pattern) for entry in self.others])


class Answers:
    """Who owns which path, per CODEOWNERS blob, kept in a small cache: a repository with a
    10,000-line CODEOWNERS parses it only when a path is asked about for the first time."""

    KEEP = 4096  # answers per blob

    def __init__(self, text: bytes, store: Any, blob: str | None) -> None:
        self.text, self.store, self.blob = text, store, blob
        self._owners: Owners | None = None
        loaded = store.get(blob) if blob else None
        self.answers: dict[str, Entry | None] = {}
        try:
            for path, found in (loaded or {}).items():
                self.answers[str(path)] = (
                    None
                    if found is None
                    else Entry(str(found[0]), tuple(map(str, found[1])), int(found[2]))
                )
        except (AttributeError, TypeError, ValueError, IndexError):
            self.answers = {}

    @cached_property
    def org(self) -> str | None:
        """The organisation this CODEOWNERS writes its teams under, when it names exactly one."""
        orgs = {
            o.lower()
            for o in re.findall(
                r"(?<![\w@])@([\w.-]+)/[\w.-]+", self.text.decode("utf-8", "replace")
            )
        }
        return orgs.pop() if len(orgs) == 1 else None

    @property
    def too_big(self) -> bool:
        return len(self.text) > MAX_BYTES

    def owner(self, path: str) -> Entry | None:
        if path not in self.answers:
            if self._owners is None:
                self._owners = Owners.of(
                    [] if self.too_big else parse(self.text.decode("utf-8", "replace"))
                )
            self.answers[path] = self._owners.owner(path)
        return self.answers[path]

    def save(self) -> None:
        """Keep the answers for later runs (only when this run had to parse the file)."""
        if self.blob and self._owners is not None:
            kept = list(self.answers.items())[-self.KEEP :]
            self.store.put(
                self.blob,
                {p: None if e is None else [e.pattern, list(e.owners), e.line] for p, e in kept},
            )


def _wild(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern or "[" in pattern


def _literal_match(pattern: str, path: str) -> bool:
    """A pattern without wildcards, by string tests: the common case, thousands of lines long."""
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    if pattern.startswith("/") or "/" in body:
        return path.startswith(body + "/") or (not directory and path == body)
    segments = path.split("/")
    return body in (segments[:-1] if directory else segments)


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> globs.Glob:
    """gitignore meaning without negation or ranges, matched without backtracking (see gate.globs)."""
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    directory = pattern.endswith("/")
    body = pattern.strip("/")
    tokens = ([] if anchored else [globs.dirs_token()]) + globs.tokens(body)
    if directory:
        return globs.build(tokens, full=False, below=True)  # a directory: everything below it
    if body.endswith("/*"):
        return globs.build(tokens)  # `docs/*`: files directly in docs/, not nested deeper
    return globs.build(tokens, below=True)  # a file, or a directory and everything below it
