"""gate.revision: every command opens a revision the same way, so each sees the same services."""

from __future__ import annotations

import datetime as dt

from conftest import GitRepo

from gate.check import validate
from gate.commands.budget import report
from gate.git import Repo
from gate.revision import open_revision
from gate.scorecard import collect

ENTITY = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: portal\n"
    "  annotations: {gate.dev/tier: '2'}\nspec: {type: service, lifecycle: production, "
    "owner: group:web}\n"
)


def test_the_trusted_source_settings_reach_every_command(repo: GitRepo) -> None:
    """`.gate.yaml` says Backstage entities live in component.yaml: the one service, defined only
    by such an entity, is seen by validate, the scorecard and budget alike (the scorecard and
    budget looked for the default file names only)."""
    repo.write(".gate.yaml", "version: 1\nbackstage: {files: [component.yaml]}\n")
    repo.write("web/portal/component.yaml", ENTITY)
    repo.write("web/portal/app.py", "x = 1\n")
    repo.commit("portal")
    r = Repo(repo.path)
    revision = open_revision(r, "HEAD")
    assert [s.name for s in revision.catalog.all()] == ["portal"]
    assert revision.config.backstage.files == ("component.yaml",)
    assert [s.name for s in validate(Repo(repo.path)).services] == ["portal"]
    card = collect.build(Repo(repo.path), "HEAD", None, dt.date(2026, 11, 24), True, None, None)
    assert [s["name"] for s in card["services"]] == ["portal"]
    assert [row[0].name for row in report(repo.path, "HEAD", (), None, True)] == ["portal"]
