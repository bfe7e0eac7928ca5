"""One service, one truth: every command gives a service the same answer about the same commit.

Random repositories (services defined by service.yaml or by a Backstage entity, SLOs inline, in an
OpenSLO document or in a Sloth spec, advisory lifecycles, exceptions in every state, budgets in
every state, the exception horizon) are judged by `validate`, the scorecard (its headline and the
current month's trend point), `gate budget` and `check` on a change that only touches each
service's code. Each must say the same about each service: whether it is ready, which rules it
fails at error level (outside the rules only a diff can fire), its budget state and its exceptions'
states.
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing.repo import TODAY, GitRepo, new_repo

from gate.check import run as check
from gate.check import validate
from gate.commands.budget import report
from gate.git import Repo
from gate.scorecard import collect

# Rules only a change can fire: `validate` and the scorecard judge a revision, not a diff.
DIFF_ONLY = {
    "error-budget",
    "risk",
    "unowned-change",
    "runbook-co-change",
    "slo-definition-changed",
}

SERVICE = st.fixed_dictionaries(
    {
        "tier": st.integers(0, 3),
        "source": st.sampled_from(["service.yaml", "backstage"]),
        "lifecycle": st.sampled_from(["production", "experimental"]),
        "slo": st.sampled_from(["none", "inline", "openslo", "sloth"]),
        "runbook": st.sampled_from(["complete", "bare", "missing"]),
        "waiver": st.sampled_from(["none", "active", "expiring", "expired", "too-long"]),
        "budget": st.sampled_from(["ok", "exhausted", "no-data"]),
    }
)
RUNBOOKS = {
    "complete": "# Runbook\n\n## Alerts\n\nWhat pages.\n\n## Dashboards\n\nWhere to look.\n\n"
    "## Escalation\n\nWho to call.\n\n## Rollback\n\nHow to undo.\n",
    "bare": "# Runbook\n\nTODO\n",
}
WAIVER_DAYS = {  # (created, expires) relative to today
    "active": (-1, 2),
    "expiring": (-1, 1),
    "expired": (-5, -1),
    "too-long": (-1, 20),
}


def _slo_files(name: str, kind: str) -> tuple[str, dict[str, str]]:
    """The manifest's slos: block and the documents it names."""
    if kind == "none":
        return "", {}
    if kind == "inline":
        return (
            f"slos:\n  - name: {name}-availability\n    sli: availability\n    objective: 99.5\n"
            "    window: 28d\n    good: 'sum(rate(http_requests_total{code!~\"5..\"}[{{window}}]))'\n"
            "    total: 'sum(rate(http_requests_total[{{window}}]))'\n",
            {},
        )
    if kind == "openslo":
        doc = (
            f"apiVersion: openslo/v1\nkind: SLO\nmetadata: {{name: {name}-availability}}\nspec:\n"
            f"  service: {name}\n  budgetingMethod: Occurrences\n"
            "  timeWindow: [{duration: 28d, isRolling: true}]\n"
            "  indicator:\n    metadata: {name: ok-requests}\n    spec:\n      ratioMetric:\n"
            "        good: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(ok[5m]))'}}}\n"
            "        total: {metricSource: {type: Prometheus, spec: {query: 'sum(rate(all[5m]))'}}}\n"
            "  objectives: [{displayName: availability, target: 0.995}]\n"
        )
        return "slos:\n  - openslo: slo/availability.yaml\n", {"slo/availability.yaml": doc}
    doc = (
        f"version: prometheus/v1\nservice: {name}\nslos:\n  - name: {name}-availability\n"
        "    objective: 99.5\n    sli:\n      events:\n"
        "        error_query: 'sum(rate(errors[{{.window}}]))'\n"
        "        total_query: 'sum(rate(all[{{.window}}]))'\n"
        "    alerting: {name: Availability, page_alert: {disable: true}, ticket_alert: {disable: true}}\n"
    )
    return "slos:\n  - sloth: slo/sloth.yaml\n", {"slo/sloth.yaml": doc}


def _service(root: str, name: str, s: dict[str, Any]) -> dict[str, str]:
    slos, documents = _slo_files(name, s["slo"])
    runbook = "runbook: docs/runbook.md\n" if s["runbook"] != "missing" else ""
    body = (
        f"tier: {s['tier']}\n{slos}{runbook}"
        "rollback: {strategy: redeploy-previous, plan: docs/rollback.md}\n"
    )
    files = {f"{root}/{path}": text for path, text in documents.items()}
    files[f"{root}/src/app.py"] = "x = 1\n"
    files[f"{root}/docs/rollback.md"] = "# Rollback\n\nRedeploy the previous release.\n"
    if s["runbook"] != "missing":
        files[f"{root}/docs/runbook.md"] = RUNBOOKS[s["runbook"]]
    if s["source"] == "service.yaml":
        files[f"{root}/service.yaml"] = (
            f"apiVersion: gate/v1\nkind: Service\nname: {name}\n"
            f"owners: {{team: team-{name}, oncall: {name}-primary, escalation: [sre]}}\n{body}"
        )
    else:
        files[f"{root}/catalog-info.yaml"] = (
            "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
            f"metadata: {{name: {name}, annotations: {{pagerduty.com/service-id: P{name.upper()}}}}}\n"
            f"spec: {{type: service, lifecycle: {s['lifecycle']}, owner: group:team-{name}}}\n"
        )
        files[f"{root}/service.yaml"] = f"apiVersion: gate/v1\nkind: Service\nname: {name}\n{body}"
    return files


