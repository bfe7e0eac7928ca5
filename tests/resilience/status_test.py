"""Drill records exported outside the repository (gate/resilience/status.py): trusted like the
base branch's record, refused when the repository tracks the file."""

from __future__ import annotations

import json
import os
from pathlib import Path

from conftest import TODAY, GitRepo

from gate import check
from gate.git import Repo
from gate.resilience.status import SCHEMA, read

DOC = {
    "schema": SCHEMA,
    "services": {
        "payments": {
            "drills": [
                {
                    "kind": "failover",
                    "date": "2026-11-02",
                    "result": "pass",
                    "evidence": "https://d.example/f",
                },
                {"kind": "teleport", "date": "2026-11-02"},
            ]
        }
    },
}


def test_a_file_outside_the_repository_gives_each_service_its_drills(tmp_path: Path) -> None:
    path = tmp_path / "drills.json"
    path.write_text(json.dumps(DOC))
    found = read(str(path), str(tmp_path / "repo"), lambda p: False)
    assert found.problem is None
    assert [(d.kind, d.written, d.file) for d in found.drills["payments"]] == [
        ("failover", "2026-11-02", str(path))
    ]


def test_what_adds_nothing_says_why(tmp_path: Path) -> None:
    root = str(tmp_path)
    (tmp_path / "drills.yaml").write_text("schema: gate.drill-status/v1\nservices: {}\n")
    assert read("drills.yaml", root, lambda p: p == "drills.yaml").problem == (
        "the drill status file drills.yaml is committed to the repository"
    )
    assert read("drills.yaml", root, lambda p: False).drills == {}
    assert "No such file" in str(read("gone.json", root, lambda p: False).problem)
    (tmp_path / "bad.json").write_text('{"schema": "other"}')
    assert "is not a gate.drill-status/v1 document" in str(
        read("bad.json", root, lambda p: False).problem
    )
    os.symlink(tmp_path / "drills.yaml", tmp_path / "link.yaml")
    assert "symlink" in str(read("link.yaml", root, lambda p: False).problem)
    assert read(None, root, lambda p: False).drills == {}


def _stale_failover(example: GitRepo, status: str) -> None:
    example.git("checkout", "-q", "main")
    manifest = "services/payments/service.yaml"
    (line,) = [x for x in example.read(manifest).splitlines() if "{kind: failover" in x]
    example.replace(
        manifest, line, line.replace(line.split("date: ")[1].split(",")[0], "2024-01-02")
    )
    example.write(
        ".gate.yaml", example.read(".gate.yaml") + f"resilience:\n  status_file: {status}\n"
    )
    example.commit("main: payments' failover drill is tracked elsewhere")
    example.git("checkout", "-q", "-B", "change", "main")
    example.write("services/payments/src/touch.py", "x = 1\n")
    example.commit()


def failover_errors(example: GitRepo) -> list[str]:
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    (payments,) = [s for s in v.services if s.name == "payments"]
    return [f.message for f in payments.findings if f.rule == "failover-exercised"]


def test_an_exported_drill_counts_like_the_base_branchs(example: GitRepo, tmp_path: Path) -> None:
    outside = tmp_path / "exported-drills.json"
    outside.write_text(json.dumps(DOC))
    _stale_failover(example, str(outside))
    assert failover_errors(example) == []


def test_a_committed_status_file_is_never_trusted(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write("drills.json", json.dumps(DOC))
    example.commit("a status file in the repository")
    _stale_failover(example, "drills.json")
    (message,) = failover_errors(example)
    assert "is committed to the repository" in message and "2024-01-02" in message
