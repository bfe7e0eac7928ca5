"""The service-graph rules, judged by `gate check` on the bundled example monorepo: each attack is
a pull request that tries to escape a graph rule, at tier 0 (payments) and tier 1 (checkout)."""

from __future__ import annotations

import pytest
from conftest import GitRepo
from trust_boundary_test import judge

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
