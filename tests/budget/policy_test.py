"""`gate check` with error budgets from a real Prometheus: blocks, exemptions, fail-open/closed."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.typed import present

from budget import budget_repo
from gate import check
from gate.git import Repo
from gate.verdict import Verdict


def judge(repo: GitRepo, **kw: Any) -> Verdict:
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY, **kw)


def touch(repo: GitRepo, service: str, path: str = "src/app.py", message: str = "feature") -> str:
    repo.write(f"services/{service}/{path}", f"x = {repo.git('rev-parse', 'HEAD')!r}\n")
    return repo.commit(message)


def test_exhausted_service_blocks_with_the_evidence(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    touch(repo, "exhausted")
    v = judge(repo)
    assert v.verdict == "block" and v.exit_code == 1
    (finding,) = v.services[0].findings
    assert (finding.rule, finding.severity, finding.file, finding.line) == (
        "error-budget",
        "error",
        "services/exhausted/service.yaml",
        7,
    )
    for evidence in (
        "99.9% over 28d",
        "budget remaining -100.0%",
        "burn rates 1h 2.00x, 6h 2.00x, 1d 2.00x, 3d 2.00x",
        f"prometheus {prometheus.url}",
        'sum(rate(http_requests_total{service="exhausted"}[28d]))',
    ):
        assert evidence in finding.message
    budget = present(v.services[0].budget)
    assert budget.state == "exhausted" and budget.slos[0].remaining == pytest.approx(-1.0, abs=0.01)


def test_healthy_service_passes(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    touch(repo, "healthy")
    v = judge(repo)
    assert v.verdict == "pass" and present(v.services[0].budget).state == "ok"


def test_a_verified_revert_goes_through(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    repo.git("checkout", "-q", "main")
    bad = touch(repo, "exhausted", message="the change that hurt")
    repo.branch("revert")
    repo.git("revert", "--no-edit", bad)
    v = judge(repo)
    assert v.verdict == "pass"
    (finding,) = v.services[0].findings
    assert finding.severity == "info" and f"verified revert of {bad[:12]}" in finding.message


def test_a_revert_message_without_the_revert_is_not_exempt(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    repo.git("checkout", "-q", "main")
    bad = touch(repo, "exhausted", message="the change that hurt")
    repo.branch("fake")
    touch(repo, "exhausted", message=f'Revert "the change that hurt"\n\nThis reverts commit {bad}.')
    assert judge(repo).verdict == "block"


def test_reliability_only_change_goes_through(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    repo.write("services/exhausted/docs/runbook.md", "# runbook\n## Mitigation\nroll back\n")
    repo.commit()
    v = judge(repo)
    assert v.verdict == "pass" and "only reliability material" in v.services[0].findings[0].message


@pytest.mark.parametrize(
    "code",
    [
        "services/exhausted/tests/test_app.py",
        "services/exhausted/src/alerts/page.py",
        "services/exhausted/runbook_hooks.py",
        "services/exhausted/src/test/__init__.py",
        "services/exhausted/docs/conf.py",
        "services/exhausted/slo/rules.sh",
    ],
)
def test_code_named_like_reliability_material_is_not_exempt(
    repo: GitRepo, prometheus: Any, code: str
) -> None:
    """Attack: ship code through an exhausted budget beside a runbook edit, named like docs, alerts or tests."""
    budget_repo.build(repo, prometheus.url)
    repo.write("services/exhausted/docs/runbook.md", "# runbook\n## Mitigation\nroll back\n")
    repo.write(code, "import os\nos.system('deploy')\n")
    repo.commit()
    assert judge(repo).verdict == "block"


def test_manifest_edits_are_never_reliability_only(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    repo.replace("services/exhausted/service.yaml", "owners: {team: t}", "owners: {team: t2}")
    repo.commit()
    assert judge(repo).verdict == "block"


def test_fast_burn_warns_by_default_and_can_block(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    touch(repo, "burning")
    v = judge(repo)
    assert v.verdict == "warn" and v.services[0].findings[0].rule == "error-budget-burn"
    assert "fast burn in progress (13.44x over 1h and 5m)" in v.services[0].findings[0].message


def test_fast_burn_block_configured(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url, "  on_fast_burn: block\n")
    touch(repo, "burning")
    assert judge(repo).verdict == "block"


def test_exhaustion_only_warns_where_configured(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url, "  on_exhausted: {1: warn}\n")
    touch(repo, "exhausted")
    v = judge(repo)
    assert (
        v.verdict == "warn"
        and "recommend delaying this change" in v.services[0].findings[0].message
    )


def test_tier3_default_is_warn(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url, tiers={"exhausted": 3})
    touch(repo, "exhausted")
    assert judge(repo).verdict == "warn"


def test_no_data_warns_for_tier1(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    touch(repo, "idle")
    v = judge(repo)
    assert v.verdict == "warn" and v.services[0].findings[0].rule == "error-budget-no-data"


def test_source_down_fails_closed_for_tier1_with_exit_3(repo: GitRepo) -> None:
    from testing.prometheus import free_port

    budget_repo.build(repo, f"http://127.0.0.1:{free_port()}")
    touch(repo, "healthy")
    v = judge(repo)
    assert v.verdict == "block" and v.undecided and v.exit_code == 3
    assert "failing closed for tier 1" in v.services[0].findings[0].message


def test_source_down_fails_open_where_configured(repo: GitRepo) -> None:
    from testing.prometheus import free_port

    budget_repo.build(repo, f"http://127.0.0.1:{free_port()}", "  on_unavailable: warn\n")
    touch(repo, "healthy")
    v = judge(repo)
    assert (
        v.verdict == "warn"
        and v.exit_code == 0
        and "failing open" in v.services[0].findings[0].message
    )


def test_offline_skips_budgets_and_says_so(repo: GitRepo) -> None:
    budget_repo.build(repo, "http://127.0.0.1:1")
    touch(repo, "exhausted")
    v = judge(repo, offline=True)
    assert v.verdict == "pass"
    (slo,) = present(v.services[0].budget).slos
    assert slo.state == "not-measured" and "offline" in present(slo.reason)


def _event(tmp_path: Any, author: str = "dana") -> str:
    path = tmp_path / "event.json"
    path.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {
                    "number": 7,
                    "user": {"login": author},
                    "head": {"sha": "abc"},
                    "labels": [{"name": "p0-fix"}],
                },
            }
        )
    )
    return str(path)


LABELS = "  exempt:\n    labels: {p0-fix: [rita, '@sam']}\n"


def _review(login: str, state: str = "APPROVED", commit: str = "abc") -> dict[str, Any]:
    return {"user": {"login": login}, "state": state, "commit_id": commit}


LABELED_BY_RITA = [{"event": "labeled", "label": {"name": "p0-fix"}, "actor": {"login": "rita"}}]


@pytest.mark.parametrize(
    "events, reviews, verdict",
    [
        (LABELED_BY_RITA, [_review("rita")], "pass"),
        (
            [{"event": "labeled", "label": {"name": "p0-fix"}, "actor": {"login": "Sam"}}],
            [_review("sam")],
            "pass",
        ),
        (
            [{"event": "labeled", "label": {"name": "p0-fix"}, "actor": {"login": "dana"}}],
            [_review("dana")],
            "block",
        ),  # the author
        (
            [{"event": "labeled", "label": {"name": "p0-fix"}, "actor": {"login": "mallory"}}],
            [_review("mallory")],
            "block",
        ),  # not allowed
        (
            LABELED_BY_RITA
            + [{"event": "unlabeled", "label": {"name": "p0-fix"}, "actor": {"login": "rita"}}],
            [_review("rita")],
            "block",
        ),
        (
            [{"event": "labeled", "label": {"name": "hotfix"}, "actor": {"login": "rita"}}],
            [_review("rita")],
            "block",
        ),
        (LABELED_BY_RITA, [], "block"),  # labeled, never approved
        (
            LABELED_BY_RITA,
            [_review("rita", commit="0ld")],
            "block",
        ),  # approved an earlier head: new commits came since
        (
            LABELED_BY_RITA,
            [_review("rita"), _review("rita", "CHANGES_REQUESTED")],
            "block",
        ),  # her latest word is no
        (
            LABELED_BY_RITA,
            [_review("sam")],
            "block",
        ),  # someone else approved: the label is still rita's alone
    ],
)
def test_p0_label_must_come_from_an_allowed_approver_who_approved_this_head(
    repo: GitRepo,
    prometheus: Any,
    httpserver: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    events: list[dict[str, Any]],
    reviews: list[dict[str, Any]],
    verdict: str,
) -> None:
    budget_repo.build(repo, prometheus.url, LABELS)
    touch(repo, "exhausted")
    httpserver.expect_request("/repos/acme/shop/issues/7/events").respond_with_json(events)
    httpserver.expect_request("/repos/acme/shop/pulls/7/reviews").respond_with_json(reviews)
    monkeypatch.setenv("GITHUB_EVENT_PATH", _event(tmp_path))
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_test_token")
    v = judge(repo)
    assert v.verdict == verdict
    if verdict == "pass":
        assert "who approved this head commit" in v.services[0].findings[0].message


def test_github_down_means_no_label_exemption(
    repo: GitRepo, prometheus: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    budget_repo.build(repo, prometheus.url, LABELS)
    touch(repo, "exhausted")
    monkeypatch.setenv("GITHUB_EVENT_PATH", _event(tmp_path))
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:1")
    assert judge(repo).verdict == "block"


def test_gate_budget_command(repo: GitRepo, prometheus: Any, gate_cli: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    code, out, _ = gate_cli("budget", "--repo", repo.path, "exhausted", "healthy")
    assert code == 0
    assert (
        "exhausted (tier 1)\n  exhausted    SLO 'exhausted-availability' 99.9% over 28d: budget remaining -100.0%"
        in out
    )
    assert "healthy (tier 1)\n  ok           SLO 'healthy-availability'" in out
    code, out, _ = gate_cli("budget", "--repo", repo.path, "--format", "json")
    doc = json.loads(out)
    assert {s["name"]: s["state"] for s in doc["services"]} == {
        "burning": "fast-burn",
        "exhausted": "exhausted",
        "healthy": "ok",
        "idle": "no-data",
    }
    code, _, err = gate_cli("budget", "--repo", repo.path, "nope")
    assert code == 2 and "no service named 'nope'" in err


@pytest.mark.parametrize("mode", ["symlink", "executable"])
def test_a_document_that_is_not_a_regular_file_is_not_exempt(
    repo: GitRepo, prometheus: Any, mode: str
) -> None:
    """Attack: a symlink (or an executable) named like a runbook, which the service's code then loads."""
    import os

    budget_repo.build(repo, prometheus.url)
    path = repo.root / "services/exhausted/docs/notes.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    if mode == "symlink":
        os.symlink("../src/app.py", path)
    else:
        path.write_text("#!/bin/sh\ndeploy\n")
        path.chmod(0o755)
    repo.commit()
    assert judge(repo).verdict == "block"


