"""The service-graph rules, judged by `gate check` on the bundled example monorepo: each attack is
a pull request that tries to escape a graph rule, at tier 0 (payments) and tier 1 (checkout)."""

from __future__ import annotations

import pytest
from conftest import GitRepo
from trust_boundary_test import judge

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
