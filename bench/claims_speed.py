"""`gate check` on a pull request that adds N services, with `paths:` globs paired with without.

    python bench/claims_speed.py [--services 2000] [--runs 1] [--workdir /tmp/gate-bench]

Two repositories, each a `main` of one README and a change that adds N tier-3 services
(`services/sNNNN/service.yaml` and `src/app.py`, and `libs/sNNNN/lib.py`). In one, every manifest
also claims its library with `paths: [libs/sNNNN/**]`; in the other, nothing claims it. The cost
an author controls is claims x changed paths: a check must stay linear in the two. Runs
`gate check --base main --head change --offline --format json` with cold caches, alternating the
two repositories run by run, and reports each median's wall time and CPU (user + system, git
included) and the ratio globs/none per pair (min-median-max).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GATE = [sys.executable, "-c", "from gate.cli import main; main()"]
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True)


def build(root: Path, services: int, claims: bool) -> Path:
    """main with a README; `change` adds the services (and their libraries, claimed or not)."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    (root / "README.md").write_text("# bench\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "main")
    git(root, "checkout", "-q", "-b", "change")
    for n in range(services):
        name = f"s{n:04d}"
        folder = root / "services" / name
        (folder / "src").mkdir(parents=True)
        claim = f"paths: [libs/{name}/**]\n" if claims else ""
        (folder / "service.yaml").write_text(
            f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: 3\n"
            f"owners: {{team: bench}}\n{claim}"
        )
        (folder / "src" / "app.py").write_text(f"NAME = {name!r}\n")
        (root / "libs" / name).mkdir(parents=True)
        (root / "libs" / name / "lib.py").write_text("VALUE = 1\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"{services} services")
    return root


def run(root: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process tree, exit code) of one cold check."""
    shutil.rmtree(Path(root, ".git", "gate"), ignore_errors=True)
    command = [
        *GATE,
        "check",
        "--base",
        "main",
        "--head",
        "change",
        "--offline",
        "--format",
        "json",
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"gate check failed in {root} (exit {code})")
    return wall, usage.ru_utime + usage.ru_stime, code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gate-bench"))
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "gate"],
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    repos = {
        "globs": build(args.workdir / f"claims-{args.services}-globs", args.services, True),
        "none": build(args.workdir / f"claims-{args.services}-none", args.services, False),
    }
    rows: dict[str, list[tuple[float, float, int]]] = {side: [] for side in repos}
    for _ in range(args.runs):
        for side, root in repos.items():
            rows[side].append(run(root))
    for side, found in rows.items():
        wall = statistics.median(r[0] for r in found)
        cpu = statistics.median(r[1] for r in found)
        print(f"{args.services} services, {side}: wall {wall:.3f} s, CPU {cpu:.3f} s")
    ratios = sorted(a[1] / b[1] for a, b in zip(rows["globs"], rows["none"], strict=True) if b[1])
    if ratios:
        low, mid, high = ratios[0], statistics.median(ratios), ratios[-1]
        print(
            f"CPU globs/none {low:.2f}-{mid:.2f}-{high:.2f} (min-median-max of {len(ratios)} pairs)"
        )


if __name__ == "__main__":
    main()
