"""Editing and auditing the exception ledger: `gate exception add|list|revoke|audit`.

Edits are textual: a new entry is appended, a revoked one cut out, and every other byte of the
user's file (comments, order, quoting) stays as it was. Each edit is re-read and checked before
the file is replaced, atomically.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from typing import Any

import yaml

from gate import exceptions as exc
from gate import yaml as gate_yaml
from gate.errors import FatalError

HEADER = """\
# Exception ledger: recorded, scoped, expiring overrides of the reliability gate.
# Add entries with `gate exception add`; see `gate exception list` and `gate exception audit`.
apiVersion: gate/v1
kind: ExceptionLedger
exceptions:
"""


def entry_text(entry: dict[str, Any], indent: int) -> str:
    pad = " " * indent
    lines = []
    for i, (key, value) in enumerate(entry.items()):
        rendered = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True).strip()
        if rendered.endswith("\n..."):
            rendered = rendered[:-4].strip()
        if rendered.endswith("..."):
            rendered = rendered[:-3].strip()
        lines.append(f"{pad}{'- ' if i == 0 else '  '}{key}: {rendered}")
    return "\n".join(lines) + "\n"


def _sequence(text: str, path: str) -> tuple[yaml.MappingNode, yaml.Node | None, yaml.Node]:
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as e:
        raise FatalError(f"invalid YAML: {e}", path) from None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        raise FatalError("not an exception ledger (expected a mapping)", path, 1)
    for index, (key, value) in enumerate(root.value):
        if isinstance(key, yaml.ScalarNode) and key.value == "exceptions":
            return root, value, key
    raise FatalError("has no `exceptions:` key", path, 1)


def append(text: str, entry: dict[str, Any], path: str) -> str:
    """The ledger text with `entry` added as the last item of `exceptions:`."""
    if not text.strip():
        return HEADER + entry_text(entry, 2)
    root, value, key = _sequence(text, path)
    if root.value[-1][0] is not key:
        raise FatalError("cannot append safely: make `exceptions:` the last key of the file", path, key.start_mark.line + 1)
    if not text.endswith("\n"):
        text += "\n"
    if isinstance(value, yaml.SequenceNode) and value.flow_style:
        if value.value:
            raise FatalError("cannot append to a flow-style `exceptions: [...]` list; write it as a block list", path, value.start_mark.line + 1)
        text = text[: value.start_mark.index] + text[value.end_mark.index :].lstrip(" ")
        return text.rstrip("\n") + "\n" + entry_text(entry, 2)
    if isinstance(value, yaml.SequenceNode) and value.value:
        indent = value.start_mark.column
        return text + entry_text(entry, indent)
    return text + entry_text(entry, 2)


def remove(text: str, entry_id: str, path: str) -> str:
    """The ledger text without the item whose id is `entry_id` (comments above other items stay)."""
    _, found, _ = _sequence(text, path)
    if not isinstance(found, yaml.SequenceNode):
        raise FatalError(f"no exception with id {entry_id!r}", path)
    value: yaml.SequenceNode = found
    items = value.value
    lines = text.splitlines(keepends=True)
    for position, item in enumerate(items):
        ids = [v.value for k, v in getattr(item, "value", []) if isinstance(k, yaml.ScalarNode) and k.value == "id" and isinstance(v, yaml.ScalarNode)]
        if ids != [entry_id]:
            continue
        if value.flow_style:
            raise FatalError("cannot revoke from a flow-style `exceptions: [...]` list; write it as a block list", path, value.start_mark.line + 1)
        start = item.start_mark.line
        end = items[position + 1].start_mark.line if position + 1 < len(items) else _block_end(lines, start, value.start_mark.column)
        while end - 1 > start and lines[end - 1].lstrip().startswith("#"):
            end -= 1  # comments right above the next item describe it
        return "".join(lines[:start] + lines[end:])
    raise FatalError(f"no exception with id {entry_id!r}", path)


def record_revocation(text: str, record: dict[str, Any], path: str) -> str:
    """The ledger text with `record` ({id, date, reason}) added to the `revoked:` list, which sits
    before `exceptions:` (so `add` can keep appending at the end of the file)."""
    root, _, key = _sequence(text, path)
    item = yaml.safe_dump(record, default_flow_style=True, width=10_000, allow_unicode=True, sort_keys=False).strip()
    lines = text.splitlines(keepends=True)
    found = next(((k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode) and k.value == "revoked"), None)
    if found is None:
        at = key.start_mark.line
        return "".join(lines[:at] + ["revoked:\n", f"  - {item}\n"] + lines[at:])
    revoked_key, value = found
    if not isinstance(value, yaml.SequenceNode) or value.flow_style or not value.value:
        raise FatalError("cannot record the revocation: write `revoked:` as a block list", path, revoked_key.start_mark.line + 1)
    indent = value.start_mark.column
    end = _block_end(lines, value.value[-1].start_mark.line, indent)
    return "".join(lines[:end] + [f"{' ' * indent}- {item}\n"] + lines[end:])


def revocations(raw: bytes | None, path: str) -> dict[str, dict[str, Any]]:
    """id -> its revocation record ({id, date, reason}) in one version of the ledger."""
    if raw is None:
        return {}
    data = gate_yaml.load(raw, path).data
    items = data.get("revoked") if isinstance(data, dict) else None
    return {str(r["id"]): r for r in items or [] if isinstance(r, dict) and "id" in r}


def _block_end(lines: list[str], start: int, column: int) -> int:
    """First line after the last item that belongs to something else (a key at the list's level)."""
    for number in range(start + 1, len(lines)):
        stripped = lines[number].lstrip()
        if not stripped.strip() or stripped.startswith("#"):
            continue
        indent = len(lines[number]) - len(stripped)
        if indent < column or (indent == column and not stripped.startswith("- ")):
            return number
    return len(lines)


def write_checked(path: str, new_text: str, expect_ids: list[str]) -> None:
    """Re-read the edited ledger, check that only the intended entries changed, replace atomically."""
    entries = exc.parse_ledger(new_text.encode(), path)
    if [e.id for e in entries] != expect_ids:
        raise FatalError("edit would change other entries; nothing was written", path)
    tmp = f"{path}.gate-tmp{os.getpid()}"
    mode = os.stat(path).st_mode if os.path.exists(path) else None
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(new_text)
    if mode is not None:
        os.chmod(tmp, mode & 0o7777)
    os.replace(tmp, path)


def read_text(path: str) -> str:
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return gate_yaml.decode(f.read(), path)


# -- audit ----------------------------------------------------------------------------------------


def history(repo: Any, ledger: str, today: dt.date) -> list[dict[str, Any]]:
    """Every event in the ledger's git history: added, changed, removed, expired."""
    out = repo.path_log(ledger)
    events: list[dict[str, Any]] = []
    previous: dict[str, exc.Exception_] = {}
    for line in out.splitlines():
        sha, name, email, when = line.split("\x1f")
        raw = repo.read(sha, ledger)
        try:
            current = {e.id: e for e in exc.parse_ledger(raw, ledger)}
        except FatalError as e:
            events.append({"event": "unparsable", "id": None, "commit": sha, "author": f"{name} <{email}>", "date": when, "detail": str(e)})
            continue
        for entry_id in sorted(set(previous) | set(current)):
            before, after = previous.get(entry_id), current.get(entry_id)
            if before is None or after is None:
                pass
            elif before.raw == after.raw:  # the same entry, perhaps moved by lines added above it
                continue
            kind = "added" if before is None else "removed" if after is None else "changed"
            entry = after or before
            assert entry is not None
            revocation = revocations(raw, ledger).get(entry_id) if kind == "removed" else None
            events.append({"event": "revoked" if revocation else kind, "id": entry_id, "commit": sha, "author": f"{name} <{email}>", "date": when,
                           **{k: v for k, v in entry.summary().items() if k != "id"},
                           **({"revoke_reason": str(revocation.get("reason", ""))} if revocation else {})})
        previous = current
    for entry in previous.values():
        if entry.expires < today:
            events.append({"event": "expired", "id": entry.id, "commit": None, "author": None, "date": entry.expires.isoformat(),
                           **{k: v for k, v in entry.summary().items() if k != "id"}})
    return events


AUDIT_COLUMNS = ("date", "event", "id", "services", "rules", "requested_by", "approved_by", "created", "expires", "ticket", "reason", "pull_request", "commit", "author", "revoke_reason")


def audit_csv(events: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(AUDIT_COLUMNS)
    for e in events:
        writer.writerow([";".join(e.get(c) or []) if c in ("services", "rules") else ("" if e.get(c) is None else e.get(c)) for c in AUDIT_COLUMNS])
    return buffer.getvalue()


def audit_text(events: list[dict[str, Any]]) -> str:
    lines = []
    for e in events:
        if e["event"] == "unparsable":
            lines.append(f"{e['date']}  unparsable  commit {e['commit'][:12]} by {e['author']}: {e['detail']}")
            continue
        who = f" by {e['author']} in {e['commit'][:12]}" if e.get("commit") else ""
        revoked = f"; revoked because: {e['revoke_reason']}" if e.get("revoke_reason") else ""
        lines.append(f"{e['date']}  {e['event']:<8} {e['id']}  {','.join(e['services'])}: {','.join(e['rules'])}  approved by @{e['approved_by']}, expires {e['expires']}{who}  ({e['ticket']}: {e['reason']}){revoked}")
    from gate.report.escape import visible

    return "\n".join(visible(line) for line in lines) + ("\n" if lines else "no exceptions in the ledger's history\n")


def audit_json(events: list[dict[str, Any]]) -> str:
    from gate.report.escape import json_dumps

    return json_dumps({"schema": "gate.exception-audit/v1", "events": events}, ensure_ascii=True) + "\n"


# -- commands ---------------------------------------------------------------------------------------


def context(repo_dir: str) -> tuple[Any, Any, Any]:
    """(repo, HEAD snapshot, config at HEAD) for the terminal commands."""
    from gate import config as gate_config
    from gate.git import EMPTY, Repo, Snapshot

    repo = Repo(repo_dir)
    snapshot = Snapshot(repo, repo.resolve("HEAD") if repo.has_commits() else EMPTY)
    return repo, snapshot, gate_config.load(snapshot)


def add(repo_dir: str, services: tuple[str, ...], rules: tuple[str, ...], reason: str, ticket: str, requested_by: str,
        approved_by: str, expires: dt.date, today: dt.date, pull_request: int | None, entry_id: str | None) -> tuple[str, dict[str, Any]]:
    from gate.catalog import Catalog
    from gate.policy.rules import load_rules
    from gate.builtin_rules import BUILTIN_RULES

    repo, snapshot, config = context(repo_dir)
    path = os.path.join(repo.root, config.ledger_path)
    text = read_text(path)
    existing = exc.parse_ledger(text.encode(), config.ledger_path) if text.strip() else []
    tiers = {s.name: s.tier for s in Catalog(snapshot).all()}
    unknown = [s for s in services if s not in tiers]
    if unknown:
        from gate.explain import did_you_mean

        raise FatalError(f"no service named {', '.join(map(repr, unknown))} at HEAD{did_you_mean(unknown[0], list(tiers))}")
    known_rules = {r.id for r in load_rules(config, snapshot)} | set(BUILTIN_RULES) | {"error-budget", "risk"}
    bad_rules = [r for r in rules if r not in known_rules]
    if bad_rules:
        from gate.explain import did_you_mean

        raise FatalError(f"unknown rule id {', '.join(map(repr, bad_rules))}{did_you_mean(bad_rules[0], known_rules)} (`gate explain` lists every rule)")
    taken = {e.id for e in existing} | set(revocations(text.encode(), config.ledger_path)) | _ids_ever(repo, config.ledger_path)
    entry_id = entry_id or _next_id(taken, today)
    if entry_id in taken:
        raise FatalError(f"exception id {entry_id!r} is already used (ids are never reused: the audit keeps one exception per id)", config.ledger_path)
    entry: dict[str, Any] = {
        "id": entry_id, "services": list(services), "rules": list(rules), "reason": reason, "ticket": ticket,
        "requested_by": requested_by.lstrip("@"), "approved_by": approved_by.lstrip("@"),
        "created": today.isoformat(), "expires": expires.isoformat(),
    }
    if pull_request is not None:
        entry["pull_request"] = pull_request
    parsed = exc.parse_ledger((HEADER + entry_text(entry, 2)).encode(), config.ledger_path)[0]
    problem = exc.static_problems(parsed, today)
    if problem:
        raise FatalError(f"exception not added: {problem}")
    approvals = exc.Approvals(config.exceptions, None)
    for service in services:
        tier = tiers[service]
        if exc.lasts(parsed) > approvals.max_days(tier):
            raise FatalError(f"exception not added: {service} is tier {tier}, which allows at most {approvals.max_days(tier)} days")
        for kind in sorted({exc.waiver_kind(r) for r in rules}):
            ok, why = approvals.allowed(parsed.approved_by, kind, tier)
            if not ok:
                raise FatalError(f"exception not added: {why}")
    new_text = append(text, entry, config.ledger_path)
    write_checked(path, new_text, [e.id for e in existing] + [entry_id])
    return config.ledger_path, entry


def _ids_ever(repo: Any, ledger: str) -> set[str]:
    """Every id any committed version of the ledger held (entries revoked or cut out by hand included)."""
    if not repo.has_commits():
        return set()
    out = repo.path_patches(ledger)
    return {m.group(1).strip("'\"") for m in _ID_LINE.finditer(out)}


_ID_LINE = re.compile(r"^[-+ ]\s*(?:-\s*)?\{?\s*id:\s*([^\s,}#]+)", re.MULTILINE)


def _next_id(taken: set[str], today: dt.date) -> str:
    n = 1
    while f"EXC-{today:%Y%m%d}-{n}" in taken:
        n += 1
    return f"EXC-{today:%Y%m%d}-{n}"


def revoke(repo_dir: str, entry_id: str, reason: str, today: dt.date) -> str:
    """Cut the entry out and record why in `revoked:` (the audit shows it; the id is never reused)."""
    repo, _, config = context(repo_dir)
    path = os.path.join(repo.root, config.ledger_path)
    text = read_text(path)
    if not text.strip():
        raise FatalError("no exception ledger", config.ledger_path)
    if reason.lower().strip(" .!") in exc.PLACEHOLDER_REASONS or len(reason.strip()) < 10:
        raise FatalError(f"revocation reason {reason!r} is a placeholder; say why the exception ends early")
    existing = exc.parse_ledger(text.encode(), config.ledger_path)
    new_text = remove(text, entry_id, config.ledger_path)
    new_text = record_revocation(new_text, {"id": entry_id, "date": today.isoformat(), "reason": reason.strip()}, config.ledger_path)
    write_checked(path, new_text, [e.id for e in existing if e.id != entry_id])
    return config.ledger_path


def listing(repo_dir: str, base: str | None, today: dt.date) -> list[dict[str, Any]]:
    """Entries of the working-tree ledger: active (in base), pending (new or edited), expiring, expired, invalid."""
    from gate.git import Snapshot

    from gate.catalog import Catalog

    repo, snapshot, config = context(repo_dir)
    path = os.path.join(repo.root, config.ledger_path)
    entries = exc.parse_ledger(read_text(path).encode(), config.ledger_path)
    base_rev = repo.resolve(base or repo.default_base())
    trusted = {e.id: e for e in exc.parse_ledger(Snapshot(repo, base_rev).read(config.ledger_path), config.ledger_path)}
    tiers = {s.name: s.tier for s in Catalog(snapshot).all()}
    approvals = exc.Approvals(config.exceptions, None)
    rows = []
    for entry in entries:
        problem = exc.classify(entry, tiers, approvals, today, every_service=True)
        in_base = entry.id in trusted and trusted[entry.id].raw == entry.raw
        if problem:
            state, why = "invalid", problem
        elif entry.expires < today:
            state, why = "expired", exc.expired_why(entry)
        elif not in_base:
            state, why = "pending", "not on the base branch yet: applies once merged, or once approved on the pull request"
        elif (entry.expires - today).days <= 1:
            state, why = "expiring", f"expires on {entry.expires}"
        else:
            state, why = "active", ""
        rows.append({**entry.summary(), "state": state, "why": why, "line": entry.line})
    return rows
