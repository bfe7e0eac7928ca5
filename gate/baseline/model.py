"""The baseline file and its fingerprints.

A fingerprint names what a finding is about, never where a line is: the service (by its base
identity), the rule, and the subject — the finding's message with its file named by the role the
manifest gives it (`<runbook>`, `<rollback plan>`, `<manifest>`) or by its path inside the service,
and line numbers dropped. So it survives reformatting, reordered keys, inserted lines and a moved
runbook or service directory, and two same-named items in two files stay two fingerprints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gate import yaml as gate_yaml
from gate.cache import Store
from gate.errors import FatalError
from gate.resources import check_document
from gate.verdict import Finding

if TYPE_CHECKING:
    from gate.service import Service

BASELINE_FILE = "gate-baseline.yaml"
HEADER = (
    "# gate baseline: findings this repository had when it adopted gate (written by `gate baseline`).\n"
    "# `gate check` reports them as info with their age; a change that adds a finding, or one more\n"
    "# of the same, is judged as usual. `gate baseline --prune` removes what was fixed; adding an\n"
    "# entry in a pull request needs an approval from the tier's exception approvers.\n"
    "apiVersion: gate/v1\nkind: Baseline\n"
)
_LINE_REF = re.compile(r"(?::\d+(?::\d+)?\b)|(?:\b(?:line|lines|at line)\s+\d+(?:\s*-\s*\d+)?)")
UNIQUE_ROLES = ("runbook", "rollback plan")


@dataclass(frozen=True)
class Place:
    """What a fingerprint needs of a service: its identity, root, manifest and the documents it names."""

    service: str
    root: str
    manifest: str
    documents: Mapping[str, str]  # repository path -> role (gate.service.Service.documents)

    @classmethod
    def of(cls, service: Service) -> Place:
        return cls(service.name, service.root, service.manifest, service.documents())

    def role(self, path: str) -> str:
        if path == self.manifest:
            return "<manifest>"
        role = self.documents.get(path)
        inside = (
            posixpath.relpath(path, self.root) if self.root and path.startswith(self.root) else path
        )
        if role in UNIQUE_ROLES:
            return f"<{role}>"
        return f"<{role}: {inside}>" if role else inside


def subject(finding: Finding, place: Place) -> str:
    """The finding's message, its file named by role, without line numbers."""
    message = finding.message
    if finding.file:
        message = message.replace(finding.file, place.role(finding.file))
    if place.manifest and place.manifest in message:
        message = message.replace(place.manifest, "<manifest>")
    if place.root:
        message = message.replace(place.root, "<service>/")
    message = _LINE_REF.sub("", message)
    where = place.role(finding.file) if finding.file else "-"
    return f"{where} | {' '.join(message.split())}"


def recordable(finding: Finding) -> bool:
    """Standing debt only: an error or warning of a readiness rule, never a measured error budget or a
    change's risk (those are about now, not about what the repository already was)."""
    return finding.severity in ("error", "warning") and not finding.rule.startswith(
        ("error-budget", "risk")
    )


def fingerprint(service: str, rule: str, about: str) -> str:
    return hashlib.sha256(f"{service}\0{rule}\0{about}".encode()).hexdigest()[:16]


def fingerprint_of(finding: Finding, place: Place) -> str:
    return fingerprint(place.service, finding.rule, subject(finding, place))


@dataclass(frozen=True)
class Entry:
    service: str
    rule: str
    fingerprint: str
    since: dt.date
    count: int = 1
    subject: str = ""
    line: int | None = None


def parse_kept(raw: bytes | None, path: str, git_dir: str) -> list[Entry]:
    """`parse`, remembered by the file's content under <git dir>/gate/baseline/: a fleet's baseline
    (6,000 entries, ~1 MB) costs the pre-commit hook a third of a second to parse, and the trusted
    tip's copy is the same bytes commit after commit. Caches off (CI): parsed every run."""
    if raw is None:
        return []
    store = Store(git_dir, "baseline", keep=4)
    digest = hashlib.sha256(raw).hexdigest()
    known = store.get(digest)
    if isinstance(known, list) and all(isinstance(k, list) and len(k) == 7 for k in known):
        return [Entry(s, r, f, dt.date.fromisoformat(d), c, t, n) for s, r, f, d, c, t, n in known]
    entries = parse(raw, path)
    store.put(
        digest,
        [
            [e.service, e.rule, e.fingerprint, e.since.isoformat(), e.count, e.subject, e.line]
            for e in entries
        ],
    )
    return entries


def parse(raw: bytes | None, path: str) -> list[Entry]:
    """The entries of a baseline file (none when there is no file); a broken file is a FatalError."""
    if raw is None:
        return []
    doc = gate_yaml.load(raw, path)
    check_document(doc.data, doc, path, "baseline", "baseline")
    entries = []
    for i, item in enumerate(doc.data.get("findings") or []):
        try:
            since = dt.date.fromisoformat(item["since"])
        except ValueError:
            raise FatalError(
                f"invalid baseline: since {item['since']!r} is not a date",
                path,
                doc.line("findings", i),
            ) from None
        entries.append(
            Entry(
                item["service"],
                item["rule"],
                item["fingerprint"],
                since,
                int(item.get("count", 1)),
                str(item.get("subject", "")),
                doc.line("findings", i),
            )
        )
    return entries


def counts(entries: Iterable[Entry]) -> dict[str, Entry]:
    """fingerprint -> its entry (a repeated fingerprint adds up, keeping the oldest date)."""
    found: dict[str, Entry] = {}
    for e in entries:
        was = found.get(e.fingerprint)
        if was is None:
            found[e.fingerprint] = e
        else:
            found[e.fingerprint] = Entry(
                e.service,
                e.rule,
                e.fingerprint,
                min(was.since, e.since),
                was.count + e.count,
                was.subject,
            )
    return found


def render(entries: Iterable[Entry]) -> str:
    """The file, one entry a line (flow mappings, JSON-quoted strings), sorted: a reviewable diff."""
    lines = []
    for e in sorted(entries, key=lambda e: (e.service, e.rule, e.subject, e.fingerprint)):
        count = f", count: {e.count}" if e.count != 1 else ""
        lines.append(
            f"  - {{service: {json.dumps(e.service)}, rule: {json.dumps(e.rule)}, "
            f"fingerprint: {json.dumps(e.fingerprint)}, since: {e.since.isoformat()}{count}, "
            f"subject: {json.dumps(e.subject, ensure_ascii=False)}}}\n"
        )
    return HEADER + ("findings:\n" + "".join(lines) if lines else "findings: []\n")


def record(
    found: Iterable[tuple[Finding, Place]], today: dt.date, existing: Iterable[Entry], prune: bool
) -> list[Entry]:
    """The baseline after `gate baseline`: today's errors and warnings, each keeping the date it was
    first recorded. With `prune`, nothing is added: entries fixed since are removed, counts only fall."""
    now: dict[str, Entry] = {}
    for finding, place in found:
        if not recordable(finding):
            continue
        about = subject(finding, place)
        fp = fingerprint(place.service, finding.rule, about)
        was = now.get(fp)
        now[fp] = Entry(
            place.service, finding.rule, fp, today, (was.count + 1) if was else 1, about
        )
    old = counts(existing)
    kept = []
    for fp, e in now.items():
        before = old.get(fp)
        if before is None and prune:
            continue
        since = before.since if before else today
        count = min(e.count, before.count) if prune and before else e.count
        kept.append(Entry(e.service, e.rule, fp, since, count, e.subject))
    return kept
