"""Risk model quality on public labels: ApacheJIT (Keshavarz & Nagappan, MSR 2022).

    python bench/risk_quality.py --dataset /tmp/ajit/apachejit_test_small.csv \\
        --repos /tmp/ajit --links /tmp/ajit [--projects zookeeper,activemq,groovy] [--fit gate/risk/default_model.json]

`--repos DIR` holds one git repository per project, named after the project (`DIR/groovy.git` or
`DIR/groovy`), brought onto the machine for measurement only. Every labelled commit is scored as
`gate check` scores a change: its first parent is the base, the head is the commit, and the
history is what the check mines (the touched files' and the author's last 365 days before the
commit). What the check mined is kept in `--cache` (default `/tmp/gate-risk-quality`), so a
second run only recomputes features and models.

The table: per project, n, share labelled buggy, ROC AUC of the shipped default model, of lines
added alone, of the default model refitted leaving that project out (the figure the default model
must earn: it is never trained on the project it is scored on), of `gate risk calibrate` on the
project's own labelled history (fitted on the older 70% with only the labels whose fix had landed
by the cutoff, judged on the newest 30%), and the differences to lines added.

`--links DIR` holds ApacheJIT's `commit_links_<PROJECT>.csv` (fix commit, fix date, bug-inducing
commit): the date each bug-inducing label became known, for the leakage rule. Only the projects
below are used: two of the dataset's projects are held out for independent verification and are
never read here (`--projects` cannot name them).

`--fit FILE` refits the default model on every project's rows and writes it with its provenance.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gate.git import GitError, Repo  # noqa: E402
from gate.risk.calibrate import Sample, as_of, calibrate, fit_default, select  # noqa: E402
from gate.risk.features import DAY, Change, HistoryIndex, change_features, day_of  # noqa: E402
from gate.risk.history import Commit, FileChange  # noqa: E402
from gate.risk.model import DEFAULT_MODEL, Model, auc, auc_interval  # noqa: E402
from gate.risk.patch import Patch  # noqa: E402
from gate.risk.scale import neutral  # noqa: E402
from gate.settings import RiskSettings  # noqa: E402
from gate.snapshot import Snapshot  # noqa: E402

# The harness's projects (ApacheJIT's `project` column without "apache/"); the dataset's other two
# are held out. hadoop-hdfs and hadoop-mapreduce rows live in the hadoop repository.
PROJECTS = (
    "activemq",
    "camel",
    "cassandra",
    "flink",
    "groovy",
    "hadoop",
    "hadoop-hdfs",
    "hadoop-mapreduce",
    "hbase",
    "hive",
    "ignite",
    "spark",
    "zookeeper",
)
REPOSITORY = {"hadoop-hdfs": "hadoop", "hadoop-mapreduce": "hadoop"}
LINKS = {"activemq": "AMQ", "hadoop-hdfs": "HDFS", "hadoop-mapreduce": "MAPREDUCE"}


def read_dataset(path: str, projects: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            project = row["project"].removeprefix("apache/")
            if project in projects:
                rows.setdefault(project, []).append(
                    {
                        "sha": row["commit_id"],
                        "buggy": int(row["buggy"] == "True"),
                        "time": int(row["author_date"]),
                        "la_dataset": int(row["la"]),
                    }
                )
    return rows


def read_links(directory: str | None, project: str) -> dict[str, int]:
    """Bug-inducing commit -> the earliest date one of its fixes landed."""
    if not directory:
        return {}
    path = os.path.join(directory, f"commit_links_{LINKS.get(project, project.upper())}.csv")
    if not os.path.exists(path):
        path = os.path.join(directory, f"links_{LINKS.get(project, project.upper())}.csv")
    known: dict[str, int] = {}
    if os.path.exists(path):
        with open(path, newline="", encoding="utf-8") as f:
            for row in csv.DictReader(f):
                sha, when = row["bug_hash"], int(row["fix_date"])
                known[sha] = min(when, known.get(sha, when))
    return known


def links_sample(
    repo_path: str, links: dict[str, int], until: int, n: int, seed: int = 1
) -> list[dict[str, Any]]:
    """Training rows from ApacheJIT's links alone: up to `n` non-merge commits authored in the seven
    years before `until` (the dataset's first labelled commit), drawn at random (seeded); a commit
    is buggy when the links name it as bug-inducing. Never used to score: only to fit."""
    import random

    out = Repo(repo_path).run(
        "log",
        "--no-merges",
        "--format=%H %at",
        f"--since=@{until - 7 * 365 * 86400}",
        f"--until=@{until}",
        "HEAD",
    )
    commits = [line.split() for line in out.decode().splitlines() if line]
    rng = random.Random(seed)
    picked = sorted(rng.sample(commits, min(n, len(commits))), key=lambda c: int(c[1]))
    return [
        {"sha": sha, "buggy": int(sha in links), "time": int(when), "la_dataset": -1}
        for sha, when in picked
    ]


def find_repository(directory: str, project: str) -> str | None:
    name = REPOSITORY.get(project, project)
    for candidate in (f"{name}.git", name):
        path = os.path.join(directory, candidate)
        if os.path.isdir(path):
            return path
    return None


def mine(repo: Repo, sha: str) -> dict[str, Any]:
    """What `gate check --base <parent> --head <sha>` mines for the risk score, as plain data."""
    from gate.risk.score import RiskScorer

    parents = repo.run("rev-list", "--parents", "-n", "1", sha).decode().split()[1:]
    base = Snapshot(repo, parents[0] if parents else "4b825dc642cb6eb9a060e54bf8d69288fbee4904")
    changes = repo.changes(base.rev, sha, lines=True)
    head = Snapshot(repo, sha).after(base, changes, lines=True)
    # judged as a check run on the day the commit was made
    when = int(repo.run("log", "-1", "--format=%ct", sha).decode().strip())
    scorer = RiskScorer(RiskSettings(), base, head, day_of(when))
    files = scorer.files()
    history: list[Commit] = []
    if scorer._history is not None:
        _, streams = scorer._history
        history = (
            [c for s in streams for c in s]
            if streams
            else (scorer._cached(scorer._history[0]) or [])
        )
    before = [f.old_path or f.path for f in files]
    raws = base.read_many(before)
    from gate.risk.score import read_patch, start_patch

    patch = read_patch(start_patch(repo, base.rev, sha, [f.path for f in files]))
    return {
        "sha": sha,
        "author": scorer._author,
        "time": scorer._time,
        "message": scorer._message,
        "files": [list(f) for f in files],
        "lines_before": {p: raws[p].count(b"\n") if p in raws else 0 for p in before},
        "history": [
            [c.sha, list(c.parents), c.author, c.time, c.message, [list(x) for x in c.files]]
            for c in history
        ],
        "added_files": patch.added,
        "deleted_files": patch.deleted,
    }


def load_mined(doc: dict[str, Any]) -> tuple[Change, list[Commit], dict[str, int], Patch]:
    files = tuple(FileChange(*x) for x in doc["files"])
    history = [
        Commit(c[0], tuple(c[1]), c[2], c[3], c[4], tuple(FileChange(*x) for x in c[5]))
        for c in doc["history"]
    ]
    return (
        Change(doc["author"], doc["time"], files, doc["message"], 2),
        history,
        doc["lines_before"],
        Patch(doc["added_files"], doc["deleted_files"]),
    )


def mined_rows(
    project: str, repo_path: str, rows: list[dict[str, Any]], cache: str
) -> list[dict[str, Any]]:
    os.makedirs(cache, exist_ok=True)
    path = os.path.join(cache, f"{project}.jsonl")
    done: dict[str, dict[str, Any]] = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                done[doc["sha"]] = doc
    todo = [r for r in rows if r["sha"] not in done]
    if todo:
        repo = Repo(repo_path)
        started = time.perf_counter()
        with open(path, "a", encoding="utf-8") as out:
            for i, row in enumerate(todo, 1):
                try:
                    doc = mine(repo, row["sha"])
                except GitError as e:  # a snapshot may lack its largest objects
                    doc = {"sha": row["sha"], "skipped": str(e)}
                done[row["sha"]] = doc
                out.write(json.dumps(doc) + "\n")
                out.flush()
                if i % 25 == 0:
                    print(
                        f"  {project}: mined {i}/{len(todo)} ({time.perf_counter() - started:.0f} s)",
                        file=sys.stderr,
                    )
    skipped = [r["sha"] for r in rows if "skipped" in done[r["sha"]]]
    if skipped:
        print(
            f"  {project}: {len(skipped)} commit(s) skipped: {done[skipped[0]]['skipped']}",
            file=sys.stderr,
        )
    return [{**r, "mined": done[r["sha"]]} for r in rows if "skipped" not in done[r["sha"]]]


def features(doc: dict[str, Any]) -> dict[str, float]:
    """The features `RiskScorer.score` computes from what `mine` kept (same code path)."""
    change, history, lines_before, patch = load_mined(doc)
    index = HistoryIndex(RiskSettings().history_days * DAY)
    for commit in sorted(history, key=lambda c: c.time):
        index.add(commit)
    return change_features(index, change, lines_before, patch)


def samples(rows: list[dict[str, Any]], links: dict[str, int]) -> list[Sample]:
    """Labelled rows as calibration samples; a buggy row's label is known when its first fix landed
    (rows the links do not date are taken as known 90 days after the change)."""
    return [
        Sample(
            r["sha"],
            r["time"],
            features(r["mined"]),
            r["buggy"],
            (links.get(r["sha"]) or r["time"] + 90 * DAY) if r["buggy"] else 0,
        )
        for r in rows
        if r["mined"]["files"]
    ]  # a commit that changes no file is never scored


def calibrated(
    own: list[Sample], history: list[Sample], default: Model, test_share: float = 0.3
) -> tuple[list[Sample], Model | None, Model]:
    """`gate risk calibrate` on one project: its labelled history before the newest `test_share`
    of the dataset's rows, with only the labels known at that cutoff. Returns the slice, the
    fitted model (None when there were too few failures to fit), and the model calibration keeps:
    the fitted one only when it beat `default` beyond noise on its own validation slice."""
    ordered = sorted(own, key=lambda s: s.time)
    cut = int(len(ordered) * (1 - test_share))
    test = ordered[cut:]
    cutoff = test[0].time
    train = as_of([s for s in history + ordered[:cut] if s.time < cutoff], cutoff)
    if sum(s.failed for s in train) < 2:
        return test, None, default
    fitted, _ = select(train)
    kept, _ = calibrate(train, train_days=3650, default=default, now=cutoff)
    return test, fitted, kept or default


def _auc(scores: list[float], test: list[Sample]) -> float | None:
    return auc(scores, [s.failed for s in test])


def table(
    data: dict[str, list[Sample]], extra: dict[str, list[Sample]], shipped: Model
) -> list[dict[str, Any]]:
    """Per project: the shipped model and the model fitted on every project (in-sample), the
    model fitted without the project (the honest figure), lines added, and calibration."""
    everything = fit_default([s for q, r in data.items() for s in r + extra.get(q, [])])
    out = []
    for project, rows in data.items():
        others = [s for q, r in data.items() if q != project for s in r + extra.get(q, [])]
        lopo = fit_default(others)
        test, own, kept = calibrated(rows, extra.get(project, []), lopo)
        row: dict[str, Any] = {
            "project": project,
            "n": len(rows),
            "buggy": sum(s.failed for s in rows),
            "shipped": _auc([shipped.score(s.features) for s in rows], rows),
            "default": _auc([everything.score(s.features) for s in rows], rows),
            "lopo": _auc([lopo.score(s.features) for s in rows], rows),
            "lines_added": _auc([s.features["la"] for s in rows], rows),
            "slice_n": len(test),
            "slice_buggy": sum(s.failed for s in test),
            "slice_lines_added": _auc([s.features["la"] for s in test], test),
            "slice_lopo": _auc([lopo.score(s.features) for s in test], test),
            "slice_calibrated": _auc([own.score(s.features) for s in test], test) if own else None,
            "slice_kept": _auc([kept.score(s.features) for s in test], test),
            "slice_kept_is_default": kept is lopo,
        }
        labels = [s.failed for s in rows]
        lopo_scores = [lopo.score(s.features) for s in rows]
        lines = [s.features["la"] for s in rows]
        row["lopo_ci"] = auc_interval(labels, lopo_scores)
        row["lines_added_ci"] = auc_interval(labels, lines)
        row["difference_ci"] = auc_interval(labels, lopo_scores, lines)
        out.append(row)
    return out


def render(rows: list[dict[str, Any]]) -> str:
    def f(x: float | None) -> str:
        return "—" if x is None else f"{x:.3f}"

    def d(a: float | None, b: float | None) -> str:
        return "—" if a is None or b is None else f"{a - b:+.3f}"

    def ci(interval: Any, sign: bool = False) -> str:
        if not interval:
            return ""
        low, high = interval
        return f" [{low:+.3f}, {high:+.3f}]" if sign else f" [{low:.3f}, {high:.3f}]"

    def beyond(interval: Any) -> bool:  # the 95% interval of a margin excludes zero
        return bool(interval) and (interval[0] > 0 or interval[1] < 0)

    lines = [
        "| project | n | buggy | default, leave-project-out [95% CI] | lines added [95% CI] | "
        "difference [95% CI] | fitted on all (in-sample) | model in the package | "
        "newest 30%: n (buggy) | fitted | `gate risk calibrate` keeps | default, leave-project-out | "
        "lines added | kept − default |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        margin = d(r["lopo"], r["lines_added"]) + ci(r.get("difference_ci"), sign=True)
        if beyond(r.get("difference_ci")):
            margin = f"**{margin}**"
        lines.append(
            f"| {r['project']} | {r['n']} | {r['buggy']} ({r['buggy'] / r['n']:.0%}) | "
            f"{f(r['lopo'])}{ci(r.get('lopo_ci'))} | {f(r['lines_added'])}{ci(r.get('lines_added_ci'))} | "
            f"{margin} | {f(r['default'])} | {f(r['shipped'])} | {r['slice_n']} ({r['slice_buggy']}) | "
            f"{f(r['slice_calibrated'])} | {f(r['slice_kept'])}"
            f"{' (the default)' if r['slice_kept_is_default'] else ' (calibrated)'} | "
            f"{f(r['slice_lopo'])} | {f(r['slice_lines_added'])} | "
            f"{d(r['slice_kept'], r['slice_lopo'])} |"
        )
    margins = [
        r["lopo"] - r["lines_added"]
        for r in rows
        if r["lopo"] is not None and r["lines_added"] is not None
    ]
    if margins:
        lines.append(
            f"\nMean margin of the leave-one-project-out default over lines added: "
            f"{statistics.mean(margins):+.3f} (worst {min(margins):+.3f}). In bold: a margin whose "
            "95% bootstrap interval (1,000 paired resamples of the project's changes) excludes "
            "zero; the others are within noise."
        )
    return "\n".join(lines)


def quantiles(values: list[float], n: int = 200) -> list[float]:
    ordered = sorted(values)
    return [round(ordered[int((i + 0.5) / n * len(ordered))], 4) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", required=True)
    parser.add_argument("--repos", required=True)
    parser.add_argument("--links")
    parser.add_argument("--projects", default=",".join(PROJECTS))
    parser.add_argument("--cache", default="/tmp/gate-risk-quality-v2")
    parser.add_argument("--mine-only", action="store_true")
    parser.add_argument("--json", metavar="FILE", help="Also write the table as JSON.")
    parser.add_argument(
        "--fit",
        metavar="FILE",
        help="Refit the default model on every project's rows and write it here.",
    )
    parser.add_argument(
        "--train-links",
        type=int,
        default=1500,
        metavar="N",
        help="Also fit on N commits per project from before the dataset's period, labelled by ApacheJIT's links (0: off).",
    )
    args = parser.parse_args()
    wanted = tuple(p.strip() for p in args.projects.split(",") if p.strip())
    bad = [p for p in wanted if p not in PROJECTS]
    if bad:
        parser.error(
            f"not a harness project: {', '.join(bad)} (two of the dataset's projects are held out)"
        )
    data = read_dataset(args.dataset, wanted)
    labelled: dict[str, list[Sample]] = {}
    extra: dict[str, list[Sample]] = {}
    missing: list[str] = []
    for project in wanted:
        path = find_repository(args.repos, project)
        if project not in data:
            continue
        if path is None:
            print(
                f"{project}: no repository under {args.repos}; skipped ({len(data[project])} labelled commits)",
                file=sys.stderr,
            )
            missing.append(f"{project} ({len(data[project])})")
            continue
        links = read_links(args.links, project)
        rows = mined_rows(project, path, data[project], args.cache)
        more = []
        if args.train_links and links:
            first = min(r["time"] for r in data[project])
            more = mined_rows(
                f"{project}-links",
                path,
                links_sample(path, links, first, args.train_links),
                args.cache,
            )
        if not args.mine_only:
            labelled[project] = samples(rows, links)
            extra[project] = samples(more, links)
    if args.mine_only:
        return
    rows = table(labelled, extra, DEFAULT_MODEL)
    print(render(rows))
    if missing:
        print(f"Not mined (no repository here), labelled commits: {', '.join(missing)}.")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    if args.fit:
        model = fit_default([s for p in labelled for s in labelled[p] + extra.get(p, [])])
        provenance = {
            "name": "default",
            "trained": True,
            "fitted": dt.date.today().isoformat(),
            "data": f"ApacheJIT (Keshavarz & Nagappan, MSR 2022) {os.path.basename(args.dataset)}"
            + (
                f" plus {args.train_links} commits per project before it labelled by ApacheJIT's commit links"
                if args.train_links
                else ""
            ),
            "projects": {
                p: {
                    "labelled": len(labelled[p]),
                    "buggy": sum(s.failed for s in labelled[p]),
                    "link_labelled": len(extra.get(p, [])),
                    "link_buggy": sum(s.failed for s in extra.get(p, [])),
                }
                for p in labelled
            },
            "leave_one_project_out": {
                r["project"]: {
                    "auc": round(r["lopo"], 4) if r["lopo"] is not None else None,
                    "lines_added": round(r["lines_added"], 4)
                    if r["lines_added"] is not None
                    else None,
                }
                for r in rows
            },
            "how": "bench/risk_quality.py --fit",
            # where a change stands among these projects' changes: the scale of a repository
            # with too few changes of its own (gate.risk.scale)
            "reference_scale": quantiles(
                [
                    neutral(model, s.features)
                    for p in labelled
                    for s in labelled[p] + extra.get(p, [])
                ]
            ),
        }
        model = Model(
            model.weights, model.intercept, model.means, model.scales, {**model.meta, **provenance}
        )
        Path(args.fit).write_text(model.to_json())
        print(f"wrote {args.fit}")


if __name__ == "__main__":
    main()
