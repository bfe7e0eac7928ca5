"""The `gate` command line: parse, call, render, exit code. Heavy imports wait inside commands."""
from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any

import click

from gate import __version__
from gate.commands.exception import exception
from gate.errors import FatalError

FORMAT_NAMES = ("text", "json", "markdown", "sarif", "junit", "github", "gitlab")


def _as_of(value: str | None, option: str = "--as-of") -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=f"'{option}'") from None


class _FormatSpec(click.ParamType):
    """`--format NAME` (stdout, or the next --output) or `--format NAME=FILE` (that file)."""

    name = "format"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> tuple[str, str | None]:
        if isinstance(value, tuple):
            return str(value[0]), (None if value[1] is None else str(value[1]))
        name, eq, path = str(value).partition("=")
        if name not in FORMAT_NAMES:
            self.fail(f"{name!r} is not one of {', '.join(FORMAT_NAMES)} (use NAME or NAME=FILE)", param, ctx)
        if eq and not path:
            self.fail(f"{value!r}: no file after '='", param, ctx)
        return name, (path if eq else None)


def _emit(verdict: Any, formats: tuple[tuple[str, str | None], ...], outputs: tuple[str, ...]) -> None:
    from gate.report import renderer
    from gate.report.escape import stdout

    formats = formats or (("text", None),)
    plain = [i for i, (_, path) in enumerate(formats) if path is None]
    if len(outputs) > len(plain):
        raise click.UsageError("more --output files than plain --format values (they pair up in order; or write --format NAME=FILE)")
    targets = {index: output for index, output in zip(plain, outputs)}
    for index, (name, path) in enumerate(formats):
        text = renderer(name)(verdict)
        target = path or targets.get(index)
        if target and target != "-":
            _write(target, text)
        else:
            click.echo(text if name == "github" else stdout(text), nl=False)


def _echo(line: str) -> None:
    """One line for a terminal or a CI log, whatever the values in it held."""
    from gate.report.escape import stdout, visible

    click.echo(stdout(visible(line)))


def _write(path: str, text: str) -> None:
    if os.path.exists(path) and not os.path.isfile(path):  # /dev/null, a pipe: write into it, never replace it
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            return
        except OSError as e:
            raise FatalError(f"cannot write report: {e.strerror}", path) from None
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        if os.path.dirname(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as e:
        raise FatalError(f"cannot write report: {e.strerror}", path) from None


_format_option = click.option("--format", "formats", multiple=True, type=_FormatSpec(), metavar="NAME[=FILE]",
                              help=f"Report format, to stdout or to FILE (repeatable): {', '.join(FORMAT_NAMES)}.")
_output_option = click.option("--output", "outputs", multiple=True, metavar="FILE", help="Write the matching plain --format here instead of stdout (repeatable, in order).")
_repo_option = click.option("--repo", default=".", show_default=True, metavar="DIR", help="Repository to judge.")
_config_option = click.option("--config", "config_path", metavar="FILE", help="Gate config, a repository path read from the base revision [default: .gate.yaml].")
_as_of_option = click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Judge dates (rollback drills) as of this day [default: today, UTC].")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gate")
def cli() -> None:
    """A reliability gate for pull requests: readiness, change risk and error budgets per changed service."""


cli.add_command(exception)


@cli.command()
@_repo_option
@click.option("--base", metavar="REV", help="Base revision; the change is merge-base(BASE, HEAD)..HEAD [default: origin/HEAD, main or master].")
@click.option("--head", metavar="REV", help="Head revision [default: HEAD].")
@click.option("--staged", is_flag=True, help="Judge the staged change (pre-commit) instead of commits.")
@_config_option
@_format_option
@_output_option
@click.option("--offline", is_flag=True, help="Use no network source (pre-commit).")
@_as_of_option
@click.option("--github", "on_github", is_flag=True, help="GitHub Actions: base/head from the event, job summary, outputs, annotations, PR comment.")
@click.option("--output-dir", metavar="DIR", help="With --github: where gate.json, gate.sarif and gate.xml go [default: $RUNNER_TEMP/gate; outside Actions a new temporary directory].")
@click.option("--comment/--no-comment", default=True, show_default=True, help="With --github: keep one sticky pull-request comment.")
@click.option("--fail-on", type=click.Choice(("block", "warn", "never")), default="block", show_default=True, help="Which verdicts fail the step.")
def check(repo: str, base: str | None, head: str | None, staged: bool, config_path: str | None,
          formats: tuple[tuple[str, str | None], ...], outputs: tuple[str, ...], offline: bool, as_of: str | None,
          on_github: bool, output_dir: str | None, comment: bool, fail_on: str) -> None:
    """Judge a change: exit 0 pass (warnings allowed), 1 block, 2 bad input, 3 undecided."""
    from gate import check as gate_check
    from gate.git import Repo

    if staged and (base or head):
        raise click.UsageError("--staged judges the index against HEAD; it takes no --base/--head")
    if staged and os.environ.get("PRE_COMMIT_FROM_REF") and os.environ.get("PRE_COMMIT_TO_REF"):
        # The pre-push stage of pre-commit: judge the commits being pushed, not the (clean) index.
        staged, base, head = False, os.environ["PRE_COMMIT_FROM_REF"], os.environ["PRE_COMMIT_TO_REF"]
    if on_github and not staged:
        from gate.github import event_from_env

        event = event_from_env()
        if event is not None:
            base = base or event.base
            head = head or event.head
    verdict = gate_check.run(Repo(repo), base, head, staged, config_path, _as_of(as_of) or _utc_today(), offline)
    _emit(verdict, formats, outputs)
    if on_github:
        from gate import workflow

        workflow.publish(verdict, output_dir, comment)
    sys.exit(verdict.exit_code_for(fail_on))


