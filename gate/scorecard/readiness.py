"""Every service's readiness at one commit, with answers remembered per manifest blob.

A monthly trend judges a dozen trees in which most manifests, runbooks and CODEOWNERS files are
the same blobs: a service's findings from rules that do not read the date are a function of
those blobs (and of the rules), so each is worked out once per run. Only date rules (`max_age`:
"rollback tested within 90 days") are judged again at every point.
"""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import dataclass
from typing import Any

from gate import backstage, codeowners
from gate.catalog import Catalog, Service, load_service
from gate.git import Entry, Repo
from gate.manifest_index import ManifestIndex
from gate.policy.engine import applies, judge_policies
from gate.policy.graph_kinds import READS_OTHERS
from gate.policy.kinds import CheckContext
from gate.policy.rules import Rule
from gate.service import root_of
from gate.settings import ResilienceSettings
from gate.snapshot import Snapshot
from gate.verdict import SEVERITY_RANK, Finding

DATE_KINDS = {"max_age", "drill_fresh"}
REQUIREMENTS = ("slos", "runbook", "owners", "oncall", "rollback", "dashboards", "alerts")


@dataclass(frozen=True)
class Judged:
    """One service at one commit: its findings and the rules that were checked."""

    service: Service
    findings: tuple[Finding, ...]
    checked: tuple[str, ...]
    has: dict[str, bool]  # requirement -> met (see REQUIREMENTS)

    def states(self) -> dict[str, str]:
        """rule id -> pass | error | warning | info, for every rule checked."""
        worst: dict[str, str] = {}
        for f in self.findings:
            if f.rule not in worst or SEVERITY_RANK[f.severity] > SEVERITY_RANK[worst[f.rule]]:
                worst[f.rule] = f.severity
        return {rule: worst.get(rule, "pass") for rule in self.checked}


