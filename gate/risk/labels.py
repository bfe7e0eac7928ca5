"""Which past changes failed: reverted ones, and (SZZ) the ones whose lines a later fix changed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from gate.git import Repo
from gate.risk.history import Commit

_HUNK = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_PROSE = (".md", ".rst", ".txt", ".adoc")
MAX_FIX_FILES = 20  # a fix touching more files is a sweep, not a fix of specific lines


def reverted(commits: Iterable[Commit]) -> dict[str, int]:
    """Commits a later commit says it reverts ("This reverts commit X"), matched by id prefix,
    each with the time its first revert was made (when its failure became known)."""
    commits = list(commits)
    by_prefix: dict[str, list[str]] = {}
    for c in commits:
        by_prefix.setdefault(c.sha[:7], []).append(c.sha)
    failed: dict[str, int] = {}
    for c in commits:
        for short in c.reverts:
            matches = [sha for sha in by_prefix.get(short[:7], []) if sha.startswith(short)]
            if len(matches) == 1:
                failed[matches[0]] = min(c.time, failed.get(matches[0], c.time))
    return failed


def fix_inducing(
    repo: Repo, commits: list[Commit], tick: Callable[[], None] = lambda: None
) -> dict[str, int]:
    """SZZ: blame the lines each fix deleted or changed, in the fix's parent; those commits failed,
    as of the time of the first fix that blamed them."""
    known = {c.sha: c for c in commits}
    failed: dict[str, int] = {}
    for fix in commits:
        tick()
        if (
            not fix.is_fix
            or fix.is_merge
            or not fix.parents
            or fix.reverts
            or len(fix.files) > MAX_FIX_FILES
        ):
            continue
        parent = fix.parents[0]
        for path, ranges in _deleted_ranges(repo, parent, fix.sha).items():
            if not ranges or path.endswith(_PROSE):
                continue
            args = ["blame", "--porcelain", "-w"]
            for start, count in ranges[:50]:
                args += ["-L", f"{start},+{count}"]
            out = repo.run(*args, parent, "--", path, ok_codes=(0, 128))
            for line in out.split(b"\n"):
                sha = line[:40]
                if len(line) > 41 and line[40:41] == b" " and re.fullmatch(rb"[0-9a-f]{40}", sha):
                    origin = sha.decode()
                    if origin in known and known[origin].time <= fix.time and origin != fix.sha:
                        failed[origin] = min(fix.time, failed.get(origin, fix.time))
    return failed


def _deleted_ranges(repo: Repo, parent: str, sha: str) -> dict[str, list[tuple[int, int]]]:
    out = repo.zero_context_diff(parent, sha)
    ranges: dict[str, list[tuple[int, int]]] = {}
    path = None
    for line in out.split(b"\n"):
        if line.startswith(b"--- "):
            name = line[4:]
            path = name[2:].decode("utf-8", "replace") if name.startswith(b"a/") else None
        elif path and line.startswith(b"@@"):
            m = _HUNK.match(line)
            if m:
                start, count = int(m.group(1)), int(m.group(2) or 1)
                if count:
                    ranges.setdefault(path, []).append((start, count))
    return ranges


def read_file(path: str, shas: Iterable[str]) -> dict[str, tuple[int, int | None]]:
    """External labels (incident or rollback records): a CSV with a header naming `commit` and
    `failed` (1/0, true/false, yes/no) and optionally `known` (when the failure became known: an
    ISO date or unix seconds). Commit ids may be unique prefixes of `shas` (at least 7 digits).

    Returns full commit id -> (failed, known time or None). Bad input is a FatalError naming
    the file and line; ids matching no commit of the history are an error too (a typo or the
    wrong repository), so a label never silently goes unused.
    """
    import csv
    import datetime as dt

    from gate.errors import FatalError

    by_prefix: dict[str, list[str]] = {}
    for sha in shas:
        by_prefix.setdefault(sha[:7], []).append(sha)
    out: dict[str, tuple[int, int | None]] = {}
    try:
        f = open(path, newline="", encoding="utf-8-sig")
    except OSError as e:
        raise FatalError(f"cannot read labels ({e.strerror})", path) from None
    with f:
        try:
            reader = csv.reader(f)
            header = [h.strip().lower() for h in next(reader, [])]
            if "commit" not in header or "failed" not in header:
                raise FatalError(
                    "labels need a header with the columns commit and failed (and optionally known)",
                    path,
                    1,
                )
            col = {
                name: header.index(name) for name in ("commit", "failed", "known") if name in header
            }
            for row in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) < len(header):
                    raise FatalError(
                        f"expected {len(header)} columns, found {len(row)}", path, line
                    )
                sha = row[col["commit"]].strip().lower()
                if not re.fullmatch(r"[0-9a-f]{7,40}", sha):
                    raise FatalError(f"not a commit id: {row[col['commit']]!r}", path, line)
                matches = [s for s in by_prefix.get(sha[:7], []) if s.startswith(sha)]
                if len(matches) != 1:
                    raise FatalError(
                        f"commit {sha} is {'ambiguous' if matches else 'not in the history being labelled'}",
                        path,
                        line,
                    )
                value = row[col["failed"]].strip().lower()
                if value not in _TRUTH:
                    raise FatalError(
                        f"failed must be 1/0, true/false or yes/no, not {row[col['failed']]!r}",
                        path,
                        line,
                    )
                when: int | None = None
                raw = row[col["known"]].strip() if "known" in col else ""
                if raw:
                    try:
                        when = (
                            int(raw)
                            if raw.isdigit()
                            else int(
                                dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
                                .replace(
                                    tzinfo=dt.datetime.fromisoformat(
                                        raw.replace("Z", "+00:00")
                                    ).tzinfo
                                    or dt.timezone.utc
                                )
                                .timestamp()
                            )
                        )
                    except ValueError:
                        raise FatalError(
                            f"known must be an ISO date or unix seconds, not {raw!r}", path, line
                        ) from None
                out[matches[0]] = (_TRUTH[value], when)
        except csv.Error as e:
            raise FatalError(f"not CSV ({e})", path, reader.line_num) from None
        except UnicodeDecodeError:
            raise FatalError("not UTF-8 text", path) from None
    return out


_TRUTH = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}
