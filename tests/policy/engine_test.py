"""gate.policy.engine: which rules apply to a service (tiers, `when:` globs, unparsable manifests), and schema checks."""

from __future__ import annotations

from conftest import TODAY, GitRepo

from gate.catalog import load_service
from gate.git import Repo
from gate.policy.engine import applies, evaluate
from gate.policy.kinds import CheckContext
from gate.policy.rules import parse_pack
from gate.snapshot import Snapshot

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
