"""The demo repository: the bundled example as a git repository with a history, and typical changes to judge."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from gate import yaml as gate_yaml
from gate.baseline.model import BASELINE_FILE, render
from gate.baseline.record import entries_at
from gate.git import Repo, command
from gate.resources import example_dir

_ENV = {
    "GIT_AUTHOR_NAME": "Dana Developer",
    "GIT_AUTHOR_EMAIL": "dana@example.com",
    "GIT_COMMITTER_NAME": "Dana Developer",
    "GIT_COMMITTER_EMAIL": "dana@example.com",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


class Scenario(NamedTuple):
    branch: str
    title: str
    edit: Callable[[Path], None]
    expected: str


def _append(path: str, text: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        with open(root / path, "a", encoding="utf-8") as f:
            f.write(text)

    return edit


def _replace(path: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        file = root / path
        file.write_text(file.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")

    return edit


def _revert(rev: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        command(str(root), "revert", "--no-edit", rev, env={**os.environ, **_ENV})

    return edit


def _both(*edits: Callable[[Path], None]) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        for e in edits:
            e(root)

    return edit


def _claim_drill(root: Path) -> None:
    """notifications records a passing restore a week after its failed one, with a report naming
    the date: evidence, but no resilience reviewer's approval."""
    manifest = root / "services/notifications/service.yaml"
    text = manifest.read_text(encoding="utf-8")
    failed = re.search(r"kind: restore, date: ([0-9-]+), result: fail.*\n", text)
    assert failed is not None, "the example's notifications manifest records a failed restore"
    day = (dt.date.fromisoformat(failed.group(1)) + dt.timedelta(days=7)).isoformat()
    record = f"    - {{kind: restore, date: {day}, result: pass, evidence: docs/drills/restore-rerun.md}}\n"
    manifest.write_text(text[: failed.end()] + record + text[failed.end() :], encoding="utf-8")
    report = root / "services/notifications/docs/drills/restore-rerun.md"
    report.write_text(f"# notifications restore drill, {day}\n\nRestored in 3 hours.\n", "utf-8")


SCENARIOS = (
    Scenario(
        "clean-change",
        "A complete tier-1 service (checkout) changes its code",
        _append("services/checkout/src/app.py", "\n\ndef tax(total):\n    return total * 0.2\n"),
        "pass",
    ),
    Scenario(
        "search-fix",
        "A tier-1 service (search) whose runbook already lacked an Escalation section changes",
        _append("services/search/src/query.py", "\n\ndef lower(q):\n    return q.lower()\n"),
        "pass",
    ),
    Scenario(
        "search-runbook-cut",
        "The same search change also deletes the runbook's Mitigation section (new debt)",
        _both(
            _append("services/search/src/query.py", "\n\ndef lower(q):\n    return q.lower()\n"),
            _replace(
                "services/search/docs/runbook.md",
                "## Mitigation\nShed load with the `search-degraded` flag.\n",
                "",
            ),
        ),
        "block",
    ),
    Scenario(
        "loosen-gate",
        "The search change that cuts Mitigation also switches runbook-sections off in .gate.yaml",
        _both(
            _append("services/search/src/query.py", "\n\ndef lower(q):\n    return q.lower()\n"),
            _replace(
                "services/search/docs/runbook.md",
                "## Mitigation\nShed load with the `search-degraded` flag.\n",
                "",
            ),
            _append(".gate.yaml", "  runbook-sections: off\n"),
        ),
        "block",
    ),
    Scenario(
        "unowned",
        "A script outside every service changes",
        _append("scripts/release.sh", "echo done\n"),
        "warn",
    ),
    Scenario(
        "tier-drop",
        "checkout lowers its own tier and loosens its SLO",
        _both(
            _replace("services/checkout/service.yaml", "tier: 1", "tier: 3"),
            _replace("services/checkout/service.yaml", "objective: 99.9\n", "objective: 99.0\n"),
        ),
        "block",
    ),
    Scenario(
        "shared-lib",
        "A shared library claimed by checkout (paths: libs/money/**) changes",
        _append("libs/money/money.py", "\n\ndef euros(cents):\n    return cents / 100\n"),
        "pass",
    ),
    Scenario(
        "risky-release",
        "checkout adds a schema migration, bumps a dependency and rewrites its pricing (a risky change)",
        _both(
            _append(
                "services/checkout/migrations/0002_add_discounts.sql",
                "ALTER TABLE orders ADD COLUMN discount_cents BIGINT;\n",
            ),
            _append("services/checkout/requirements.txt", "stripe==12.0.0\n"),
            _append(
                "services/checkout/src/pricing.py",
                "".join(
                    f"def rule_{i}(total):\n    if total > {i}:\n        return total * {i}\n    return total\n\n"
                    for i in range(300)
                ),
            ),
            _append(
                "services/checkout/src/app.py",
                "".join(
                    f"\n\ndef step_{i}(order):\n    return order if order.ok else None\n"
                    for i in range(150)
                ),
            ),
        ),
        "warn",
    ),
    Scenario(
        "payments-feature",
        "payments (tier 0) ships a feature while its error budget is exhausted",
        _append(
            "services/payments/src/charge.py",
            "\n\ndef refund(card, cents):\n    return charge(card, -cents)\n",
        ),
        "block",
    ),
    Scenario(
        "payments-dodge",
        "payments tries to dodge its spent budget: a tier-3 service.yaml in its src/ and a looser SLO target",
        _both(
            _append(
                "services/payments/src/service.yaml",
                "apiVersion: gate/v1\nkind: Service\nname: payments-sidecar\ntier: 3\nowners: {team: payments}\n",
            ),
            _replace("services/payments/slo/availability.yaml", "target: 0.9995", "target: 0.9"),
            _append(
                "services/payments/src/charge.py",
                "\n\ndef refund(card, cents):\n    return charge(card, -cents)\n",
            ),
        ),
        "block",
    ),
    Scenario(
        "drill-claim",
        "notifications hides its failed restore drill behind a passing one it records itself (no resilience reviewer approved it)",
        _claim_drill,
        "block",
    ),
    Scenario(
        "auth-feature",
        "auth (tier 0) ships a feature while two corrective actions of its last incident are 45 days overdue",
        _append(
            "services/auth/src/tokens.py",
            '\n\ndef remember_me(user):\n    return {**issue(user), "ttl": 30 * 86400}\n',
        ),
        "block",
    ),
    Scenario(
        "auth-closes-action",
        "auth closes AUTH-101: token refreshes are rate-limited per client",
        _append(
            "services/auth/src/tokens.py",
            "\n\nREFRESH_LIMIT_PER_MINUTE = 10  # AUTH-101: a refresh storm took sign-in down\n",
        ),
        "pass",
    ),
    Scenario(
        "payments-revert",
        "payments reverts the change that burned its budget",
        _revert("HEAD"),
        "pass",
    ),
)


