"""`gate scorecard` on real repositories: per-service states, roll-ups, waivers, budgets, adoption, trends."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.repo import build_example

from gate.git import Repo
from gate.resources import validator
from gate.scorecard import collect, readiness
from gate.scorecard.render import render_markdown


def card_of(
    repo: GitRepo,
    offline: bool = True,
    months: int | None = None,
    today: dt.date = TODAY,
    rev: str | None = "main",
) -> dict[str, Any]:
    return collect.build(Repo(repo.path), rev, None, today, offline, months, None)


def by_name(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in card["services"]}


def test_services_tiers_and_teams_of_the_example(example: GitRepo) -> None:
    card = card_of(example)
    assert list(validator("scorecard").iter_errors(card)) == []
    services = by_name(card)
    assert sorted(services) == [
        "admin-tools",
        "auth",
        "cart",
        "checkout",
        "notifications",
        "payments",
        "search",
    ]
    search = services["search"]
    assert (search["tier"], search["team"], search["ready"]) == (1, "discovery", False)
    assert search["rules"]["runbook-sections"] == "error" and search["failing_rules"] == [
        "runbook-sections"
    ]
    assert services["checkout"]["ready"] and all(
        v != "error" for v in services["checkout"]["rules"].values()
    )
    # the example's budgets come from a status file (a local source): measured even offline
    assert (
        services["payments"]["budget"]["state"] == "exhausted"
        and services["checkout"]["budget"]["state"] == "ok"
    )
    assert services["admin-tools"]["budget"]["state"] == "no-slos"
    tiers = {t["tier"]: t for t in card["tiers"]}
    assert [
        (tiers[t]["services"], tiers[t]["ready"], tiers[t]["slo_covered"]) for t in (0, 1, 2, 3)
    ] == [(2, 2, 2), (2, 1, 2), (2, 1, 1), (1, 1, 0)]  # notifications: its latest restore failed
    assert services["notifications"]["failing_rules"] == ["drill-failed"]
    assert tiers[0]["budgets"] == {"exhausted": 1, "ok": 1}
    dr = card["resilience"]
    assert [
        (t["services"], t["objectives"], t["drills_fresh"], t["failed"]) for t in dr["tiers"]
    ] == [
        (2, 2, 2, 0),
        (2, 2, 2, 0),
        (2, 1, 1, 1),
        (1, 0, 1, 0),
    ]
    assert (dr["drills"][0]["service"], dr["drills"][0]["state"]) == ("notifications", "failed")
    teams = {t["label"]: t for t in card["teams"]}
    assert teams["payments"]["services"] == 2 and teams["discovery"]["ready"] == 0
    top = {r["rule"]: r for r in card["top_failing_rules"]}
    assert list(top) == ["drill-failed", "runbook-sections"]  # one service each: by rule id
    assert top["runbook-sections"]["tiers"]["1"] == 1 and top["drill-failed"]["tiers"]["2"] == 1
    # two commits on 2026-11-01, each touching services: counted per service touched
    assert services["payments"]["changes"]["count"] == 2 and card["fleet"]["changes"] >= 6


LEDGER = """apiVersion: gate/v1
kind: ExceptionLedger
exceptions:
{entries}"""


def entry(
    entry_id: str,
    service: str,
    rule: str,
    created: str,
    expires: str,
    reason: str = "Escalation rota lands with INC-9",
) -> str:
    return (
        f"  - id: {entry_id}\n    services: [{service}]\n    rules: [{rule}]\n    reason: {reason}\n    ticket: INC-9\n"
        f"    requested_by: dana\n    approved_by: rita\n    created: {created}\n    expires: {expires}\n"
    )


RM_GROUPS = "exceptions:\n  groups: {release-managers: [rita]}\n"


def test_waivers_active_expiring_expired_and_a_waived_rule(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + RM_GROUPS)
    example.write(
        "exceptions.yaml",
        LEDGER.format(
            entries="".join(
                [
                    entry("EXC-1", "search", "runbook-sections", "2026-11-23", "2026-11-29"),
                    entry("EXC-2", "cart", "runbook-sections", "2026-11-20", "2026-11-25"),
                    entry("EXC-3", "cart", "owners-oncall", "2026-11-01", "2026-11-10"),
                    entry(
                        "EXC-4",
                        "checkout",
                        "slo-defined",
                        "2026-11-01",
                        "2026-12-01",
                        reason="todo",
                    ),
                ]
            )
        ),
    )
    example.commit("waivers")
    card = card_of(example)
    services = by_name(card)
    assert (
        services["search"]["rules"]["runbook-sections"] == "waived" and services["search"]["ready"]
    )
    assert services["search"]["waivers"] == {"active": 1, "expiring": 0, "expired": 0, "invalid": 0}
    assert services["cart"]["waivers"] == {"active": 0, "expiring": 1, "expired": 1, "invalid": 0}
    assert services["checkout"]["waivers"]["invalid"] == 1
    assert {k: card["waivers"][k] for k in ("active", "expiring", "expired", "invalid")} == {
        "active": 1,
        "expiring": 1,
        "expired": 1,
        "invalid": 1,
    }
    assert [e["id"] for e in card["waivers"]["entries"]][:2] == [
        "EXC-3",
        "EXC-2",
    ]  # soonest expiry first


def test_a_broken_ledger_on_the_branch_is_exit_2(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    example.git("checkout", "-q", "main")
    example.write("exceptions.yaml", "exceptions: [\n")
    example.commit("broken ledger")
    code, _, err = gate_cli(
        "scorecard", "--repo", example.path, "--output-dir", str(tmp_path / "out"), "--no-trend"
    )
    assert code == 2 and "exceptions.yaml" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_offline_says_not_measured_and_no_source_says_so(repo: GitRepo) -> None:
    manifest = "apiVersion: gate/v1\nkind: Service\nname: api\ntier: 1\nowners: {team: core}\nslos:\n  - {name: api-availability, sli: availability, objective: 99.9, window: 28d, indicator: {prometheus: {good: 'sum(rate(ok[{{window}}]))', total: 'sum(rate(all[{{window}}]))'}}}\n"
    repo.write("services/api/service.yaml", manifest)
    repo.write(
        "services/tool/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: tool\ntier: 3\nowners: {team: core}\n",
    )
    repo.commit("services")
    card = card_of(repo)
    assert (
        by_name(card)["api"]["budget"]["state"] == "not-measured"
        and "no budget source" in by_name(card)["api"]["budget"]["reason"]
    )
    assert by_name(card)["tool"]["budget"]["state"] == "no-slos"
    repo.write(
        ".gate.yaml",
        "version: 1\nbudgets: {source: prometheus, prometheus: {url: 'http://127.0.0.1:9'}}\n",
    )
    repo.commit("prometheus")
    budget = by_name(card_of(repo, offline=True))["api"]["budget"]
    assert budget["state"] == "not-measured" and "offline" in budget["reason"]
    assert (
        by_name(card_of(repo, offline=False))["api"]["budget"]["state"] == "unavailable"
    )  # nothing listens on port 9


def test_adoption_targets_from_config(repo: GitRepo) -> None:
    def service(name: str, tier: int, slos: bool) -> None:
        slo = (
            "slos:\n  - {name: x, sli: availability, objective: 99.9, window: 28d}\n"
            if slos
            else ""
        )
        repo.write(
            f"s/{name}/service.yaml",
            f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\nowners: {{team: t}}\n{slo}runbook: s/{name}/runbook.md\n",
        )
        repo.write(f"s/{name}/runbook.md", "# Runbook\n")

    for i, (tier, slos) in enumerate([(1, True), (1, False), (2, True), (2, True), (0, False)]):
        service(f"svc{i}", tier, slos)
    repo.write(
        ".gate.yaml",
        "version: 1\nscorecard:\n  adoption: {start: 2026-01-15, tiers: [1, 2], requires: [slos, runbook], milestones: {3: 50, 9: 90}}\n",
    )
    repo.commit("fleet")
    adoption = card_of(repo)["adoption"]
    assert (adoption["services"], adoption["met"], adoption["share"]) == (4, 3, 0.75)
    assert adoption["target"] == 90 and adoption["on_target"] is False and adoption["months"] == 10
    assert adoption["missing"] == {"slos": 1, "runbook": 0}
    early = card_of(repo, today=dt.date(2026, 3, 1))["adoption"]
    assert early["target"] is None and early["next"] == {
        "months": 3,
        "share": 50,
        "due": "2026-04-15",
    }


def test_bad_scorecard_config_is_exit_2_naming_the_file(
    repo: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    repo.write(".gate.yaml", "version: 1\nscorecard:\n  adoption: {requires: [vibes]}\n")
    repo.commit("bad")
    code, _, err = gate_cli(
        "scorecard", "--repo", repo.path, "--rev", "HEAD", "--output-dir", str(tmp_path)
    )
    assert (
        code == 2
        and ".gate.yaml:3: invalid gate config: scorecard.adoption.requires" in err
        and "Traceback" not in err
    )
    code, _, err = gate_cli(
        "scorecard", "--repo", repo.path, "--since", "last tuesday", "--output-dir", str(tmp_path)
    )
    assert code == 2 and "--since" in err


@pytest.fixture
def grown(tmp_path: Path) -> GitRepo:
    """The demo repository with its year of history."""
    return build_example(tmp_path / "grown", history=True)


def test_monthly_trend_from_history_judges_each_blob_once(
    grown: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = readiness.judge_policies  # type: ignore[attr-defined]  # the engine's, as readiness imports it

    def counting(rules: Any, service: Any, ctx: Any, changed: Any, lifecycles: Any) -> Any:
        if rules and rules[0].kind not in readiness.DATE_KINDS:
            calls.append(service.manifest)
        return real(rules, service, ctx, changed, lifecycles)

    monkeypatch.setattr(readiness, "judge_policies", counting)
    # the history's exceptions are approved by rita: the scored revision's settings allow her
    grown.git("checkout", "-q", "main")
    grown.write(".gate.yaml", grown.read(".gate.yaml") + RM_GROUPS)
    grown.commit("name the release managers")
    card = card_of(grown, months=12)
    trend = {p["month"]: p for p in card["trend"]}
    assert list(trend) == [
        f"{y}-{m:02d}" for y, m in [(2025, 12)] + [(2026, m) for m in range(1, 12)]
    ]
    assert trend["2025-12"]["services"] == 4 and trend["2025-12"]["slo_share"] == 0.0
    # notifications records a failed restore drill: not ready
    assert trend["2026-11"]["services"] == 7 and trend["2026-11"]["ready"] == 5
    assert trend["2026-06"]["tiers"]["0"] == {"services": 1, "ready": 1, "slo_covered": 1}
    assert [
        trend[m]["waivers_active"] for m in ("2026-03", "2026-04", "2026-05", "2026-06", "2026-07")
    ] == [0, 1, 0, 1, 0]
    assert (trend["2026-08"]["changes"], trend["2026-08"]["failed"]) == (
        2,
        1,
    )  # a change and its revert
    assert trend["2026-09"]["failed"] == 1  # the ranking change a later fix repaired
    assert trend["2026-10"]["adoption_target"] == 60
    judged = sum(p["services"] for p in card["trend"]) + len(card["services"])
    assert len(calls) < judged / 3, "unchanged manifests, documents and CODEOWNERS are judged once"


def test_cli_writes_four_outputs_deterministically(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    outputs = []
    for n in (1, 2):
        out = tmp_path / f"out{n}"
        code, stdout, err = gate_cli(
            "scorecard",
            "--repo",
            example.path,
            "--output-dir",
            str(out),
            "--as-of",
            "2026-11-24",
            "--offline",
        )
        assert code == 0, err
        assert (
            stdout.strip()
            == f"scorecard: {out / 'scorecard.html'} (also scorecard.md, scorecard.json, services.csv)"
        )
        assert sorted(os.listdir(out)) == [
            "scorecard.html",
            "scorecard.json",
            "scorecard.md",
            "services.csv",
        ]
        outputs.append({name: (out / name).read_bytes() for name in os.listdir(out)})
    assert outputs[0] == outputs[1]
    card = json.loads(outputs[0]["scorecard.json"])
    assert (
        card["schema"] == "gate.scorecard/v1"
        and list(validator("scorecard").iter_errors(card)) == []
    )
    assert len(card["trend"]) == 12


def test_the_readme_scheduled_workflow_is_valid_and_uses_real_options(gate_cli: Any) -> None:
    import yaml

    readme = (Path(__file__).resolve().parents[2] / "docs" / "scorecard.md").read_text(
        encoding="utf-8"
    )
    block = readme.split("# .github/workflows/scorecard.yml\n", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert (
        triggers["schedule"][0]["cron"] == "0 6 1 * *"
        and workflow["permissions"]["contents"] == "read"
    )
    steps = workflow["jobs"]["scorecard"]["steps"]
    assert {s.get("uses", "").split("@")[0] for s in steps} >= {
        "actions/checkout",
        "actions/upload-artifact",
        "actions/upload-pages-artifact",
        "actions/deploy-pages",
    }
    assert steps[0]["with"]["fetch-depth"] == 0
    run = next(s["run"] for s in steps if "gate scorecard" in s.get("run", ""))
    _, out, _ = gate_cli("scorecard", "--help")
    for option in re.findall(r"(--[a-z-]+)", run):
        assert option in out
    assert "scorecard/scorecard.md" in next(
        s["run"] for s in steps if "gh issue" in s.get("run", "")
    )


def test_month_ends_for_months_and_since() -> None:
    assert collect.month_ends(dt.date(2026, 3, 15), 3, None) == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 15),
    ]
    assert collect.month_ends(dt.date(2026, 1, 2), 2, None) == [
        dt.date(2025, 12, 31),
        dt.date(2026, 1, 2),
    ]
    assert collect.month_ends(dt.date(2026, 3, 15), 12, dt.date(2026, 2, 20)) == [
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 15),
    ]


def test_since_sets_the_trend_and_a_future_since_is_exit_2(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    code, _, err = gate_cli(
        "scorecard",
        "--repo",
        example.path,
        "--output-dir",
        str(tmp_path),
        "--as-of",
        "2026-11-24",
        "--since",
        "2026-10-05",
    )
    assert code == 0, err
    card = json.loads((tmp_path / "scorecard.json").read_text(encoding="utf-8"))
    assert [p["month"] for p in card["trend"]] == ["2026-10", "2026-11"] and card["trend"][0][
        "commit"
    ] is None
    code, _, err = gate_cli(
        "scorecard",
        "--repo",
        example.path,
        "--output-dir",
        str(tmp_path),
        "--as-of",
        "2026-11-24",
        "--since",
        "2027-01-01",
    )
    assert code == 2 and "after the scorecard's date" in err


def test_the_configured_risk_model_scores_the_changes(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        ".gate/risk-model.json",
        json.dumps({"schema": "gate.risk-model/v1", "weights": {}, "intercept": 10.0}),
    )
    example.write(
        ".gate.yaml", example.read(".gate.yaml") + "risk: {model: .gate/risk-model.json}\n"
    )
    example.commit("a model that calls everything critical")
    card = card_of(example)
    assert (
        card["fleet"]["changes"] > 0
        and card["fleet"]["risk"]["critical"] == card["fleet"]["changes"]
    )
    example.remove(".gate/risk-model.json")
    example.commit("model gone")
    code, _, err = gate_cli(
        "scorecard", "--repo", example.path, "--output-dir", str(tmp_path), "--no-trend"
    )
    assert code == 2 and err.startswith("gate: error: .gate/risk-model.json: risk model not found")


DATED_CONFIG = """\
rules:
  dependencies-declared: info
  runbook-sections: {enforce_from: "2027-01-15", campaign: runbooks-2027}
  rollback-plan: {campaign: runbooks-2027}
