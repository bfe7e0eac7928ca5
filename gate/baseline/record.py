"""`gate baseline`'s judgement: every service of one revision judged as `gate validate` judges it,
and its standing errors and warnings turned into baseline entries (gate/baseline/model.py)."""

from __future__ import annotations

import datetime as dt

from gate import check as gate_check
from gate.baseline.model import Entry, Place, record
from gate.catalog import Catalog
from gate.git import Repo
from gate.snapshot import Snapshot


def entries_at(
    repo: Repo,
    rev: str,
    config_path: str | None,
    today: dt.date,
    existing: list[Entry],
    prune: bool = False,
) -> list[Entry]:
    """The baseline for `rev`: its findings now, each keeping the date `existing` first recorded it."""
    verdict = gate_check.validate(repo, rev, config_path, today)
    catalog = Catalog(Snapshot(repo, repo.resolve(rev)))
    found = [
        (finding, Place.of(catalog.service_at(result.manifest)))
        for result in verdict.services
        for finding in result.findings
    ]
    return record(found, today, existing, prune)
