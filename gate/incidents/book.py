"""The incidents one run reads: asked once from the source the trusted `.gate.yaml` names, shared by
every rule that judges a service, with why nothing could be read (the tier then fails open or
closed: `incidents.on_unavailable`) and which changes go through while items are overdue."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cached_property
from typing import Any, NamedTuple

from gate.builtin_rules import builtin_finding
from gate.git import INDEX, Change
from gate.github import pull_request_from_env
from gate.httpclient import Unavailable
from gate.incidents import SOURCES, Place, source
from gate.incidents.exempt import UnderReview, exemption
from gate.incidents.record import Action, Incident
from gate.settings import IncidentSettings
from gate.snapshot import Snapshot
from gate.verdict import Finding


class Loaded(NamedTuple):
    incidents: tuple[Incident, ...] = ()
    problem: str | None = None  # the source could not answer: why
    evidence: str = ""


class Book:
    """The run's incidents, read on first use."""

    def __init__(
        self,
        settings: IncidentSettings,
        place: Place,
        offline: bool = False,
        staged: bool = False,
        change: UnderReview | None = None,
        head: Snapshot | None = None,
        incidents: tuple[Incident, ...] | None = None,
        before: Snapshot | None = None,
    ) -> None:
        self.settings, self.place, self.offline, self.staged = settings, place, offline, staged
        self.change, self.head, self.before = change, head, before
        self._given = incidents
        self._exemptions: dict[str, str | None] = {}

    @property
    def configured(self) -> bool:
        return self._given is not None or self.settings.source is not None

    @cached_property
    def loaded(self) -> Loaded:
        if self._given is not None:
            return Loaded(self._given, None, "the example's incidents")
        name = self.settings.source
        if name is None:
            return Loaded()
        settings = self.settings.source_settings(name)
        module = source(name)
        evidence = module.evidence(settings)
        if self.offline and SOURCES[name].network:
            return Loaded((), None, evidence)  # the pre-commit hook and --offline do not ask
        if self.staged and name == "file":
            return Loaded((), None, evidence)  # an export is CI's: none before commit
        try:
            return Loaded(module.fetch(settings, self.place), None, evidence)
        except Unavailable as e:
            return Loaded((), str(e), evidence)

    def unavailable(self, service: Any) -> list[Finding]:
        """incidents-unavailable, by the service's tier: block (fail closed) or warn (fail open)."""
        problem = self.loaded.problem
        if problem is None:
            return []
        mode = self.settings.on_unavailable.for_tier(service.tier)
        how = "failing closed" if mode == "block" else "failing open"
        return [
            builtin_finding(
                "incidents-unavailable",
                "error" if mode == "block" else "warning",
                f"incident source unavailable, {how} for tier {service.tier}: {problem}",
                service.manifest,
                1,
            )
        ]

    def of(self, names: Iterable[str]) -> tuple[Incident, ...]:
        """The incidents that hit a service known by any of `names` (its trusted and head names)."""
        wanted = set(names)
        return tuple(i for i in self.loaded.incidents if i.hits(wanted))

    def exemption(
        self, service: Any, changed: tuple[str, ...], actions: tuple[Action, ...]
    ) -> str | None:
        """Why this change to `service` goes through its overdue items (worked out once per service)."""
        if self.change is None or self.head is None or not changed:
            return None
        if service.manifest not in self._exemptions:
            self._exemptions[service.manifest] = exemption(
                self.change, self.settings, self.head, service, changed, actions, self.before
            )
        return self._exemptions[service.manifest]


def place_of(head: Snapshot, tip: Snapshot) -> Place:
    """The repository of a run, a path being tracked when the head or the trusted tip has it (in any
    letter case: on a case-insensitive checkout `Incidents.json` is `incidents.json`)."""

    def tracked(path: str) -> bool:
        snapshots = (head, tip)
        return any(s.entry(path) is not None for s in snapshots) or any(
            head.repo.spelled_alike(s.rev, path) for s in snapshots
        )

    return Place(head.repo.root, tracked)


def for_change(
    settings: IncidentSettings,
    base: Snapshot,
    head: Snapshot,
    trusted: Snapshot,
    changes: list[Change],
    offline: bool,
) -> Book:
    """The book a `gate check` reads: the trusted settings' source, and the change under review."""
    pull_request = None
    if settings.exempt.labels and head.rev != INDEX:
        pull_request = pull_request_from_env()
    change = UnderReview(head.repo, base.rev, head.rev, trusted.rev, changes, pull_request)
    return Book(
        settings,
        place_of(head, trusted),
        offline=offline,
        staged=head.rev == INDEX,
        change=change,
        head=head,
        before=base,
    )
