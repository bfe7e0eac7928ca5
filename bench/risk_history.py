"""Mining history for risk features: gate vs the raw `git log --numstat` floor vs PyDriller.

    python bench/synth.py /tmp/syn20k --services 2000 --commits 20000 --authors 200
    python bench/risk_history.py /tmp/syn20k [--pydriller-commits 2000] [--runs 3]

All three compute the same per-commit features (the 14 Kamei features and the operational ones)
with the same `HistoryIndex`; they differ only in how the commits and their numstat reach Python.
PyDriller runs one diff per commit, so it is timed on the first N commits and compared with gate
on the same N commits.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gate.git import (
    LogFormat,  # noqa: E402
    Repo,  # noqa: E402
)
from gate.risk.features import Change, HistoryIndex  # noqa: E402
from gate.risk.history import FIELDS, Commit, FileChange, stream  # noqa: E402


def raw_git(path: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [
            "git",
            "-c",
            "core.quotepath=off",
            "log",
            "-z",
            "--numstat",
            "-M",
            "--no-color",
            f"--format={LogFormat(*FIELDS).format}",
            "--reverse",
            "--topo-order",
            "HEAD",
        ],
        cwd=path,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - started


def features(commits: list[Commit] | object) -> int:
    index = HistoryIndex()
    n = 0
    for commit in commits:  # type: ignore[union-attr]
        if not commit.is_merge and commit.files:
            index.features(Change(commit.author, commit.time, commit.files, commit.message))
            n += 1
        index.add(commit)
    return n


def gate_run(path: str, rev: str = "HEAD") -> float:
    started = time.perf_counter()
    features(stream(Repo(path), "--reverse", "--topo-order", rev))
    return time.perf_counter() - started


def nth_commit(path: str, n: int) -> str:
    """The n-th commit from the root, so that both tools mine exactly the same first n commits."""
    out = subprocess.run(
        ["git", "rev-list", "--reverse", "--topo-order", "HEAD"],
        cwd=path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()[n - 1]


def pydriller_run(path: str, rev: str) -> float:
    from pydriller import Repository

    started = time.perf_counter()

    def commits():  # type: ignore[no-untyped-def]
        for c in Repository(path, order="topo-order", to_commit=rev).traverse_commits():
            files = tuple(
                FileChange(
                    m.new_path or m.old_path,
                    m.added_lines,
                    m.deleted_lines,
                    m.old_path if m.old_path != m.new_path else None,
                )
                for m in c.modified_files
            )
            yield Commit(
                c.hash,
                tuple(c.parents),
                c.author.email.lower(),
                int(c.author_date.timestamp()),
                c.msg,
                files,
            )

    features(commits())
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("repo")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pydriller-commits", type=int, default=2000)
    args = parser.parse_args()
    commits = int(
        subprocess.run(
            ["git", "rev-list", "--count", "HEAD"], cwd=args.repo, capture_output=True, text=True
        ).stdout
    )
    raw = statistics.median(raw_git(args.repo) for _ in range(args.runs))
    full = statistics.median(gate_run(args.repo) for _ in range(args.runs))
    print(f"repository: {args.repo} ({commits:,} commits)")
    print(f"raw git log --numstat (floor):      {raw:8.2f} s")
    print(f"gate history + features, all:      {full:8.2f} s   ratio to floor {full / raw:5.2f}x")
    n = min(args.pydriller_commits, commits)
    rev = nth_commit(args.repo, n)
    same = statistics.median(gate_run(args.repo, rev) for _ in range(args.runs))
    try:
        import pydriller  # noqa: F401
    except ImportError:
        print(
            f"gate, first {n:,} commits:           {same:8.2f} s   (PyDriller not installed: pip install pydriller)"
        )
        return
    slow = pydriller_run(args.repo, rev)
    print(f"gate, first {n:,} commits:           {same:8.2f} s")
    print(
        f"PyDriller, first {n:,} commits:      {slow:8.2f} s   gate is {slow / same:5.1f}x faster"
    )


if __name__ == "__main__":
    main()
