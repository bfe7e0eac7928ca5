"""`gate baseline`'s judgement: every service of one revision judged as `gate validate` judges it,
and its standing errors and warnings turned into baseline entries (gate/baseline/model.py)."""

from __future__ import annotations

import datetime as dt
import os

from gate import atomic
from gate import check as gate_check
from gate.baseline.model import BASELINE_FILE, Entry, Place, parse, record, render
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
    verdict = gate_check.validate(repo, rev, config_path, today, baseline=False)
    catalog = Catalog(Snapshot(repo, repo.resolve(rev)))
    found = [
        (finding, Place.of(catalog.service_at(result.manifest)))
        for result in verdict.services
        for finding in result.findings
    ]
    return record(found, today, existing, prune)


def update(
    repo_dir: str, rev: str, config_path: str | None, today: dt.date, prune: bool
) -> tuple[int, int, int]:
    """`gate baseline`: gate-baseline.yaml in the working tree rewritten for `rev` (or only pruned).
    Returns (findings before, findings after, services after)."""
    repo = Repo(repo_dir)
    path = os.path.join(repo.root, BASELINE_FILE)
    try:
        with open(path, "rb") as f:
            existing = parse(f.read(), BASELINE_FILE)
    except FileNotFoundError:
        existing = []
    entries = entries_at(repo, rev, config_path, today, existing, prune)
    atomic.write(path, render(entries))
    before, after = sum(e.count for e in existing), sum(e.count for e in entries)
    return before, after, len({e.service for e in entries})
