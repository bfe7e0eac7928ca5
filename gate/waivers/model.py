"""The ledger's entries: what an entry says, and how a ledger file (exceptions.yaml) is read."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.resources import check_document
from gate.waivers.records import LedgerEntry as LedgerEntry  # re-exported: entries are read here

PLACEHOLDER_REASONS = {
    "",
    "todo",
    "tbd",
    "n/a",
    "na",
    "none",
    "-",
    "temp",
    "test",
    "fix",
    "wip",
    "asap",
    "because",
    "needed",
    "x",
}


def waiver_kind(rule: str) -> str:
    if rule.startswith("error-budget"):
        return "error-budget"
    if rule.startswith("risk"):
        return "risk"
    return "findings"


def handle(name: str) -> str:
    return name.lower().lstrip("@")


def is_placeholder(reason: str) -> bool:
    return reason.lower().strip(" .!") in PLACEHOLDER_REASONS or len(reason.strip()) < 10


def parse_ledger(raw: bytes | None, path: str) -> list[LedgerEntry]:
    """Every entry of a ledger file; a malformed ledger is a FatalError naming the file and line.

    Two entries with one id (two branches that each added one, merged) stay in the list, each
    marked with the lines holding the id: those entries are invalid, every other entry still counts."""
    if raw is None:
        return []
    doc = gate_yaml.load(raw, path)
    if doc.data is None:
        return []
    check_document(doc.data, doc, path, "exceptions", "exception ledger")
    entries: list[LedgerEntry] = []
    lines: dict[str, list[int | None]] = {}
    for index, item in enumerate(doc.data.get("exceptions") or []):
        line = doc.line("exceptions", index)
        lines.setdefault(item["id"], []).append(line)
        entries.append(_entry(item, _dates(item, doc, index, path), line))
    return [
        replace(e, duplicate_lines=tuple(lines[e.id])) if len(lines[e.id]) > 1 else e
        for e in entries
    ]


def duplicate_ids(entries: list[LedgerEntry]) -> set[str]:
    return {e.id for e in entries if e.duplicate_lines}


def _dates(
    item: dict[str, Any], doc: gate_yaml.Document, index: int, path: str
) -> dict[str, dt.date]:
    dates = {}
    for key in ("created", "expires"):
        try:
            dates[key] = dt.date.fromisoformat(item[key])
        except ValueError:
            raise FatalError(
                f"exception {item['id']}: {key} {item[key]!r} is not a real date",
                path,
                doc.line("exceptions", index, key),
            ) from None
    return dates


def _entry(item: dict[str, Any], dates: dict[str, dt.date], line: int | None) -> LedgerEntry:
    return LedgerEntry(
        id=item["id"],
        services=tuple(item["services"]),
        rules=tuple(item["rules"]),
        reason=item["reason"].strip(),
        ticket=item["ticket"],
        requested_by=handle(item["requested_by"]),
        approved_by=handle(item["approved_by"]),
        created=dates["created"],
        expires=dates["expires"],
        pull_request=item.get("pull_request"),
        line=line,
        raw=dict(item),
    )


def revocations(raw: bytes | None, path: str) -> dict[str, dict[str, Any]]:
    """id -> its revocation record ({id, date, reason}) in one version of the ledger."""
    if raw is None:
        return {}
    data = gate_yaml.load(raw, path).data
    items = data.get("revoked") if isinstance(data, dict) else None
    return {str(r["id"]): r for r in items or [] if isinstance(r, dict) and "id" in r}


def static_problems(entry: LedgerEntry, today: dt.date) -> str | None:
    """What makes an entry invalid whatever it would waive."""
    if entry.duplicate_lines:
        where = ", ".join(str(n) for n in entry.duplicate_lines if n is not None)
        return f"id {entry.id} is used by {len(entry.duplicate_lines)} entries (lines {where}); give each its own id"
    if is_placeholder(entry.reason):
        return f"reason {entry.reason!r} is a placeholder; say why the risk is accepted"
    if entry.expires < entry.created:
        return f"expires {entry.expires} is before created {entry.created}"
    if entry.created > today:
        return f"created {entry.created} is in the future"
    if entry.approved_by == entry.requested_by:
        return f"approved by its own requester @{entry.approved_by}"
    return None


def expired_why(entry: LedgerEntry) -> str:
    """The one hint every command gives for an expired entry."""
    return f'expired on {entry.expires}; remove it: gate exception revoke {entry.id} --reason "..."'