def _ledger(services: list[dict[str, Any]], today: dt.date) -> str:
    entries = []
    for i, s in enumerate(services):
        if s["waiver"] == "none":
            continue
        created, expires = (today + dt.timedelta(days=d) for d in WAIVER_DAYS[s["waiver"]])
        entries.append(
            f"  - id: EXC-{i}\n    services: [s{i}]\n    rules: [runbook-sections, runbook-exists]\n"
            "    reason: the runbook is rewritten this sprint\n    ticket: OPS-1\n"
            f"    requested_by: dana\n    approved_by: rita\n    created: {created}\n"
            f"    expires: {expires}\n"
        )
    return "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n" + "".join(entries)


def _status(services: list[dict[str, Any]]) -> str:
    slos = []
    for i, s in enumerate(services):
        if s["slo"] == "none" or s["budget"] == "no-data":
            continue
        good = 999_000 if s["budget"] == "ok" else 900_000
        windows = {w: {"good": good, "total": 1_000_000} for w in ("28d", "1h", "6h", "1d", "3d")}
        slos.append({"service": f"s{i}", "slo": f"s{i}-availability", "windows": windows})
    return json.dumps({"schema": "gate.budget-status/v1", "slos": slos})


def _build(root: Path, services: list[dict[str, Any]], expiring_days: int) -> GitRepo:
    repo = new_repo(root)
    repo.write(
        ".gate.yaml",
        "version: 1\nbudgets: {source: file, file: {path: slo-status.json}}\n"
        f"exceptions: {{groups: {{release-managers: [rita], vps: [rita], directors: [rita]}}, "
        f"expiring_days: {expiring_days}}}\n",
    )
    repo.write(".github/CODEOWNERS", "* @acme/sre\n")
    for i, s in enumerate(services):
        for path, text in _service(f"services/s{i}", f"s{i}", s).items():
            repo.write(path, text)
    repo.write("exceptions.yaml", _ledger(services, TODAY))
    repo.commit("services")
    repo.branch("touch")
    for i in range(len(services)):
        repo.write(f"services/s{i}/src/app.py", "x = 2\n")
    repo.commit("touch every service's code")
    repo.git("checkout", "-q", "main")
    status = _status(services)
    (root / "slo-status.json").write_text(status, encoding="utf-8")  # exported, untracked
    return repo


def _diff_only(rule: str) -> bool:
    return rule in DIFF_ONLY or rule.startswith(("error-budget", "risk"))


def _errors(findings: Any) -> set[str]:
    return {
        f.rule
        for f in findings
        if f.severity == "error" and f.waiver is None and not _diff_only(f.rule)
    }


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(SERVICE, min_size=1, max_size=3), st.integers(0, 3))
def test_every_command_gives_each_service_the_same_answer(
    services: list[dict[str, Any]], expiring_days: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = _build(Path(tmp) / "repo", services, expiring_days)
        git = Repo(str(repo.root))
        validated = {s.name: s for s in validate(git, "main", today=TODAY).services}
        card = collect.build(git, "main", None, TODAY, True, 1, None)
        carded = {s["name"]: s for s in card["services"]}
        budgeted = {
            service.name: (statuses, problems)
            for service, statuses, problems in report(str(repo.root), "main", (), None, True)
        }
        checked = {
            s.name: s for s in check(git, "main", "touch", today=TODAY, offline=True).services
        }
        names = {f"s{i}" for i in range(len(services))}
        assert set(validated) == set(carded) == set(checked) == names

        for name in sorted(names):
            v, c, k = validated[name], carded[name], checked[name]
            assert _errors(v.findings) == {r for r in c["failing_rules"] if not _diff_only(r)}, name
            assert _errors(v.findings) == _errors(k.findings), name
            assert c["ready"] == (not _errors(v.findings)), name
            state = k.budget.state if k.budget else "no-slos"
            assert c["budget"]["state"] == state, (name, c["budget"], state)
            statuses, problems = budgeted.get(name, ([], []))
            if statuses:
                assert state == min((s.state for s in statuses), key=collect.BUDGET_ORDER.index), (
                    name
                )

        carded_entries = {e["id"]: e["state"] for e in card["waivers"]["entries"]}
        validated_entries = exception_states(validate(git, "main", today=TODAY).exceptions)
        # an entry in force that waives nothing is in no list of validate's report
        assert carded_entries == {i: validated_entries.get(i, "active") for i in carded_entries}
        current = card["trend"][-1]
        assert current["ready"] == sum(1 for s in card["services"] if s["ready"])


def exception_states(report_: Any) -> dict[str, str]:
    """Each exception's state as `validate` reports it, in the scorecard's words."""
    if report_ is None:
        return {}
    fates: dict[str, set[str]] = {}
    for state, fate in report_.by_state():
        fates.setdefault(fate.entry.id, set()).add(state.value)
    for listed in ("invalid", "expired", "expiring"):
        for entry_id, seen in fates.items():
            if listed in seen:
                fates[entry_id] = {listed}
    return {
        entry_id: "active" if seen == {"applied"} else seen.pop()
        for entry_id, seen in fates.items()
    }
