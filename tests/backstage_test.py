"""Backstage catalog-info.yaml entities as services: mapping, extension, conflicts, lifecycle, trust."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import TODAY, GitRepo

from gate import backstage, check
from gate.git import Repo
from gate.verdict import Verdict

# Shaped after Backstage's own examples (packages/catalog-model/examples: artist-lookup, a Group
# with github.com/team-slug, an API in the same file); written here.
CHECKOUT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
  namespace: shop
  description: Takes an order from cart to confirmed payment
  annotations:
    pagerduty.com/service-id: PX12345
    backstage.io/techdocs-ref: dir:.
    github.com/project-slug: acme/checkout
    gate.dev/escalation: payments-secondary, sre-oncall
  links:
    - url: https://wiki.example.com/checkout/runbook
      title: On-call runbook
    - url: https://grafana.example.com/d/checkout
      title: Checkout
      type: dashboard
    - url: https://alerts.example.com/checkout
      title: Alert rules
  tags: [python]
spec:
  type: service
  lifecycle: production
  owner: group:shop/payments
  system: storefront
  dependsOn:
    - component:default/cart
    - resource:orders-db
  providesApis: [checkout-api]
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: checkout-api
spec:
  type: openapi
  lifecycle: production
  owner: payments
  definition: "openapi: 3.0.0"
"""

GROUP = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  namespace: shop
  annotations:
    github.com/team-slug: acme/payments-team
spec:
  type: team
  children: []
"""

EXTENSION = """\
apiVersion: gate/v1
kind: Service
tier: {tier}
slos:
  - {{name: checkout-availability, sli: availability, objective: 99.9, window: 28d}}
