"""`gate exception add|list|revoke|audit|groups`: the waiver ledger's editor and audit (gate.waivers does the work)."""

from __future__ import annotations

import datetime as dt

import click

from gate.commands import options
from gate.commands.options import say


@click.group()
def exception() -> None:
    """Recorded, scoped, expiring exceptions: add, list, revoke, audit, groups."""


@exception.command("add")
@options.repo_option
@click.option(
    "--service",
    "services",
    multiple=True,
    required=True,
    help="Service the exception covers (repeatable).",
)
@click.option(
    "--rule",
    "rules",
    multiple=True,
    required=True,
    help="Rule id to waive; error-budget or risk for those (repeatable).",
)
@click.option("--reason", required=True, help="Why the risk is accepted.")
@click.option("--ticket", required=True, help="Change or incident ticket.")
@click.option(
    "--requested-by",
    required=True,
    metavar="HANDLE",
    help="GitHub handle of who asked for the exception.",
)
@click.option(
    "--approved-by",
    required=True,
    metavar="HANDLE",
    help="GitHub handle of the approver (a member of the tier's approver group, not the requester).",
)
@click.option(
    "--days",
    type=click.IntRange(1, 366),
    help="Lasts this many calendar days, today included (--days 3 on the 24th expires on the 26th).",
)
@click.option("--expires", metavar="YYYY-MM-DD", help="Expiry date (inclusive).")
@click.option(
    "--pr",
    "pull_request",
    type=click.IntRange(1),
    help="Limit the exception to one pull request [default: the pull request this runs in; required on a branch other than the default one].",
)
@click.option(
    "--any-pr",
    is_flag=True,
    help="Let the exception waive every pull request to these services until it expires.",
)
@click.option("--id", "entry_id", help="Exception id [default: EXC-YYYYMMDD-N].")
@options.as_of_option
def exception_add(
    repo: str,
    services: tuple[str, ...],
    rules: tuple[str, ...],
    reason: str,
    ticket: str,
    requested_by: str,
    approved_by: str,
    days: int | None,
    expires: str | None,
    pull_request: int | None,
    any_pr: bool,
    entry_id: str | None,
    as_of: str | None,
) -> None:
    """Append a validated entry to the ledger, keeping the rest of the file as it is."""
    from gate.waivers import edit

    today = options.as_of_or_today(as_of)
    if today > options.utc_today():
        raise click.BadParameter(
            f"{today} is in the future; an exception is created today or earlier",
            param_hint="'--as-of'",
        )
    if (days is None) == (expires is None):
        raise click.UsageError("give exactly one of --days or --expires")
    if pull_request is not None and any_pr:
        raise click.UsageError("give at most one of --pr and --any-pr")
    until = today + dt.timedelta(days=days - 1) if days else options.as_of(expires, "--expires")
    assert until is not None
    path, entry = edit.add(
        repo,
        services,
        rules,
        reason,
        ticket,
        requested_by,
        approved_by,
        until,
        today,
        pull_request,
        entry_id,
        any_pr,
    )
    scope = (
        f"only pull request #{entry['pull_request']}"
        if "pull_request" in entry
        else "every pull request to these services"
    )
    say(
        f"added {entry['id']} to {path} (waives {scope}; expires {entry['expires']}); commit it through a reviewed pull request"
    )


@exception.command("list")
@options.repo_option
@click.option(
    "--base",
    metavar="REV",
    help="Trusted revision [default: origin/HEAD, main or master once it has .gate.yaml or the ledger; before that, the checked-out branch].",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
@options.as_of_option
def exception_list(repo: str, base: str | None, fmt: str, as_of: str | None) -> None:
    """Every entry: active, expiring, pending, expired, invalid or stale."""
    from gate.waivers.listing import listing

    standings = listing(repo, base, options.as_of_or_today(as_of))
    if fmt == "json":
        rows = [
            {**s.entry.summary(), "state": s.state.value, "why": s.why, "line": s.entry.line}
            for s in standings
        ]
        options.echo_json({"schema": "gate.exception-list/v1", "exceptions": rows})
        return
    for s in standings:
        e = s.entry
        why = f"  ({s.why})" if s.why else ""
        options.echo(
            f"{s.state.value:<9}{e.id}  {','.join(e.services)}: {','.join(e.rules)}  approved by @{e.approved_by}, expires {e.expires}{why}"
        )
    if not standings:
        say("no exceptions")


@exception.command("revoke")
@click.argument("entry_id")
@click.option(
    "--reason",
    required=True,
    help="Why the exception ends early (recorded under `revoked:` and shown by `audit`).",
)
@click.option(
    "--by",
    metavar="HANDLE",
    help="Who revokes it (recorded under `revoked:`) [default: your git identity].",
)
@options.repo_option
@options.as_of_option
def exception_revoke(
    entry_id: str, reason: str, by: str | None, repo: str, as_of: str | None
) -> None:
    """Remove an entry from the ledger and record why and by whom (its history stays in git for `audit`)."""
    from gate.waivers import edit

    path = edit.revoke(repo, entry_id, reason, options.as_of_or_today(as_of), by)
    say(f"revoked {entry_id} in {path}; commit it through a reviewed pull request")


@exception.command("audit")
@options.repo_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json", "csv")),
    default="text",
    show_default=True,
    help="Output format.",
)
@options.as_of_option
def exception_audit(repo: str, fmt: str, as_of: str | None) -> None:
    """Every exception ever recorded, from the ledger's git history: who added, approved, changed, removed it."""
    from gate.waivers import audit, edit

    repo_, snapshot, config = edit.context(repo)
    events = audit.history(repo_, config.ledger_path, options.as_of_or_today(as_of), snapshot)
    unchecked = audit.reviews(events)
    if unchecked:
        say(f"gate: {unchecked}", err=True)
    render = {"text": audit.audit_text, "json": audit.audit_json, "csv": audit.audit_csv}[fmt]
    say(render(events), nl=False)


@exception.command("groups")
@options.repo_option
@click.option(
    "--base", metavar="REV", help="Trusted revision [default: origin/HEAD, main or master]."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(("text", "json")),
    default="text",
    show_default=True,
    help="Output format.",
)
def exception_groups(repo: str, base: str | None, fmt: str) -> None:
    """Who may approve which exceptions, per tier (exceptions.approvers and groups in .gate.yaml)."""
    from gate.waivers.listing import approver_groups

    rev, table = approver_groups(repo, base)
    if fmt == "json":
        options.echo_json({"schema": "gate.exception-groups/v1", "revision": rev, "tiers": table})
        return
    options.echo(f"who may approve an exception, as .gate.yaml at {rev} says:")
    for row in table:
        say(f"tier {row['tier']} (at most {row['max_days']} days)")
        for kind, groups in row["approvers"].items():
            who = "; ".join(
                f"{group}: {', '.join('@' + m.lstrip('@') for m in members) or 'no members'}"
                for group, members in groups.items()
            )
            options.echo(f"  {kind:<13} {who or 'nobody configured'}")
