"""gate.policy.engine: which rules apply to a service (tiers, `when:` globs, unparsable manifests), and schema checks."""

from __future__ import annotations

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.catalog import load_service
from gate.config import Config
from gate.git import Repo
from gate.policy.engine import applies, evaluate
from gate.policy.kinds import CheckContext
from gate.policy.rules import load_rules, parse_pack
from gate.snapshot import Snapshot
from gate.verdict import Finding, Verdict

PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: p
rules:
  - {id: migrations, title: t, severity: {1: error}, when: ["migrations/**"], check: {kind: file_exists, field: runbook}, remediation: fix}
  - {id: tier0-only, title: t, severity: {0: error}, check: {kind: file_exists, field: runbook}, remediation: fix}
  - id: owner-named
    title: t
    severity: warning
    check: {kind: schema, schema: {required: [owner, team]}, message: "name {missing}"}
    remediation: fix
  - {id: valid, title: t, severity: error, check: {kind: manifest_valid}, remediation: fix}
"""


def _judge(
    repo: GitRepo, manifest: str, changed: tuple[str, ...]
) -> tuple[list[str], list[tuple[str, str]]]:
    repo.write("svc/service.yaml", manifest)
    head = repo.commit()
    r = Repo(repo.path)
    snap = Snapshot(r, head)
    service = load_service(snap, "svc/service.yaml")
    assert service is not None
    rules = parse_pack(PACK.encode(), "policies/p.yaml")
    ctx = CheckContext(head=snap, base=snap, today=TODAY)
    applied = [rule.id for rule in rules if applies(rule, service, changed)]
    return applied, [(f.rule, f.message) for f in evaluate(rules, service, ctx, changed)]


def test_when_globs_match_relative_to_the_service_and_tiers_filter(repo: GitRepo) -> None:
    manifest = "apiVersion: gate/v1\nkind: Service\nname: shop\ntier: 1\nrunbook: missing.md\n"
    applied, _ = _judge(repo, manifest, ("svc/migrations/001.sql",))
    assert applied == ["migrations", "owner-named", "valid"]
    applied, _ = _judge(repo, manifest, ("svc/src/app.py",))
    assert applied == ["owner-named", "valid"]


def test_a_schema_message_names_every_missing_field_once(repo: GitRepo) -> None:
    _, findings = _judge(
        repo,
        "apiVersion: gate/v1\nkind: Service\nname: shop\ntier: 1\nrunbook: missing.md\n",
        ("svc/a.py",),
    )
    assert ("owner-named", "name owner, team") in findings


def test_an_unparsable_manifest_gets_only_the_validity_rule(repo: GitRepo) -> None:
    applied, findings = _judge(repo, "name: [unclosed\n", ("svc/migrations/001.sql",))
    assert applied == ["valid"] and {rule for rule, _ in findings} == {"valid"}


@pytest.mark.parametrize("service", ["payments", "checkout"])  # tier 0, tier 1
def test_enforce_from_is_read_at_the_trusted_tip_and_dated_by_the_gates_clock(
    example: GitRepo, service: str
) -> None:
    """runbook-sections is enforced from 2026-11-01 on main. A pull request that cuts a section and
    postpones the date in its own .gate.yaml (and commits with a date in the past) still blocks:
    the date is main's, compared with the check's clock. Before main's date it warns, saying when."""
    runbook = f"services/{service}/docs/runbook.md"

    def change(enforce_from: str) -> Verdict:
        example.git("checkout", "-q", "main")
        config = example.read(".gate.yaml").split("rules:\n")
        example.write(
            ".gate.yaml",
            f"{config[0]}rules:\n  runbook-sections: {{enforce_from: '{enforce_from}'}}\n{config[1]}",
        )
        example.commit("dated enforcement")
        example.git("checkout", "-q", "-B", "change", "main")
        example.write(runbook, example.read(runbook).replace("## Mitigation", "## Notes"))
        example.write(".gate.yaml", example.read(".gate.yaml").replace(enforce_from, "2099-01-01"))
        example.git("add", "-A")
        example.git(
            "commit",
            "-q",
            "-m",
            "cut",
            env_overrides={"GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z"},
        )
        return check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)

    def cut(v: Verdict) -> Finding:
        (f,) = [
            f
            for s in v.services
            for f in s.findings
            if f.rule == "runbook-sections" and "Mitigation" in f.message
        ]
        return f

    enforced = cut(change("2026-11-01"))
    assert enforced.severity == "error" and enforced.remediation.startswith(
        "Enforced since 2026-11-01."
    )
    example.git("checkout", "-q", "main")
    example.git("reset", "-q", "--hard", "HEAD~1")
    early = cut(change("2026-12-01"))
    assert early.severity == "warning"
    assert early.remediation.startswith(
        "Enforced from 2026-12-01: a warning until then, an error from that day."
    )


def test_a_problem_with_its_own_fix_is_not_told_the_rules_generic_one(example: GitRepo) -> None:
    """A runbook whose Escalation section is still the template has its headings: it is told to
    replace the template lines, not to "add headings" (the rule's fix for a missing section)."""
    example.git("checkout", "-q", "main")
    runbook = "services/checkout/docs/runbook.md"
    text = example.read(runbook)
    example.write(runbook, text[: text.index("## Escalation")] + "## Escalation\n\n")
    example.commit("empty escalation")
    r = Repo(example.path)
    snap = Snapshot(r, r.resolve("HEAD"))
    service = load_service(snap, "services/checkout/service.yaml")
    assert service is not None
    rules = [rule for rule in load_rules(Config(), None) if rule.id == "runbook-sections"]
    (finding,) = evaluate(rules, service, CheckContext(head=snap, base=snap, today=TODAY), ())
    assert finding.message.endswith("section 'Escalation' is empty")
    assert finding.remediation == (
        "Write what the on-call engineer needs under 'Escalation' (at least one line); the heading is already there."
    )