@cli.command()
@_repo_option
@click.option("--rev", default="HEAD", show_default=True, help="Revision whose services to validate.")
@_config_option
@_format_option
@_output_option
@_as_of_option
def validate(repo: str, rev: str, config_path: str | None, formats: tuple[tuple[str, str | None], ...], outputs: tuple[str, ...], as_of: str | None) -> None:
    """Check every service's manifest and readiness at one revision, without a diff."""
    from gate import check as gate_check
    from gate.git import Repo

    verdict = gate_check.validate(Repo(repo), rev, config_path, _as_of(as_of) or _utc_today())
    _emit(verdict, formats, outputs)
    sys.exit(verdict.exit_code)


@cli.command()
@click.argument("services", nargs=-1)
@_repo_option
@click.option("--rev", default="HEAD", show_default=True, help="Revision whose SLO definitions to use.")
@_config_option
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True, help="Output format.")
@click.option("--offline", is_flag=True, help="Skip network sources.")
def budget(services: tuple[str, ...], repo: str, rev: str, config_path: str | None, fmt: str, offline: bool) -> None:
    """Each SLO's objective, window, error budget remaining, burn rates and state."""
    from gate.budget import status

    from gate.report.escape import stdout

    rows = status.report(repo, rev, services, config_path, offline)
    click.echo(stdout(status.render_json(rows) if fmt == "json" else status.render_text(rows)), nl=False)


@cli.group(invoke_without_command=True)
@_repo_option
@click.option("--base", metavar="REV", help="Base revision [default: origin/HEAD, main or master].")
@click.option("--head", metavar="REV", help="Head revision [default: HEAD].")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True, help="Output format.")
@click.pass_context
def risk(ctx: click.Context, repo: str, base: str | None, head: str | None, fmt: str) -> None:
    """Score a change's risk per service (0-100, level, reasons); calibrate and evaluate the model."""
    if ctx.invoked_subcommand is not None:
        return
    from gate.report.escape import json_dumps

    from gate import check as gate_check
    from gate.git import Repo

    verdict = gate_check.run(Repo(repo), base, head, today=_utc_today())
    rows = [{"service": s.name, "tier": s.tier, **(s.risk or {})} for s in verdict.services if s.risk]
    if fmt == "json":
        click.echo(json_dumps({"schema": "gate.risk/v1", "base": verdict.base, "head": verdict.head, "services": rows}, ensure_ascii=True))
        return
    for row in rows:
        _echo(f"{row['service']} (tier {row['tier']}): {row['score']}/100 {row['level']} [{row['model']} model]")
        for factor in row["factors"]:
            _echo(f"  - {factor}")
    if not rows:
        click.echo("no service is touched by this change")


def _dataset(repo: str, rev: str, labels: str | None = None, unlisted: str = "good") -> list[Any]:
    from gate.git import Repo
    from gate.risk import labels as risk_labels
    from gate.risk.calibrate import dataset, relabel

    git_repo = Repo(repo)
    total = int(git_repo.run("rev-list", "--count", git_repo.resolve(rev)).decode().strip() or 0)
    what = "mining history" if labels else "mining history and labelling failed changes"
    with click.progressbar(length=total, label=what, file=sys.stderr) as bar:
        samples = dataset(git_repo, rev, progress=lambda i: bar.update(1), szz=labels is None)
    if labels is None:
        return samples
    # any commit of the history may be named (a merge, say), though only non-merge changes are scored
    history = git_repo.run("rev-list", git_repo.resolve(rev)).decode().split()
    return relabel(samples, risk_labels.read_file(labels, history), unlisted)


