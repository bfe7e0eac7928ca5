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

