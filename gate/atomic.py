"""Replacing a file so that a reader, or a crash, sees the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import os


def write(path: str, data: bytes | str) -> None:
    """Write `data` (text as UTF-8, line ends as given) beside `path`, then rename it over `path`.

    The temporary file is created exclusively (never through a planted link), keeps the
    permission bits of the file it replaces (a new file gets the umask's), and is removed when
    anything fails. OSError reaches the caller, who says what could not be written.
    """
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    try:
        mode = os.stat(path).st_mode & 0o7777
    except OSError:
        mode = 0o666  # the umask applies when the file is created
    tmp = f"{path}.{os.getpid()}-{os.urandom(4).hex()}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        if mode != 0o666:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