_labels_options = [
    click.option("--labels", metavar="FILE.csv", help="Failed changes from your own records (columns commit, failed[, known]) instead of SZZ."),
    click.option("--unlisted", type=click.Choice(("good", "skip")), default="good", show_default=True,
                 help="With --labels: commits the file does not list count as good, or are left out."),
]


def _with_labels(f: Any) -> Any:
    for option in reversed(_labels_options):
        f = option(f)
    return f


@risk.command("calibrate")
@_repo_option
@click.option("--rev", default="HEAD", show_default=True, help="History to learn from.")
@click.option("--output", default=".gate/risk-model.json", show_default=True, metavar="FILE", help="Where to write the model (commit it; set risk.model).")
@click.option("--train-days", type=click.IntRange(30), default=730, show_default=True, help="Learn from this much settled history.")
@_with_labels
def risk_calibrate(repo: str, rev: str, output: str, train_days: int, labels: str | None, unlisted: str) -> None:
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
        click.echo(f"kept the default model: cannot validate a calibration ({result['error']}; "
                   f"{result['train']} changes to train on, {result['test']} to test)")
        return
    scores = (f"ROC AUC on the newest {result['test']} changes ({result['test_failed']} failed): calibrated {result['auc_model']:.3f}, "
              f"default {result['auc_default_model']:.3f}, lines added {result['auc_lines_added']:.3f}")
    if model is None:
        click.echo(f"kept the default model: the calibration does not beat it ({result['beats_default_by']:+.3f}); {scores}")
        return
    _write(output, model.to_json())
    meta = model.meta
    click.echo(f"wrote {output}: {meta['samples']} changes ({meta['failed']} failed), features {', '.join(meta['features'])}; "
               f"beats the default by {result['beats_default_by']:+.3f} ({scores}); set `risk: {{model: {output}}}` in .gate.yaml")


@risk.command("evaluate")
@_repo_option
@click.option("--rev", default="HEAD", show_default=True, help="History to evaluate on.")
@click.option("--train-days", type=click.IntRange(30), default=730, show_default=True, help="Learn from this much settled history.")
@click.option("--test-share", type=click.FloatRange(0.05, 0.9), default=0.3, show_default=True, help="Newest share of the settled history kept for testing.")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True, help="Output format.")
@_with_labels
def risk_evaluate(repo: str, rev: str, train_days: int, test_share: float, fmt: str, labels: str | None, unlisted: str) -> None:
    """ROC AUC on a time-ordered split: trained model, default model, and the lines-added-only rule."""
    import json

    from gate.risk.calibrate import evaluate

    result = evaluate(_dataset(repo, rev, labels, unlisted), test_share, train_days)
    if fmt == "json":
        click.echo(json.dumps(result, indent=2, sort_keys=True))
        return
    click.echo(f"{result['commits']} changes; train {result['train']} ({result['train_failed']} failed), test {result['test']} ({result['test_failed']} failed)")
    if "error" in result:
        click.echo(f"cannot evaluate: {result['error']}")
        return
    click.echo(f"ROC AUC  calibrated model  {result['auc_model']:.3f}  (features: {', '.join(result['model']['features'])})")
    click.echo(f"ROC AUC  default model     {result['auc_default_model']:.3f}")
    click.echo(f"ROC AUC  lines added only  {result['auc_lines_added']:.3f}")
    verdict = "beats" if result["beats_baseline_by"] > 0.005 else "does not beat"
    click.echo(f"the calibrated model {verdict} the lines-added baseline ({result['beats_baseline_by']:+.3f})")


@cli.command()
@_repo_option
@click.option("--rev", metavar="REV", help="Revision to score [default: origin/HEAD, main or master].")
@_config_option
@click.option("--output-dir", default="gate-scorecard", show_default=True, metavar="DIR", help="Where scorecard.html, scorecard.md, scorecard.json and services.csv go.")
@click.option("--offline", is_flag=True, help="Measure no budget from a network source (says \"not measured\").")
@click.option("--months", type=click.IntRange(1, 120), default=12, show_default=True, help="Trend over this many months.")
@click.option("--since", metavar="YYYY-MM-DD", help="Trend from this month instead of --months.")
@click.option("--trend/--no-trend", default=True, show_default=True, help="Judge the branch at every month's end too.")
@_as_of_option
def scorecard(repo: str, rev: str | None, config_path: str | None, output_dir: str, offline: bool, months: int,
              since: str | None, trend: bool, as_of: str | None) -> None:
    """The fleet at a glance: readiness, SLOs, budgets, waivers and changes per service, team and tier, with trends."""
    from gate.scorecard import command

    paths = command.run(repo, rev, config_path, output_dir, offline, months, since, trend, _as_of(as_of) or _utc_today())
    click.echo(command.summary(paths))


