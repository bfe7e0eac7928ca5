"""Whole-process wall time and peak RSS of gate's commands on synthetic monorepos.

    python bench/check_speed.py [--runs 5] [--sizes small|full] [--workdir /tmp/gate-bench]

Every figure is the median of --runs runs of the real `gate` console script, measured with
/usr/bin/time-like accounting (wait4 rusage), and reported next to its anchor measured in the
same run: `git status` style floors and `check-jsonschema` for the pre-commit path.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import synth  # noqa: E402

from gate.baseline.model import Entry, render  # noqa: E402

GATE = [sys.executable, "-c", "from gate.cli import main; main()"]


def measure(command: list[str], cwd: Path, runs: int, prepare=None) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """(median seconds, max peak RSS in MB) over `runs` runs."""
    times, peaks = [], []
    for _ in range(runs):
        if prepare:
            prepare()
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - started)
        peaks.append(usage.ru_maxrss / 1024)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise RuntimeError(f"{command} failed with {os.waitstatus_to_exitcode(status)}")
    return statistics.median(times), max(peaks)


def measure_pairs(
    first: list[str], second: list[str], cwd: Path, runs: int, prepare=None
) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    """`first` and `second` in turn (A B A B ...), so both see the same machine: (median seconds of
    each, median of the pair-by-pair ratios, load average at the start)."""
    load = os.getloadavg()[0]
    pairs = []
    for _ in range(runs):
        a, _ = measure(first, cwd, 1, prepare)
        b, _ = measure(second, cwd, 1)
        pairs.append((a, b))
    return (
        statistics.median(a for a, _ in pairs),
        statistics.median(b for _, b in pairs),
        statistics.median(a / b for a, b in pairs),
        load,
    )


def hook(root: Path, runs: int) -> None:
    """The pre-commit path: `gate check --staged --offline` on one staged manifest (a new edit
    before each run), paired with check-jsonschema on the same file."""
    manifest = root / "services" / synth.service_name(5) / "service.yaml"
    text = manifest.read_text()
    edits = iter(range(1_000_000))

    def stage_new_edit() -> None:
        manifest.write_text(
            text.replace(
                "escalation: [sre-oncall]", f"escalation: [sre-oncall, bench-{next(edits)}]", 1
            )
        )
        subprocess.run(["git", "add", str(manifest)], cwd=root, check=True)

    cjs = shutil.which("check-jsonschema") or shutil.which(
        "check-jsonschema", path=str(Path(sys.executable).parent)
    )
    schema = Path(__file__).resolve().parent.parent / "schemas" / "service.schema.json"
    if not cjs:
        raise SystemExit("check-jsonschema is the anchor: pip install check-jsonschema")
    anchor = [cjs, "--schemafile", str(schema), str(manifest)]
    gate, other, ratio, load = measure_pairs(
        GATE + ["check", "--staged", "--offline"], anchor, root, runs, stage_new_edit
    )
    print(
        f"hook, {root.name}: gate {gate:.3f} s, check-jsonschema {other:.3f} s, "
        f"ratio {ratio:.2f} (median of {runs} pairs; load average {load:.1f})",
        flush=True,
    )
    subprocess.run(["git", "checkout", "-q", "-f", "change"], cwd=root, check=True)


def with_baseline(root: Path, services: int) -> None:
    """main (and `change`, rebased on it) with a committed gate-baseline.yaml: three recorded
    findings for every service, the size a fleet adopting gate with that much debt would have."""
    since = dt.date(2026, 11, 1)
    entries = [
        Entry(
            synth.service_name(i),
            rule,
            hashlib.sha256(f"{i}/{rule}".encode()).hexdigest()[:16],
            since,
            1,
            f"<runbook> has no {rule!r} section",
        )
        for i in range(services)
        for rule in ("runbook-sections", "rollback-plan", "telemetry-declared")
    ]
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=root, check=True)
    (root / "gate-baseline.yaml").write_text(render(entries), encoding="utf-8")
    print(
        f"baseline: {len(entries)} entries, {(root / 'gate-baseline.yaml').stat().st_size:,} bytes"
    )
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.com",
    }
    subprocess.run(["git", "add", "gate-baseline.yaml"], cwd=root, check=True)
    subprocess.run(
        ["git", "commit", "-q", "-m", "baseline", "--allow-empty"], cwd=root, check=True, env=env
    )
    subprocess.run(["git", "checkout", "-q", "-f", "-B", "change", "main"], cwd=root, check=True)


def repo(workdir: Path, services: int, commits: int, backstage: bool = False) -> Path:
    root = workdir / f"s{services}-c{commits}{'-backstage' if backstage else ''}"
    if not (root / ".git").exists():
        shutil.rmtree(root, ignore_errors=True)
        synth.generate(
            root,
            services=services,
            commits=commits,
            authors=max(10, services // 10),
            seed=1,
            backstage=backstage,
        )
    # `change`: a 3-service change on main. `older-change`: the same change on main~50, a base
    # commit the caches have never seen (main moved on since the last run).
    for branch, start in (("change", "main"), ("older-change", "main~50")):
        if (
            subprocess.run(
                ["git", "rev-parse", "-q", "--verify", branch], cwd=root, capture_output=True
            ).returncode
            == 0
        ):
            continue
        subprocess.run(["git", "checkout", "-q", "-f", "-B", branch, start], cwd=root, check=True)
        for i in (1, 2, 3):
            with open(root / f"services/{synth.service_name(i)}/src/mod0.py", "a") as f:
                f.write("x = 1\n")
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "dev001@example.com",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@example.com",
        }
        subprocess.run(
            ["git", "commit", "-q", "-am", "3-service change"], cwd=root, check=True, env=env
        )
    if (
        subprocess.run(
            ["git", "rev-parse", "-q", "--verify", "wide-change"], cwd=root, capture_output=True
        ).returncode
        != 0
    ):
        subprocess.run(
            ["git", "checkout", "-q", "-f", "-B", "wide-change", "main"], cwd=root, check=True
        )
        for i in range(services):
            with open(root / f"services/{synth.service_name(i)}/src/mod0.py", "a") as f:
                f.write("y = 2\n")
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": "b",
            "GIT_AUTHOR_EMAIL": "dev001@example.com",
            "GIT_COMMITTER_NAME": "b",
            "GIT_COMMITTER_EMAIL": "b@example.com",
        }
        subprocess.run(
            ["git", "commit", "-q", "-am", "every service"], cwd=root, check=True, env=env
        )
    subprocess.run(["git", "checkout", "-q", "-f", "change"], cwd=root, check=True)
    return root


def clear_cache(root: Path) -> None:
    shutil.rmtree(root / ".git" / "gate", ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", choices=("small", "full"), default="full")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gate-bench"))
    parser.add_argument(
        "--backstage",
        action="store_true",
        help="services described by Backstage entities extended by service.yaml",
    )
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="with --hook: main first records a baseline of three findings for every service",
    )
    parser.add_argument(
        "--hook",
        type=int,
        nargs="*",
        metavar="SERVICES",
        help="only the pre-commit path, paired with check-jsonschema, on these sizes (20,000 commits)",
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    os.environ["GATE_CACHE"] = (
        "on"  # measure the caches even where CI is set ("cold" is the CI figure)
    )
    # As installed: pip compiles bytecode, an editable checkout may not have it yet.
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
    runs = args.runs
    if args.hook:
        for services in args.hook:
            root = repo(args.workdir, services, 20000)
            if args.baseline:
                with_baseline(root, services)
            hook(root, runs)
        return
    rows = []

    def row(
        name: str, seconds: float, rss: float, anchor: str = "", ratio: float | None = None
    ) -> None:
        rows.append((name, seconds, rss, anchor, ratio))
        extra = f"  {anchor}: ratio {ratio:.2f}" if ratio is not None else ""
        print(f"{name:<58} {seconds * 1000:8.0f} ms {rss:7.0f} MB{extra}", flush=True)

    check = GATE + ["check", "--base", "main", "--head", "change", "--format", "json"]
    main_repo = repo(
        args.workdir,
        2000 if args.sizes == "full" else 100,
        20000 if args.sizes == "full" else 1000,
        args.backstage,
    )
    floor, _ = measure(["git", "log", "-1", "--format=%H"], main_repo, runs)
    cold, cold_rss = measure(check, main_repo, runs, prepare=lambda: clear_cache(main_repo))
    row(
        "gate check, 3 services changed, cold cache",
        cold,
        cold_rss,
        "git log -1 floor",
        cold / floor,
    )
    warm, warm_rss = measure(check, main_repo, runs)
    row("gate check, 3 services changed, warm cache", warm, warm_rss, "cold", warm / cold)
    older = list(check)
    older[older.index("--base") + 1], older[older.index("--head") + 1] = "main~50", "older-change"

    def forget_older(root: Path) -> None:  # caches hold main's answers only, as after a run on main
        clear_cache(root)
        subprocess.run(check, cwd=root, stdout=subprocess.DEVNULL, check=False)

    moved, moved_rss = measure(older, main_repo, runs, prepare=lambda: forget_older(main_repo))
    row(
        "gate check, base commit never seen (main moved 50 commits)",
        moved,
        moved_rss,
        "cold",
        moved / cold,
    )
    if args.sizes == "full":  # a mass edit: one file in every service
        wide = ["wide-change" if a == "change" else a for a in check]
        wide_cold, wide_rss = measure(
            wide, main_repo, max(1, runs // 2), prepare=lambda: clear_cache(main_repo)
        )
        row(
            "gate check, every service changed (2,000), cold cache",
            wide_cold,
            wide_rss,
            "3-service cold",
            wide_cold / cold,
        )
        wide_warm, wide_warm_rss = measure(wide, main_repo, max(1, runs // 2))
        row(
            "gate check, every service changed (2,000), warm cache",
            wide_warm,
            wide_warm_rss,
            "3-service warm",
            wide_warm / warm,
        )
    validate, validate_rss = measure(
        GATE + ["validate", "--format", "json"], main_repo, max(1, runs // 2)
    )
    row("gate validate, every service", validate, validate_rss)
    version, _ = measure(GATE + ["--version"], main_repo, runs)
    python, _ = measure([sys.executable, "-c", "pass"], main_repo, runs)
    row("gate --version", version, 0, "bare python start", version / python)
    helptext, _ = measure(GATE + ["--help"], main_repo, runs)
    row("gate --help", helptext, 0, "bare python start", helptext / python)

    # The pre-commit path against check-jsonschema on the same manifest. Every run stages a
    # different value, so the gate cannot lean on a result remembered from an earlier run.
    manifest = main_repo / "services" / synth.service_name(5) / "service.yaml"
    subprocess.run(["git", "checkout", "-q", "change"], cwd=main_repo, check=True)
    text = manifest.read_text()
    edits = iter(range(1_000_000))

    def stage_new_edit() -> None:
        manifest.write_text(
            text.replace(
                "escalation: [sre-oncall]", f"escalation: [sre-oncall, bench-{next(edits)}]", 1
            )
        )
        subprocess.run(["git", "add", str(manifest)], cwd=main_repo, check=True)

    staged_check = GATE + ["check", "--staged", "--offline"]
    staged, staged_rss = measure(staged_check, main_repo, runs, prepare=stage_new_edit)
    again, _ = measure(staged_check, main_repo, runs)  # the hook run again on the same staged edit
    cjs = shutil.which("check-jsonschema") or shutil.which(
        "check-jsonschema", path=str(Path(sys.executable).parent)
    )
    schema = Path(__file__).resolve().parent.parent / "schemas" / "service.schema.json"
    if cjs:
        anchor, _ = measure([cjs, "--schemafile", str(schema), str(manifest)], main_repo, runs)
        row(
            "gate check --staged --offline, one manifest",
            staged,
            staged_rss,
            "check-jsonschema on it",
            staged / anchor,
        )
        row(
            "same, run again on the same staged edit",
            again,
            0,
            "check-jsonschema on it",
            again / anchor,
        )
    else:
        row("gate check --staged --offline, one manifest", staged, staged_rss)
        row("same, run again on the same staged edit", again, 0)
    subprocess.run(["git", "checkout", "-q", "-f", "change"], cwd=main_repo, check=True)

    if args.sizes == "full":
        for services, commits in ((100, 20000), (10000, 20000), (2000, 1000), (2000, 100000)):
            root = repo(args.workdir, services, commits, args.backstage)
            seconds, rss = measure(check, root, runs, prepare=lambda r=root: clear_cache(r))
            warm_s, warm_rss = measure(check, root, runs)
            row(
                f"scaling: {services:,} services, {commits:,} commits (cold)",
                seconds,
                rss,
                "2,000/20,000 cold",
                seconds / cold,
            )
            row(
                f"scaling: {services:,} services, {commits:,} commits (warm)",
                warm_s,
                warm_rss,
                "2,000/20,000 warm",
                warm_s / warm,
            )
            moved_s, moved_rss = measure(older, root, runs, prepare=lambda r=root: forget_older(r))
            row(
                f"scaling: {services:,} services, {commits:,} commits (base never seen)",
                moved_s,
                moved_rss,
                "2,000/20,000 base never seen",
                moved_s / moved,
            )


if __name__ == "__main__":
    main()
