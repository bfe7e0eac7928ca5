"""Each built-in check kind against manifests committed to a real repository."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.typed import present

from gate.catalog import load_service
from gate.git import Repo
from gate.policy import kinds
from gate.policy.kinds import CheckContext
from gate.snapshot import Snapshot

BASE = "apiVersion: gate/v1\nkind: Service\nname: shop\ntier: 1\n"


def _run(
    repo: GitRepo,
    kind: str,
    params: dict[str, Any],
    manifest: str,
    files: dict[str, str] | None = None,
    base_manifest: str | None = None,
) -> list[tuple[str, str | None, int | None]]:
    if base_manifest is not None:
        repo.write("svc/service.yaml", base_manifest)
        repo.commit("base")
    for path, text in (files or {}).items():
        repo.write(path, text)
    repo.write("svc/service.yaml", manifest)
    head = repo.commit("head")
    r = Repo(repo.path)
    base_rev = r.parent(head)
    ctx = CheckContext(
        head=Snapshot(r, head),
        base=Snapshot(r, base_rev),
        today=TODAY,
        github_org=params.pop("_org", None),
    )
    service = present(load_service(ctx.head, "svc/service.yaml"))
    return [(p.message, p.file, p.line) for p in kinds.KINDS[kind].fn(ctx, service, params)]


def test_file_exists(repo: GitRepo) -> None:
    manifest = BASE + "runbook: svc/runbook.md\n"
    assert (
        _run(repo, "file_exists", {"field": "runbook"}, manifest, {"svc/runbook.md": "# r\n"}) == []
    )


def test_file_exists_missing_field_and_missing_file(repo: GitRepo) -> None:
    assert _run(repo, "file_exists", {"field": "runbook"}, BASE) == [
        ("runbook is not set", "svc/service.yaml", 1)
    ]
    assert _run(repo, "file_exists", {"field": "runbook"}, BASE + "runbook: nope.md\n") == [
        (
            "runbook 'nope.md' (read as svc/nope.md) does not exist at this revision (paths are relative to svc/; a leading / means the repository root)",
            "svc/service.yaml",
            5,
        )
    ]


def test_file_exists_directory_symlink_and_url(repo: GitRepo) -> None:
    repo.write("svc/docs/x.md", "x")
    os.makedirs(repo.root / "svc", exist_ok=True)
    os.symlink("/etc/passwd", repo.root / "svc/escape.md")
    assert (
        "is a directory"
        in _run(repo, "file_exists", {"field": "runbook"}, BASE + "runbook: docs\n")[0][0]
    )
    assert (
        "symbolic link"
        in _run(repo, "file_exists", {"field": "runbook"}, BASE + "runbook: /svc/escape.md\n")[0][0]
    )
    assert _run(repo, "file_exists", {"field": "runbook"}, BASE + "runbook: https://wiki/x\n") == []
    assert (
        "not a URL"
        in _run(
            repo,
            "file_exists",
            {"field": "runbook", "allow_url": False},
            BASE + "runbook: https://wiki/x\n",
        )[0][0]
    )


def test_file_exists_fans_out_over_lists(repo: GitRepo) -> None:
    manifest = BASE + "slos:\n  - openslo: a.yaml\n  - openslo: b.yaml\n  - name: x\n"
    out = _run(
        repo,
        "file_exists",
        {"field": "slos[].openslo", "required": False},
        manifest,
        {"svc/a.yaml": "a"},
    )
    assert out == [
        (
            "slos[].openslo 'b.yaml' (read as svc/b.yaml) does not exist at this revision (paths are relative to svc/; a leading / means the repository root)",
            "svc/service.yaml",
            7,
        )
    ]


RUNBOOK_SECTIONS = [["Symptoms", "Alerts"], ["Diagnosis"], ["Mitigation"], ["Escalation"]]


def test_markdown_sections(repo: GitRepo) -> None:
    runbook = "# R\n## Alerts firing\nx\n## How to diagnose\ny\n### Diagnosis steps\nz\n## Mitigation\n\n## Other\nq\n"
    out = _run(
        repo,
        "markdown_sections",
        {"field": "runbook", "sections": RUNBOOK_SECTIONS},
        BASE + "runbook: svc/r.md\n",
        {"svc/r.md": runbook},
    )
    assert out == [
        ("svc/r.md: section 'Mitigation' is empty", "svc/r.md", 8),
        ("svc/r.md has no 'Escalation' section", "svc/r.md", 1),
    ]


def test_markdown_sections_skips_urls_and_missing_files(repo: GitRepo) -> None:
    params = {"field": "runbook", "sections": ["Symptoms"]}
    assert _run(repo, "markdown_sections", dict(params), BASE + "runbook: https://wiki/x\n") == []
    assert _run(repo, "markdown_sections", dict(params), BASE + "runbook: svc/none.md\n") == []


def test_codeowners(repo: GitRepo) -> None:
    manifest = BASE + "owners: {team: payments}\n"
    assert (
        _run(
            repo,
            "codeowners",
            {},
            manifest,
            {".github/CODEOWNERS": "* @acme/platform\n/svc/ @acme/payments\n"},
        )
        == []
    )


def test_codeowners_wrong_team_last_match_wins(repo: GitRepo) -> None:
    manifest = BASE + "owners: {team: payments}\n"
    out = _run(
        repo,
        "codeowners",
        {},
        manifest,
        {"CODEOWNERS": "/svc/ @acme/payments\n*.yaml @acme/platform\n"},
    )
    assert out == [
        (
            "CODEOWNERS line 2 (*.yaml) gives svc/ to @acme/platform, not to team 'payments'; add the line `/svc/ @acme/payments` after it (the last matching line wins)",
            "CODEOWNERS",
            2,
        )
    ]


def test_codeowners_org_must_match_when_configured(repo: GitRepo) -> None:
    manifest = BASE + "owners: {team: payments}\n"
    out = _run(
        repo, "codeowners", {"_org": "acme"}, manifest, {"CODEOWNERS": "/svc/ @evil/payments\n"}
    )
    assert "`/svc/ @acme/payments`" in out[0][0]


def test_codeowners_missing_file_and_uncovered_path(repo: GitRepo) -> None:
    assert "no CODEOWNERS file" in _run(repo, "codeowners", {}, BASE)[0][0]
    out = _run(repo, "codeowners", {}, BASE, {"docs/CODEOWNERS": "/other/ @x\n/svc/\n"})
    assert out == [
        (
            "CODEOWNERS line 2 leaves unowned svc/service.yaml; add the line `/svc/ @<org>/<team>`",
            "docs/CODEOWNERS",
            2,
        )
    ]


@pytest.mark.parametrize(
    "metric, words",
    [
        ("http_requests_total", None),
        ("{name: http_server_request_duration_seconds, type: histogram}", None),
        ("Http-Requests", "not a valid Prometheus metric name"),
        ("HttpRequests_total", "lower snake_case"),
        ("job:http_requests:rate5m", "recording rules"),
        ("request_latency_milliseconds", "use _seconds"),
        ("payload_kb", "use _bytes"),
        ("cpu_percent", "use _ratio"),
        (
            "shop_http_requests_total",
            "service name 'shop' is baked into a generic metric; emit 'http_requests_total'",
        ),
        ("shop_orders_total", None),
        ("requests_total_count", "'_total' belongs only at the end"),
        ("{name: requests, type: counter}", "ends in _total"),
        ("{name: queue_depth_total, type: gauge}", "only counters end in _total"),
        ("request_duration_seconds_bucket", "_bucket/_count/_sum"),
    ],
)
def test_telemetry_names(repo: GitRepo, metric: str, words: str | None) -> None:
    out = _run(repo, "telemetry_names", {}, BASE + f"telemetry:\n  metrics:\n    - {metric}\n")
    if words is None:
        assert out == []
    else:
        assert len(out) >= 1 and words in out[0][0] and out[0][2] == 7


def test_max_age(repo: GitRepo) -> None:
    params = {"field": "rollback.last_tested", "days": 90}
    fresh = (TODAY - dt.timedelta(days=90)).isoformat()
    stale = (TODAY - dt.timedelta(days=91)).isoformat()
    future = (TODAY + dt.timedelta(days=1)).isoformat()
    assert _run(repo, "max_age", dict(params), BASE + f"rollback: {{last_tested: {fresh}}}\n") == []
    assert _run(repo, "max_age", dict(params), BASE + f"rollback: {{last_tested: {stale}}}\n") == [
        (
            f"rollback.last_tested {stale} is 91 days ago; tier 1 needs it within 90 days",
            "svc/service.yaml",
            5,
        )
    ]
    assert (
        "in the future"
        in _run(repo, "max_age", dict(params), BASE + f"rollback: {{last_tested: {future}}}\n")[0][
            0
        ]
    )
    assert (
        "is not a date"
        in _run(repo, "max_age", dict(params), BASE + "rollback: {last_tested: yesterday}\n")[0][0]
    )
    assert _run(repo, "max_age", dict(params), BASE + "rollback: {strategy: revert}\n") == [
        ("rollback.last_tested is not set (must be within 90 days)", "svc/service.yaml", 5)
    ]


def _slos(*items: str) -> str:
    return BASE + "slos:\n" + "".join(f"  - {i}\n" for i in items)


def test_slo_sane(repo: GitRepo) -> None:
    params = {"require_sli": ["availability", "latency"]}
    good = _slos("{name: a, sli: availability, objective: 99.95, window: 28d}")
    assert _run(repo, "slo_sane", dict(params), good) == []
    out = _run(
        repo,
        "slo_sane",
        dict(params),
        _slos(
            "{name: a, sli: availability, objective: 100, window: 28d}",
            "{name: a, sli: availability, objective: 0.999, window: 1m}",
            "{name: c, sli: availability, objective: 99.0, window: 4 weeks}",
        ),
    )
    messages = [m for m, _, _ in out]
    assert (
        "SLO 'a': objective 100 must be between 0 and 100 (exclusive); 100% leaves no error budget at all"
        in messages
    )
    assert "SLO name 'a' is used twice (also line 6)" in messages
    assert "SLO 'a': objective 0.999 looks like a ratio; write percent (e.g. 99.9)" in messages
    assert not any("window '1m'" in m for m in messages)  # a valid duration: slo_window's concern
    assert "SLO 'c': window '4 weeks' is not a duration like 28d, 30d or 4w" in messages
    assert not any("below the tier" in m for m in messages)  # slo_floor's job, not repeated here


def test_slo_window_inline_and_openslo(repo: GitRepo) -> None:
    openslo = (
        "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: o}\nspec:\n  service: s\n  indicator: {spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: {query: 'g[{{window}}]'}}}, "
        "total: {metricSource: {type: Prometheus, spec: {query: 't[{{window}}]'}}}}}}\n  timeWindow: [{duration: 1m, isRolling: true}]\n  budgetingMethod: Occurrences\n  objectives: [{target: 0.99}]\n"
    )
    manifest = _slos(
        "{name: a, sli: availability, objective: 99, window: 12h}",
        "{name: b, sli: availability, objective: 99, window: 28d}",
        "{openslo: svc/o.yaml}",
    )
    out = _run(repo, "slo_window", {"min_days": 1}, manifest, {"svc/o.yaml": openslo})
    assert out == [
        (
            "SLO 'a': window '12h' is shorter than 1 day(s); 'm' is minutes (did you mean 4w or 30d?)",
            "svc/service.yaml",
            6,
        ),
        (
            "SLO 'o': window '1m' is shorter than 1 day(s); 'm' is minutes (did you mean 4w or 30d?)",
            "svc/o.yaml",
            9,
        ),
    ]


def test_slo_definitions(repo: GitRepo) -> None:
    manifest = _slos(
        "{name: a, sli: availability, objective: 99, window: 28d, indicator: {prometheus: {good: 'vector(1)', total: 'y[{{window}}]'}}}"
    )
    assert _run(repo, "slo_definitions", {}, manifest) == [
        (
            "SLO 'a': good query cannot be measured over a window: the query selects no series",
            "svc/service.yaml",
            6,
        )
    ]
    # a query as users write it, with a fixed range, is measured over gate's windows
    manifest = _slos(
        "{name: a, sli: availability, objective: 99, window: 28d, indicator: {prometheus: {good: 'sum(rate(x[5m]))', total: 'y[{{window}}]'}}}"
    )
    assert _run(repo, "slo_definitions", {}, manifest) == []


def test_slo_floor(repo: GitRepo) -> None:
    manifest = _slos(
        "{name: a, sli: availability, objective: 99.0, window: 28d}",
        "{name: l, sli: latency, objective: 95, window: 28d}",
    )
    assert _run(repo, "slo_floor", {"min_availability": 99.9}, manifest) == [
        (
            "SLO 'a': availability objective 99% is below the tier-1 default of 99.9%",
            "svc/service.yaml",
            6,
        )
    ]


def test_slo_sane_requires_availability_or_latency(repo: GitRepo) -> None:
    params = {"require_sli": ["availability", "latency"]}
    out = _run(
        repo,
        "slo_sane",
        dict(params),
        _slos("{name: f, sli: freshness, objective: 99, window: 7d}"),
    )
    assert out == [("no availability or latency SLO; tier 1 needs one", "svc/service.yaml", 5)]
    assert _run(repo, "slo_sane", dict(params), _slos("{openslo: svc/slo.yaml}")) == []


def test_manifest_drift(repo: GitRepo) -> None:
    before = BASE + (
        "owners: {team: t, oncall: r, escalation: [a, b]}\n"
        "slos:\n  - {name: avail, sli: availability, objective: 99.9, window: 28d}\n  - {name: lat, sli: latency, objective: 99, window: 28d}\n"
        "runbook: svc/r.md\ntelemetry: {alerts: [A, B], dashboards: [d]}\n"
    )
    after = before.replace("tier: 1", "tier: 2").replace(
        "objective: 99.9, window: 28d", "objective: 99.5, window: 7d"
    )
    after = after.replace(
        "  - {name: lat, sli: latency, objective: 99, window: 28d}\n", ""
    ).replace("runbook: svc/r.md\n", "")
    after = after.replace("alerts: [A, B]", "alerts: [A]").replace("oncall: r, ", "")
    messages = sorted(
        m for m, _, _ in _run(repo, "manifest_drift", {}, after, base_manifest=before)
    )
    assert messages == sorted(
        [
            "tier lowered from 1 to 2 (a less critical tier gets fewer checks)",
            "SLO 'avail' loosened: objective 99.9 -> 99.5",
            "SLO 'avail' window shortened: 28d -> 7d",
            "SLO 'lat' deleted",
            "runbook removed",
            "owners.oncall removed",
            "telemetry.alerts: removed B",
        ]
    )


def test_manifest_drift_quiet_when_unchanged_or_tightened(repo: GitRepo) -> None:
    before = BASE + "slos:\n  - {name: a, sli: availability, objective: 99.9, window: 28d}\n"
    after = before.replace("tier: 1", "tier: 0").replace("99.9", "99.95")
    assert _run(repo, "manifest_drift", {}, after, base_manifest=before) == []
