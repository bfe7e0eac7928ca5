"""`gate scorecard` on the synthetic monorepo: one revision, and with a 12-month trend, cold.

    python bench/scorecard_speed.py [--services 2000] [--commits 20000] [--runs 5] [--workdir /tmp/gate-bench]

"Cold" removes <git dir>/gate/ (every cache) before each run, as on a fresh CI runner. Each row
is the median of --runs runs of the real console script: wall time, CPU time (user + system, git
children included: on a shared machine wall time also counts other people's work) and peak RSS
of the process tree as wait4 reports it. Anchor: `gate validate` on the same revision, cold.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

GATE = [sys.executable, "-c", "from gate.cli import main; main()"]


def measure(command: list[str], cwd: Path, runs: int) -> tuple[float, float, float]:
    """(median wall seconds, median CPU seconds, max peak RSS in MB), each run cold."""
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        shutil.rmtree(cwd / ".git" / "gate", ignore_errors=True)
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(process.pid, 0)
        walls.append(time.perf_counter() - started)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise RuntimeError(
                f"{command} failed: {process.stderr.read().decode() if process.stderr else ''}"
            )
    return statistics.median(walls), statistics.median(cpus), max(peaks)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--commits", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--dependencies",
        type=int,
        default=3,
        help="Each service hard-depends on up to this many others (0: none, as before 2026-12).",
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gate-bench"))
    parser.add_argument(
        "--as-of",
        default="2026-11-25",
        help="The scorecard's date (the synthetic history ends 2026-10-25).",
    )
    args = parser.parse_args()
    os.environ["GATE_CACHE"] = "on"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "compileall",
            "-q",
            "-x",
            "examples",
            str(Path(__file__).resolve().parent.parent / "gate"),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    root = args.workdir / f"s{args.services}-c{args.commits}-d{args.dependencies}"
    if not (root / ".git").exists():
        shutil.rmtree(root, ignore_errors=True)
        synth.generate(
            root,
            services=args.services,
            commits=args.commits,
            authors=max(10, args.services // 10),
            seed=1,
            dependencies=args.dependencies,
        )
    out = tempfile.mkdtemp(prefix="gate-scorecard-bench-")
    common = [
        "--repo",
        str(root),
        "--rev",
        "main",
        "--offline",
        "--as-of",
        args.as_of,
        "--output-dir",
        out,
    ]
    rows = [
        (
            "gate validate --rev main (anchor)",
            GATE
            + [
                "validate",
                "--repo",
                str(root),
                "--rev",
                "main",
                "--format",
                "json",
                "--as-of",
                args.as_of,
            ],
        ),
        ("gate scorecard, one revision (--no-trend)", GATE + ["scorecard", *common, "--no-trend"]),
        ("gate scorecard, with a 12-month trend", GATE + ["scorecard", *common, "--months", "12"]),
    ]
    print(
        f"{args.services} services, {args.commits} commits, cold, median of {args.runs}; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"{'command':<46} {'wall':>9} {'cpu':>9} {'peak RSS':>9}")
    for name, command in rows:
        wall, cpu, rss = measure(command, root, args.runs)
        print(f"{name:<46} {wall:8.2f}s {cpu:8.2f}s {rss:7.0f} MB", flush=True)
    sizes = {name: os.path.getsize(os.path.join(out, name)) for name in sorted(os.listdir(out))}
    print("outputs: " + ", ".join(f"{n} {s / 1e6:.1f} MB" for n, s in sizes.items()))
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
