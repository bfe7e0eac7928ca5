"""Editing the ledger: `gate exception add|revoke`.

Edits are textual: a new entry is appended, a revoked one cut out, and every other byte of the
user's file (comments, order, quoting) stays as it was. Each edit is re-read and checked before
the file is replaced, atomically. YAML is read and written only through gate.yaml.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from typing import Any

from gate import atomic
from gate import yaml as gate_yaml
from gate.builtin_rules import BUILTIN_RULES
from gate.catalog import Catalog
from gate.errors import FatalError, did_you_mean
from gate.git import EMPTY, Repo
from gate.github import pull_request_from_env
from gate.policy.rules import load_rules
from gate.revision import at
from gate.snapshot import Snapshot
from gate.waivers.model import (
    is_placeholder,
    parse_ledger,
    revocations,
    static_problems,
    waiver_kind,
)
from gate.waivers.trust import Approvals

HEADER = """\
# Exception ledger: recorded, scoped, expiring overrides of the reliability gate.
# Add entries with `gate exception add`; see `gate exception list` and `gate exception audit`.
apiVersion: gate/v1
kind: ExceptionLedger
exceptions:
"""


def entry_text(entry: dict[str, Any], indent: int) -> str:
    pad = " " * indent
    lines = [
        f"{pad}{'- ' if i == 0 else '  '}{key}: {gate_yaml.flow(value)}"
        for i, (key, value) in enumerate(entry.items())
    ]
    return "\n".join(lines) + "\n"


def _sequence(text: str, path: str) -> tuple[gate_yaml.Span, gate_yaml.Span, int]:
    """(the document, its `exceptions:` value, that key's position among the document's keys)."""
    root = gate_yaml.spans(text, path)
    if root is None or root.kind != "mapping":
        raise FatalError("not an exception ledger (expected a mapping)", path, 1)
    for index, (key, value) in enumerate(root.value):
        if key.kind == "scalar" and key.value == "exceptions":
            return root, value, index
    raise FatalError("has no `exceptions:` key", path, 1)


def append(text: str, entry: dict[str, Any], path: str) -> str:
    """The ledger text with `entry` added as the last item of `exceptions:`."""
    if not text.strip():
        return HEADER + entry_text(entry, 2)
    root, value, index = _sequence(text, path)
    if index != len(root.value) - 1:
        raise FatalError(
            "cannot append safely: make `exceptions:` the last key of the file",
            path,
            root.value[index][0].line + 1,
        )
    if not text.endswith("\n"):
        text += "\n"
    if value.kind == "sequence" and value.flow:
        if value.value:
            raise FatalError(
                "cannot append to a flow-style `exceptions: [...]` list; write it as a block list",
                path,
                value.line + 1,
            )
        text = text[: value.start] + text[value.end :].lstrip(" ")
        return text.rstrip("\n") + "\n" + entry_text(entry, 2)
    if value.kind == "sequence" and value.value:
        return text + entry_text(entry, value.column)
    return text + entry_text(entry, 2)


def _id_of(item: gate_yaml.Span) -> str | None:
    if item.kind != "mapping":
        return None
    ids = [
        v.value
        for k, v in item.value
        if k.kind == "scalar" and k.value == "id" and v.kind == "scalar"
    ]
    return ids[0] if len(ids) == 1 else None


def remove(text: str, entry_id: str, path: str) -> str:
    """The ledger text without the item whose id is `entry_id` (comments above other items stay)."""
    _, value, _ = _sequence(text, path)
    if value.kind != "sequence":
        raise FatalError(f"no exception with id {entry_id!r}", path)
    items = value.value
    lines = text.splitlines(keepends=True)
    for position, item in enumerate(items):
        if _id_of(item) != entry_id:
            continue
        if value.flow:
            raise FatalError(
                "cannot revoke from a flow-style `exceptions: [...]` list; write it as a block list",
                path,
                value.line + 1,
            )
        start = item.line
        end = (
            items[position + 1].line
            if position + 1 < len(items)
            else _block_end(lines, start, value.column)
        )
        while end - 1 > start and lines[end - 1].lstrip().startswith("#"):
            end -= 1  # comments right above the next item describe it
        return "".join(lines[:start] + lines[end:])
    raise FatalError(f"no exception with id {entry_id!r}", path)


def record_revocation(text: str, record: dict[str, Any], path: str) -> str:
    """The ledger text with `record` ({id, date, reason}) added to the `revoked:` list, which sits
    before `exceptions:` (so `add` can keep appending at the end of the file)."""
    root, _, index = _sequence(text, path)
    item = gate_yaml.flow(record)
    lines = text.splitlines(keepends=True)
    found = next(
        ((k, v) for k, v in root.value if k.kind == "scalar" and k.value == "revoked"), None
    )
    if found is None:
        at = root.value[index][0].line
        return "".join(lines[:at] + ["revoked:\n", f"  - {item}\n"] + lines[at:])
    revoked_key, value = found
    if value.kind != "sequence" or value.flow or not value.value:
        raise FatalError(
            "cannot record the revocation: write `revoked:` as a block list",
            path,
            revoked_key.line + 1,
        )
    end = _block_end(lines, value.value[-1].line, value.column)
    return "".join(lines[:end] + [f"{' ' * value.column}- {item}\n"] + lines[end:])


def _block_end(lines: list[str], start: int, column: int) -> int:
    """The line after the last one of the list item starting at `start` (blank and comment lines
    after it belong to what follows, like a comment above the next key)."""
    end = start + 1
    for number in range(start + 1, len(lines)):
        stripped = lines[number].lstrip()
        if not stripped.strip() or stripped.startswith("#"):
            continue
        indent = len(lines[number]) - len(stripped)
        if indent < column or (indent == column and not stripped.startswith("- ")):
            break
        end = number + 1
    return end


def write_checked(path: str, new_text: str, expect_ids: list[str]) -> None:
    """Re-read the edited ledger, check that only the intended entries changed, replace atomically."""
    entries = parse_ledger(new_text.encode(), path)
    if [e.id for e in entries] != expect_ids:
        raise FatalError("edit would change other entries; nothing was written", path)
    try:
        atomic.write(path, new_text)  # keeps the file's permission bits
    except OSError as e:
        raise FatalError(f"cannot write: {e.strerror}", path) from None


def read_text(path: str) -> str:
    if not os.path.exists(path):
        return ""
    with open(path, "rb") as f:
        return gate_yaml.decode(f.read(), path)


def context(repo_dir: str) -> tuple[Any, Any, Any]:
    """(repo, HEAD snapshot, config at HEAD) for the terminal commands."""

    repo = Repo(repo_dir)
    revision = at(Snapshot(repo, repo.resolve("HEAD") if repo.has_commits() else EMPTY))
    return repo, revision.snapshot, revision.config


def add(
    repo_dir: str,
    services: tuple[str, ...],
    rules: tuple[str, ...],
    reason: str,
    ticket: str,
    requested_by: str,
    approved_by: str,
    expires: dt.date,
    today: dt.date,
    pull_request: int | None,
    entry_id: str | None,
    any_pr: bool = False,
) -> tuple[str, dict[str, Any]]:
    """Append a checked entry to the working tree's ledger: (the ledger's path, the entry written)."""
    repo, snapshot, config = context(repo_dir)
    path = os.path.join(repo.root, config.ledger_path)
    text = read_text(path)
    existing = parse_ledger(text.encode(), config.ledger_path) if text.strip() else []
    tiers = _known(snapshot, config, services, rules)
    pull_request = pull_request_scope(repo, pull_request, any_pr)
    taken = (
        {e.id for e in existing}
        | set(revocations(text.encode(), config.ledger_path))
        | _ids_ever(repo, config.ledger_path)
    )
    content = [services, rules, reason, ticket, requested_by, approved_by, str(expires)]
    entry_id = entry_id or new_id(taken, today, snapshot.rev, content)
    if entry_id in taken:
        raise FatalError(
            f"exception id {entry_id!r} is already used (ids are never reused: the audit keeps one exception per id)",
            config.ledger_path,
        )
    entry: dict[str, Any] = {
        "id": entry_id,
        "services": list(services),
        "rules": list(rules),
        "reason": reason,
        "ticket": ticket,
        "requested_by": requested_by.lstrip("@"),
        "approved_by": approved_by.lstrip("@"),
        "created": today.isoformat(),
        "expires": expires.isoformat(),
    }
    if pull_request is not None:
        entry["pull_request"] = pull_request
    _refuse_invalid(entry, tiers, Approvals(config.exceptions, None), today, config.ledger_path)
    write_checked(
        path, append(text, entry, config.ledger_path), [e.id for e in existing] + [entry_id]
    )
    return config.ledger_path, entry


def pull_request_scope(repo: Any, given: int | None, any_pr: bool) -> int | None:
    """The pull request a new exception is limited to: the one given, the one this GitHub Actions
    run is for, or none with `any_pr`. Added on a branch other than the default one (a pull
    request's branch), it must say which: a hotfix's exception must not waive the next change."""
    if given is not None or any_pr:
        return given
    pr = pull_request_from_env()
    if pr is not None:
        return pr.number
    branch = repo.branch() if repo.has_commits() else None
    default = repo.default_branch() if branch else None
    if branch and default and branch != default:
        raise FatalError(
            f"on branch {branch!r}, not {default!r}: an exception added on a pull request's branch "
            "waives only that pull request; give --pr N (its number), or --any-pr to let it waive "
            "every pull request to these services until it expires"
        )
    return None


def _known(
    snapshot: Any, config: Any, services: tuple[str, ...], rules: tuple[str, ...]
) -> dict[str, int]:
    """Every service's tier at HEAD, once the services and rules named are known to exist."""
    tiers = {s.name: s.tier for s in Catalog(snapshot).all()}
    unknown = [s for s in services if s not in tiers]
    if unknown:
        raise FatalError(
            f"no service named {', '.join(map(repr, unknown))} at HEAD{did_you_mean(unknown[0], list(tiers))}"
        )
    known_rules = (
        {r.id for r in load_rules(config, snapshot)} | set(BUILTIN_RULES) | {"error-budget", "risk"}
    )
    bad_rules = [r for r in rules if r not in known_rules]
    if bad_rules:
        raise FatalError(
            f"unknown rule id {', '.join(map(repr, bad_rules))}{did_you_mean(bad_rules[0], known_rules)} (`gate explain` lists every rule)"
        )
    return tiers


def _refuse_invalid(
    entry: dict[str, Any], tiers: dict[str, int], approvals: Approvals, today: dt.date, ledger: str
) -> None:
    parsed = parse_ledger((HEADER + entry_text(entry, 2)).encode(), ledger)[0]
    problem = static_problems(parsed, today)
    if problem:
        raise FatalError(f"exception not added: {problem}")
    for service in entry["services"]:
        tier = tiers[service]
        if parsed.lasts() > approvals.max_days(tier):
            raise FatalError(
                f"exception not added: {service} is tier {tier}, which allows at most {approvals.max_days(tier)} days"
            )
        for kind in sorted({waiver_kind(r) for r in entry["rules"]}):
            ok, why = approvals.allowed(parsed.approved_by, kind, tier)
            if not ok:
                raise FatalError(f"exception not added: {why}")


def _ids_ever(repo: Any, ledger: str) -> set[str]:
    """Every id any committed version of the ledger held (entries revoked or cut out by hand included)."""
    if not repo.has_commits():
        return set()
    out = repo.path_patches(ledger)
    return {m.group(1).strip("'\"") for m in _ID_LINE.finditer(out)}


_ID_LINE = re.compile(r"^[-+ ]\s*(?:-\s*)?\{?\s*id:\s*([^\s,}#]+)", re.MULTILINE)


def new_id(taken: set[str], today: dt.date, tip: str, content: list[Any]) -> str:
    """EXC-YYYYMMDD-xxxxxx: the date, and a digest of the entry and the commit it is added on, so two
    branches adding an exception the same day (each sees only its own ledger) never take one id."""
    salt = 0
    while True:
        digest = hashlib.sha256(json.dumps([tip, content, salt], default=str).encode()).hexdigest()
        candidate = f"EXC-{today:%Y%m%d}-{digest[:6]}"
        if candidate not in taken:
            return candidate
        salt += 1


def revoke(repo_dir: str, entry_id: str, reason: str, today: dt.date, by: str | None = None) -> str:
    """Cut the entry out and record why and by whom in `revoked:` (the audit shows it; the id is
    never reused). `by` defaults to the git identity that will commit it."""
    repo, _, config = context(repo_dir)
    by = by.lstrip("@") if by else repo.author_ident().rsplit(">", 1)[0].strip() + ">"
    if by == ">":
        raise FatalError("say who revokes it: --by HANDLE (git has no user.name/user.email)")
    path = os.path.join(repo.root, config.ledger_path)
    text = read_text(path)
    if not text.strip():
        raise FatalError("no exception ledger", config.ledger_path)
    if is_placeholder(reason):
        raise FatalError(
            f"revocation reason {reason!r} is a placeholder; say why the exception ends early"
        )
    existing = parse_ledger(text.encode(), config.ledger_path)
    new_text = remove(text, entry_id, config.ledger_path)
    new_text = record_revocation(
        new_text,
        {"id": entry_id, "date": today.isoformat(), "by": by, "reason": reason.strip()},
        config.ledger_path,
    )
    write_checked(path, new_text, [e.id for e in existing if e.id != entry_id])
    ledger: str = config.ledger_path
    return ledger
