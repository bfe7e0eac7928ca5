"""The service-graph rules, judged by `gate check` on the bundled example monorepo: each attack is
a pull request that tries to escape a graph rule, at tier 0 (payments) and tier 1 (checkout)."""

from __future__ import annotations

import pytest
from conftest import TODAY, GitRepo
from trust_boundary_test import judge

from gate import check
from gate.git import Repo as GitLayer
from gate.graph import GREPS
from gate.verdict import Verdict

# (service, its manifest, a less critical service it hard-depends on in the base)
SETUPS = {
    0: ("payments", "services/payments/service.yaml", "notifications"),
    1: ("checkout", "services/checkout/service.yaml", "cart"),
}


def _errors(v: Verdict, service: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for result in v.services:
        if result.name == service:
            for f in result.findings:
                if f.severity == "error" and not f.waiver:
                    found.setdefault(f.rule, []).append(f.message)
    return found


def _depend(repo: GitRepo, manifest: str, entry: str) -> None:
    """Replace the manifest's dependencies with one entry (a YAML flow item)."""
    text = repo.read(manifest)
    head, _, tail = text.partition("dependencies:")
    rest = tail.split("\n")
    # drop the old block: the key's own line and any indented items under it
    index = 1
    while index < len(rest) and rest[index].startswith("  "):
        index += 1
    repo.write(manifest, f"{head}dependencies: [{entry}]\n" + "\n".join(rest[index:]))


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def inverted(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str, str]:
    """main: the service hard-depends on a less critical one (a tier inversion already there)."""
    service, manifest, lower = SETUPS[request.param]
    example.git("checkout", "-q", "main")
    _depend(example, manifest, lower)
    example.commit(f"{service}: depends on {lower}")
    example.git("checkout", "-q", "-B", "change")
    return example, service, manifest, lower


def test_the_inversion_is_found(inverted: tuple[GitRepo, str, str, str]) -> None:
    repo, service, manifest, lower = inverted
    repo.write(manifest, repo.read(manifest) + "# a touch\n")
    repo.commit("touch")
    errors = _errors(judge(repo), service)
    assert any(lower in m and "tier inversion" in m for m in errors["dependency-tier-inversion"])


@pytest.mark.parametrize(
    "escape, said",
    [
        ("{service: LOWER, kind: soft}", "made soft"),
        ('{service: LOWER, fallback: "we will manage"}', "given a fallback"),
        ("", "removed"),
    ],
    ids=["soft", "fallback", "removed"],
)
def test_escaping_an_inversion_is_a_reviewed_change(
    inverted: tuple[GitRepo, str, str, str], escape: str, said: str
) -> None:
    """Marking the dependency soft, claiming a fallback or deleting it lifts the inversion, but
    is itself manifest drift: an error at tiers 0-1 until approved."""
    repo, service, manifest, lower = inverted
    _depend(repo, manifest, escape.replace("LOWER", lower))
    repo.commit("escape the inversion")
    errors = _errors(judge(repo), service)
    assert "dependency-tier-inversion" not in errors
    assert any(f"hard dependency '{lower}' {said}" in m for m in errors["manifest-drift"]), errors


def test_a_second_service_of_the_same_name_does_not_hide_the_inversion(
    inverted: tuple[GitRepo, str, str, str],
) -> None:
    """The pull request adds a tier-0 impostor named like the dependency (sorted first), so a
    name lookup that takes the first match would see a tier-0 dependency."""
    repo, service, manifest, lower = inverted
    repo.write(
        "services/aaa/service.yaml",
        f"apiVersion: gate/v1\nkind: Service\nname: {lower}\ntier: 0\n",
    )
    repo.write(manifest, repo.read(manifest) + "# a touch\n")
    repo.commit("an impostor")
    errors = _errors(judge(repo), service)
    assert any(lower in m for m in errors["dependency-tier-inversion"]), errors


def test_raising_the_dependency_in_the_same_change_counts_from_the_base(
    inverted: tuple[GitRepo, str, str, str],
) -> None:
    """The head claims the dependency is tier 0; until that is merged, the base's tier counts."""
    repo, service, manifest, lower = inverted
    path = f"services/{lower}/service.yaml"
    text = repo.read(path)
    repo.write(
        path,
        "\n".join("tier: 0" if line.startswith("tier:") else line for line in text.split("\n")),
    )
    repo.write(manifest, repo.read(manifest) + "# a touch\n")
    repo.commit("claim the dependency is critical")
    errors = _errors(judge(repo), service)
    assert any(lower in m for m in errors["dependency-tier-inversion"]), errors


def test_a_typo_in_a_dependency_names_the_real_one(example: GitRepo) -> None:
    manifest = "services/checkout/service.yaml"
    _depend(example, manifest, "paymnets")
    example.commit("typo")
    errors = _errors(judge(example), "checkout")
    assert any(
        "'paymnets'" in m and "did you mean 'payments'" in m for m in errors["dependency-known"]
    )


def test_blast_radius_names_the_dependents(example: GitRepo) -> None:
    code = "services/payments/src/charge.py"
    example.write(code, example.read(code) + "\n# a comment\n")
    example.commit("payments: a comment")
    v = judge(example)
    infos = [
        f.message
        for s in v.services
        if s.name == "payments"
        for f in s.findings
        if f.rule == "blast-radius"
    ]
    assert infos == [
        "1 service depends on payments directly or transitively; the most critical are tier 1: checkout"
    ]


# -- the second attacker's findings: each a pull request that had passed ---------------------------


@pytest.mark.parametrize(
    "entry",
    [
        "{external: {name: LOWER, sla: 99.99}}",  # a catalog service declared as an external
        "resource:default/LOWER/",  # a trailing slash once emptied the name
        "resource:LOWER",  # another entity kind naming the catalog service
    ],
    ids=["external", "trailing-slash", "resource-kind"],
)
def test_other_spellings_of_a_less_critical_dependency_still_invert(
    example: GitRepo, entry: str
) -> None:
    for _service, manifest, lower in SETUPS.values():
        _depend(example, manifest, entry.replace("LOWER", lower))
    example.commit("depend on the less critical service, spelled otherwise")
    v = judge(example)
    for service, _, _lower in SETUPS.values():
        errors = _errors(v, service)
        assert errors.get("dependency-tier-inversion") or errors.get("dependency-known"), (
            service,
            errors,
        )


def test_a_yaml_escaped_name_is_still_found(example: GitRepo) -> None:
    """The dependency's manifest spells its name with a YAML escape, so its text never contains the
    name: the lookup falls back to parsing every manifest."""
    example.write(
        "services/lowsvc/service.yaml",
        'apiVersion: gate/v1\nkind: Service\nname: "low\\x73vc"\ntier: 3\nowners: {team: x}\n',
    )
    for _, manifest, _ in SETUPS.values():
        _depend(example, manifest, "resource:lowsvc")
    example.commit("an escaped tier-3 name")
    v = judge(example)
    for service, _, _ in SETUPS.values():
        assert any(
            "'lowsvc' is tier 3" in m for m in _errors(v, service)["dependency-tier-inversion"]
        )


def test_a_hard_dependency_declared_external_is_drift(
    inverted: tuple[GitRepo, str, str, str],
) -> None:
    repo, service, manifest, lower = inverted
    _depend(repo, manifest, f"{{external: {{name: {lower}, sla: 99.99}}}}")
    repo.commit("call it external")
    errors = _errors(judge(repo), service)
    assert any(
        f"hard dependency '{lower}' declared external" in m for m in errors["manifest-drift"]
    )


def test_renaming_a_service_keeps_its_blast_radius(example: GitRepo) -> None:
    example.replace("services/payments/service.yaml", "name: payments\n", "name: payments-v2\n")
    code = "services/payments/src/charge.py"
    example.write(code, example.read(code) + "\n# a comment\n")
    example.commit("rename payments")
    v = judge(example)
    infos = [f.message for s in v.services for f in s.findings if f.rule == "blast-radius"]
    assert infos == [
        "1 service depends on payments directly or transitively; the most critical are tier 1: checkout"
    ]


def test_thousands_of_unknown_dependencies_cost_linear_time(
    example: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each unknown name was a git grep and a did-you-mean over every word: quadratic. Past a few
    dozen lookups one parse of every manifest answers, and only the first names get suggestions."""
    names = ", ".join(f"nosuch{i:05d}" for i in range(600))
    _depend(example, "services/checkout/service.yaml", names)
    example.commit("600 unknown dependencies")
    calls: list[str] = []
    real = GitLayer.mentioning

    def counting(self: GitLayer, rev: str, word: str, basenames: tuple[str, ...]) -> list[str]:
        calls.append(word)
        return real(self, rev, word, basenames)

    monkeypatch.setattr(GitLayer, "mentioning", counting)
    errors = _errors(judge(example), "checkout")
    assert len(errors["dependency-known"]) == 600
    assert len(calls) <= 2 * GREPS  # head and base graphs, each bounded


# -- the trusted tip decides: a branch point or files the change adds choose nothing --------------


def _block(repo: GitRepo, manifest: str, key: str, body: str) -> None:
    """Replace a top-level key's block (its line and the indented lines under it) with `body`."""
    lines = repo.read(manifest).split("\n")
    start = lines.index(f"{key}:")
    end = start + 1
    while end < len(lines) and lines[end].startswith(" "):
        end += 1
    repo.write(manifest, "\n".join([*lines[:start], body.rstrip("\n"), *lines[end:]]))


def _tier(repo: GitRepo, manifest: str, tier: int) -> None:
    lines = repo.read(manifest).split("\n")
    repo.write(manifest, "\n".join(f"tier: {tier}" if s.startswith("tier:") else s for s in lines))


def _touch(repo: GitRepo, path: str) -> None:
    repo.write(path, repo.read(path) + "\n# a touch\n")


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_branch_cut_before_main_demoted_the_dependency_still_finds_the_inversion(
    example: GitRepo, tier: int
) -> None:
    """main demoted the dependency after the branch was cut: the merge makes a tier inversion, but
    the fork point and the head both had the dependency as critical as the service."""
    service, manifest, lower = SETUPS[tier]
    example.git("checkout", "-q", "main")
    _depend(example, manifest, lower)
    _tier(example, f"services/{lower}/service.yaml", tier)
    example.commit(f"{service} depends on {lower}, as critical")
    example.git("checkout", "-q", "-B", "change")
    example.git("checkout", "-q", "main")
    _tier(example, f"services/{lower}/service.yaml", 2)
    example.commit(f"{lower} demoted")
    example.git("checkout", "-q", "change")
    _touch(example, manifest)
    example.commit("touch")
    errors = _errors(judge(example), service)
    assert any(f"'{lower}' is tier 2" in m for m in errors.get("dependency-tier-inversion", [])), (
        errors
    )


def test_blast_radius_counts_dependents_main_added_after_the_branch_point(
    example: GitRepo,
) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        "services/billing/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: billing\ntier: 0\n"
        "owners: {team: billing}\ndependencies: [cart]\n",
    )
    example.commit("billing depends on cart")
    example.git("checkout", "-q", "change")
    _touch(example, "services/cart/src/cart.py")
    example.commit("cart: a touch")
    infos = [
        f.message
        for s in judge(example).services
        if s.name == "cart"
        for f in s.findings
        if f.rule == "blast-radius"
    ]
    assert infos == [
        "2 services depend on cart directly or transitively; the most critical are tier 0: billing"
    ], infos


def _openslo(repo: GitRepo, service: str, target: str) -> str:
    """The example's payments availability document, for `service` at `target`."""
    document = repo.read("services/payments/slo/availability.yaml").replace("payments", service)
    return document.replace("target: 0.9995", f"target: {target}")


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_document_added_beside_the_manifest_cannot_shadow_the_objective_feasibility_reads(
    example: GitRepo, tier: int
) -> None:
    """main measures the service's availability by a document the old root reading finds; its
    99.99% cannot be met on a 99.9% dependency. The change adds a 99% document under the same
    name beside the manifest: read as the head decides, the objective looked feasible."""
    service, manifest, _ = SETUPS[tier]
    document = f"slo/{service}-availability.yaml"
    example.git("checkout", "-q", "main")
    example.write(document, _openslo(example, service, "0.9999"))
    _block(example, manifest, "slos", f"slos:\n  - openslo: {document}\n")
    _depend(example, manifest, "{external: {name: bank, sla: 99.9}}")
    example.commit(f"{service}: 99.99% on a 99.9% bank")
    example.git("checkout", "-q", "-B", "change")
    _touch(example, manifest)
    example.commit("touch")
    assert any("99.99% cannot be met" in m for m in _feasibility(judge(example), service))
    example.write(
        f"services/{service}/{document}",
        _openslo(example, service, "0.99"),
    )
    example.commit("a document beside the manifest")
    warned = _feasibility(judge(example), service)
    assert any("99.99% cannot be met" in m for m in warned), warned


def _feasibility(v: Verdict, service: str) -> list[str]:
    return [
        f.message
        for s in v.services
        if s.name == service
        for f in s.findings
        if f.rule == "slo-feasible"
    ]


def test_a_new_dependency_asks_the_team_the_trusted_tip_names(example: GitRepo) -> None:
    """The change adds a hard dependency of tier-0 payments on search and, in the same pull request,
    makes its own team search's owners: the review request went to the author's team."""
    _depend(example, "services/payments/service.yaml", "search")
    example.replace("services/search/service.yaml", "team: discovery", "team: payments")
    example.commit("payments depends on search, owned by payments now")
    asked = [
        f.message
        for s in judge(example).services
        if s.name == "payments"
        for f in s.findings
        if f.rule == "dependency-review"
    ]
    assert asked and all("team 'discovery'" in m for m in asked), asked


# -- a change is judged at the strictest tier it reaches ------------------------------------------


@pytest.mark.parametrize(
    "escape, said",
    [
        ("{service: admin-tools, kind: soft}", "made soft"),
        ('{service: admin-tools, fallback: "skip it"}', "given a fallback"),
        ("", "removed"),
    ],
    ids=["soft", "fallback", "removed"],
)
@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_escaping_an_inversion_is_judged_at_the_tier_of_the_dependents(
    example: GitRepo, tier: int, escape: str, said: str
) -> None:
    """main: a tier-2 `middle` hard-depends on tier-3 admin-tools (an inversion, a warning at tier
    2), and a tier-0 or tier-1 service hard-depends on middle. The change makes middle's dependency
    soft, claims a fallback or removes it: judged at middle's own tier that drift was a warning,
    though the services that fail with middle are tier 0 or 1."""
    service, manifest, _ = SETUPS[tier]
    example.git("checkout", "-q", "main")
    middle = "services/middle/service.yaml"
    example.write(
        middle,
        "apiVersion: gate/v1\nkind: Service\nname: middle\ntier: 2\n"
        "owners: {team: middle}\nrunbook: docs/runbook.md\ndependencies: [admin-tools]\n",
    )
    example.write("services/middle/docs/runbook.md", "# Runbook\n")
    _depend(example, manifest, "middle")
    example.commit(f"{service} -> middle -> admin-tools")
    example.git("checkout", "-q", "-B", "change")
    _depend(example, middle, escape)
    example.commit("escape the inversion")
    v = judge(example)
    drift = _errors(v, "middle").get("manifest-drift", [])
    assert any(
        f"hard dependency 'admin-tools' {said}" in m
        and f"(judged at tier {tier}: {service} depends on it)" in m
        for m in drift
    ), [(f.rule, f.severity, f.message) for s in v.services for f in s.findings]
    assert v.verdict == "block"
    middle_result = next(s for s in v.services if s.name == "middle")
    assert middle_result.tier == 2 and middle_result.judged_tier == tier


@pytest.mark.parametrize(
    "checkout_on_cart",
    [
        "payments",
        "[payments, {service: cart, kind: soft}]",
        '[payments, {service: cart, fallback: "session"}]',
    ],
    ids=["no-dependents", "soft-dependent", "fallback-dependent"],
)
def test_a_change_nothing_critical_depends_on_is_judged_at_its_own_tier(
    example: GitRepo, checkout_on_cart: str
) -> None:
    """The control: cart (tier 2) that no service hard-depends on without a fallback drifts at
    tier 2, a warning: a soft or survivable dependent is reached, not taken down."""
    example.git("checkout", "-q", "main")
    _depend(example, "services/checkout/service.yaml", checkout_on_cart.strip("[]"))
    _depend(example, "services/cart/service.yaml", "admin-tools")
    example.commit("nothing depends on cart; cart -> admin-tools")
    example.git("checkout", "-q", "-B", "change")
    _depend(example, "services/cart/service.yaml", "")
    example.commit("drop it")
    v = judge(example)
    drift = [
        (f.severity, f.message)
        for s in v.services
        if s.name == "cart"
        for f in s.findings
        if f.rule == "manifest-drift"
    ]
    assert drift == [("warning", "hard dependency 'admin-tools' removed")], drift


@pytest.mark.parametrize("tier", [0, 1], ids=["tier0", "tier1"])
def test_a_waiver_the_lax_tier_allows_does_not_lift_a_finding_judged_at_the_dependents_tier(
    example: GitRepo, tier: int
) -> None:
    """The ledger on main waives middle's manifest-drift for 20 days, which tier 2 allows and tiers
    0-1 do not: the drift is judged at the dependents' tier, so is the waiver."""
    service, manifest, _ = SETUPS[tier]
    example.git("checkout", "-q", "main")
    example.write(
        "services/middle/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: middle\ntier: 2\n"
        "owners: {team: middle}\ndependencies: [admin-tools]\n",
    )
    _depend(example, manifest, "middle")
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  max_days: {0: 7, 1: 7, 2: 30}\n  groups:\n    release-managers: [rita]\n",
    )
    example.write(
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        "  - id: EXC-9\n    services: [middle]\n    rules: [manifest-drift]\n"
        "    reason: admin-tools is going away with the console rework\n    ticket: INC-9\n"
        "    requested_by: dana\n    approved_by: rita\n    created: 2026-11-20\n"
        "    expires: 2026-12-10\n",
    )
    example.commit("middle, and a waiver for its drift")
    example.git("checkout", "-q", "-B", "change")
    _depend(example, "services/middle/service.yaml", "{service: admin-tools, kind: soft}")
    example.commit("soft")
    v = judge(example)
    assert "manifest-drift" in _errors(v, "middle"), [
        (f.rule, f.severity, f.waiver) for s in v.services for f in s.findings
    ]
    assert v.verdict == "block"


