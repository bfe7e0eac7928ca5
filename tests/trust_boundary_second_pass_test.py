"""The trust boundary, second pass: the siblings of the first round's attacks, from the attacker's side.

Each test is one hostile pull request (or one hostile answer from a budget source the attacker can
poison) against tier 0 payments and tier 1 checkout, beside its control, and fails if the trick
turns a verdict that must block into a pass or a warning, or crashes the gate. THREAT_MODEL.md
lists them by class.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.hostile_http import HostileServer, Script, drip, http_response

from gate import check
from gate.builtin_rules import RELIABILITY_MATERIAL
from gate.commands.explain import explain
from gate.git import Repo
from gate.verdict import Verdict

TARGETS = {
    0: ("payments", "services/payments/src/charge.py"),
    1: ("checkout", "services/checkout/src/app.py"),
}


def judge(repo: GitRepo, base: str = "main", head: str = "HEAD") -> Verdict:
    return check.run(Repo(repo.path), base=base, head=head, today=TODAY)


def feature(repo: GitRepo, code: str) -> None:
    repo.write(code, repo.read(code) + "\n\ndef new_feature():\n    return 1\n")


def errors(v: Verdict, service: str) -> set[str]:
    return {
        f.rule
        for s in v.services
        if s.name == service
        for f in s.findings
        if f.severity == "error" and not f.waiver
    }


# -- budget sources the attacker can poison ------------------------------------------------------
#
# Whoever can write one series into the operator's Prometheus answers for the budget. A value that
# is no measurement (NaN, an infinity, a negative or absurd count, good above total) must fail
# closed at the tier's setting (error at tiers 0-1), never become "no data" (a warning).


def _sample(value: str) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {"resultType": "vector", "result": [{"metric": {}, "value": [1, value]}]},
    }


def answers(good: str, total: str = "1") -> Any:
    """Prometheus answering `good` to good-event queries and `total` to the others."""

    def answer(query: str) -> Script:
        value = good if 'code!~"5.."' in query else total
        return [(0, http_response(json.dumps(_sample(value)).encode()))]

    return answer


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def on_prometheus(
    request: pytest.FixtureRequest, example: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """(service, verdict(answer)): a feature PR judged while Prometheus answers each query with `answer`."""
    name, code = TARGETS[request.param]
    example.git("checkout", "-q", "main")  # the operator's .gate.yaml measures from Prometheus
    example.replace(
        ".gate.yaml",
        "budgets:\n  source: file ",
        "budgets:\n  prometheus: {url: 'http://127.0.0.1:9', timeout: 1, retries: 0}\n"
        "  source: prometheus ",
    )
    example.commit("budgets from Prometheus")
    example.git("checkout", "-q", "change")
    example.git("merge", "-q", "--ff-only", "main")
    feature(example, code)
    example.commit("feature")

    def verdict(answer: Any) -> Verdict:
        with HostileServer(answer) as server:
            monkeypatch.setenv("GATE_PROMETHEUS_URL", server.url)
            return judge(example)

    return name, verdict


def test_control_a_spent_budget_measured_from_prometheus_blocks(on_prometheus: Any) -> None:
    name, verdict = on_prometheus
    v = verdict(answers("0.95"))
    assert v.verdict == "block" and "error-budget" in errors(v, name)
    assert verdict(answers("1")).verdict != "block"  # and a healthy one does not


def _fails_closed(v: Verdict, name: str) -> None:
    assert v.verdict == "block" and "error-budget-unavailable" in errors(v, name)
    (service,) = [s for s in v.services if s.name == name]
    assert service.budget is not None and service.budget.state == "unavailable"


@pytest.mark.parametrize(
    "good,total",
    [
        ("NaN", "1"),
        ("1", "NaN"),
        ("+Inf", "+Inf"),
        ("1e400", "1e400"),
        ("-5", "1"),
        ("1", "-1"),
        ("1e300", "1e300"),
        ("3", "1"),
    ],
)
def test_a_poisoned_series_fails_closed(on_prometheus: Any, good: str, total: str) -> None:
    name, verdict = on_prometheus
    _fails_closed(verdict(answers(good, total)), name)


def test_a_deeply_nested_answer_is_a_finding_not_an_internal_error(on_prometheus: Any) -> None:
    name, verdict = on_prometheus
    nested = b"[" * 100_000 + b"]" * 100_000
    _fails_closed(verdict(lambda query: [(0, http_response(nested))]), name)


@pytest.mark.parametrize("part", ["headers", "body"])
def test_an_answer_sent_a_byte_at_a_time_meets_the_deadline(on_prometheus: Any, part: str) -> None:
    name, verdict = on_prometheus
    whole = http_response(json.dumps(_sample("0.95")).encode())
    cut = whole.index(b"\r\n") if part == "headers" else whole.index(b"\r\n\r\n") + 4
    started = time.monotonic()
    v = verdict(lambda query: [(0, whole[:cut]), *drip(whole[cut:], 0.4)])
    assert (
        time.monotonic() - started < 20
    )  # each query: its 1 s timeout's 2 s deadline, not minutes
    _fails_closed(v, name)


# -- a source file that stops (or never started) defining a service ------------------------------
#
# A Backstage entity file is a source of services only while it holds a Component of a service
# type. A change that turns a tier 0-1 entity into another kind or type removes that service: it
# must be judged as a removal (error), never crash the gate (a crash blocks nobody).

ENTITY = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    gate.dev/tier: '{tier}'
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
"""

