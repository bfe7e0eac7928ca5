"""Path globs as the gate's formats use them (`paths:`, a rule's `when:`, config lists, CODEOWNERS).

`*` matches within one path segment, `**` across any number of segments, `?` one character;
a pattern ending in `/` matches everything below that directory. Patterns are relative to
the repository root.

Every pattern comes from a file a change may edit, so matching never backtracks: a pattern is
a small automaton whose live states are one integer's bits, stepped once per character of the
path (pattern length x path length at worst, whatever the pattern).
"""

from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import NamedTuple

# token kinds
_LIT, _ONE, _STAR, _ANY, _DIRS = range(
    5
)  # a character, `?`, `*`, `**`, `**/` (empty or anything ending in /)


class Glob(NamedTuple):
    """A compiled pattern: `full` accepts the whole path; `below` also accepts any path under a match."""

    prefix: str  # literal text every match starts with (a quick rejection)
    literal: dict[str, int]  # character -> states that consume it and advance
    one: int  # states advanced by any character but /
    dirs_slash: int  # `**/` states advanced by /
    star: int  # states that stay on any character but /
    anywhere: int  # states that stay on any character
    skip: int  # states that may be passed without consuming anything
    accept: int
    full: bool
    below: bool
    exact: str | None  # the whole pattern when it has no wildcard
    simple: (
        re.Pattern[str] | None
    )  # one wildcard run at most: a regular expression cannot backtrack badly

    def match(self, path: str) -> bool:
        if self.exact is not None:
            return path == self.exact or (self.below and path.startswith(self.exact + "/"))
        if not path.startswith(self.prefix):
            return False
        if self.simple is not None:
            return self.simple.match(path) is not None
        literal, one, dirs_slash, star, anywhere, skip, accept = (
            self.literal,
            self.one,
            self.dirs_slash,
            self.star,
            self.anywhere,
            self.skip,
            self.accept,
        )
        # `**/` may be passed over only when entered, not once it has eaten part of a segment
        skip_after_stay = skip & ~dirs_slash
        live = _closure(1, skip)
        for c in path:
            if c == "/":
                if self.below and live & accept:
                    return True
                advance = literal.get(c, 0) | dirs_slash
                stay = anywhere
            else:
                advance = literal.get(c, 0) | one
                stay = star | anywhere
            moved, stayed = (live & advance) << 1, live & stay
            if not (moved or stayed):
                return False
            live = _closure(moved, skip) | stayed | (((stayed & skip_after_stay) + skip) ^ skip)
        return self.full and bool(live & accept)


def _closure(live: int, skip: int) -> int:
    """Add every state reachable through skippable states: a carry runs along each run of them
    and stops at the first state that is not skippable."""
    return live | (((live & skip) + skip) ^ skip)


_TOKEN = re.compile(r"\*\*/|\*\*|\*|\?|[^*?]+")
_KIND = {"**/": _DIRS, "**": _ANY, "*": _STAR, "?": _ONE}


def _tokens(body: str) -> list[tuple[int, str]]:
    tokens: list[tuple[int, str]] = []
    for part in _TOKEN.findall(body):
        kind = _KIND.get(part)
        if kind is None:
            tokens += [(_LIT, char) for char in part]
        else:
            tokens.append((kind, ""))
    return tokens


def build(tokens: list[tuple[int, str]], full: bool = True, below: bool = False) -> Glob:
    """The automaton of a token list: state i waits for token i; state len(tokens) accepts."""
    # Runs of `*`/`**` in a row mean the same as their widest member: fold them (fewer states).
    folded: list[tuple[int, str]] = []
    for kind, char in tokens:
        if folded and kind in (_STAR, _ANY) and folded[-1][0] in (_STAR, _ANY):
            folded[-1] = (max(kind, folded[-1][0]), "")
        else:
            folded.append((kind, char))
    literal: dict[str, int] = {}
    one = dirs_slash = star = anywhere = skip = 0
    for state, (kind, char) in enumerate(folded):
        bit = 1 << state
        if kind == _LIT:
            literal[char] = literal.get(char, 0) | bit
        elif kind == _ONE:
            one |= bit
        elif kind == _STAR:
            star |= bit
            skip |= bit
        elif kind == _ANY:
            anywhere |= bit
            skip |= bit
        else:
            dirs_slash |= bit
            anywhere |= bit
            skip |= bit
    prefix = ""
    for kind, char in folded:
        if kind != _LIT:
            break
        prefix += char
    exact = prefix if len(prefix) == len(folded) and full else None
    return Glob(
        prefix,
        literal,
        one,
        dirs_slash,
        star,
        anywhere,
        skip,
        1 << len(folded),
        full,
        below,
        exact,
        _simple(folded, full, below),
    )


_REGEX = {_ONE: "[^/]", _STAR: "[^/]*", _ANY: ".*", _DIRS: "(?:.*/)?"}


def _simple(tokens: list[tuple[int, str]], full: bool, below: bool) -> re.Pattern[str] | None:
    """The common pattern (`libs/money/**`, `*.md`, `docs/*`) as a regular expression, which is
    faster here than the automaton: with one quantifier it tries each split once (length x length)."""
    if sum(1 for kind, _ in tokens if kind in (_STAR, _ANY, _DIRS)) > 1:
        return None
    body = "".join(re.escape(char) if kind == _LIT else _REGEX[kind] for kind, char in tokens)
    suffix = "(?:/.*)?" if full and below else "/.*" if below else ""
    if below and any(kind in (_STAR, _ANY, _DIRS) for kind, _ in tokens):
        return None  # a second quantifier in the suffix: the automaton
    return re.compile(body + suffix + r"\Z", re.DOTALL)