# -- the feasibility arithmetic, checked by hand -------------------------------------------------


def _service(name: str, objective: float | None, deps: str = "[]") -> str:
    slos = (
        f"slos: [{{name: {name}-availability, sli: availability, objective: {objective}, window: 28d}}]\n"
        if objective is not None
        else ""
    )
    return (
        f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: 1\nowners: {{team: t}}\n"
        f"{slos}dependencies: {deps}\n"
    )


FLEET = {
    "b": (99.95, "[]"),
    "c": (99.95, "[]"),
    "d": (99.99, "[]"),
    "low": (90, "[]"),
    "half": (99.5, "[]"),
    "base": (99.9, "[]"),
    # 99.95% x 99.95% = 99.900025%: enough for 99.9%, not for 99.95%
    "enough": (99.9, "[b, c]"),
    "tight": (99.95, "[b, c]"),
    # an external's SLA multiplies like an objective: 99.99% x 99.99% = 99.980001% < 99.99%
    "vendor": (99.99, "[{external: {name: bank, sla: 99.99}}, d]"),
    # soft, fallback and SLA-less externals are off the product: 99.95% alone allows 99.95%
    "degrades": (
        99.95,
        '[b, {service: low, kind: soft}, {service: half, fallback: "a cached answer"},'
        " {external: {name: geoip}}, {external: {name: maps, sla: 95, fallback: none shown}}]",
    ),
    # transitive: mid promises 99.99% but base lets it deliver 99.9%; top's 99.95% on mid fails
    "mid": (99.99, "[base]"),
    "top": (99.95, "[mid]"),
    # a dependency with no SLO still delivers no more than its own dependencies allow (99.5%)
    "bare": (None, "[half]"),
    "over": (99.9, "[bare]"),
    # a diamond: left and right both reach d; each delivers its own 99.95% (d allows 99.99%):
    # 99.95% x 99.95% = 99.900025% >= 99.9%
    "left": (99.95, "[d]"),
    "right": (99.95, "[d]"),
    "diamond": (99.9, "[left, right]"),
    # a cycle ends the walk (tier 1: no dependency-cycle finding), each bound by the other's 99.9%
    "ping": (99.9, "[pong]"),
    "pong": (99.9, "[ping]"),
}

