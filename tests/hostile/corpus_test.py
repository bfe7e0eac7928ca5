"""Every file the gate reads, fed the bad-input corpus: a finding or exit 2 naming the file, never a crash."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo, gate_subprocess

from hostile.corpus import COMMON

VALID_MANIFEST = (
    "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 2\nowners: {team: shopping}\n"
)
TYPED_MANIFESTS = {
    "tier-string": VALID_MANIFEST.replace("tier: 2", "tier: high"),
    "tier-bool": VALID_MANIFEST.replace("tier: 2", "tier: yes"),
    "tier-out-of-range": VALID_MANIFEST.replace("tier: 2", "tier: 9"),
    "name-list": VALID_MANIFEST.replace("name: cart", "name: [cart]"),
    "owners-string": VALID_MANIFEST.replace("owners: {team: shopping}", "owners: shopping"),
    "slos-mapping": VALID_MANIFEST + "slos: {a: 1}\n",
    "slo-objective-string": VALID_MANIFEST
    + "slos: [{name: a, sli: availability, objective: high, window: 28d}]\n",
    "unknown-field": VALID_MANIFEST + "surprise: 1\n",
    "missing-kind": VALID_MANIFEST.replace("kind: Service\n", ""),
    "wrong-api": VALID_MANIFEST.replace("gate/v1", "gate/v9"),
    "date-wrong-format": VALID_MANIFEST + "rollback: {last_tested: 01/02/2026}\n",
    "runbook-escape": VALID_MANIFEST + "runbook: ../../etc/passwd\n",
    "runbook-absolute": VALID_MANIFEST + "runbook: /etc/passwd\n",
    "paths-escape": VALID_MANIFEST + "paths: ['../other/**']\n",
    "metrics-objects": VALID_MANIFEST + "telemetry: {metrics: [{}]}\n",
}


def run(repo: GitRepo) -> Any:
    return gate_subprocess(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", "--as-of", "2026-11-24"
    )


def assert_clean_exit_2(result: Any, file: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback (most recent" not in result.stderr
    assert result.stderr.startswith(f"gate: error: {file}") and result.stderr.count("\n") == 1, (
        result.stderr
    )


@pytest.mark.parametrize("case", sorted(COMMON) + sorted(TYPED_MANIFESTS))
def test_manifest(example: GitRepo, case: str) -> None:
    raw = COMMON[case] if case in COMMON else TYPED_MANIFESTS[case].encode()
    example.write("services/cart/service.yaml", raw)
    example.commit()
    result = run(example)
    assert "Traceback (most recent" not in result.stderr and result.returncode in (0, 1), (
        result.stderr
    )
    doc = json.loads(result.stdout)
    cart = [s for s in doc["services"] if s["manifest"] == "services/cart/service.yaml"]
    assert cart, "the service is still judged"
    findings = cart[0]["findings"]
    assert any(f["file"] == "services/cart/service.yaml" for f in findings) or case in (
        "json-in-yaml",
    ), findings
    assert doc["verdict"] == "block" or case in (
        "json-in-yaml",
        "date-wrong-format",
        "metrics-objects",
    )


@pytest.mark.parametrize("case", sorted(COMMON))
def test_gate_config_in_base(repo: GitRepo, case: str) -> None:
    repo.write(".gate.yaml", COMMON[case])
    repo.write("a.txt", "a")
    repo.commit()
    repo.branch("c")
    repo.write("a.txt", "b")
    repo.commit()
    result = run(repo)
    if case in ("empty", "only-comment"):
        assert result.returncode == 0, result.stderr  # an empty config is the defaults
    else:
        assert_clean_exit_2(result, ".gate.yaml")


@pytest.mark.parametrize("case", sorted(COMMON))
def test_policy_pack_in_base(repo: GitRepo, case: str) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/team.yaml]\n")
    repo.write("policies/team.yaml", COMMON[case])
    repo.commit()
    repo.branch("c")
    repo.write("a.txt", "b")
    repo.commit()
    assert_clean_exit_2(run(repo), "policies/team.yaml")


@pytest.mark.parametrize("case", sorted(COMMON))
def test_exception_ledger_in_base_and_in_the_change(repo: GitRepo, case: str) -> None:
    repo.write("exceptions.yaml", COMMON[case])
    repo.commit()
    repo.branch("c")
    repo.write("a.txt", "b")
    repo.commit()
    result = run(repo)
    if case in ("empty", "only-comment"):
        assert result.returncode == 0, result.stderr
    else:
        assert_clean_exit_2(result, "exceptions.yaml")
    # the same bytes arriving in a change: a finding that blocks, not a broken gate
    repo.git("checkout", "-q", "main")
    repo.remove("exceptions.yaml")
    repo.commit("clean base")
    repo.git("checkout", "-q", "-B", "d", "main")
    repo.write("exceptions.yaml", COMMON[case])
    repo.commit()
    result = run(repo)
    assert "Traceback (most recent" not in result.stderr
    doc = json.loads(result.stdout)
    if case not in ("empty", "only-comment"):
        assert [f["rule"] for f in doc["findings"]] == ["exceptions-ledger-invalid"]
        assert doc["findings"][0]["file"] == "exceptions.yaml"


@pytest.mark.parametrize("case", sorted(COMMON))
def test_openslo_document(example: GitRepo, case: str) -> None:
    example.write("services/payments/slo/availability.yaml", COMMON[case])
    example.commit()
    result = run(example)
    assert "Traceback (most recent" not in result.stderr and result.returncode in (0, 1)
    payments = json.loads(result.stdout)["services"][0]
    assert any(
        f["file"] == "services/payments/slo/availability.yaml" for f in payments["findings"]
    ) or case in ("empty", "only-comment"), payments["findings"]


@pytest.mark.parametrize(
    "text",
    [
        b"\x00\xff" * 1000,
        b"*" * 5000 + b" @x\n",
        b"[invalid\n",
        b"/services/cart/ \x1b[31m@evil\n",
        b"!negated @x\n",
        b"# only comments\n" * 10000,
    ],
    ids=["binary", "huge-pattern", "bracket", "control-chars", "negation", "comments-only"],
)
def test_codeowners(example: GitRepo, text: bytes) -> None:
    example.write(".github/CODEOWNERS", text)
    example.write("services/cart/src/cart.py", "x = 2\n")
    example.commit()
    result = run(example)
    assert "Traceback (most recent" not in result.stderr and result.returncode in (0, 1)
    cart = json.loads(result.stdout)["services"][0]
    assert any(f["rule"] == "codeowners" for f in cart["findings"])


@pytest.mark.parametrize(
    "payload",
    [
        b"",
        b"{",
        b"[]",
        b'{"pull_request": "x"}',
        b'{"pull_request": {"number": "seven"}}',
        b"\x00" * 100,
        b'{"merge_group": {"base_sha": 5}}',
    ],
    ids=[
        "empty",
        "truncated",
        "list",
        "pr-string",
        "pr-number-string",
        "nul-bytes",
        "merge-group-int",
    ],
)
def test_github_event_payload(example: GitRepo, tmp_path: Path, payload: bytes) -> None:
    event = tmp_path / "event.json"
    event.write_bytes(payload)
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.commit()
    result = gate_subprocess(
        "check",
        "--repo",
        example.path,
        "--github",
        "--no-comment",
        "--output-dir",
        str(tmp_path / "out"),
        env={"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request"},
    )
    assert "Traceback (most recent" not in result.stderr
    assert result.returncode in (0, 1, 2)
    if result.returncode == 2:
        assert result.stderr.startswith("gate: error:") and result.stderr.count("\n") == 1


def test_github_api_garbage_for_reviews_and_comments(
    example: GitRepo, httpserver: Any, tmp_path: Path
) -> None:
    httpserver.expect_request(os.path.join("/repos/acme/shop/pulls/5/reviews")).respond_with_data(
        "<html>", status=200
    )
    httpserver.expect_request("/repos/acme/shop/issues/5/comments").respond_with_data(
        "\x00garbage", status=200
    )
    example.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n  - {id: E1, services: [search], rules: [runbook-sections], reason: a real reason here, ticket: T-1, requested_by: dana, approved_by: rita, created: 2026-11-23, expires: 2026-11-25}\n",
    )
    example.write("services/search/src/query.py", "x = 1\n")
    head = example.commit()
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {
                    "number": 5,
                    "user": {"login": "dana"},
                    "base": {"sha": example.git("rev-parse", "main")},
                    "head": {"sha": head},
                },
            }
        )
    )
    result = gate_subprocess(
        "check",
        "--repo",
        example.path,
        "--github",
        "--output-dir",
        str(tmp_path / "out"),
        env={
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_API_URL": httpserver.url_for("").rstrip("/"),
            "GITHUB_TOKEN": "t0ken-value",
        },
    )
    assert "Traceback (most recent" not in result.stderr and result.returncode == 1
    assert "could not post the pull-request comment" in result.stdout
    assert "t0ken-value" not in result.stdout + result.stderr