class Readiness:
    def __init__(
        self,
        repo: Repo,
        rules: list[Rule],
        github_org: str | None,
        resilience: ResilienceSettings | None = None,
        lifecycles: backstage.Settings | None = None,
    ) -> None:
        self.repo = repo
        self.lifecycles = lifecycles or backstage.Settings()
        self.resilience = resilience or ResilienceSettings()
        # judged again at every revision: rules of dates (today moves) and of the graph (they read
        # other services' manifests); the rest are kept per manifest and document blobs
        again = DATE_KINDS | READS_OTHERS
        self.rules = [r for r in rules if r.kind not in again]
        self.date_rules = [r for r in rules if r.kind in again]
        self.all_rules = rules
        self.github_org = github_org
        self._services: dict[tuple[str, str], Service | None] = {}
        self._findings: dict[
            tuple[Any, ...], tuple[list[Finding], tuple[str, ...], dict[str, bool]]
        ] = {}
        self._last: tuple[str, dict[str, Entry]] | None = None  # the tree judged last

    def listing(self, commit: str) -> dict[str, Entry]:
        """Every file of `commit`'s tree: the tree judged last with the diff between them applied
        (a trend's months share most of their files), or one `git ls-tree -r` the first time.
        Only the newest listing is kept, so memory is bounded by the largest tree."""
        if self._last is None:
            files = self.repo.tree(commit)
        else:
            before, files = self._last[0], dict(self._last[1])
            for change in self.repo.changes(before, commit, renames=False):
                if change.new is None:
                    files.pop(change.path, None)
                else:
                    files[change.path] = change.new
        self._last = (commit, files)
        return files

    def at(self, commit: str, today: dt.date) -> tuple[Snapshot, list[Judged]]:
        """Every service at `commit`, judged; the snapshot is the caller's to read, and nothing
        here keeps it once the caller lets it go."""
        snap, judged = self._judge(Snapshot(self.repo, commit, listing=self.listing(commit)), today)
        ManifestIndex.of(self.repo).forget(snap)
        return snap, judged

    def _judge(self, snap: Snapshot, today: dt.date) -> tuple[Snapshot, list[Judged]]:
        files = snap.files  # listed: every later question is a lookup
        index = ManifestIndex.of(self.repo)  # the listing in hand: which files define services
        sources = {p: e for p, e in files.items() if posixpath.basename(p) in index.names}
        index.know(snap, sources)
        manifests = _by_directory(sources)
        Catalog.of(snap)
        owners_blob = next((files[loc].sha for loc in codeowners.LOCATIONS if loc in files), None)
        new = [m for m, e in manifests.items() if (m, e.sha) not in self._services]
        snap.read_many(new)  # every manifest not seen yet, in one round trip
        for manifest in new:
            self._services[(manifest, manifests[manifest].sha)] = load_service(snap, manifest)
        services = [
            s for m in sorted(manifests) if (s := self._services[(m, manifests[m].sha)]) is not None
        ]
        ctx = CheckContext(
            head=snap,
            base=snap,
            today=today,
            github_org=self.github_org,
            resilience=self.resilience,
            fleet=services,
        )
        entries = {root_of(m): e for m, e in manifests.items()}
        keys = {s.manifest: self._key(s, entries[s.root], files, owners_blob) for s in services}
        todo = [s for s in services if keys[s.manifest] not in self._findings]
        snap.read_many(sorted({d for s in todo for d in s.documents()}))
        judged = [self._one(service, keys[service.manifest], ctx, snap) for service in services]
        ctx.save()
        return snap, judged

    def _one(self, service: Service, key: Any, ctx: CheckContext, snap: Snapshot) -> Judged:
        """One service judged: its undated rules remembered by `key`, its dated ones each time."""
        changed = (service.manifest,)
        if key not in self._findings:
            findings = judge_policies(self.rules, service, ctx, changed, self.lifecycles)
            checked = tuple(r.id for r in self.rules if applies(r, service, changed))
            self._findings[key] = (findings, checked, requirements(service, snap))
        findings, checked, has = self._findings[key]
        dated = judge_policies(self.date_rules, service, ctx, changed, self.lifecycles)
        dated_checked = tuple(r.id for r in self.date_rules if applies(r, service, changed))
        return Judged(
            service,
            tuple(sorted(findings + dated, key=Finding.sort_key)),
            checked + dated_checked,
            has,
        )

    @staticmethod
    def _key(
        service: Service, entry: Entry, files: dict[str, Entry], owners_blob: str | None
    ) -> tuple[Any, ...]:
        documents = tuple((d, files.get(d)) for d in sorted(service.documents()))
        return (service.manifest, entry.sha, documents, owners_blob)


def _by_directory(sources: dict[str, Entry]) -> dict[str, Entry]:
    """One source file per service directory (service.yaml or a Backstage catalog file), keyed by
    the blob ids of every source file there: a service is judged again when any of them changes."""
    grouped: dict[str, list[str]] = {}
    for path in sorted(sources):
        grouped.setdefault(root_of(path), []).append(path)
    return {
        paths[0]: Entry(sources[paths[0]].mode, ":".join(sources[p].sha for p in paths))
        for paths in grouped.values()
    }


def requirements(service: Service, snap: Snapshot) -> dict[str, bool]:
    """What a service has, in the words adoption targets use (see REQUIREMENTS)."""

    def text(*path: str) -> bool:
        value = service.get(*path)
        return isinstance(value, str) and bool(value.strip())

    def document(*path: str) -> bool:
        value = service.get(*path)
        if not isinstance(value, str):
            return False
        located = service.locate(snap, value).path  # beside the manifest, as the rules read it
        return value.startswith("https://") or (located is not None and snap.is_file(located))

    return {
        "slos": bool(service.items("slos")),
        "runbook": document("runbook"),
        "owners": text("owners", "team"),
        "oncall": text("owners", "oncall"),
        "rollback": document("rollback", "plan"),
        "dashboards": bool(service.items("telemetry", "dashboards")),
        "alerts": bool(service.items("telemetry", "alerts")),
    }
