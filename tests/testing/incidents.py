"""A small fleet judged only by the incident rules: a tier-0 service (pay) and a tier-2 one (tools),
with incidents exported to a file outside the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gate import check
from gate import yaml as gate_yaml
from gate.git import Repo
from gate.resources import data_dir
from gate.verdict import Verdict
from testing.repo import TODAY, GitRepo, new_repo

RULES = ("postmortem-overdue", "actions-overdue")


def pack() -> str:
    default = gate_yaml.load((data_dir("policies") / "default.yaml").read_bytes(), "default.yaml")
    rules = [r for r in default.data["rules"] if r["id"] in RULES]
    body = {"apiVersion": "gate/v1", "kind": "PolicyPack", "name": "incidents", "rules": rules}
    return json.dumps(body, indent=1)


def manifest(name: str, tier: int) -> str:
    return f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\nowners: {{team: {name}}}\nrunbook: docs/runbook.md\n"


def incident(
    id: str = "INC-7",
    services: tuple[str, ...] = ("pay",),
    severity: str = "sev1",
    resolved: str | None = "2026-10-01T12:00:00Z",
    postmortem: str | None = "2026-10-03",
    actions: tuple[dict[str, Any], ...] = (),
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": id,
        "services": list(services),
        "severity": severity,
        "started": "2026-10-01T09:00:00Z",
        "resolved": resolved,
        "actions": list(actions),
    }
    if postmortem:
        found["postmortem"] = {"url": f"https://wiki.example.com/{id}", "published": postmortem}
    return found


def action(id: str, due: str = "2026-10-10", state: str = "open", **more: Any) -> dict[str, Any]:
    return {"id": id, "owner": "dana", "due": due, "state": state, **more}


class Fleet:
    """The fleet's repository, on branch `change` from main, and its incident export."""

    def __init__(self, repo: GitRepo, export: Path) -> None:
        self.repo, self.export = repo, export

    def incidents(self, *found: dict[str, Any]) -> None:
        self.export.write_text(
            json.dumps({"schema": "gate.incidents/v1", "incidents": list(found)}), encoding="utf-8"
        )

    def check(self, **options: Any) -> Verdict:
        return check.run(Repo(self.repo.path), base="main", head="HEAD", today=TODAY, **options)

    def findings(self, service: str = "pay", **options: Any) -> list[tuple[str, str, str]]:
        verdict = self.check(**options)
        return [
            (f.rule, f.severity, f.message)
            for s in verdict.services
            if s.name == service
            for f in s.findings
        ]


def config(path: str, extra: str = "") -> str:
    return (
        "version: 1\npacks: [policies/incidents.yaml]\nunowned: off\n"
        f"incidents:\n  source: file\n  file: {{path: {json.dumps(path)}}}\n{extra}"
    )


def build_fleet(tmp_path: Path) -> Fleet:
    repo = new_repo(tmp_path / "repo")
    export = tmp_path / "tracker" / "incidents.json"
    export.parent.mkdir()
    repo.write(".gate.yaml", config(str(export)))
    repo.write("policies/incidents.yaml", pack())
    for name, tier in (("pay", 0), ("tools", 2)):
        repo.write(f"services/{name}/service.yaml", manifest(name, tier))
        repo.write(f"services/{name}/src/app.py", "def run():\n    return 1\n")
        repo.write(f"services/{name}/docs/runbook.md", "# Runbook\n")
    repo.commit("fleet")
    repo.branch("change")
    found = Fleet(repo, export)
    found.incidents()
    return found


def use_source(fleet: Fleet, source: str, settings: str, extra: str = "") -> None:
    """Main's .gate.yaml names another incident source (`settings`: its YAML flow mapping); the
    change branch follows main."""
    repo = fleet.repo
    branch = repo.git("rev-parse", "--abbrev-ref", "HEAD")
    repo.git("checkout", "-q", "main")
    repo.write(
        ".gate.yaml",
        "version: 1\npacks: [policies/incidents.yaml]\nunowned: off\n"
        f"incidents:\n  source: {source}\n  {source}: {settings}\n{extra}",
    )
    repo.commit(f"incidents from {source}")
    repo.git("checkout", "-q", "-B", branch, "main")


def issue(
    number: int,
    labels: tuple[str, ...],
    body: str = "",
    state: str = "open",
    created: str = "2026-10-01T09:00:00Z",
    closed: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    """An issue as GitHub's REST API lists it."""
    return {
        "number": number,
        "title": f"issue {number}",
        "state": state,
        "labels": [{"name": name} for name in labels],
        "assignees": [],
        "milestone": None,
        "created_at": created,
        "closed_at": closed,
        "body": body,
        **more,
    }
