"""`gate exception audit`: every exception ever recorded, from the ledger's git history."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from typing import Any

from gate import github
from gate.catalog import Catalog
from gate.errors import FatalError
from gate.snapshot import Snapshot
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
    "merged_in",
    "review",
    "used_by",
    "revoked_by",
    "revoke_reason",
)
# A first-parent commit's subject that names its pull request: a merge, or a squash or rebase merge.
MERGED_PR = re.compile(r"^Merge pull request #(\d+)\b|\(#(\d+)\)\s*$")


def history(
    repo: Any, ledger: str, today: dt.date, snapshot: Snapshot | None = None
) -> list[dict[str, Any]]:
    """Every event in the ledger's git history: added, changed, removed (or revoked), expired; each
    with the pull request that merged it into HEAD's line; given HEAD's `snapshot`, each entry's
    first event with the pull requests merged while it was in force that changed its services."""
    events = _events(repo, ledger, today)
    line = repo.first_parents("HEAD") if repo.has_commits() else []
    merged = merges(repo, line, [e["commit"] for e in events if e.get("commit")])
    for e in events:
        if e.get("commit") in merged:
            e["merged_in"] = merged[e["commit"]]
    if snapshot is not None:
        _used_by(repo, line, events, Catalog(snapshot))
    return events


def merges(repo: Any, line: list[tuple[str, str, str]], shas: list[str]) -> dict[str, int | None]:
    """commit -> the pull request whose merge brought it into `line` (HEAD's first parents), or None
    when that commit names none (a direct push)."""
    index = {sha: i for i, (sha, _, _) in enumerate(line)}
    found: dict[str, int | None] = {}
    for sha in dict.fromkeys(shas):
        at = index.get(sha)
        if at is None:  # merged from a side branch: the first merge on the line that holds it
            low, high = 0, len(line)
            while low < high:
                middle = (low + high) // 2
                if repo.is_ancestor(sha, line[middle][0]):
                    high = middle
                else:
                    low = middle + 1
            if low == len(line):
                continue
            at = low
        match = MERGED_PR.search(line[at][2])
        found[sha] = int(match.group(1) or match.group(2)) if match else None
    return found


def _used_by(
    repo: Any, line: list[tuple[str, str, str]], events: list[dict[str, Any]], catalog: Catalog
) -> None:
    """On each entry's first event: the pull requests merged while it was in force that changed
    one of its services (each could use it; one scoped to a pull request lists that one only)."""
    touched: dict[int, tuple[str, set[str]]] = {}
    for e in events:
        if e["event"] != "added" or e.get("used_by") is not None:
            continue
        used = []
        for sha, day, subject in line:
            match = MERGED_PR.search(subject)
            if not match or not e["created"] <= day <= e["expires"]:
                continue
            number = int(match.group(1) or match.group(2))
            if e.get("pull_request") not in (None, number):
                continue
            if number not in touched:
                changed = repo.changes(repo.parent(sha), sha, renames=False)
                owners = {s.name for c in changed for s in catalog.owners(c.path)}
                touched[number] = (sha, owners)
            if touched[number][1] & set(e["services"]):
                used.append(number)
        e["used_by"] = used


def reviews(events: list[dict[str, Any]]) -> str | None:
    """Each added or changed entry's approval, as GitHub shows it on the pull request that merged it
    (`review`: the approver's latest review state and commit, and whether it is an approval). None
    when done, else why GitHub could not be asked (no repository or token in this environment)."""
    for e in events:
        if e["event"] not in ("added", "changed") or not e.get("merged_in"):
            continue
        pr = github.pull_request_numbered(e["merged_in"])
        if pr is None:
            return (
                "approvals not checked on GitHub: set GITHUB_REPOSITORY and a token (GITHUB_TOKEN)"
            )
        try:
            state, commit = github.latest_reviews(pr).get(e["approved_by"], ("", ""))
        except github.GitHubUnavailable as error:
            e["review"] = {"verified": False, "why": str(error)}
            continue
        e["review"] = {
            "verified": state == "APPROVED",
            "approved_by": e["approved_by"],
            "state": state or None,
            "commit": commit or None,
        }
    return None


def _events(repo: Any, ledger: str, today: dt.date) -> list[dict[str, Any]]:
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
                **(
                    {
                        "revoke_reason": str(revocation.get("reason", "")),
                        "revoked_by": str(revocation["by"]) if revocation.get("by") else None,
                    }
                    if revocation
                    else {}
                ),
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
        writer.writerow([_cell(e.get(c)) for c in AUDIT_COLUMNS])
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return _review_text(value)
    return "" if value is None else value


def _review_text(review: dict[str, Any]) -> str:
    if review.get("verified"):
        return f"approved by @{review['approved_by']} on {str(review['commit'])[:12]} (verified on GitHub)"
    if review.get("why"):
        return f"not verified: {review['why']}"
    return f"NOT approved by @{review['approved_by']} on GitHub (latest review: {review['state'] or 'none'})"


def _provenance_text(e: dict[str, Any]) -> str:
    """Who changed the ledger and how it landed: commit, merging pull request, review, later users."""
    parts = [f" by {e['author']} in {e['commit'][:12]}"] if e.get("commit") else []
    if e.get("merged_in"):
        parts.append(f", merged in #{e['merged_in']}")
    if e.get("review"):
        parts.append(f", {_review_text(e['review'])}")
    if e.get("used_by"):
        parts.append(f", in force when {', '.join(f'#{n}' for n in e['used_by'])} merged")
    if e.get("revoked_by"):
        parts.append(f", revoked by {e['revoked_by']}")
    return "".join(parts)


def audit_text(events: list[dict[str, Any]]) -> str:
    from gate.report.escape import visible

    lines = []
    for e in events:
        if e["event"] == "unparsable":
            lines.append(
                f"{e['date']}  unparsable  commit {e['commit'][:12]} by {e['author']}: {e['detail']}"
            )
            continue
        who = _provenance_text(e)
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
