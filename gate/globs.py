"""Path globs as the gate's formats use them (`paths:`, a rule's `when:`, config lists, CODEOWNERS).

`*` matches within one path segment, `**` across any number of segments, `?` one character;
a pattern ending in `/` matches everything below that directory. Patterns are relative to
the repository root.

Every pattern comes from a file a change may edit, so matching never backtracks: a pattern is
a small automaton whose live states are one integer's bits, stepped once per character of the
path (pattern length x path length at worst, whatever the pattern).
"""
from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

# token kinds
_LIT, _ONE, _STAR, _ANY, _DIRS = range(5)  # a character, `?`, `*`, `**`, `**/` (empty or anything ending in /)


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

    def match(self, path: str) -> bool:
        if self.exact is not None:
            return path == self.exact or (self.below and path.startswith(self.exact + "/"))
        if not path.startswith(self.prefix):
            return False
        literal, one, dirs_slash, star, anywhere, skip, accept = (
            self.literal, self.one, self.dirs_slash, self.star, self.anywhere, self.skip, self.accept)
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


def _tokens(body: str) -> list[tuple[int, str]]:
    tokens: list[tuple[int, str]] = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            tokens.append((_DIRS, ""))
            i += 3
        elif body.startswith("**", i):
            tokens.append((_ANY, ""))
            i += 2
        elif body[i] == "*":
            tokens.append((_STAR, ""))
            i += 1
        elif body[i] == "?":
            tokens.append((_ONE, ""))
            i += 1
        else:
            tokens.append((_LIT, body[i]))
            i += 1
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
    return Glob(prefix, literal, one, dirs_slash, star, anywhere, skip, 1 << len(folded), full, below, exact)


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


def any_token() -> tuple[int, str]:
    return (_ANY, "")


def literal_token(char: str) -> tuple[int, str]:
    return (_LIT, char)


def matches(pattern: str, path: str) -> bool:
    return compile_glob(pattern.lstrip("/")).match(path)


def matches_any(patterns: tuple[str, ...] | list[str], path: str) -> bool:
    return any(matches(p, path) for p in patterns)
