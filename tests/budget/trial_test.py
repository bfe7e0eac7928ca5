"""SLI queries tried before merge, against a real Prometheus on 127.0.0.1 (and hostile stand-ins)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.prometheus import free_port
from werkzeug import Request, Response

from budget import budget_repo
from gate import check
from gate.budget.trial import RULE
from gate.git import Repo
from gate.verdict import Finding, Verdict

SLO_AT = 7  # the line of `- name:` under slos: in budget_repo's manifests


def judge(repo: GitRepo, **kw: Any) -> Verdict:
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY, **kw)


def tried(verdict: Verdict) -> list[Finding]:
    return [f for s in verdict.services for f in s.findings if f.rule == RULE]


def write_slo(repo: GitRepo, service: str, good: str, total: str, tier: int = 1) -> None:
    """The change rewrites the service's SLO queries (an edited SLO)."""
    text = budget_repo.manifest(service, tier).split("    indicator:")[0]
    repo.write(
        f"services/{service}/service.yaml",
        text
        + f"    indicator:\n      prometheus:\n        good: '{good}'\n        total: '{total}'\n",
    )
    repo.commit("edit the SLO")


def total(selector: str) -> str:
    return f"sum(rate({selector}[{{{{window}}}}]))"


def requests_slo(repo: GitRepo, metric: str, label: str, tier: int = 1) -> None:
    """The change rewrites healthy's SLO to count `metric` for service=`label`."""
    write_slo(
        repo,
        "healthy",
        total(f'{metric}{{service="{label}",code!~"5.."}}'),
        total(f'{metric}{{service="{label}"}}'),
        tier=tier,
    )


@pytest.mark.parametrize(
    ("metric", "label", "said"),
    [
        (
            "http_requsts_total",
            "healthy",
            "metric http_requsts_total has no series in Prometheus (closest existing metric: http_requests_total)",
        ),
        (
            "http_requests_total",
            "helthy",
            "no series has service='helthy' on http_requests_total (closest seen: service='healthy')",
        ),
        (
            "http_requests_total",
            "quiet",
            "its total is 0 over 28d, so the ratio divides by zero",
        ),
    ],
    ids=["misspelled-metric", "absent-label-value", "zero-total"],
)
def test_an_slo_that_would_measure_nothing_is_a_warning_at_its_line(
    repo: GitRepo, prometheus: Any, metric: str, label: str, said: str
) -> None:
    """Good and total share the mistake: one finding, with what is closest."""
    budget_repo.build(repo, prometheus.url)
    requests_slo(repo, metric, label)
    (finding,) = tried(judge(repo))
    assert (finding.severity, finding.file, finding.line) == (
        "warning",
        "services/healthy/service.yaml",
        SLO_AT,
    )
    assert said in finding.message