# What the demo's "SLO tool" exported: good and total events per SLO and window.
_STATUS = {
    "checkout-availability": (0.9998, 0.9998),
    "checkout-latency": (0.995, 0.995),
    "payments-availability": (0.9990, 0.9992),
    "payments-latency": (0.999, 0.999),  # payments: budget spent
    "search-availability": (0.9995, 0.9995),
    "notifications-delivery": (0.999, 0.999),
    "auth-availability": (0.9999, 0.9999),
}
_SERVICE_OF = {
    "checkout": "checkout",
    "payments": "payments",
    "search": "search",
    "notifications": "notifications",
    "auth": "auth",
}
_WINDOWS = ("28d", "30d", "5m", "30m", "1h", "2h", "6h", "1d", "3d")


def status_document() -> dict[str, Any]:
    slos = []
    for slo, (ratio, recent) in sorted(_STATUS.items()):
        windows = {}
        for window in _WINDOWS:
            total = 1_000_000 if window in ("28d", "30d") else 10_000
            good = round(total * (ratio if window in ("28d", "30d") else recent))
            windows[window] = {"good": good, "total": total}
        slos.append({"service": _SERVICE_OF[slo.split("-")[0]], "slo": slo, "windows": windows})
    return {"schema": "gate.budget-status/v1", "slos": slos}


def _tracked_action(
    today: dt.date, id: str, title: str, owner: str, due: int, closed: int | None = None
) -> dict[str, Any]:
    """A corrective action as the tracker exports it, its days counted back from `today`."""

    def day(days_ago: int) -> str:
        return (today - dt.timedelta(days=days_ago)).isoformat()

    found: dict[str, Any] = {"id": id, "title": title, "owner": owner, "due": day(due)}
    if closed is None:
        return {**found, "state": "open"}
    return {
        **found,
        "state": "closed",
        "closed": day(closed),
        "closed_by": {"pull_request": 4100 + closed},
    }


def _tracked_incident(
    today: dt.date, id: str, title: str, service: str, severity: str, days_ago: int, hours: float
) -> dict[str, Any]:
    started = dt.datetime.combine(today, dt.time(14, 5), dt.timezone.utc) - dt.timedelta(
        days=days_ago
    )
    resolved = started + dt.timedelta(hours=hours)
    return {
        "id": id,
        "title": title,
        "services": [service],
        "severity": severity,
        "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "resolved": resolved.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "postmortem": {
            "url": f"https://wiki.example.com/postmortems/{id}",
            "published": (started.date() + dt.timedelta(days=3)).isoformat(),
        },
    }


