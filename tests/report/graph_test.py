"""The graph renderers: names a repository wrote cannot break out of a DOT ID or the JSON."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import new_repo

from gate.catalog import Catalog
from gate.git import Repo
from gate.graph import describe
from gate.report.graph import render_dot, render_json
from gate.snapshot import Snapshot

HOSTILE = 'evil"]; x -> y [label="pwned'


def test_hostile_names_stay_inside_their_ids(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    repo.write(
        "a/service.yaml",
        f"apiVersion: gate/v1\nkind: Service\nname: 'a'\ntier: 1\ndependencies: ['{HOSTILE}']\n",
    )
    repo.commit("a")
    r = Repo(str(repo.path))
    report = describe(Catalog.of(Snapshot(r, r.resolve("HEAD"))).all())
    dot = render_dot(report)
    assert 'x -> y [label="pwned' not in dot.replace('\\"', "")
    assert '"a" -> "evil\\"]; x -> y [label=\\"pwned" [color="#b3261e", label="unknown"];' in dot
    assert json.loads(render_json(report))["edges"][0]["to"] == HOSTILE