@lru_cache(maxsize=4096)
def compile_glob(pattern: str) -> Glob:
    if pattern.endswith("/"):
        pattern += "**"
    return build(_tokens(pattern))


def tokens(body: str) -> list[tuple[int, str]]:
    """The tokens of a pattern body, for formats with their own anchoring (CODEOWNERS)."""
    return _tokens(body)


def dirs_token() -> tuple[int, str]:
    """`**/`: any number of leading directories, for unanchored patterns."""
    return (_DIRS, "")


def matches(pattern: str, path: str) -> bool:
    return compile_glob(pattern.lstrip("/")).match(path)


def matches_any(patterns: tuple[str, ...] | list[str], path: str) -> bool:
    return any(matches(p, path) for p in patterns)


class GlobSet:
    """Many patterns as one automaton, their states side by side in one integer: which pattern
    is the last to match a path, in one pass over the path (a CODEOWNERS of 100,000 wildcard
    lines costs one walk over the path, not 100,000)."""

    def __init__(self, compiled: list[Glob] | tuple[Glob, ...]) -> None:
        names = ("one", "dirs_slash", "star", "anywhere", "skip", "full", "below")
        positions: dict[str, list[int]] = {name: [] for name in names}
        literal: dict[str, list[int]] = {}
        self.accepts: list[int] = []  # accept bit of each pattern, in order
        offset = 0
        for glob in compiled:
            for name in names[:5]:
                positions[name] += [offset + bit for bit in _bits(getattr(glob, name))]
            for char, mask in glob.literal.items():
                literal.setdefault(char, []).extend(offset + bit for bit in _bits(mask))
            accept = offset + glob.accept.bit_length() - 1
            self.accepts.append(accept)
            if glob.full:
                positions["full"].append(accept)
            if glob.below:
                positions["below"].append(accept)
            offset = accept + 1
        size = offset
        (
            self.one,
            self.dirs_slash,
            self.star,
            self.anywhere,
            self.skip,
            self.accept_full,
            self.accept_below,
        ) = (_mask(positions[name], size) for name in names)
        self.literal = {char: _mask(bits, size) for char, bits in literal.items()}
        self.start = _closure(_mask([0] + [a + 1 for a in self.accepts[:-1]], size), self.skip)

    def last_match(self, path: str) -> int | None:
        """Index of the last pattern that matches `path`, or None."""
        matched = self._accepted(path)
        if not matched:
            return None
        return bisect.bisect_left(self.accepts, matched.bit_length() - 1)

    def matching(self, path: str) -> list[int]:
        """Indexes of every pattern that matches `path`, in order (one pass over the path)."""
        return [bisect.bisect_left(self.accepts, bit) for bit in _bits(self._accepted(path))]

    def _accepted(self, path: str) -> int:
        """The accept bits of the patterns that match `path`."""
        if not self.accepts:
            return 0
        literal, one, dirs_slash, star, anywhere, skip = (
            self.literal,
            self.one,
            self.dirs_slash,
            self.star,
            self.anywhere,
            self.skip,
        )
        skip_after_stay = skip & ~dirs_slash
        stay_segment = star | anywhere
        live, matched = self.start, 0
        for c in path:
            if c == "/":
                matched |= live & self.accept_below
                advance, stay = literal.get(c, 0) | dirs_slash, anywhere
            else:
                advance, stay = literal.get(c, 0) | one, stay_segment
            moved, stayed = (live & advance) << 1, live & stay
            live = _closure(moved, skip) | stayed | (((stayed & skip_after_stay) + skip) ^ skip)
            if not live:
                break
        return matched | (live & self.accept_full)


class PatternIndex:
    """Which of many (pattern, value) pairs match a path, at a cost that follows the path, not the
    number of patterns: literal paths and directories are looked up by the path's own prefixes,
    wildcard patterns are grouped by the literal text they start with, and a large group is one
    automaton (GlobSet). Built once in time linear in the patterns."""

    GROUP = 8  # a group this large is matched as one automaton

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.exact: dict[str, list[str]] = {}  # a path (or a directory, all below it) -> values
        self.below: set[str] = set()
        groups: dict[str, list[tuple[Glob, str]]] = {}
        for pattern, value in pairs:
            glob = compile_glob(pattern.lstrip("/"))
            if pattern != pattern.lstrip("/"):
                self.exact.setdefault(pattern, []).append(value)  # equal to the path as written
            if glob.exact is not None:
                self.exact.setdefault(glob.exact, []).append(value)
                if glob.below:
                    self.below.add(glob.exact)
            else:
                groups.setdefault(glob.prefix, []).append((glob, value))
        self.groups = {
            prefix: (GlobSet([g for g, _ in found]) if len(found) >= self.GROUP else None, found)
            for prefix, found in groups.items()
        }
        self.lengths = sorted({len(prefix) for prefix in groups})

    def matching(self, path: str) -> list[str]:
        """Every value whose pattern matches `path` (a value once per matching pattern)."""
        found = list(self.exact.get(path, ()))
        directory = path
        while "/" in directory:
            directory = directory.rpartition("/")[0]
            if directory in self.below:
                found += self.exact[directory]
        for length in self.lengths:
            if length > len(path):
                break
            group = self.groups.get(path[:length])
            if group is None:
                continue
            automaton, members = group
            if automaton is not None:
                found += [members[i][1] for i in automaton.matching(path)]
            else:
                found += [value for glob, value in members if glob.match(path)]
        return found


def _bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _mask(positions: list[int], size: int) -> int:
    """An integer with these bits set, built in one go (OR-ing big integers one bit at a time is quadratic)."""
    data = bytearray((size + 8) // 8)
    for p in positions:
        data[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(data, "little")
