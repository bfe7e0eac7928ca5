"""`gate exception list`: the working tree's ledger, each entry classified as `check` would classify it."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from gate import config as gate_config
from gate.catalog import Catalog
from gate.errors import FatalError
from gate.snapshot import Snapshot
from gate.waivers.edit import context, read_text
from gate.waivers.model import parse_ledger
from gate.waivers.state import Ledgers, Standing, classify
from gate.waivers.trust import Approvals, approver_table


def listing(repo_dir: str, base: str | None, today: dt.date) -> list[Standing]:
    """`gate exception list`: every entry of the working tree's ledger, classified as `check` would,
    trusting the base branch's tip and knowing where HEAD forked from it."""
    repo, snapshot, config = context(repo_dir)
    ledger = config.ledger_path
    entries = parse_ledger(read_text(os.path.join(repo.root, ledger)).encode(), ledger)
    base_rev = repo.resolve(base or trusted_default(repo, ledger))
    fork_rev = _fork(repo, base_rev, snapshot.rev)
    trusted = parse_ledger(Snapshot(repo, base_rev).read(ledger), ledger)
    fork = (
        parse_ledger(Snapshot(repo, fork_rev).read(ledger), ledger)
        if fork_rev != base_rev
        else trusted
    )
    ledgers = Ledgers.of(trusted, fork)
    tiers = {s.name: s.tier for s in Catalog(snapshot).all()}
    approvals = Approvals(config.exceptions, None)
    return [
        classify(entry, ledgers, tiers, approvals, today, every_service=True) for entry in entries
    ]


def trusted_default(repo: Any, ledger: str) -> str:
    """The revision `exception list` trusts by default: the default branch once gate is adopted
    there (it has .gate.yaml or the ledger); before that, the checked-out branch adopting it."""
    try:
        default = repo.default_base()
    except FatalError:
        return str(repo.branch() or "HEAD")
    there = Snapshot(repo, repo.resolve(default))
    if there.read(gate_config.CONFIG_FILE) is None and there.read(ledger) is None:
        return str(repo.branch() or "HEAD")
    return str(default)


def _fork(repo: Any, base_rev: str, head_rev: str) -> str:
    """Where HEAD forked from the base branch (the base itself when they share no history)."""
    try:
        return str(repo.merge_base(base_rev, head_rev))
    except FatalError:
        return base_rev


def approver_groups(repo_dir: str, base: str | None) -> tuple[str, list[dict[str, Any]]]:
    """(the revision whose .gate.yaml decides, who may approve what per tier there)."""
    repo, snapshot, config = context(repo_dir)
    name = base or (repo.default_branch() and repo.default_base())
    if name:
        config = gate_config.load(Snapshot(repo, repo.resolve(name)))
    return name or "HEAD", approver_table(config.exceptions)