def test_a_query_prometheus_rejects_is_a_finding(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    write_slo(
        repo,
        "healthy",
        total('http_requests_total{service="healthy",code!~"5.."}'),
        'sum(rate(http_requests_total{service="healthy"}[{{window}}])',
    )
    (finding,) = tried(judge(repo))
    assert finding.severity == "warning"
    assert "Prometheus rejects its total query: PromQL error (bad_data)" in finding.message


def test_a_healthy_slo_gives_no_finding(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    requests_slo(repo, "http_requests_total", "healthy")
    assert tried(judge(repo)) == []


def test_an_unchanged_slo_is_not_tried(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    repo.write("services/idle/src/app.py", "x = 1\n")  # idle's SLO matches nothing, but is old
    repo.commit("feature")
    assert tried(judge(repo)) == []


def test_an_added_sloth_spec_is_tried_too(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    repo.write(
        "services/healthy/slo/sloth.yaml",
        "version: prometheus/v1\nservice: healthy\nslos:\n  - name: requests\n    objective: 99.9\n"
        "    sli:\n      events:\n"
        '        error_query: sum(rate(http_requests_total{service="healthy",code=~"5.."}[{{.window}}]))\n'
        "        total_query: sum(rate(http_request_total[{{.window}}]))\n"
        "    alerting: {name: HealthyRequests}\n",
    )
    text = repo.read("services/healthy/service.yaml")
    repo.write("services/healthy/service.yaml", text + "  - sloth: slo/sloth.yaml\n")
    repo.commit("a Sloth SLO")
    (finding,) = tried(judge(repo))
    assert finding.file == "services/healthy/slo/sloth.yaml" and finding.line == 4
    assert "metric http_request_total has no series" in finding.message
    assert "closest existing metric: http_requests_total" in finding.message


OPENSLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {name: healthy-requests}
spec:
  service: healthy
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  indicator:
    metadata: {name: healthy-requests}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total{service="healthy",code="200"})'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'sum(http_requests_total{service="healthy",code="2000"})'}}}
  objectives: [{target: 0.999}]
"""


def test_an_added_openslo_document_is_tried_too(repo: GitRepo, prometheus: Any) -> None:
    """A counter's plain selector is windowed (increase over 28d) and tried; the typo is a label value."""
    budget_repo.build(repo, prometheus.url)
    repo.write("services/healthy/slo/openslo.yaml", OPENSLO)
    text = repo.read("services/healthy/service.yaml")
    repo.write("services/healthy/service.yaml", text + "  - openslo: slo/openslo.yaml\n")
    repo.commit("an OpenSLO SLO")
    (finding,) = tried(judge(repo))
    assert finding.file == "services/healthy/slo/openslo.yaml" and finding.line == 15
    assert (
        "no series has code='2000' on http_requests_total (closest seen: code='200')"
        in finding.message
    )


def broken_slo(repo: GitRepo, url: str) -> None:
    budget_repo.build(repo, url, tiers={"healthy": 2})
    requests_slo(repo, "http_requsts_total", "healthy", tier=2)


def test_a_prometheus_that_is_down_gives_a_note_never_a_block(repo: GitRepo) -> None:
    broken_slo(repo, f"http://127.0.0.1:{free_port()}")
    v = judge(repo)
    (note,) = tried(v)
    assert note.severity == "info" and v.verdict != "block"
    assert "could not be tried against Prometheus" in note.message
    assert "connection refused" in note.message


@pytest.mark.parametrize(
    "answer",
    [
        Response("<html>login</html>", 200, content_type="text/html"),
        Response(json.dumps({"status": "success", "data": {"resultType": "matrix"}}), 200),
        Response("[" * 100 + "]" * 100, 200, content_type="application/json"),
        Response("", 302, headers={"Location": "http://example.com/"}),
        Response("x" * (6 * 1024 * 1024), 200, content_type="application/json"),
    ],
    ids=["html", "wrong-shape", "deep", "redirect", "huge"],
)
def test_a_hostile_prometheus_gives_a_note(repo: GitRepo, httpserver: Any, answer: Any) -> None:
    httpserver.expect_request("/api/v1/query").respond_with_response(answer)
    broken_slo(repo, httpserver.url_for("/").rstrip("/"))
    v = judge(repo)
    (note,) = tried(v)
    assert note.severity == "info" and v.verdict != "block"
    assert "could not be tried against Prometheus" in note.message


def test_a_slow_prometheus_is_asked_once_and_gives_a_note(repo: GitRepo, httpserver: Any) -> None:
    asked = []

    def slow(request: Request) -> Response:
        asked.append(request.path)
        time.sleep(1.5)
        return Response(json.dumps({"status": "success", "data": {}}), 200)

    httpserver.expect_request("/api/v1/query").respond_with_handler(slow)
    budget_repo.build(  # budgets from a status file: only the trial asks Prometheus
        repo,
        httpserver.url_for("/").rstrip("/"),
        "  source: file\n  file: {path: /nonexistent/slo-status.json}\n",
        tiers={"healthy": 2, "burning": 2},
    )
    repo.git("checkout", "-q", "main")
    repo.write(".gate.yaml", repo.read(".gate.yaml").replace("timeout: 3", "timeout: 0.5"))
    repo.commit("a short timeout")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "main")
    for name in ("healthy", "burning"):
        write_slo(repo, name, total(f'a_total{{service="{name}"}}'), total("b_total"), tier=2)
    v = judge(repo)
    notes = tried(v)
    assert [n.severity for n in notes] == ["info", "info"]  # one per service
    assert "timed out after 0.5s (1 attempt)" in notes[0].message
    assert asked == ["/api/v1/query"]  # the trial stopped at its first failure


def test_offline_and_staged_runs_skip_it_and_say_so(repo: GitRepo, prometheus: Any) -> None:
    budget_repo.build(repo, prometheus.url)
    requests_slo(repo, "http_requsts_total", "healthy")
    (note,) = tried(judge(repo, offline=True))
    assert note.severity == "info" and "offline run" in note.message
    text = repo.read("services/healthy/service.yaml")
    repo.write("services/healthy/service.yaml", text.replace("99.9", "99.5"))
    repo.git("add", "-A")
    (note,) = tried(check.run(Repo(repo.path), staged=True, today=TODAY))
    assert note.severity == "info" and "staged change" in note.message
