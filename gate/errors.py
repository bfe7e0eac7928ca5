"""The user-facing error types. One handler in cli.py turns them into a line and an exit code."""

from __future__ import annotations


class FatalError(RuntimeError):
    """Something the user must fix: bad input, bad usage, broken gate config (exit 2)."""

    exit_code = 2

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{' '.join(self.message.split())}"  # one line, whatever the message held


def did_you_mean(name: str, known: set[str] | list[str]) -> str:
    """ "; did you mean 'x'?" for the closest known name, or nothing: the tail of an unknown-name error."""
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
