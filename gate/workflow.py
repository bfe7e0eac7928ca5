"""`gate check --github`: everything a GitHub Actions run needs from one verdict.

Reports to files, the job summary, step outputs, annotations, and one sticky pull-request
comment. Posting the comment can fail (fork tokens are read-only, rate limits, outages); the
verdict never depends on it.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import click

from gate import github
from gate.report import renderer
from gate.report.escape import visible
from gate.report.markdown import COMMENT_LIMIT, MARKER, SUMMARY_LIMIT, run_url
from gate.report.markdown import render as markdown
from gate.verdict import Verdict


def publish(verdict: Verdict, output_dir: str | None, comment: bool) -> dict[str, str]:
    directory = _report_dir(output_dir)
    files = {}
    for name, suffix in (("json", "json"), ("sarif", "sarif"), ("junit", "xml")):
        path = directory / f"gate.{suffix}"
        path.write_text(renderer(name)(verdict), encoding="utf-8")
        files[name] = str(path)
    click.echo(renderer("github")(verdict), nl=False)
    url = run_url()
    summary_path = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_path:
        text = markdown(verdict, url, limit=SUMMARY_LIMIT // 4)  # characters may take up to 4 bytes
        with open(summary_path, "a", encoding="utf-8") as f:
            f.write(text)
    scores = [s.risk.score for s in verdict.services if s.risk]
    outputs = {
        "verdict": verdict.headline,
        "risk-score": str(max(scores)) if scores else "",
        "blocked-services": ",".join(
            sorted(visible(s.name) for s in verdict.services if s.verdict == "block")
        ),
        "report-json": files["json"],
        "sarif-file": files["sarif"],
        "junit-file": files["junit"],
    }
    output_path = os.environ.get("GITHUB_OUTPUT")
    if output_path:
        with open(output_path, "a", encoding="utf-8") as f:
            for key, value in outputs.items():
                delimiter = f"gate_{uuid.uuid4().hex}"
                f.write(f"{key}<<{delimiter}\n{value}\n{delimiter}\n")
    if comment:
        _comment(verdict, url)
    return outputs


def _report_dir(output_dir: str | None) -> Path:
    """--output-dir, else $RUNNER_TEMP/gate; outside Actions a new temporary directory, never the
    working tree."""
    if output_dir is None and not os.environ.get("RUNNER_TEMP"):
        output_dir = tempfile.mkdtemp(prefix="gate-")
        click.echo(
            f"gate: not in GitHub Actions (no RUNNER_TEMP); reports written to {output_dir}",
            err=True,
        )
    directory = Path(output_dir or os.path.join(os.environ.get("RUNNER_TEMP", "."), "gate"))
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _comment(verdict: Verdict, url: str | None) -> None:
    """Keep the pull request's one gate comment up to date; a failure only warns."""
    event = github.event_from_env()
    if not (event and event.pull_request):
        return
    pr = event.pull_request
    if not pr.token:
        click.echo(
            "::warning title=gate::no token: the pull-request comment was not posted (the verdict stands)"
        )
        return
    try:
        verb = github.upsert_comment(pr, markdown(verdict, url, limit=COMMENT_LIMIT), MARKER)
        click.echo(f"gate: pull-request comment {verb}", err=True)
    except github.GitHubUnavailable as e:
        click.echo(
            f"::warning title=gate::could not post the pull-request comment: {visible(e)} (the verdict stands)"
        )
