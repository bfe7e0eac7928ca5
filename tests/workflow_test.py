"""The GitHub Action end to end: action.yml's composite steps run in a simulated runner.

The runner's files (event payload, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) are real files; github.com
is played by a local HTTP server speaking the REST shapes of issue comments.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import GitRepo
from testing.github import FakeGitHub

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "ghs_very_secret_token"


def run_action(
    repo: GitRepo, tmp: Path, api: str, inputs: dict[str, str], event: dict[str, Any]
) -> tuple[int, str, dict[str, str], str]:
    """Run each `run:` step of action.yml as a runner would: inputs through `env:`, `shell: bash`."""
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    values = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    values["token"] = TOKEN
    values["install"] = "false"  # gate is installed in the test environment already
    values.update(inputs)
    event_path, output, summary = tmp / "event.json", tmp / "output", tmp / "summary.md"
    event_path.write_text(json.dumps(event))
    output.write_text("")
    summary.write_text("")

    def expand(text: str) -> str:
        return re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], text)

    env = {
        **os.environ,
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_API_URL": api,
        "GITHUB_ACTION_PATH": str(ROOT),
        "RUNNER_TEMP": str(tmp),
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_RUN_ID": "99",
        "CI": "true",
        # the `gate` console script installed beside the interpreter running the tests, whatever PATH holds
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
    }
    env.pop("GITHUB_TOKEN", None)
    code, log = 0, ""
    for step in action["runs"]["steps"]:
        condition = step.get("if")
        if condition:
            m = re.fullmatch(r"\$\{\{\s*inputs\.([\w-]+)\s*==\s*'([^']*)'\s*\}\}", condition)
            assert m, f"simulator cannot evaluate {condition!r}"
            if values[m.group(1)] != m.group(2):
                continue
        if "uses" in step:
            continue
        assert step["shell"] == "bash", "every run step of a composite action needs shell:"
        step_env = {**env, **{k: expand(str(v)) for k, v in step.get("env", {}).items()}}
        cwd = repo.root / expand(step.get("working-directory", "."))
        result = subprocess.run(
            ["bash", "-e", "-c", expand(step["run"])],
            cwd=cwd,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        code, log = result.returncode, log + result.stdout + result.stderr
        if code:
            break
    outputs = parse_outputs(output.read_text())
    declared = {name: spec["value"] for name, spec in action["outputs"].items()}
    assert all(
        re.fullmatch(r"\$\{\{ steps\.gate\.outputs\.[\w-]+ \}\}", v) for v in declared.values()
    )
    return code, log, outputs, summary.read_text()


def parse_outputs(text: str) -> dict[str, str]:
    outputs, lines = {}, iter(text.splitlines())
    for line in lines:
        name, delimiter = line.split("<<", 1)
        value = []
        for part in lines:
            if part == delimiter:
                break
            value.append(part)
        outputs[name] = "\n".join(value)
    return outputs


def event(repo: GitRepo, author: str = "dana") -> dict[str, Any]:
    return {
        "repository": {"full_name": "acme/shop"},
        "pull_request": {
            "number": 5,
            "user": {"login": author},
            "base": {"sha": repo.git("rev-parse", "main")},
            "head": {"sha": repo.git("rev-parse", "HEAD")},
        },
    }


def blocked_change(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()


def test_action_blocks_with_outputs_summary_annotations_and_one_comment(
    example: GitRepo, httpserver: Any, tmp_path: Path
) -> None:
    github = FakeGitHub(httpserver)
    blocked_change(example)
    api = httpserver.url_for("").rstrip("/")
    code, log, outputs, summary = run_action(example, tmp_path, api, {}, event(example))
    assert code == 1
    assert outputs["verdict"] == "block" and outputs["blocked-services"] == "search"
    assert json.loads(Path(outputs["report-json"]).read_text())["verdict"] == "block"
    assert json.loads(Path(outputs["sarif-file"]).read_text())["version"] == "2.1.0"
    assert summary.startswith("<!-- gate:report -->\n## ⛔ gate: **BLOCK**")
    assert (
        "::error file=services/search/docs/runbook.md,line=1,title=runbook-sections (search)::"
        in log
    )
    bot = [c for c in github.comments if c["user"]["type"] == "Bot"]
    assert len(bot) == 1 and "gate: **BLOCK**" in bot[0]["body"]
    assert github.auth == {f"Bearer {TOKEN}"}
    assert TOKEN not in log + summary + json.dumps(outputs)

    # the fix lands: the same comment is updated, never duplicated
    example.write(
        "services/search/docs/runbook.md",
        example.read("services/search/docs/runbook.md") + "\n## Escalation\nsre-oncall\n",
    )
    example.commit()
    code, log, outputs, _ = run_action(example, tmp_path, api, {}, event(example))
    assert code == 0 and outputs["verdict"] == "pass"
    bot = [c for c in github.comments if c["user"]["type"] == "Bot"]
    assert len(bot) == 1 and "gate: **PASS**" in bot[0]["body"]
    assert [m for m, _ in github.calls if m != "GET"] == ["POST", "PATCH"]


def test_a_personal_access_token_updates_its_own_comment_and_nobody_elses(
    example: GitRepo, httpserver: Any, tmp_path: Path
) -> None:
    github = FakeGitHub(httpserver, token_user="release-bot")
    github.comments.append(
        {
            "id": 2,
            "body": "quoting <!-- gate:report --> to hijack it",
            "user": {"login": "mallory", "type": "User"},
        }
    )
    blocked_change(example)
    api = httpserver.url_for("").rstrip("/")
    for _ in range(3):
        code, log, outputs, _ = run_action(example, tmp_path, api, {}, event(example))
        assert code == 1, log
    ours = [c for c in github.comments if c["user"]["login"] == "release-bot"]
    assert len(ours) == 1 and "gate: **BLOCK**" in ours[0]["body"]
    assert github.comments[1]["body"] == "quoting <!-- gate:report --> to hijack it"
    assert [m for m, p in github.calls if m != "GET"] == ["POST", "PATCH", "PATCH"]


def test_fork_pull_request_read_only_token_warns_and_keeps_the_verdict(
    example: GitRepo, httpserver: Any, tmp_path: Path
) -> None:
    FakeGitHub(httpserver, fail_with=403)
    blocked_change(example)
    code, log, outputs, _ = run_action(
        example, tmp_path, httpserver.url_for("").rstrip("/"), {}, event(example)
    )
    assert code == 1 and outputs["verdict"] == "block"
    assert (
        "::warning title=gate::could not post the pull-request comment: GitHub answered HTTP 403"
        in log
    )
    assert "read-only token" in log


def test_github_down_or_rate_limited_never_changes_the_verdict(
    example: GitRepo, httpserver: Any, tmp_path: Path
) -> None:
    httpserver.expect_request(re.compile(r"/repos/.*")).respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"}
    )
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.commit()
    code, log, outputs, _ = run_action(
        example, tmp_path, httpserver.url_for("").rstrip("/"), {}, event(example)
    )
    assert code == 0 and outputs["verdict"] == "pass"
    assert "HTTP 429 (3 attempts)" in log


@pytest.mark.parametrize("fail_on, expected", [("warn", 1), ("never", 0), ("block", 0)])
def test_fail_on(
    example: GitRepo, httpserver: Any, tmp_path: Path, fail_on: str, expected: int
) -> None:
    FakeGitHub(httpserver)
    example.write("scripts/release.sh", "x\n")  # a warning
    example.commit()
    code, _, outputs, _ = run_action(
        example,
        tmp_path,
        httpserver.url_for("").rstrip("/"),
        {"fail-on": fail_on, "comment": "false"},
        event(example),
    )
    assert (code, outputs["verdict"]) == (expected, "warn")


def test_merge_group_event(
    example: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gate_cli: Any
) -> None:
    blocked_change(example)
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps(
            {
                "merge_group": {
                    "base_sha": example.git("rev-parse", "main"),
                    "head_sha": example.git("rev-parse", "HEAD"),
                }
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(path))
    monkeypatch.setenv("GITHUB_EVENT_NAME", "merge_group")
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    example.git(
        "checkout", "-q", "main"
    )  # the checkout does not matter: the event names the commits
    code, out, _ = gate_cli(
        "check", "--repo", example.path, "--github", "--output-dir", str(tmp_path / "out")
    )
    assert code == 1 and "runbook-sections" in out


def test_composite_action_contract() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step.get("shell") == "bash"
            assert "${{ inputs." not in step["run"], (
                "composite steps get no INPUT_ variables: pass inputs through env:"
            )
    assert set(action["outputs"]) == {
        "verdict",
        "risk-score",
        "blocked-services",
        "report-json",
        "sarif-file",
    }


def test_secondary_rate_limit_403_is_retried(httpserver: Any) -> None:
    from gate.httpclient import request_json

    httpserver.expect_ordered_request("/x").respond_with_json(
        {"message": "You have exceeded a secondary rate limit"},
        status=403,
        headers={"Retry-After": "0"},
    )
    httpserver.expect_ordered_request("/x").respond_with_json({"ok": True})
    response = request_json("GET", httpserver.url_for("/x"), retries=2, backoff=0.01)
    assert response.status == 200 and response.body == {"ok": True}