rollback: {{strategy: revert, plan: docs/rollback.md, automated: true, last_tested: 2026-11-01}}
telemetry: {{service_name: checkout, alerts: [CheckoutBurn]}}
"""


def judge(repo: GitRepo, base: str = "main") -> Verdict:
    return check.run(Repo(repo.path), base=base, head="HEAD", today=TODAY)


def validate(repo: GitRepo) -> Verdict:
    return check.validate(Repo(repo.path), today=TODAY)


def by_name(verdict: Verdict) -> dict[str, Any]:
    return {s.name: s for s in verdict.services}


def entity(text: str) -> backstage.Entity:
    (found,) = [
        e for e in backstage.entities(text.encode(), "catalog-info.yaml") if e.kind == "Component"
    ]
    return found


def test_every_field_maps_onto_the_manifest_shape() -> None:
    mapped = backstage.to_manifest(entity(CHECKOUT))
    data = mapped.data
    assert data["name"] == "checkout" and data["description"].startswith("Takes an order")
    assert data["owners"] == {
        "team": "payments",
        "oncall": "pagerduty:PX12345",
        "escalation": ["payments-secondary", "sre-oncall"],
    }
    assert data["lifecycle"] == "production" and data["system"] == "storefront"
    assert data["dependencies"] == ["cart", "resource:orders-db"]
    assert data["runbook"] == "https://wiki.example.com/checkout/runbook"
    assert data["telemetry"] == {
        "dashboards": ["https://grafana.example.com/d/checkout"],
        "alerts": ["https://alerts.example.com/checkout"],
    }
    assert data["backstage"] == {
        "ref": "component:shop/checkout",
        "owner": "group:shop/payments",
        "techdocs": ".",
        "depends_on": ["cart", "resource:orders-db"],
    }
    assert "tier" not in data and mapped.notes == []
    assert (
        mapped.lines[("owners", "team")] == 24 and mapped.lines[("owners", "oncall")] == 8
    )  # the entity's own lines


def test_owner_refs_opsgenie_and_gate_annotations() -> None:
    text = CHECKOUT.replace(
        "pagerduty.com/service-id: PX12345", "opsgenie.com/team: checkout-team"
    ).replace(
        "gate.dev/escalation: payments-secondary, sre-oncall",
        "gate.dev/tier: '0'\n    gate.dev/rollback-plan: docs/rollback.md\n    gate.dev/bogus: x",
    )
    data = backstage.to_manifest(
        entity(text.replace("owner: group:shop/payments", "owner: payments"))
    ).data
    assert data["owners"] == {
        "team": "payments",
        "oncall": "opsgenie:checkout-team",
    }  # a bare name is a group in default
    assert data["backstage"]["owner"] == "group:default/payments"
    assert data["tier"] == 0 and data["rollback"] == {"plan": "docs/rollback.md"}
    mapped = backstage.to_manifest(
        entity(text.replace("owner: group:shop/payments", "owner: user:default/jdoe"))
    )
    assert "owners" not in mapped.data or "team" not in mapped.data["owners"]
    notes = [m for m, _ in mapped.notes]
    assert any("is a user, not a team" in m for m in notes) and any(
        "unknown annotation gate.dev/bogus" in m for m in notes
    )
    bad_tier = backstage.to_manifest(
        entity(
            CHECKOUT.replace(
                "gate.dev/escalation: payments-secondary, sre-oncall", "gate.dev/tier: high"
            )
        )
    )
    assert (
        bad_tier.data["tier"] == 0 and "not a tier" in bad_tier.notes[0][0]
    )  # unreadable: the strictest


def test_reference_parsing() -> None:
    assert backstage.parse_ref("group:shop/payments", "group") == ("group", "shop", "payments")
    assert backstage.parse_ref("payments", "group") == ("group", "default", "payments")
    assert backstage.parse_ref("User:jdoe", "group") == ("user", "default", "jdoe")


def _backstage_repo(repo: GitRepo) -> None:
    repo.write("services/checkout/catalog-info.yaml", CHECKOUT)
    repo.write("services/checkout/src/app.py", "x = 1\n")
    repo.write(
        "services/docs-site/catalog-info.yaml",
        CHECKOUT.replace("name: checkout\n", "name: docs-site\n", 1).replace(
            "type: service", "type: website"
        ),
    )
    repo.write("org/catalog-info.yaml", GROUP)
    repo.write(".github/CODEOWNERS", "/services/checkout/ @acme/payments-team\n")
    repo.commit()


def test_a_repository_described_only_by_entities_is_judged_per_service(repo: GitRepo) -> None:
    _backstage_repo(repo)
    v = validate(repo)
    assert [(s.name, s.tier, s.manifest) for s in v.services] == [
        ("checkout", 1, "services/checkout/catalog-info.yaml")
    ]
    fired = {f.rule for f in v.services[0].findings}
    assert (
        "owners-team" not in fired and "owners-oncall" not in fired and "codeowners" not in fired
    )  # from spec.owner, PagerDuty, team-slug
    assert (
        "runbook-present" not in fired and "dependencies-declared" not in fired
    )  # from links and dependsOn
    assert {"catalog-entity", "slo-defined", "rollback-plan"} <= fired
    tier_note = next(f for f in v.services[0].findings if f.rule == "catalog-entity")
    assert (
        "no tier" in tier_note.message and tier_note.file == "services/checkout/catalog-info.yaml"
    )
    # a change to the production component is judged as that service, not "unowned"
    repo.branch("change")
    repo.write("services/checkout/src/app.py", "x = 2\n")
    repo.commit()
    v = judge(repo)
    assert [s.name for s in v.services] == ["checkout"] and not v.findings


def test_a_minimal_extension_completes_it_and_the_group_team_slug_is_the_codeowners_team(
    repo: GitRepo,
) -> None:
    _backstage_repo(repo)
    repo.write("services/checkout/service.yaml", EXTENSION.format(tier=1))
    repo.write("services/checkout/docs/rollback.md", "# rollback\n")
    repo.commit()
    (svc,) = validate(repo).services
    assert (svc.name, svc.tier, svc.manifest) == ("checkout", 1, "services/checkout/service.yaml")
    assert [f.message for f in svc.findings if f.severity == "error"] == []
    # CODEOWNERS naming the group by its Backstage name, not its GitHub team, is reported with the line to add
    repo.write(".github/CODEOWNERS", "/services/checkout/ @acme/payments\n")
    repo.commit()
    (svc,) = validate(repo).services
    (owners,) = [f for f in svc.findings if f.rule == "codeowners"]
    assert (
        "`/services/checkout/ @acme/payments-team`" in owners.message
        and "team-slug" in owners.message
    )


def test_both_sources_disagreeing_is_a_finding_naming_both_files(repo: GitRepo) -> None:
    _backstage_repo(repo)
    repo.write(
        "services/checkout/service.yaml",
        EXTENSION.format(tier=3) + "owners: {team: billing}\ndependencies: [cart]\n",
    )
    repo.write(
        "services/checkout/catalog-info.yaml",
        CHECKOUT.replace("gate.dev/escalation", "gate.dev/tier: '1'\n    gate.dev/escalation"),
    )
    repo.commit()
    (svc,) = validate(repo).services
    assert svc.tier == 1  # the stricter of the two tiers
    conflicts = [f.message for f in svc.findings if f.rule == "catalog-entity"]
    assert any(
        m.startswith(
            "tier is 3 in services/checkout/service.yaml but 1 in services/checkout/catalog-info.yaml"
        )
        for m in conflicts
    )
    assert any(
        m.startswith(
            "owners.team is 'billing' in services/checkout/service.yaml but 'payments' in services/checkout/catalog-info.yaml"
        )
        for m in conflicts
    )
    assert any(m.startswith("dependencies is ['cart']") and "both are used" in m for m in conflicts)


def test_file_names_and_types_are_configurable(repo: GitRepo) -> None:
    repo.write(
        ".gate.yaml",
        "version: 1\nbackstage: {files: [catalog-info.yml, component.yaml], types: [service, website]}\n",
    )
    repo.write("a/catalog-info.yml", CHECKOUT.replace("name: checkout\n", "name: a\n", 1))
    repo.write(
        "b/component.yaml",
        CHECKOUT.replace("name: checkout\n", "name: b\n", 1).replace(
            "type: service", "type: website"
        ),
    )
    repo.write(
        "c/catalog-info.yaml", CHECKOUT.replace("name: checkout\n", "name: c\n", 1)
    )  # not a configured name
    repo.commit()
    assert [s.name for s in validate(repo).services] == ["a", "b"]


def test_non_service_entities_and_broken_files(repo: GitRepo) -> None:
    repo.write("libs/x/catalog-info.yaml", CHECKOUT.replace("type: service", "type: library"))
    repo.write(
        "services/broken/catalog-info.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: [\n",
    )
    repo.write(
        "services/two/catalog-info.yaml",
        CHECKOUT + "---\n" + CHECKOUT.replace("name: checkout\n", "name: other\n", 1),
    )
    repo.commit()
    services = by_name(validate(repo))
    assert all(
        not s.root.startswith("libs/") for s in services.values()
    )  # a library is not a service
    broken = services["broken"]
    assert broken.tier == 0 and [(f.rule, f.line) for f in broken.findings] == [
        ("manifest-valid", 4)
    ]  # judged as the strictest
    two = services["checkout"]  # services/two/ holds checkout and other
    assert any(
        "1 more service component(s) in this file (other)" in f.message for f in two.findings
    )


@pytest.mark.parametrize(
    "document, what",
    [
        (CHECKOUT, "a Backstage catalog entity"),
        (
            "version: prometheus/v1\nservice: checkout\nslos:\n  - name: requests-availability\n    objective: 99.9\n",
            "a Sloth SLO spec",
        ),
        (
            "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\nspec: {}\n",
            "an OpenSLO document",
        ),
        (
            "apiVersion: v1\nkind: Service\nmetadata: {name: checkout}\nspec: {ports: [{port: 80}]}\n",
            "a Kubernetes manifest",
        ),
    ],
)
def test_another_tools_document_saved_as_service_yaml_is_one_clear_finding(
    repo: GitRepo, document: str, what: str
) -> None:
    repo.write("services/checkout/service.yaml", document)
    repo.commit()
    (svc,) = validate(repo).services
    (finding,) = svc.findings
    assert (
        finding.rule == "manifest-valid"
        and f"this is {what}" in finding.message
        and "not a gate manifest" in finding.message
    )


def test_experimental_lifecycle_is_advisory(repo: GitRepo) -> None:
    repo.write(
        "services/lab/catalog-info.yaml",
        CHECKOUT.replace("lifecycle: production", "lifecycle: experimental"),
    )
    repo.commit()
    (svc,) = validate(repo).services
    assert svc.findings and {f.severity for f in svc.findings} == {"info"}
    assert all("lifecycle 'experimental' is advisory" in f.message for f in svc.findings)
    repo.write(".gate.yaml", "version: 1\nbackstage: {lifecycles: {experimental: enforced}}\n")
    repo.commit()
    (svc,) = validate(repo).services
    assert "error" in {f.severity for f in svc.findings}


def test_hostile_a_change_cannot_make_its_own_service_advisory(repo: GitRepo) -> None:
    _backstage_repo(repo)
    repo.write(
        "services/pay/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: pay\ntier: 0\n"
    )
    repo.commit()
    repo.branch("sneaky")
    repo.replace(
        "services/checkout/catalog-info.yaml", "lifecycle: production", "lifecycle: experimental"
    )
    repo.write(
        "services/pay/catalog-info.yaml",
        CHECKOUT.replace("name: checkout\n", "name: pay\n", 1)
        .replace("lifecycle: production", "lifecycle: experimental")
        .replace("gate.dev/escalation", "gate.dev/tier: '3'\n    gate.dev/escalation"),
    )
    repo.commit()
    services = by_name(judge(repo))
    for name in ("checkout", "pay"):
        assert "error" in {f.severity for f in services[name].findings}, name
    assert services["pay"].tier == 0  # the annotation cannot lower service.yaml's tier


def test_hostile_a_new_entity_cannot_take_files_from_a_stricter_service(repo: GitRepo) -> None:
    repo.write(
        "services/pay/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: pay\ntier: 0\n"
    )
    repo.write("services/pay/ledger/book.py", "x = 1\n")
    repo.commit()
    repo.branch("grab")
    repo.write(
        "services/pay/ledger/catalog-info.yaml",
        CHECKOUT.replace("name: checkout\n", "name: toy\n", 1)
        .replace("lifecycle: production", "lifecycle: experimental")
        .replace("gate.dev/escalation", "gate.dev/tier: '3'\n    gate.dev/escalation"),
    )
    repo.write("services/pay/ledger/book.py", "x = 2  # now 'owned' by a tier-3 experimental toy\n")
    repo.commit()
    v = judge(repo)
    services = by_name(v)
    assert (
        "services/pay/ledger/book.py" in services["pay"].changed_files
    )  # still judged by its tier-0 owner
    assert services["pay"].tier == 0 and v.verdict == "block"


def test_a_tier_dropped_from_the_entity_is_judged_at_the_old_tier(repo: GitRepo) -> None:
    repo.write(
        "services/checkout/catalog-info.yaml",
        CHECKOUT.replace("gate.dev/escalation", "gate.dev/tier: '0'\n    gate.dev/escalation"),
    )
    repo.commit()
    repo.branch("drop")
    repo.write("services/checkout/catalog-info.yaml", CHECKOUT)  # no tier: the default would be 1
    repo.commit()
    (svc,) = judge(repo).services
    assert svc.tier == 0
    assert any(
        f.rule == "manifest-drift" and "tier lowered from 0 to 1" in f.message for f in svc.findings
    )


def test_init_from_backstage_writes_an_extension_that_completes_the_entity(
    repo: GitRepo, gate_cli: Any
) -> None:
    _backstage_repo(repo)
    entity_file = str(repo.root / "services/checkout/catalog-info.yaml")
    code, out, _ = gate_cli("init", "--from-backstage", entity_file, "--tier", "1")
    assert code == 0 and "service.yaml" in out and "rollback.md" in out
    written = repo.read("services/checkout/service.yaml")
    assert "name: checkout\ntier: 1\n" in written and "plan: docs/rollback.md" in written
    assert (
        "runbook:" not in written and "escalation" not in written and "dependencies" not in written
    )  # the entity gives them
    repo.commit()
    (svc,) = validate(repo).services
    assert svc.manifest == "services/checkout/service.yaml" and not [
        f for f in svc.findings if f.rule == "catalog-entity"
    ]
    code, _, err = gate_cli("init", "--from-backstage", entity_file)
    assert code == 2 and "never overwrites" in err
    repo.write("org/x.yaml", GROUP)
    code, _, err = gate_cli("init", "--from-backstage", str(repo.root / "org/x.yaml"))
    assert code == 2 and "no Backstage Component entity" in err and "Traceback" not in err


def test_multi_document_streams_keep_lines_and_limits() -> None:
    from gate import yaml as gate_yaml
    from gate.errors import FatalError

    docs = gate_yaml.load_all("a: 1\n---\n---\nb:\n  c: 2\n", "f.yaml")
    assert [d.data for d in docs] == [{"a": 1}, {"b": {"c": 2}}] and docs[1].line("b", "c") == 5
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{k}: &{k} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, k in zip("abcde", "bcdef", strict=True)
    )
    with pytest.raises(FatalError, match="more than"):
        gate_yaml.load_all("x: 1\n---\n" + bomb, "f.yaml")


def test_hostile_swapping_service_yaml_for_a_laxer_entity_keeps_the_old_tier(repo: GitRepo) -> None:
    repo.write(
        "services/pay/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: pay\ntier: 0\nowners: {team: payments}\n",
    )
    repo.write("services/pay/charge.py", "x = 1\n")
    repo.commit()
    repo.branch("swap")
    repo.remove("services/pay/service.yaml")
    repo.write(
        "services/pay/catalog-info.yaml",
        CHECKOUT.replace("name: checkout\n", "name: pay\n", 1).replace(
            "gate.dev/escalation", "gate.dev/tier: '3'\n    gate.dev/escalation"
        ),
    )
    repo.write("services/pay/charge.py", "x = 2\n")
    repo.commit()
    (svc,) = judge(repo).services
    assert (svc.name, svc.tier, svc.manifest) == ("pay", 0, "services/pay/catalog-info.yaml")
    assert any(
        f.rule == "manifest-drift" and "tier lowered from 0 to 3" in f.message for f in svc.findings
    )


def test_resilience_annotations_map_to_the_resilience_block() -> None:
    text = CHECKOUT.replace(
        "gate.dev/escalation: payments-secondary, sre-oncall",
        "gate.dev/rto: 1h\n    gate.dev/rpo: 15m\n    gate.dev/dr-tier: '0'\n    gate.dev/stateful: 'true'",
    )
    mapped = backstage.to_manifest(entity(text))
    assert mapped.data["resilience"] == {"rto": "1h", "rpo": "15m", "dr_tier": 0, "stateful": True}
    bad = backstage.to_manifest(entity(text.replace("dr-tier: '0'", "dr-tier: platinum")))
    assert "resilience" in bad.data and "dr_tier" not in bad.data["resilience"]
    assert any("gate.dev/dr-tier: 'platinum' is not one of 0, 1, 2, 3" in m for m, _ in bad.notes)
