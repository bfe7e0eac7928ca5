"""What the risk thresholds mean on a real repository: the share of its changes that warn and block.

    python bench/risk_scale.py REPO [REPO ...] [--recent 100] [--ahead 100]

For each repository (a clone or a bare mirror brought here for measurement only, never
committed), the scale is drawn where a check would draw it: at a trusted tip `--ahead` non-merge
commits before the newest, from the `--recent` changes before that tip (gate.risk.scale). The
`--ahead` changes made after that tip are then placed on it, each featured as `gate check` run on
the day of the change features it, and the table gives the share at or over each tier's default
thresholds. Out of sample: the changes judged are not the ones the scale was drawn from.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gate.git import Repo  # noqa: E402
from gate.risk.model import DEFAULT_MODEL  # noqa: E402
from gate.risk.scale import RECENT, Scale, probabilities  # noqa: E402
from gate.settings import THRESHOLDS, RiskSettings  # noqa: E402


def measure(path: str, recent: int, ahead: int) -> dict[str, object]:
    repo = Repo(path)
    window = RiskSettings().history_days
    newest = repo.run("rev-list", "--no-merges", f"--max-count={ahead + 1}", "HEAD").split()
    tip = newest[-1].decode()  # the trusted tip: `ahead` non-merge commits before the newest
    started, cpu = time.perf_counter(), _cpu()
    drawn, narrow = probabilities(repo, tip, DEFAULT_MODEL, window, recent)
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    scale = Scale(tuple(sorted(drawn.values())), "repository", narrow)
    # the later changes featured as the check ranks its change: with the scale's history window
    judged, _ = probabilities(repo, "HEAD", DEFAULT_MODEL, window, ahead, window=narrow)
    later = [p for sha, p in judged.items() if sha not in drawn]
    percentiles = [scale.percentile(p) for p in later]
    row: dict[str, object] = {
        "repository": Path(path).parent.name if path.endswith("/repo") else Path(path).name,
        "scale": len(scale.points),
        "judged": len(percentiles),
        "draw_seconds": round(seconds, 2),
        "draw_cpu": round(cpu, 2),
        "window_days": "full" if narrow is None else round(narrow / 86400),
    }
    for tier in (0, 1, 2):
        limits = THRESHOLDS.for_tier(tier)
        for key, limit in (("warn", limits.warn), ("block", limits.block)):
            if limit is not None and percentiles:
                share = sum(1 for p in percentiles if p >= limit) / len(percentiles)
                row[f"tier{tier}_{key}"] = share
    return row


def _cpu() -> float:
    """CPU seconds of this process and its finished children (git)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repos", nargs="+")
    parser.add_argument("--recent", type=int, default=RECENT)
    parser.add_argument("--ahead", type=int, default=100)
    args = parser.parse_args()
    print(
        "| repository | scale (changes) | judged after it | tier 0 warn ≥ 90 | tier 0 block ≥ 98 "
        "| tier 1 warn ≥ 95 | tier 1 block ≥ 99 | tier 2 warn ≥ 98 | history window "
        "| drawing the scale (wall, CPU with git) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for path in args.repos:
        r = measure(path, args.recent, args.ahead)

        def share(key: str, row: dict[str, object] = r) -> str:
            value = row.get(key)
            return "—" if not isinstance(value, float) else f"{value:.0%}"

        print(
            f"| {r['repository']} | {r['scale']} | {r['judged']} | {share('tier0_warn')} | "
            f"{share('tier0_block')} | {share('tier1_warn')} | {share('tier1_block')} | "
            f"{share('tier2_warn')} | {r['window_days']} | {r['draw_seconds']} s, "
            f"{r['draw_cpu']} s |"
        )


if __name__ == "__main__":
    main()
