"""`gate risk`: score a change's risk per service; `calibrate` and `evaluate` the model on the history."""

from __future__ import annotations

import sys
from typing import Any

import click

from gate.commands.options import as_of_option, as_of_or_today, echo, repo_option, say, write


@click.group(invoke_without_command=True)
@repo_option
@click.option("--base", metavar="REV", help="Base revision [default: origin/HEAD, main or master].")
@click.option("--head", metavar="REV", help="Head revision [default: HEAD].")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@as_of_option
@click.pass_context
def risk(
    ctx: click.Context,
    repo: str,
    base: str | None,
    head: str | None,
    fmt: str,
    as_of: str | None,
) -> None:
    """Score a change's risk per service (0-100, level, reasons); calibrate and evaluate the model."""
    if ctx.invoked_subcommand is not None:
        return
    from gate import check as gate_check
    from gate.git import Repo
    from gate.report.escape import json_dumps
    from gate.report.json_report import risk as risk_json

    verdict = gate_check.run(
        Repo(repo), base, head, today=as_of_or_today(as_of)
    )  # as check judges it
    rows = [
        {"service": s.name, "tier": s.tier, **risk_json(s.risk)} for s in verdict.services if s.risk
    ]
    if fmt == "json":
        say(
            json_dumps(
                {
                    "schema": "gate.risk/v1",
                    "base": verdict.base,
                    "head": verdict.head,
                    "services": rows,
                },
                ensure_ascii=True,
            )
        )
        return
    for row in rows:
        echo(
            f"{row['service']} (tier {row['tier']}): {row['score']}/100 {row['level']} [{row['model']} model"
            + (f"; {row['scale']}" if row.get("scale") else "")
            + "]"
        )
        for factor in row["factors"]:
            echo(f"  - {factor}")
    if not rows:
        say("no service is touched by this change")


def _dataset(repo: str, rev: str, labels: str | None = None, unlisted: str = "good") -> list[Any]:
    from gate.git import Repo
    from gate.risk import labels as risk_labels
    from gate.risk.calibrate import dataset, incidents_at, relabel

    git_repo = Repo(repo)
    total = git_repo.count_commits(git_repo.resolve(rev))
    what = "mining history" if labels else "mining history and labelling failed changes"
    incidents, note = incidents_at(git_repo, rev) if labels is None else ((), None)
    if note:
        say(f"gate: {note}", err=True)
    with click.progressbar(length=total, label=what, file=sys.stderr) as bar:
        samples = dataset(
            git_repo, rev, progress=lambda i: bar.update(1), szz=labels is None, incidents=incidents
        )
    if labels is None:
        return samples
    # any commit of the history may be named (a merge, say), though only non-merge changes are scored
    history = git_repo.reachable(git_repo.resolve(rev))
    return relabel(samples, risk_labels.read_file(labels, history), unlisted)


_labels_options = [
    click.option(
        "--labels",
        metavar="FILE.csv",
        help="Failed changes from your own records (columns commit, failed[, known]) instead of SZZ.",
    ),
    click.option(
        "--unlisted",
        type=click.Choice(("good", "skip")),
        default="good",
        show_default=True,
        help="With --labels: commits the file does not list count as good, or are left out.",
    ),
]


def _with_labels(f: Any) -> Any:
    for option in reversed(_labels_options):
        f = option(f)
    return f


@risk.command("calibrate")
@repo_option
@click.option("--rev", default="HEAD", show_default=True, help="History to learn from.")
@click.option(
    "--output",
    default=".gate/risk-model.json",
    show_default=True,
    metavar="FILE",
    help="Where to write the model (commit it; set risk.model).",
)
@click.option(
    "--train-days",
    type=click.IntRange(30),
    default=730,
    show_default=True,
    help="Learn from this much settled history.",
)
@_with_labels
def risk_calibrate(
    repo: str, rev: str, output: str, train_days: int, labels: str | None, unlisted: str
) -> None:
    """Fit the model's weights on this repository's history, if that beats the default model.

    Past changes are labelled failed when they were reverted or when a later fix changed their
    lines (SZZ, via blame), or by --labels. The fit is validated first: trained on the older part
    with only the failures known by then, judged on the newest 30%. When it does not beat the
    default model there, nothing is written and the default stays.
    """
    from gate.risk.calibrate import calibrate

    samples = _dataset(repo, rev, labels, unlisted)
    model, result = calibrate(samples, train_days)
    if "error" in result:
        say(
            f"kept the default model: cannot validate a calibration ({result['error']}; "
            f"{result['train']} changes to train on, {result['test']} to test)"
        )
        return
    scores = (
        f"ROC AUC on the newest {result['test']} changes ({result['test_failed']} failed): calibrated {result['auc_model']:.3f}, "
        f"default {result['auc_default_model']:.3f}, lines added {result['auc_lines_added']:.3f}"
    )
    if model is None:
        interval = result.get("beats_default_interval")
        noise = f", 95% interval [{interval[0]:+.3f}, {interval[1]:+.3f}]" if interval else ""
        say(
            f"kept the default model: the calibration does not beat it beyond noise ({result['beats_default_by']:+.3f}{noise}); {scores}"
        )
        return
    write(output, model.to_json())
    meta = model.meta
    say(
        f"wrote {output}: {meta['samples']} changes ({meta['failed']} failed), features {', '.join(meta['features'])}; "
        f"beats the default by {result['beats_default_by']:+.3f} ({scores}); set `risk: {{model: {output}}}` in .gate.yaml"
    )


@risk.command("evaluate")
@repo_option
@click.option("--rev", default="HEAD", show_default=True, help="History to evaluate on.")
@click.option(
    "--train-days",
    type=click.IntRange(30),
    default=730,
    show_default=True,
    help="Learn from this much settled history.",
)
@click.option(
    "--test-share",
    type=click.FloatRange(0.05, 0.9),
    default=0.3,
    show_default=True,
    help="Newest share of the settled history kept for testing.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@_with_labels
def risk_evaluate(
    repo: str,
    rev: str,
    train_days: int,
    test_share: float,
    fmt: str,
    labels: str | None,
    unlisted: str,
) -> None:
    """ROC AUC on a time-ordered split: trained model, default model, and the lines-added-only rule."""
    import json

    from gate.risk.calibrate import evaluate

    result = evaluate(_dataset(repo, rev, labels, unlisted), test_share, train_days)
    if fmt == "json":
        say(json.dumps(result, indent=2, sort_keys=True))
        return
    say(
        f"{result['commits']} changes; train {result['train']} ({result['train_failed']} failed), test {result['test']} ({result['test_failed']} failed)"
    )
    if "error" in result:
        say(f"cannot evaluate: {result['error']}")
        return
    say(
        f"ROC AUC  calibrated model  {result['auc_model']:.3f}  (features: {', '.join(result['model']['features'])})"
    )
    say(f"ROC AUC  default model     {result['auc_default_model']:.3f}")
    say(f"ROC AUC  lines added only  {result['auc_lines_added']:.3f}")
    verdict = "beats" if result["beats_baseline_by"] > 0.005 else "does not beat"
    say(
        f"the calibrated model {verdict} the lines-added baseline ({result['beats_baseline_by']:+.3f})"
    )
