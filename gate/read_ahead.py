"""The I/O plan of `gate check`: everything judging a change will read, asked of git in a few round trips
before the stages run, so no stage between them decides what to prefetch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from gate import codeowners
from gate.catalog import Catalog
from gate.git import Change
from gate.manifest_index import source_names
from gate.service import root_of
from gate.snapshot import Snapshot


class Owners(Protocol):
    """What `read_ahead` needs of an ownership result (gate.ownership.Ownership)."""

    @property
    def touched(self) -> Mapping[str, Sequence[str]]: ...  # manifest judged -> its changed paths

    @property
    def pinned(
        self,
    ) -> Mapping[str, object]: ...  # manifests judged from the trusted tip, not the head

    @property
    def identity(self) -> Mapping[str, str]: ...  # head manifest -> the base manifest it continues


@dataclass(frozen=True)
class ReadAhead:
    """What a check reads before judging, each group in one git round trip."""

    head_sources: tuple[str, ...]  # the head's source files of the services judged
    documents: tuple[str, ...]  # the runbooks, plans and SLO documents they name
    entries: tuple[
        str, ...
    ]  # paths either side will be asked about (configuration, ledger, CODEOWNERS, the change)
    base_sources: tuple[
        str, ...
    ]  # the judged services' source files as the base had them (drift, the strictest tier)


def read_ahead(
    changes: list[Change],
    owners: Owners,
    config_files: Sequence[str],
    base: Snapshot,
    head: Snapshot,
) -> ReadAhead:
    """Read everything judging this change will ask, in a few git round trips, and say what that was.

    Unchanged paths are the same on both sides and the head knows its changed paths from the diff,
    so asking both sides about one list costs one `ls-tree` at most."""
    in_head = [m for m in owners.touched if m not in owners.pinned]
    names = source_names(
        head.repo
    )  # every source file of the judged services' directories, with their manifests
    head.prefetch([*in_head, *(root_of(m) + n for m in in_head for n in names)])
    head.read_many(in_head)
    catalog = Catalog.of(head)
    documents = [d for m in in_head for d in catalog.service_at(m).documents()]
    wanted = [
        *config_files,
        *codeowners.LOCATIONS,
        *owners.touched,
        *documents,
        *(p for c in changes for p in (c.path, c.old_path) if p),
    ]
    base.prefetch(wanted)
    head.prefetch(wanted)
    head.read_many(documents)
    was = [owners.identity.get(m, m) for m in owners.touched]
    base.read_many(was)
    return ReadAhead(tuple(in_head), tuple(documents), tuple(wanted), tuple(was))
