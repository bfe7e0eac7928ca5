"""Open a revision once: the one way every command reads a revision of a repository.

`open_revision` gives a `Revision`: the repository, the snapshot of the revision, its trusted
`.gate.yaml` (read at the trusted snapshot: the base branch's tip for a change, the revision itself
otherwise), the rules of its packs, and its catalog of services, whose source files (service.yaml,
the Backstage catalog files `backstage.files` names) come from that trusted configuration. Every
command (check, validate, scorecard, budget, explain, exception add/list) opens its revisions here,
so no command can judge the same commit with other settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from gate import config as gate_config
from gate.catalog import Catalog
from gate.catalog import configure as configure_sources
from gate.git import EMPTY, Repo
from gate.policy.rules import Rule, load_rules
from gate.snapshot import Snapshot


@dataclass(frozen=True)
class Revision:
    """One revision opened for judging, with the trusted settings that judge it."""

    repo: Repo
    snapshot: Snapshot
    config: gate_config.Config
    trusted: Snapshot  # where the configuration, packs and ledger were read

    @cached_property
    def rules(self) -> list[Rule]:
        """The configured packs' rules, as the trusted snapshot has them (read when first asked)."""
        return load_rules(self.config, self.trusted)

    @property
    def catalog(self) -> Catalog:
        """The revision's services, found with the trusted source settings."""
        return Catalog.of(self.snapshot)


def open_revision(
    repo: Repo,
    rev: str,
    config_path: str | None = None,
    trusted: Snapshot | None = None,
) -> Revision:
    """The revision `rev` (a name or a commit), judged by the configuration at `trusted` (default:
    the revision itself). A `config_path` the caller names must exist (exit 2 when it does not)."""
    return at(Snapshot(repo, rev if rev == EMPTY else repo.resolve(rev)), config_path, trusted)


def at(
    snapshot: Snapshot, config_path: str | None = None, trusted: Snapshot | None = None
) -> Revision:
    """A snapshot already made, opened as `open_revision` opens one."""
    judge = trusted if trusted is not None else snapshot
    config = gate_config.load(
        judge, config_path or gate_config.CONFIG_FILE, required=config_path is not None
    )
    # Which files define services is the trusted configuration's choice, for every catalog of the
    # repository this run builds (the manifest index is the repository's).
    configure_sources(snapshot.repo, config.backstage)
    return Revision(snapshot.repo, snapshot, config, judge)
