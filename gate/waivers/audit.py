"""`gate exception audit`: every exception ever recorded, from the ledger's git history."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from gate.errors import FatalError
from gate.waivers.model import LedgerEntry, parse_ledger, revocations

AUDIT_COLUMNS = (
    "date",
    "event",
    "id",
    "services",
    "rules",
    "requested_by",
    "approved_by",
    "created",
    "expires",
    "ticket",
    "reason",
    "pull_request",
    "commit",
    "author",
    "revoke_reason",
)


def history(repo: Any, ledger: str, today: dt.date) -> list[dict[str, Any]]:
    """Every event in the ledger's git history: added, changed, removed (or revoked), expired."""
    events: list[dict[str, Any]] = []
    previous: dict[str, LedgerEntry] = {}
    for sha, name, email, when in repo.path_log(ledger):
        raw = repo.read(sha, ledger)
        commit = {"commit": sha, "author": f"{name} <{email}>", "date": when}
        try:
            current = {e.id: e for e in parse_ledger(raw, ledger)}
        except FatalError as e:
            events.append({"event": "unparsable", "id": None, **commit, "detail": str(e)})
            continue
        events += _differences(previous, current, raw, ledger, commit)
        previous = current
    for entry in previous.values():
        if entry.expires < today:
            events.append(
                {
                    "event": "expired",
                    "id": entry.id,
                    "commit": None,
                    "author": None,
                    "date": entry.expires.isoformat(),
                    **_fields(entry),
                }
            )
    return events


def _differences(
    previous: dict[str, LedgerEntry],
    current: dict[str, LedgerEntry],
    raw: bytes | None,
    ledger: str,
    commit: dict[str, str],
) -> list[dict[str, Any]]:
    events = []
    for entry_id in sorted(set(previous) | set(current)):
        before, after = previous.get(entry_id), current.get(entry_id)
        if before is not None and after is not None and before.same_as(after):
            continue  # the same entry, perhaps moved by lines added above it
        kind = "added" if before is None else "removed" if after is None else "changed"
        entry = after or before
        assert entry is not None
        revocation = revocations(raw, ledger).get(entry_id) if kind == "removed" else None
        events.append(
            {
                "event": "revoked" if revocation else kind,
                "id": entry_id,
                **commit,
                **_fields(entry),
                **({"revoke_reason": str(revocation.get("reason", ""))} if revocation else {}),
            }
        )
    return events


def _fields(entry: LedgerEntry) -> dict[str, Any]:
    return {k: v for k, v in entry.summary().items() if k != "id"}


def audit_csv(events: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for e in events:
        writer.writerow(
            [
                ";".join(e.get(c) or [])
                if c in ("services", "rules")
                else ("" if e.get(c) is None else e.get(c))
                for c in AUDIT_COLUMNS
            ]
        )
    return buffer.getvalue()


def audit_text(events: list[dict[str, Any]]) -> str:
    from gate.report.escape import visible

    lines = []
    for e in events:
        if e["event"] == "unparsable":
            lines.append(
                f"{e['date']}  unparsable  commit {e['commit'][:12]} by {e['author']}: {e['detail']}"
            )
            continue
        who = f" by {e['author']} in {e['commit'][:12]}" if e.get("commit") else ""
        revoked = f"; revoked because: {e['revoke_reason']}" if e.get("revoke_reason") else ""
        lines.append(
            f"{e['date']}  {e['event']:<8} {e['id']}  {','.join(e['services'])}: {','.join(e['rules'])}  approved by @{e['approved_by']}, expires {e['expires']}{who}  ({e['ticket']}: {e['reason']}){revoked}"
        )
    return "\n".join(visible(line) for line in lines) + (
        "\n" if lines else "no exceptions in the ledger's history\n"
    )


def audit_json(events: list[dict[str, Any]]) -> str:
    from gate.report.escape import json_dumps

    return (
        json_dumps({"schema": "gate.exception-audit/v1", "events": events}, ensure_ascii=True)
        + "\n"
    )