def incidents_document(today: dt.date) -> dict[str, Any]:
    """What the demo's incident tracker exported: auth's sign-in outage, whose two corrective
    actions are 45 days past due, and an older payments incident, closed out in time."""
    auth = _tracked_incident(
        today,
        "INC-2026-031",
        "Sign-in failing: token refresh storm overloaded the session store",
        "auth",
        "sev1",
        75,
        2.25,
    )
    auth["actions"] = [
        _tracked_action(
            today, "AUTH-100", "Page on session-store saturation", "identity-oncall", 60, 62
        ),
        _tracked_action(today, "AUTH-101", "Rate-limit token refreshes per client", "dana", 45),
        _tracked_action(today, "AUTH-102", "Load-test the session store at 3x peak", "sam", 45),
    ]
    payments = _tracked_incident(
        today,
        "INC-2026-012",
        "Card authorisations timing out at the provider",
        "payments",
        "sev2",
        160,
        0.75,
    )
    payments["actions"] = [
        _tracked_action(today, "PAY-311", "Cap provider retries", "lee", 130, 135)
    ]
    return {"schema": "gate.incidents/v1", "incidents": [auth, payments]}


def _dated(text: str, today: dt.date) -> str:
    """The example's dates, relative to the demo's day: __RECENT_DATE__ (30 days ago), __DAYS_AGO_N__."""
    text = text.replace("__RECENT_DATE__", (today - dt.timedelta(days=30)).isoformat())
    return re.sub(
        r"__DAYS_AGO_([0-9]+)__",
        lambda m: (today - dt.timedelta(days=int(m.group(1)))).isoformat(),
        text,
    )


def _example(today: dt.date) -> dict[str, str]:
    return {
        source.relative_to(example_dir()).as_posix(): _dated(
            source.read_text(encoding="utf-8"), today
        )
        for source in sorted(example_dir().rglob("*"))
        if source.is_file() and "__pycache__" not in source.parts
    }


def build(root: Path, today: dt.date, history: bool = False, baseline: bool = False) -> None:
    """Copy the example into `root` as a git repository: the services on main, then one payments change.

    With `history`, a year of the fleet growing up comes first (for the scorecard's trends); with
    `baseline`, the repository adopts gate with a committed baseline of its findings (`gate baseline`).
    """
    env = {**os.environ, **_ENV}
    command(str(root), "init", "--quiet", "--initial-branch=main", env=env)
    files = _example(today)
    if history:
        _history(root, today, files)
    (root / "exceptions.yaml").unlink(missing_ok=True)
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    command(str(root), "add", "--all", env=env)
    command(str(root), "commit", "--quiet", "-m", "acme monorepo", env=env)
    if baseline:
        _baseline(root, today, env)
    with open(root / "services/payments/src/charge.py", "a", encoding="utf-8") as f:
        f.write("\n\nRETRIES = 5  # retry card authorisation\n")
    command(
        str(root), "commit", "--quiet", "-am", "payments: retry card authorisation 5 times", env=env
    )
    (root / "slo-status.json").write_text(
        json.dumps(status_document(), indent=2) + "\n", encoding="utf-8"
    )
    (root / "incidents.json").write_text(
        json.dumps(incidents_document(today), indent=2) + "\n", encoding="utf-8"
    )


def _baseline(root: Path, today: dt.date, env: dict[str, str]) -> None:
    """`gate baseline` on main, in the commit that adopts gate: the debt the fleet had then."""
    (root / BASELINE_FILE).write_text(
        render(entries_at(Repo(str(root)), "HEAD", None, today, [])), encoding="utf-8"
    )
    command(str(root), "add", BASELINE_FILE, env=env)
    command(str(root), "commit", "--quiet", "--amend", "--no-edit", env=env)


def _minimal(manifest: str) -> str:
    """A manifest as a service's first one often is: a name, a tier and a team."""
    data = gate_yaml.load(manifest.encode(), "service.yaml").data
    return (
        f"apiVersion: gate/v1\nkind: Service\nname: {data['name']}\ntier: {data['tier']}\n"
        f"owners:\n  team: {data['owners']['team']}\n"
    )


_LEDGER = "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"