DATADOG_SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: quiet-latency}
spec:
  service: quiet
  indicator:
    metadata: {name: quiet-latency}
    spec:
      ratioMetric:
        good: {metricSource: {type: Datadog, spec: {query: 'sum:trace.hits{ok}.as_count()'}}}
        total: {metricSource: {type: Datadog, spec: {query: 'sum:trace.hits{*}.as_count()'}}}
  timeWindow: [{duration: 28d, isRolling: true}]
  budgetingMethod: Occurrences
  objectives: [{target: 0.99}]
"""


@pytest.mark.parametrize("tier, severity", [(1, "warning"), (3, "info")])
def test_an_unmeasurable_slo_is_visible_in_every_output(
    repo: GitRepo, prometheus: Any, gate_cli: Any, tier: int, severity: str
) -> None:
    from gate.report import renderer

    budget_repo.build(repo, prometheus.url)
    repo.write(
        "services/quiet/service.yaml",
        f"apiVersion: gate/v1\nkind: Service\nname: quiet\ntier: {tier}\nowners: {{team: t}}\nslos:\n  - openslo: services/quiet/slo.yaml\n",
    )
    repo.write("services/quiet/slo.yaml", DATADOG_SLO)
    repo.write("services/quiet/src/app.py", "x = 1\n")
    repo.commit("quiet service")
    v = judge(repo)
    (service,) = v.services
    (finding,) = service.findings
    assert (finding.rule, finding.severity, finding.file, finding.line) == (
        "error-budget-unmeasurable",
        severity,
        "services/quiet/slo.yaml",
        14,
    )
    words = "error budget cannot be measured: OpenSLO SLO 'quiet-latency': objectives[0]: metric source type 'Datadog' is not read by gate"
    assert finding.message.startswith(words)
    assert present(service.budget).state == "unmeasurable"
    for name in ("text", "markdown", "json", "sarif", "junit", "github"):
        assert "error budget cannot be measured" in renderer(name)(v), name
    code, out, _ = gate_cli("budget", "--repo", repo.path, "quiet")
    assert (
        code == 0
        and "  unmeasurable services/quiet/slo.yaml:14: error budget cannot be measured: OpenSLO SLO 'quiet-latency'"
        in out
    )
    code, out, _ = gate_cli("budget", "--repo", repo.path, "--format", "json", "quiet")
    assert json.loads(out)["services"][0]["state"] == "unmeasurable"
    # the repository can make it stricter or quieter per tier
    repo.git("checkout", "-q", "main")
    repo.write(".gate.yaml", repo.read(".gate.yaml") + "  on_unmeasurable: {1: block, 3: off}\n")
    repo.commit("stricter")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "main")
    v = judge(repo)
    assert [f.severity for f in v.services[0].findings] == (["error"] if tier == 1 else [])


def test_making_an_openslo_document_unmeasurable_does_not_switch_the_budget_off(
    repo: GitRepo, prometheus: Any
) -> None:
    # the base measures 'exhausted' through an OpenSLO document with plain counter queries
    budget_repo.build(repo, prometheus.url)
    repo.git("checkout", "-q", "main")
    doc = (
        DATADOG_SLO.replace("quiet", "exhausted")
        .replace(
            "good: {metricSource: {type: Datadog, spec: {query: 'sum:trace.hits{ok}.as_count()'}}}",
            """good: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total{service="exhausted",code!~"5.."})'}}}""",
        )
        .replace(
            "total: {metricSource: {type: Datadog, spec: {query: 'sum:trace.hits{*}.as_count()'}}}",
            """total: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total{service="exhausted"})'}}}""",
        )
        .replace("target: 0.99}", "target: 0.999}")
    )
    repo.write(
        "services/exhausted/service.yaml",
        budget_repo.manifest("exhausted").split("slos:")[0]
        + "slos:\n  - openslo: services/exhausted/slo.yaml\n",
    )
    repo.write("services/exhausted/slo.yaml", doc)
    repo.commit("openslo")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "main")
    touch(repo, "exhausted")
    assert judge(repo).verdict == "block"
    # the change points the document at a source gate does not read
    repo.replace("services/exhausted/slo.yaml", "type: Prometheus", "type: Datadog")
    touch(repo, "exhausted")
    v = judge(repo)
    found = {f.rule for f in v.services[0].findings}
    assert v.verdict == "block" and {"error-budget", "slo-definition-changed"} <= found, found