GROUP = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
spec:
  type: team
  children: []
"""


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def entity_service(request: pytest.FixtureRequest, repo: GitRepo) -> GitRepo:
    repo.write("services/pay/catalog-info.yaml", ENTITY.format(name="pay", tier=request.param))
    repo.write("services/pay/src/app.py", "x = 1\n")
    repo.write(
        "libs/x/catalog-info.yaml",
        ENTITY.format(name="x", tier=2).replace("type: service", "type: library"),
    )
    repo.commit()
    repo.branch("change")
    return repo


def test_control_a_code_change_in_an_entity_service_is_judged_at_its_tier(
    entity_service: GitRepo,
) -> None:
    entity_service.write("services/pay/src/app.py", "x = 2\n")
    entity_service.commit()
    (service,) = judge(entity_service).services
    assert service.name == "pay" and service.tier <= 1


@pytest.mark.parametrize(
    "old,new",
    [
        ("type: service", "type: library"),
        ("type: service", "type: website"),
        ("kind: Component", "kind: Resource"),
        ("kind: Component", "kind: Group"),
    ],
)
def test_changing_an_entitys_type_or_kind_is_a_removal_not_a_crash(
    entity_service: GitRepo, old: str, new: str
) -> None:
    entity_service.replace("services/pay/catalog-info.yaml", old, new)
    entity_service.write("services/pay/src/app.py", "x = 2\n")
    entity_service.commit()
    v = judge(entity_service)
    assert v.verdict == "block" and "manifest-removed" in errors(v, "pay")


@pytest.mark.parametrize(
    "trick", ["add-group", "delete-library", "move-library", "promote-library"]
)
def test_entity_files_that_define_no_service_are_no_crash(
    entity_service: GitRepo, trick: str
) -> None:
    repo = entity_service
    if trick == "add-group":
        repo.write("org/catalog-info.yaml", GROUP)
    elif trick == "delete-library":
        repo.remove("libs/x/catalog-info.yaml")
    elif trick == "move-library":
        repo.git("mv", "libs/x", "libs/y")
    else:
        repo.replace("libs/x/catalog-info.yaml", "type: library", "type: service")
    repo.write("services/pay/src/app.py", "x = 2\n")
    repo.commit()
    v = judge(repo)
    assert "pay" in {s.name for s in v.services}


# -- line ends the claims pre-filter did not know ------------------------------------------------
#
# A manifest may claim a document outside its directory (`runbook: /ops/...`). The pre-filter that
# skips parsing manifests that cannot claim anything treated only "\n" as a line end; YAML also
# ends lines with CR, NEL and U+2028/U+2029, so a comment line ended by one of them hid every claim
# after it, and an edit of the claimed runbook was "unowned".

LINE_ENDS = {"lf": "\n", "cr": "\r", "nel": "\x85", "ls": "\u2028", "ps": "\u2029"}


@pytest.mark.parametrize("end", list(LINE_ENDS), ids=list(LINE_ENDS))
def test_a_claim_after_an_odd_line_end_is_still_a_claim(
    target_repo: tuple[GitRepo, str, str], end: str
) -> None:
    repo, name, _ = target_repo
    tier = 0 if name == "payments" else 1
    repo.git("checkout", "-q", "main")
    repo.write(f"ops/{name}-runbook.md", repo.read(f"services/{name}/docs/runbook.md"))
    lines = [
        f"# {name}: its runbook is kept with the on-call handbook",
        f"runbook: /ops/{name}-runbook.md",
        "apiVersion: gate/v1",
        "kind: Service",
        f"name: {name}",
        f"tier: {tier}",
        "owners: {team: payments, oncall: payments-primary}",
    ]
    repo.write(f"services/{name}/service.yaml", (LINE_ENDS[end].join(lines) + "\n").encode())
    repo.commit("runbook in the handbook")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "--ff-only", "main")
    repo.write(f"ops/{name}-runbook.md", "# Runbook\n\nTODO\n")
    repo.commit("gut the runbook")
    v = judge(repo)
    (service,) = [s for s in v.services if s.name == name]
    assert f"ops/{name}-runbook.md" in service.changed_files
    assert not [f for f in v.findings if f.file == f"ops/{name}-runbook.md"]  # never "unowned"


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def target_repo(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str]:
    name, code = TARGETS[request.param]
    return example, name, code


# -- objects the judged repository replaces -------------------------------------------------------
#
# `git replace` makes git show one object in place of another, for every command that does not
# say otherwise: a feature commit replaced by a copy of its parent read as "no change".


def test_a_replaced_commit_is_judged_as_it_is(target_repo: tuple[GitRepo, str, str]) -> None:
    repo, name, code = target_repo
    feature(repo, code)
    real = repo.commit("feature")
    tree = repo.git("rev-parse", "main^{tree}").strip()
    decoy = repo.git("commit-tree", tree, "-p", "main", "-m", "feature").strip()
    repo.git("replace", real, decoy)
    assert repo.git("rev-parse", "HEAD^{tree}").strip() == tree  # git itself now shows the decoy
    (service,) = [s for s in judge(repo, head=real).services if s.name == name]
    assert code in service.changed_files


# -- drill dates are claims ------------------------------------------------------------------------
#
# A drill record in the head is what the author says: one line with today's date must not turn a
# high-risk change's "rollback untested" block into a pass. The base tip's record is what counts
# (gate/resilience/trust.py; with evidence and a resilience reviewer's approval, a claim counts).


def _risky(repo: GitRepo, name: str) -> None:
    repo.write(f"services/{name}/migrations/0002.sql", "ALTER TABLE orders ADD COLUMN x INT;\n")
    repo.write(f"services/{name}/requirements.txt", "stripe==12\n")
    repo.write(
        f"services/{name}/src/pricing.py",
        "".join(
            f"def rule_{i}(t):\n    if t > {i}:\n        return t * {i}\n    return t\n\n"
            for i in range(300)
        ),
    )


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def stale_drill(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str]:
    name, _ = TARGETS[request.param]
    example.git("checkout", "-q", "main")
    recorded = f"{{kind: rollback, date: {TODAY - dt.timedelta(days=30)}"  # the demo's drill
    example.replace(f"services/{name}/service.yaml", recorded, "{kind: rollback, date: 2025-01-01")
    example.commit("stale drill")
    example.git("checkout", "-q", "-B", "change", "main")
    return example, name


def test_control_a_high_risk_change_with_a_stale_drill_blocks(
    stale_drill: tuple[GitRepo, str],
) -> None:
    repo, name = stale_drill
    _risky(repo, name)
    repo.commit("pricing rewrite")
    assert "risk-rollback-untested" in errors(judge(repo), name)


@pytest.mark.parametrize("claimed", [TODAY.isoformat(), f"'{TODAY.isoformat()}'"])
def test_a_drill_date_the_head_writes_counts_from_the_base_tip(
    stale_drill: tuple[GitRepo, str], claimed: str
) -> None:
    repo, name = stale_drill
    _risky(repo, name)
    repo.replace(
        f"services/{name}/service.yaml",
        "{kind: rollback, date: 2025-01-01",
        f"{{kind: rollback, date: {claimed}",
    )
    repo.commit("pricing rewrite, and a drill (says the author)")
    v = judge(repo)
    assert v.verdict == "block" and "risk-rollback-untested" in errors(v, name)


# -- placeholders are no content -------------------------------------------------------------------
#
# A required document's section whose only content stands in for content (TODO, TBD, "fill in",
# lorem ipsum) counts as missing; only `gate init`'s own template text was recognised before.


@pytest.mark.parametrize(
    "filler",
    [
        "TODO",
        "- TBD",
        "*Fill in the escalation path.*",
        "Lorem ipsum dolor sit amet.",
        "TODO: later\nTBD",
        "<!-- the real steps are in the wiki -->\nTODO",  # a comment renders as nothing
        "\u200b",  # invisible: a zero-width space
        "&nbsp;",
        "<br>\n---",
        "> _TBD_ \u2014 ask the team",
    ],
)
def test_a_runbook_section_of_placeholders_is_missing(
    target_repo: tuple[GitRepo, str, str], filler: str
) -> None:
    repo, name, _ = target_repo
    runbook = f"services/{name}/docs/runbook.md"
    text = repo.read(runbook)
    head, _, rest = text.partition("## Escalation\n")
    repo.write(runbook, head + "## Escalation\n" + filler + "\n")
    repo.commit("escalation: later")
    v = judge(repo)
    assert v.verdict == "block" and "runbook-sections" in errors(v, name), filler


def test_control_a_runbook_section_with_real_content_passes(
    target_repo: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = target_repo
    runbook = f"services/{name}/docs/runbook.md"
    head, _, rest = repo.read(runbook).partition("## Escalation\n")
    repo.write(
        runbook,
        head
        + "## Escalation\nPage payments-secondary, then sre-oncall (TODO items: the tracker).\n",
    )
    repo.commit("escalation")
    assert "runbook-sections" not in errors(judge(repo), name)


@pytest.mark.parametrize("filler", ["TODO", "# Rollback\n\nTBD\n", "Lorem ipsum.", "\u2060\n"])
def test_a_rollback_plan_of_placeholders_is_missing(
    target_repo: tuple[GitRepo, str, str], filler: str
) -> None:
    repo, name, _ = target_repo
    repo.write(f"services/{name}/docs/rollback.md", filler + "\n")
    repo.commit("rollback plan: later")
    v = judge(repo)
    assert v.verdict == "block" and "rollback-plan-exists" in errors(v, name), filler


def test_control_a_rollback_plan_with_real_steps_passes(
    target_repo: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = target_repo
    repo.write(
        f"services/{name}/docs/rollback.md",
        "# Rollback\n\n1. `deploy rollback --to previous` (TODO: automate).\n",
    )
    repo.commit("rollback plan")
    assert "rollback-plan-exists" not in errors(judge(repo), name)


# -- reliability-only by content -------------------------------------------------------------------
#
# A spent budget lets through only reliability material, decided by what a file is, not by its name
# or glob: prose, or a format the gate parses (SLO documents, alert rules). A feature-flag file named
# as the rollback plan, configuration or code under a `reliability_paths` glob, or tests, are changes.

RULES = """groups:
  - name: {name}
    rules:
      - alert: {alert}
        expr: slo:error_budget_burn:ratio > 14.4
        for: 5m
        labels: {{severity: page}}
        annotations: {{runbook_url: docs/runbook.md#mitigation}}
"""


def spend_budget(repo: GitRepo, service: str) -> None:
    """The operator's SLO export (untracked, outside the change) says `service` spent its budget."""
    status = json.loads(repo.read("slo-status.json"))
    for slo in status["slos"]:
        if slo["service"] == service:
            for counts in slo["windows"].values():
                counts["good"] = round(counts["total"] * 0.95)
    repo.write("slo-status.json", json.dumps(status))


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def spent(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str]:
    """A service whose budget is spent; main (the trusted tip) keeps its rollback as a feature-flag
    file, an alert rule file, a flag file under a `reliability_paths` glob and ops code beside it."""
    name, _ = TARGETS[request.param]
    spend_budget(example, name)
    example.git("checkout", "-q", "main")
    root = f"services/{name}/"
    manifest = example.read(root + "service.yaml")
    for old, new in (
        ("  plan: docs/rollback.md", "  plan: flags/rollback.yaml"),
        ("strategy: revert", "strategy: feature-flag"),
        ("strategy: blue-green", "strategy: feature-flag"),
    ):
        manifest = manifest.replace(old, new)
    example.write(root + "service.yaml", manifest)
    example.write(root + "flags/rollback.yaml", "new-pricing:\n  enabled: false\n")
    example.write(root + "flags/rollback.json", '{"new-pricing": {"enabled": false}}\n')
    example.write(root + "alerts/slo.rules.yml", RULES.format(name=name, alert="BudgetBurn"))
    example.write(root + "ops/settings.yaml", "pool_size: 10\n")
    example.write(root + "ops/restart.py", "print('restart')\n")
    example.write(root + "ops/diagram.png", b"\x89PNG\r\n\x1a\n" + bytes(32))
    example.replace(
        ".gate.yaml",
        "  exempt:\n",
        "  exempt:\n    reliability_paths: ['ops/**', 'flags/**', 'tests/**']\n",
    )
    example.commit("flags, alerts and ops material")
    example.git("checkout", "-q", "-B", "change", "main")
    return example, name


def _budget_blocks(v: Verdict, name: str) -> bool:
    return v.verdict == "block" and "error-budget" in errors(v, name)


@pytest.mark.parametrize(
    "path,text",
    [
        ("flags/rollback.yaml", "new-pricing:\n  enabled: true\n"),  # the named plan: live flags
        ("flags/rollback.json", '{"new-pricing": {"enabled": true}}\n'),  # under a glob
        ("ops/settings.yaml", "pool_size: 1000\n"),  # configuration under a glob
        ("ops/restart.py", "import os\nos.system('kubectl delete ns prod')\n"),  # code under it
        ("ops/notes.yaml", "groups: []\nextra: 1\n"),  # not a rule file Prometheus would load
        ("tests/test_pricing.py", "def test_it():\n    assert True\n"),  # tests are code
        ("tests/fixtures/prices.json", '{"eur": 1}\n'),
        ("alerts/slo.rules.yml", "#!/bin/sh\nrm -rf /\n"),  # named like a rule file, is none
    ],
)
def test_material_by_name_or_glob_is_a_change(
    spent: tuple[GitRepo, str], path: str, text: str
) -> None:
    repo, name = spent
    repo.write(f"services/{name}/{path}", text)
    repo.commit("only reliability material (says the author)")
    v = judge(repo)
    assert _budget_blocks(v, name), path


def test_deleting_the_flag_file_is_a_change(spent: tuple[GitRepo, str]) -> None:
    repo, name = spent
    repo.git("rm", "-q", f"services/{name}/flags/rollback.yaml")
    repo.commit("drop the flags")
    assert _budget_blocks(judge(repo), name)


@pytest.mark.parametrize(
    "path,text",
    [
        ("docs/runbook.md", None),  # prose
        ("alerts/slo.rules.yml", RULES.format(name="slo", alert="BudgetBurnFast")),  # alert rules
        ("ops/diagram.png", b"\x89PNG\r\n\x1a\n" + bytes(range(32))),  # an image under the glob
        ("ops/README.md", "# ops\n\nHow the restart script is run.\n"),
    ],
)
def test_control_reliability_material_goes_through(
    spent: tuple[GitRepo, str], path: str, text: str | bytes | None
) -> None:
    repo, name = spent
    full = f"services/{name}/{path}"
    repo.write(full, text if text is not None else repo.read(full) + "\nSee the dashboard.\n")
    repo.commit("reliability material")
    v = judge(repo)
    assert "error-budget" not in errors(v, name), path
    (service,) = [s for s in v.services if s.name == name]
    assert any("only reliability material" in f.message for f in service.findings)


def test_explain_states_the_one_definition() -> None:
    text = explain("error-budget")
    assert RELIABILITY_MATERIAL in text and "tests" in RELIABILITY_MATERIAL
    assert "tests, docs) go through" not in text


# -- a status file spelled alike beyond ASCII ------------------------------------------------------
#
# A case-insensitive checkout opens a committed file whose name folds to the configured status
# file's (APFS folds Unicode case, NTFS upper-cases by its table, HFS+ ignored some invisible code
# points): the author's healthy copy would stand in for the operator's export. Git's own
# `:(icase)` folds ASCII only.


@pytest.mark.parametrize(
    "spelling",
    [
        "\u017flo-\u017ftatus.json",  # LONG S: casefolds to s, upper-cases to S
        "SLO-STATU\u017f.json",
        "slo-status.j\u017fon",
        "slo-\u200cstatus.json",  # a zero-width non-joiner, ignored by HFS+
        "slo-status.jso\u0274",  # control: SMALL CAPITAL N folds to nothing else (not refused)
    ],
)
def test_a_status_file_spelled_alike_in_unicode_is_never_trusted(
    target_repo: tuple[GitRepo, str, str], spelling: str
) -> None:
    repo, name, code = target_repo
    spend_budget(repo, name)
    status = json.loads(repo.read("slo-status.json"))
    for slo in status["slos"]:
        for counts in slo["windows"].values():
            counts["good"] = counts["total"]
    repo.write(spelling, json.dumps(status))
    repo.write("slo-status.json", json.dumps(status))  # what the folding file system shows
    feature(repo, code)
    repo.git("add", "-f", spelling)
    repo.commit("feature, with a healthy-looking status file")
    v = judge(repo)
    (service,) = [s for s in v.services if s.name == name]
    refused = service.budget is not None and service.budget.state == "unavailable"
    if spelling.endswith("\u0274"):
        assert not refused  # a name no file system folds onto the configured one is no claim
    else:
        assert refused and v.verdict == "block", spelling


# -- every file has a judge ------------------------------------------------------------------------
#
# Files outside any service decide how a service's files are checked out, exported, fetched or
# reviewed: a root `.gitattributes` (`export-ignore`, `working-tree-encoding`), `.gitmodules` (where
# a service's submodule comes from), CODEOWNERS. Their lines are judged as a change to each service
# they reach, as the same lines in the service's own directory are. A directory spelled like a
# service's but for letter case is that service's on a case-insensitive checkout.


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def spent_only(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str]:
    name, code = TARGETS[request.param]
    spend_budget(example, name)
    return example, name, code


def _judged_and_blocked(v: Verdict, name: str) -> bool:
    return v.verdict == "block" and "error-budget" in errors(v, name)


@pytest.mark.parametrize(
    "lines",
    [
        "services/{name}/** export-ignore\n",
        "/services/{name}/src/*.py working-tree-encoding=UTF-16\n",
        "*.py export-ignore\n",  # any depth: every service
        "[attr]gone export-ignore\nservices/{name}/** gone\n",
    ],
)
def test_a_root_gitattributes_line_is_a_change_to_the_services_it_reaches(
    spent_only: tuple[GitRepo, str, str], lines: str
) -> None:
    repo, name, _ = spent_only
    repo.write(".gitattributes", lines.format(name=name))
    repo.git("add", ".gitattributes")  # only it: the attributes would re-encode the rest on `add`
    repo.git("commit", "-q", "-m", "attributes")
    assert _judged_and_blocked(judge(repo), name), lines


def test_control_a_root_gitattributes_line_for_no_service_judges_none(
    spent_only: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = spent_only
    repo.write(".gitattributes", "/docs/** linguist-documentation\n/README.md text\n")
    repo.commit("attributes")
    v = judge(repo)
    assert name not in {s.name for s in v.services} and v.verdict != "block"


def test_a_codeowners_line_is_a_change_to_the_service_it_reaches(
    spent_only: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = spent_only
    repo.replace(".github/CODEOWNERS", f"/services/{name}/", f"/services/{name}/   @mallory\n#")
    repo.commit("owners")
    assert _judged_and_blocked(judge(repo), name)


def test_a_gitmodules_url_is_a_change_to_the_service_it_reaches(
    spent_only: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = spent_only
    repo.git("checkout", "-q", "main")
    sdk = f"services/{name}/vendor/sdk"
    repo.write(
        ".gitmodules", f'[submodule "sdk"]\n\tpath = {sdk}\n\turl = https://git.example.com/sdk\n'
    )
    sha = repo.git("rev-parse", "HEAD").strip()
    repo.git("update-index", "--add", "--cacheinfo", f"160000,{sha},{sdk}")
    repo.commit("vendored sdk")
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.replace(".gitmodules", "git.example.com/sdk", "git.example.net/mallory/sdk")
    repo.commit("a faster sdk")
    assert _judged_and_blocked(judge(repo), name)


@pytest.mark.parametrize("spelling", ["{Name}", "{NAME}", "{long_s}"])
def test_a_case_folded_sibling_directory_belongs_to_the_service(
    spent_only: tuple[GitRepo, str, str], spelling: str
) -> None:
    repo, name, code = spent_only
    folding = name.replace("s", "\u017f") if "s" in name else name.replace("k", "\u212a")
    alike = spelling.format(Name=name.capitalize(), NAME=name.upper(), long_s=folding)
    repo.write(code.replace(f"/{name}/", f"/{alike}/"), "def new_feature():\n    return 1\n")
    repo.commit("feature, beside the service")
    assert _judged_and_blocked(judge(repo), name), alike


def test_control_a_differently_named_directory_is_not_the_service(
    spent_only: tuple[GitRepo, str, str],
) -> None:
    repo, name, code = spent_only
    repo.write(code.replace(f"/{name}/", f"/{name}-next/"), "def new_feature():\n    return 1\n")
    repo.commit("feature, in a new directory")
    assert name not in {s.name for s in judge(repo).services}


# The gate's own files (.gate.yaml, the exception ledger, packs, the baseline) are trusted because
# their owners review every change to them: a change that takes their owners away, or hands them to
# someone else, is judged in `check` (it affects every service, so at the strictest tier there is).


@pytest.mark.parametrize(
    "edit",
    ["drop-line", "hand-to-author", "move-file", "catch-all-only"],
)
def test_a_change_to_who_owns_the_gate_s_files_blocks(example: GitRepo, edit: str) -> None:
    owners = example.read(".github/CODEOWNERS")
    if edit == "drop-line":
        example.write(".github/CODEOWNERS", owners.replace("/.gate.yaml ", "# /.gate.yaml "))
        example.replace(".github/CODEOWNERS", "*                         @acme/platform", "")
    elif edit == "hand-to-author":
        example.write(".github/CODEOWNERS", owners + "/exceptions.yaml   @mallory\n")
    elif edit == "move-file":  # the file moves to the root, without the gate's lines
        example.git("rm", "-q", ".github/CODEOWNERS")
        example.write("CODEOWNERS", "/services/ @acme/platform\n")
    else:
        example.write(".github/CODEOWNERS", owners.replace("@acme/platform", "@acme/everyone"))
    example.commit("owners")
    v = judge(example)
    assert v.verdict == "block" and "gate-files-owned" in {
        f.rule for f in v.findings if f.severity == "error"
    }, edit


def test_control_an_owners_change_that_leaves_the_gate_s_files_alone_passes_that_rule(
    example: GitRepo,
) -> None:
    example.replace(
        ".github/CODEOWNERS",
        "/services/search/         @acme/discovery",
        "/services/search/ @acme/search",
    )
    example.commit("search has its own team now")
    assert "gate-files-owned" not in {f.rule for f in judge(example).findings}


@pytest.mark.parametrize(
    "spelling", ["Lib", "LIB", "l\u0131b"]
)  # U+0131 DOTLESS I upper-cases to I
def test_a_case_folded_sibling_of_a_claimed_directory_belongs_to_the_claimant(
    spent_only: tuple[GitRepo, str, str], spelling: str
) -> None:
    repo, name, _ = spent_only
    repo.git("checkout", "-q", "main")
    manifest = repo.read(f"services/{name}/service.yaml")
    if "paths:" not in manifest:
        repo.write(f"services/{name}/service.yaml", manifest + f"paths: [shared/{name}-lib/**]\n")
    else:
        repo.replace(f"services/{name}/service.yaml", "paths: [", f"paths: [shared/{name}-lib/**, ")
    repo.write(f"shared/{name}-lib/core.py", "RATE = 1\n")
    repo.commit("a shared library the service claims")
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write(f"shared/{name}-{spelling}/core.py", "RATE = 2\n")
    repo.commit("feature, beside the claimed library")
    assert _judged_and_blocked(judge(repo), name), spelling


def test_control_the_claimed_directory_itself_is_the_claimant_s(
    spent_only: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = spent_only
    repo.write("libs/money/rounding.py", "HALF_EVEN = True\n")
    repo.commit("money")
    assert "checkout" in {s.name for s in judge(repo).services}


def test_code_renamed_into_prose_is_a_change(spent_only: tuple[GitRepo, str, str]) -> None:
    repo, name, code = spent_only
    repo.git("mv", code, f"services/{name}/docs/notes.md")  # production loses the code
    repo.commit("docs: notes")
    assert _judged_and_blocked(judge(repo), name)


def test_a_flag_file_outside_the_service_directory_is_the_service_s(
    spent_only: tuple[GitRepo, str, str],
) -> None:
    repo, name, _ = spent_only
    repo.git("checkout", "-q", "main")
    manifest = repo.read(f"services/{name}/service.yaml")
    repo.write(
        f"services/{name}/service.yaml",
        manifest.replace("rollback:\n", f"rollback:\n  flag_file: /flags/{name}.json\n", 1),
    )
    repo.write(f"flags/{name}.json", '{"new-pricing": {"state": "DISABLED"}}\n')
    repo.commit("the flags live at the root")
    repo.git("checkout", "-q", "-B", "change", "main")
    repo.write(f"flags/{name}.json", '{"new-pricing": {"state": "ENABLED"}}\n')
    repo.commit("flip it")
    assert _judged_and_blocked(judge(repo), name)