def _month_end_near(day: dt.date) -> dt.date:
    """The last day of `day`'s month (so the waiver is in force at a monthly point)."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _waiver(entry_id: str, service: str, rule: str, around: dt.date) -> str:
    return (
        f"  - id: {entry_id}\n    services: [{service}]\n    rules: [{rule}]\n"
        f"    reason: Runbook rewrite lands with the next on-call rotation\n    ticket: OPS-{entry_id[-1]}\n"
        f"    requested_by: dana\n    approved_by: rita\n    created: {around - dt.timedelta(days=3)}\n"
        f"    expires: {around + dt.timedelta(days=3)}\n"
    )


def _history(root: Path, today: dt.date, files: dict[str, str]) -> None:
    """Eleven months of a fleet adopting the practice: services arrive with bare manifests, gain
    SLOs, runbooks and rollback plans; a waiver or two come and go; one change is reverted and
    one is fixed. Other authors than the demo's own, and no file the demo's changes touch, so
    the verdicts below do not move."""
    _adoption(_Story(root, today, files))
    _incidents(_Story(root, today, files))


_SAM, _LEE = "Sam SRE <sam@example.com>", "Lee Shopping <lee@example.com>"


class _Story(NamedTuple):
    """The demo repository's history, written one dated commit at a time."""

    root: Path
    today: dt.date
    files: dict[str, str]  # the example's files as the demo's main branch has them

    def commit(
        self, days_ago: int, author: str, message: str, changes: dict[str, str | None]
    ) -> None:
        for path, text in changes.items():
            target = self.root / path
            if text is None:
                target.unlink(missing_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        when = f"{self.today - dt.timedelta(days=days_ago)}T10:00:00+00:00"
        name, email = author.split(" <")
        env = {
            **os.environ,
            **_ENV,
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email.rstrip(">"),
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email.rstrip(">"),
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        }
        command(str(self.root), "add", "--all", env=env)
        command(str(self.root), "commit", "--quiet", "-m", message, env=env)

    def service(self, name: str, full: bool, days_ago: int = 0) -> dict[str, str]:
        """A service's files: its bare manifest, or everything with its drills as of that day (the
        rollback a month before, the others as long before as today's)."""
        prefix = f"services/{name}/"
        if not full:
            return {f"{prefix}service.yaml": _minimal(self.files[f"{prefix}service.yaml"])}
        then = _example(self.today - dt.timedelta(days=days_ago))
        return {
            p: t
            for p, t in then.items()
            if p.startswith(prefix + "service.yaml")
            or p.startswith(prefix + "docs/")
            or p.startswith(prefix + "slo/")
        }


def _adoption(story: _Story) -> None:
    """Services arrive with bare manifests and complete them; two waivers come and go."""
    first = {p: story.files[p] for p in (".gate.yaml", ".github/CODEOWNERS", "README.md")}
    bare = ("checkout", "cart", "search", "admin-tools")
    story.commit(
        330,
        _SAM,
        "Adopt gate: manifests for the first services",
        {**first, **{p: t for name in bare for p, t in story.service(name, False).items()}},
    )
    story.commit(
        270,
        _SAM,
        "payments joins; cart gets its runbook",
        {**story.service("payments", False), **story.service("cart", True, 270)},
    )
    waiver_day = _month_end_near(story.today - dt.timedelta(days=215))
    story.commit(
        215,
        _SAM,
        "checkout: SLOs, runbook, rollback plan; search waives runbook sections for a week",
        {
            **story.service("checkout", True, 215),
            "exceptions.yaml": _LEDGER + _waiver("EXC-1", "search", "runbook-sections", waiver_day),
        },
    )
    second = _month_end_near(story.today - dt.timedelta(days=150))
    story.commit(
        150,
        _SAM,
        "notifications joins; search and payments complete their manifests",
        {
            **story.service("notifications", False),
            **story.service("search", True, 150),
            **story.service("payments", True, 150),
            "exceptions.yaml": _LEDGER + _waiver("EXC-2", "notifications", "owners-oncall", second),
        },
    )


def _incidents(story: _Story) -> None:
    """One change is reverted, one is fixed: the scorecard's change failure rate counts both."""
    totals = "".join(f"def total_{i}(items):\n    return sum(items) * {i}\n\n" for i in range(12))
    story.commit(100, _LEE, "cart: cache basket totals", {"services/cart/src/totals.py": totals})
    reverted = command(str(story.root), "rev-parse", "HEAD").strip()
    story.commit(
        97,
        _LEE,
        f'Revert "cart: cache basket totals"\n\nThis reverts commit {reverted}.',
        {"services/cart/src/totals.py": None},
    )
    ranking = "".join(f"def rank_{i}(hits):\n    return sorted(hits)[{i}]\n\n" for i in range(10))
    story.commit(60, _SAM, "search: rank by relevance", {"services/search/src/ranking.py": ranking})
    story.commit(
        40,
        _SAM,
        "Fix crash in search ranking on short result lists",
        {
            "services/search/src/ranking.py": ranking.replace(
                "sorted(hits)[3]", "sorted(hits)[:4][-1]"
            )
        },
    )