EXPECTED = {
    "tight": "availability objective 99.95% cannot be met: its hard dependencies allow at most "
    "99.9% (b 99.95% x c 99.95%)",
    "vendor": "availability objective 99.99% cannot be met: its hard dependencies allow at most "
    "99.98% (bank 99.99% x d 99.99%)",
    "mid": "availability objective 99.99% cannot be met: its hard dependencies allow at most "
    "99.9% (base 99.9%)",
    "top": "availability objective 99.95% cannot be met: its hard dependencies allow at most "
    "99.9% (mid 99.9% (its 99.99% capped by its own hard dependencies))",
    "over": "availability objective 99.9% cannot be met: its hard dependencies allow at most "
    "99.5% (bare 99.5% (no SLO: what its own hard dependencies allow))",
}


def test_feasibility_arithmetic_matches_the_hand_computed_cases(repo: GitRepo) -> None:
    for name, (objective, deps) in FLEET.items():
        repo.write(f"{name}/service.yaml", _service(name, objective, deps))
    repo.commit("a fleet with hand-computed bounds")
    v = check.validate(GitLayer(repo.path), "HEAD", today=TODAY)
    found = {
        s.name: f.message.split("; add a fallback")[0]
        for s in v.services
        for f in s.findings
        if f.rule == "slo-feasible"
    }
    assert found == EXPECTED
