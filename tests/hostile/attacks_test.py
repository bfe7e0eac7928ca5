"""Attacks a change can try, and git's odd corners, each a test that fails if the attack works."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any

from conftest import TODAY, GitRepo
from testing.typed import present
from werkzeug import Response

from gate import check
from gate.budget.records import SLO
from gate.budget.status import measure
from gate.git import Repo
from gate.settings import BudgetSettings


def judge(repo: GitRepo, base: str = "main", head: str = "HEAD") -> Any:
    return check.run(Repo(repo.path), base=base, head=head, today=TODAY)


def test_a_response_that_never_ends_is_cut_off(httpserver: Any) -> None:
    def forever() -> Iterator[bytes]:
        yield b'{"status": "success", "data": {"result": ['
        while True:
            time.sleep(0.05)
            yield b" " * 1024

    httpserver.expect_request("/api/v1/query").respond_with_handler(
        lambda r: Response(forever(), status=200, content_type="application/json")
    )
    slo = SLO(
        "s",
        "s-a",
        0.999,
        28 * 86400,
        "28d",
        "occurrences",
        None,
        good="g[{{window}}]",
        total="t[{{window}}]",
    )
    started = time.monotonic()
    status = measure(
        slo,
        BudgetSettings.parse(
            {
                "prometheus": {
                    "url": httpserver.url_for("").rstrip("/"),
                    "timeout": 0.5,
                    "retries": 0,
                }
            }
        ),
        offline=False,
    )
    assert status.state == "unavailable" and "no complete answer within 1s" in present(
        status.reason
    )
    assert time.monotonic() - started < 10


def test_detached_head(example: GitRepo) -> None:
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    example.git("checkout", "-q", "--detach", "HEAD")
    assert judge(example).verdict == "block"


def test_submodule_in_a_change(example: GitRepo, tmp_path: Any) -> None:
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", str(other)], check=True)
    subprocess.run(
        [
            "git",
            "-C",
            str(other),
            "-c",
            "user.name=a",
            "-c",
            "user.email=a@b",
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            "x",
        ],
        check=True,
    )
    sha = subprocess.run(
        ["git", "-C", str(other), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    example.git("update-index", "--add", "--cacheinfo", f"160000,{sha},services/cart/vendor/lib")
    example.git("commit", "-q", "-m", "add a submodule")
    v = judge(example)
    assert [s.name for s in v.services] == ["cart"] and v.verdict in ("pass", "warn")


def test_huge_binary_change(example: GitRepo) -> None:
    example.write("services/cart/assets/blob.bin", os.urandom(6 * 1024 * 1024))
    example.commit()
    v = judge(example)
    assert [s.name for s in v.services] == ["cart"]
    assert v.services[0].risk.features["la"] == 0  # binary: no lines


def test_non_utf8_path_in_a_service(example: GitRepo) -> None:
    name = os.fsdecode(b"services/cart/caf\xe9.txt")
    (example.root / name).write_bytes(b"x\n")
    example.commit()
    v = judge(example)
    assert v.services[0].changed_files == (name,)


def test_runbook_symlink_out_of_the_repository_is_never_read(example: GitRepo) -> None:
    os.remove(example.root / "services/checkout/docs/runbook.md")
    os.symlink("/etc/passwd", example.root / "services/checkout/docs/runbook.md")
    example.commit()
    v = judge(example)
    messages = " ".join(f.message for f in v.services[0].findings)
    assert "symbolic link" in messages and "root:" not in messages and v.verdict == "block"


def test_moving_code_out_with_paths_does_not_escape_a_stricter_service(example: GitRepo) -> None:
    example.write(
        "services/admin-tools/service.yaml",
        example.read("services/admin-tools/service.yaml") + "paths: ['services/search/**']\n",
    )
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    v = judge(example)
    assert {s.name for s in v.services} == {"admin-tools", "search"} and v.verdict == "block"


def test_a_change_that_adds_a_service_claiming_everything_is_still_judged_by_each_owner(
    example: GitRepo,
) -> None:
    example.write(
        "service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: everything\ntier: 3\nowners: {team: x}\npaths: ['**']\n",
    )
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit()
    v = judge(example)
    assert "search" in {s.name for s in v.services} and v.verdict == "block"