scorecard:
  campaigns:
    runbooks-2027: {target: "2027-03-31", title: Every runbook complete}
"""


def test_campaigns_show_their_progress_target_and_dates(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml").replace("rules:\n  dependencies-declared: info\n", DATED_CONFIG),
    )
    example.commit("a campaign")
    card = card_of(example)
    assert list(validator("scorecard").iter_errors(card)) == []
    (campaign,) = card["campaigns"]
    scope = [s for s in card["services"] if {"runbook-sections", "rollback-plan"} & set(s["rules"])]
    done = [
        s["name"]
        for s in scope
        if all(s["rules"].get(r, "pass") == "pass" for r in ("runbook-sections", "rollback-plan"))
    ]
    assert {
        k: campaign[k] for k in ("name", "title", "target", "days_left", "rules", "enforce_from")
    } == {
        "name": "runbooks-2027",
        "title": "Every runbook complete",
        "target": "2027-03-31",
        "days_left": (dt.date(2027, 3, 31) - TODAY).days,
        "rules": ["rollback-plan", "runbook-sections"],
        "enforce_from": {"runbook-sections": "2027-01-15"},
    }
    assert (campaign["services"], campaign["done"]) == (len(scope), len(done))
    assert "search" in campaign["remaining"] and "cart" in campaign["remaining"]
    assert by_name(card)["search"]["rules"]["runbook-sections"] == "warning"  # not enforced yet
    assert "| runbooks-2027: Every runbook complete | 2027-03-31 (" in render_markdown(card)
    assert "runbook-sections (2027-01-15)" in render_markdown(card)


def test_slos_are_counted_from_their_records_in_every_format(example: GitRepo) -> None:
    """payments names one OpenSLO document that defines two SLOs (a stream), and one inline SLO:
    three SLOs, not the two items of its `slos:` list."""
    document = example.read("services/payments/slo/availability.yaml")
    second = document.replace("payments-availability", "payments-availability-eu")
    example.write("services/payments/slo/availability.yaml", document + "---\n" + second)
    example.commit("a second availability SLO")
    example.git("checkout", "-q", "main")
    example.git("merge", "-q", "--ff-only", "change")
    assert by_name(card_of(example))["payments"]["slo_count"] == 3


def test_baselined_debt_per_service_tier_team_and_its_burn_down(example: GitRepo) -> None:
    """The demo adopts gate with a baseline of three findings (cart: two, search: one); the trend
    shows the debt where the baseline existed, and the Markdown page says it per tier and team."""
    example.git("checkout", "-q", "main")
    example.write(
        "gate-baseline.yaml",
        "apiVersion: gate/v1\nkind: Baseline\nfindings:\n"
        '  - {service: "cart", rule: "rollback-plan", fingerprint: "00000000000000aa", since: 2026-11-01, count: 2, subject: "x"}\n'
        '  - {service: "search", rule: "runbook-sections", fingerprint: "00000000000000bb", since: 2026-11-01, subject: "y"}\n',
    )
    example.commit("baseline")
    card = card_of(example, months=2)
    assert list(validator("scorecard").iter_errors(card)) == []
    services = by_name(card)
    assert (services["cart"]["baselined"], services["search"]["baselined"]) == (2, 1)
    assert card["fleet"]["baselined"] == 3
    assert {r["tier"]: r["baselined"] for r in card["tiers"]} == {0: 0, 1: 1, 2: 2, 3: 0}
    assert [p.get("baselined") for p in card["trend"]][-1] == 3
    page = render_markdown(card)
    assert "## Baselined debt" in page and "tier 1 1, tier 2 2" in page and "Burn-down: " in page
