"""One SLO record: an SLO is judged alike whatever format defines it.

Inline in service.yaml, an OpenSLO document (a single SLO, a list, a stream of documents, an SLO
whose SLI is referenced by name) and a Sloth spec are each normalised into the same record
(gate/budget/records.py: SLO), and the SLO rules read the record. So loosening an objective,
lengthening a window or dropping a selector from a query is `manifest-drift` (an error at tiers 0
and 1) in every format, with no budget source configured, and the finding points at the line of
the document that defines the SLO. Before the record, only the inline format was caught.
"""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import GitRepo

from gate import check
from gate.check import validate
from gate.git import Repo
from gate.verdict import Finding

GOOD = 'sum(rate(http_requests_total{service="svc",code!~"5.."}[{{window}}]))'
TOTAL = 'sum(rate(http_requests_total{service="svc"}[{{window}}]))'
ERRORS = 'sum(rate(http_requests_total{service="svc",code=~"5.."}[{{window}}]))'
TOTAL_SLOTH = 'sum(rate(http_requests_total{service="svc"}[{{window}}]))'

INLINE = f"""slos:
  - name: svc-availability
    sli: availability
    objective: 99.9
    window: 28d
    indicator:
      prometheus:
        good: {GOOD}
        total: {TOTAL}
"""

OPENSLO_SLO = f"""apiVersion: openslo/v1
kind: SLO
metadata:
  name: svc-availability
spec:
  service: svc
  indicator:
    metadata:
      name: svc-good-requests
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: {GOOD}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: {TOTAL}
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: svc availability
      target: 0.999
"""

OPENSLO_REF = f"""apiVersion: openslo/v1
kind: SLI
metadata:
  name: svc-good-requests
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: Prometheus
        spec:
          query: {GOOD}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: {TOTAL}
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: svc-availability
spec:
  service: svc
  indicatorRef: svc-good-requests
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: svc availability
      target: 0.999
"""

SERVICE_DOC = "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: svc\nspec: {}\n"

SLOTH = f"""version: prometheus/v1
service: svc
slos:
  - name: availability
    objective: 99.9
    sli:
      events:
        error_query: {ERRORS}
        total_query: {TOTAL_SLOTH}
    alerting:
      name: SvcAvailability
      page_alert: {{disable: true}}
      ticket_alert: {{disable: true}}
"""


def _as_list(document: str) -> str:
    """The same SLO as the one item of a YAML list of OpenSLO objects."""
    return "- " + document.replace("\n", "\n  ").rstrip() + "\n"


FORMATS: dict[str, tuple[str, dict[str, str]]] = {
    # format: (the manifest's slos: block, {document path: text})
    "inline": (INLINE, {}),
    "openslo-single": ("slos:\n  - openslo: slo/svc.yaml\n", {"slo/svc.yaml": OPENSLO_SLO}),
    "openslo-list": ("slos:\n  - openslo: slo/svc.yaml\n", {"slo/svc.yaml": _as_list(OPENSLO_SLO)}),
    "openslo-stream": (
        "slos:\n  - openslo: slo/svc.yaml\n",
        {"slo/svc.yaml": SERVICE_DOC + "---\n" + OPENSLO_SLO},
    ),
    "openslo-referenced-sli": ("slos:\n  - openslo: slo/svc.yaml\n", {"slo/svc.yaml": OPENSLO_REF}),
    "sloth": ("slos:\n  - sloth: slo/svc.yaml\n    window: 28d\n", {"slo/svc.yaml": SLOTH}),
}

EDITS = {
    # edit: (old text, new text, what the finding's message says)
    "loosen-objective": (("99.9", "99.5"), ("0.999", "0.995"), "loosened"),
    "lengthen-window": (("28d", "90d"), ("28d", "90d"), "window lengthened"),
    "drop-selector": (('{service="svc",', "{"), ('{service="svc",', "{"), "count as good"),
}


def _manifest(tier: int, slos: str) -> str:
    return (
        f"apiVersion: gate/v1\nkind: Service\nname: svc\ntier: {tier}\n"
        "owners: {team: t, oncall: t-primary, escalation: [sre]}\n"
        f"{slos}runbook: https://runbooks.example.com/svc\n"
        "rollback: {strategy: revert, plan: https://runbooks.example.com/svc-rollback}\n"
    )


def _drift(repo: GitRepo) -> list[Finding]:
    verdict = check.run(Repo(repo.path), base="main", head="HEAD", today=dt.date(2026, 11, 24))
    return [f for s in verdict.services for f in s.findings if f.rule == "manifest-drift"]


@pytest.mark.parametrize("tier", [0, 1])
@pytest.mark.parametrize("edit", sorted(EDITS))
@pytest.mark.parametrize("form", sorted(FORMATS))
def test_loosening_an_slo_is_caught_alike_in_every_format(
    repo: GitRepo, form: str, edit: str, tier: int
) -> None:
    slos, documents = FORMATS[form]
    repo.write(".gate.yaml", "version: 1\npacks: [default]\n")
    repo.write("services/svc/service.yaml", _manifest(tier, slos))
    for path, text in documents.items():
        repo.write(f"services/svc/{path}", text)
    repo.write("services/svc/app.py", "x = 1\n")
    repo.commit("svc")
    repo.branch("change")
    inline, document, said = EDITS[edit]
    # the window of a Sloth spec is the manifest's (Sloth's own specs have none)
    where = (
        "service.yaml"
        if form == "inline" or (form == "sloth" and edit == "lengthen-window")
        else "slo/svc.yaml"
    )
    old, new = inline if where == "service.yaml" or form == "sloth" else document
    if form == "sloth" and edit == "drop-selector":
        old, new = '{service="svc",', "{"
    path = f"services/svc/{where}"
    text = repo.read(path)
    assert old in text, (old, path)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if old in t)
    repo.write(path, text.replace(old, new))
    repo.commit("edit the SLO")
    found = [f for f in _drift(repo) if said in f.message]
    assert found, f"{form}: {edit} not caught"
    (finding,) = found
    assert finding.severity == "error" and finding.file is not None
    assert finding.file == path or (form == "sloth" and finding.file.endswith("slo/svc.yaml"))
    lines = repo.read(finding.file).splitlines()
    assert finding.line is not None and 1 <= finding.line <= len(lines)
    if finding.file == path and edit != "drop-selector":
        assert abs(finding.line - line) <= 4, (finding.line, line)  # at the SLO, not the file's top


@pytest.mark.parametrize("form", sorted(FORMATS))
def test_the_tiers_objective_floor_reads_every_format(repo: GitRepo, form: str) -> None:
    """An availability SLO at 99% is below tier 0's floor (slo-objective-tier) in every format."""
    slos, documents = FORMATS[form]
    repo.write(".gate.yaml", "version: 1\npacks: [default]\n")
    repo.write(
        "services/svc/service.yaml", _manifest(0, slos.replace("99.9", "99").replace("28d", "28d"))
    )
    for path, text in documents.items():
        repo.write(f"services/svc/{path}", text.replace("0.999", "0.99").replace("99.9", "99"))
    repo.commit("svc")
    verdict = validate(Repo(repo.path), today=dt.date(2026, 11, 24))
    floor = [f for s in verdict.services for f in s.findings if f.rule == "slo-objective-tier"]
    assert len(floor) == 1, (form, [f.message for s in verdict.services for f in s.findings])
    assert (floor[0].file or "").endswith("service.yaml" if form == "inline" else "slo/svc.yaml")