@cli.command()
@click.argument("rule_id", required=False)
@_repo_option
@_config_option
@click.option("--kinds", is_flag=True, help="List the check kinds: built in, shipped and installed plug-ins.")
def explain(rule_id: str | None, repo: str, config_path: str | None, kinds: bool) -> None:
    """Explain a rule: why it exists, what it checks per tier, how to fix it, its examples. Without RULE_ID: every rule and check kind."""
    from gate import explain as gate_explain

    if kinds and rule_id:
        raise click.UsageError("give a RULE_ID or --kinds, not both")
    if kinds:
        click.echo(gate_explain.kinds(), nl=False)
    else:
        click.echo(gate_explain.explain(rule_id, repo, config_path) if rule_id else gate_explain.catalog(repo, config_path))


@cli.command("test")
@click.argument("packs", nargs=-1)
@_repo_option
@click.option("--format", "fmt", type=click.Choice(("text", "junit")), default="text", show_default=True, help="Report format.")
@click.option("--output", metavar="FILE", help="Write the report here instead of stdout.")
@_as_of_option
def test_packs(packs: tuple[str, ...], repo: str, fmt: str, output: str | None, as_of: str | None) -> None:
    """Run the rules' examples; flag rules that can never fire or have no examples (exit 1 on any)."""
    from gate.policy import testing

    results, notes = testing.run(repo, packs, _as_of(as_of) or _utc_today())
    text = (testing.render_junit if fmt == "junit" else testing.render_text)(results, notes)
    if output and output != "-":
        _write(output, text)
    else:
        click.echo(text, nl=False)
    sys.exit(1 if any(r.failed for r in results) else 0)


@cli.command()
@click.argument("path", required=False)
@click.option("--name", help="Service name [default: the directory name].")
@click.option("--tier", type=click.IntRange(0, 3), default=2, show_default=True, help="Service tier: 0 most critical ... 3 least.")
@click.option("--team", default="TODO-team", show_default=True, help="Owning team (owners.team; the CODEOWNERS team).")
@click.option("--from-backstage", "entity", metavar="FILE", help="Write the reliability extension (service.yaml beside it) for this Backstage catalog-info.yaml.")
def init(path: str | None, name: str | None, tier: int, team: str, entity: str | None) -> None:
    """Scaffold service.yaml, a runbook and a rollback plan for a new service at PATH,
    or for an existing Backstage entity (--from-backstage FILE)."""
    from gate import scaffold

    if entity is not None:
        if path is not None:
            raise click.UsageError("give PATH or --from-backstage FILE, not both")
        for file in scaffold.from_backstage(entity, tier):
            click.echo(f"created {file}")
        return
    if path is None:
        raise click.UsageError("missing PATH (or --from-backstage FILE)")
    written = scaffold.init(path, name, tier, team)
    for file in written:
        click.echo(f"created {file}")
    root = scaffold.repo_root_of(path)
    for line in scaffold.next_steps(scaffold.relative_root(path), team, tier, scaffold.github_org(root)):
        click.echo(line)
    target = os.path.relpath(os.path.abspath(path))
    click.echo(f"  3. commit: git add {target} .github/CODEOWNERS && git commit -m \"{os.path.basename(os.path.abspath(path))}: service manifest\"")
    click.echo("  4. gate validate    (judges committed files only: it reads the revision, never the working tree)")


@cli.command()
@click.option("--keep", metavar="DIR", help="Build the demo repository here and keep it.")
def demo(keep: str | None) -> None:
    """Build a throwaway repository from the bundled example and judge typical changes."""
    from gate import demo as gate_demo

    gate_demo.run(keep)


def _utc_today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _echo_error(line: str) -> None:
    """CI runners read stderr for commands too: one visible line, whatever the file name held."""
    from gate.report.escape import stdout, visible

    click.echo(stdout(visible(line)), err=True)


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="gate", standalone_mode=False)
        sys.exit(0)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.Abort:
        click.echo("gate: aborted", err=True)
        sys.exit(2)
    except click.ClickException as e:
        e.show()
        sys.exit(2)
    except FatalError as e:
        _echo_error(f"gate: error: {e}")
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as e:  # a bug of ours: say so in one line, and never let it pass a change
        if os.environ.get("GATE_DEBUG"):
            raise
        _echo_error(f"gate: internal error: {type(e).__name__}: {e} (set GATE_DEBUG=1 for a traceback)")
        sys.exit(3)


if __name__ == "__main__":
    main()
