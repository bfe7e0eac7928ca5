"""`gate check --staged` (the pre-commit hook): the trusted side is HEAD, the index is the claim.

Each test stages a change that must block (or must not score low) and then tries to talk its way
past with something else it stages or leaves in the work tree. In staged mode a status-file budget
is not measured (the hook's machine has no CI export), so these use the rules and the risk model.
"""

from __future__ import annotations

import os

from conftest import TODAY, GitRepo
from trust_boundary_test import flagged, rules

from gate import check
from gate.git import Repo
from gate.verdict import Verdict

SEARCH = "services/search/src/query.py"  # tier 1; its runbook lacks an Escalation section: blocks
CHECKOUT = "services/checkout/src/app.py"  # tier 1, complete


def staged(repo: GitRepo) -> Verdict:
    return check.run(Repo(repo.path), staged=True, today=TODAY)


def stage(repo: GitRepo, path: str, text: str) -> None:
    repo.write(path, text)
    repo.git("add", "--", path)


def test_staged_rules_ledger_and_tier_edits_are_judged_by_head(example: GitRepo) -> None:
    """The search fix, staged with: runbook-sections switched off in .gate.yaml, a ledger entry
    waiving it, search's tier lowered to 3: HEAD's rules, ledger and tier judge it."""
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml")
        + "exceptions:\n  groups:\n    release-managers: [release-manager-rita]\n",
    )
    example.commit("rita may approve waivers")
    stage(example, SEARCH, example.read(SEARCH) + "\nx = 1\n")
    assert staged(example).verdict == "block", "precondition"
    stage(
        example,
        ".gate.yaml",
        example.read(".gate.yaml").replace("rules:\n", "rules:\n  runbook-sections: off\n"),
    )
    stage(
        example,
        "exceptions.yaml",
        "apiVersion: gate/v1\nkind: ExceptionLedger\nexceptions:\n"
        "  - id: EXC-1\n    services: [search]\n    rules: [runbook-sections]\n"
        "    reason: Escalation contacts land with the on-call rework in INC-77\n    ticket: INC-77\n"
        "    requested_by: dana\n    approved_by: release-manager-rita\n    created: 2026-11-23\n    expires: 2026-11-26\n",
    )
    manifest = "services/search/service.yaml"
    stage(example, manifest, example.read(manifest).replace("tier: 1\n", "tier: 3\n"))
    v = staged(example)
    assert v.verdict == "block" and {"runbook-sections", "exception-unapproved"} <= rules(v)
    assert "gate-config-changed" in flagged(v)
    (search,) = [s for s in v.services if s.name == "search"]
    assert search.tier == 1


def test_the_index_is_judged_not_the_work_tree(example: GitRepo) -> None:
    """Staged: the search fix. Work tree: the file put back as HEAD has it, the runbook completed,
    the manifest at tier 3. What is committed is the index: it blocks."""
    original = example.read(SEARCH)
    stage(example, SEARCH, original + "\nx = 1\n")
    example.write(SEARCH, original)
    runbook = "services/search/docs/runbook.md"
    example.write(runbook, example.read(runbook) + "\n## Escalation\n\nPage sre-oncall.\n")
    example.write(
        "services/search/service.yaml",
        example.read("services/search/service.yaml").replace("tier: 1\n", "tier: 3\n"),
    )
    v = staged(example)
    assert v.verdict == "block" and "runbook-sections" in rules(v)


def test_a_staged_symlink_for_the_runbook_is_not_a_runbook(example: GitRepo) -> None:
    """checkout's runbook replaced in the index by a symlink to a complete runbook elsewhere."""
    runbook = "services/checkout/docs/runbook.md"
    example.git("rm", "-q", "--", runbook)
    os.symlink("../../search/docs/runbook.md", example.root / runbook)
    example.git("add", "--", runbook)
    assert example.git("ls-files", "-s", "--", runbook).startswith("120000"), (
        "precondition: a symlink is staged"
    )
    v = staged(example)
    assert v.verdict == "block"


def _score(v: Verdict, name: str) -> int:
    (service,) = [s for s in v.services if s.name == name]
    assert service.risk
    return int(service.risk.score)


def test_gitattributes_in_the_work_tree_or_index_cannot_hide_staged_lines(example: GitRepo) -> None:
    """A staged 1,200-line change to checkout scored 79 (warn); a `.gitattributes` saying `* -diff`,
    staged or merely present in the work tree, made git count no lines: 5 (pass)."""
    stage(
        example,
        CHECKOUT,
        example.read(CHECKOUT) + "".join(f"\n\ndef f{i}():\n    return {i}\n" for i in range(300)),
    )
    plain = staged(example)
    for where in ("work-tree", "index"):
        example.write(".gitattributes", "* -diff\n")
        if where == "index":
            example.git("add", ".gitattributes")
        disguised = staged(example)
        assert _score(disguised, "checkout") >= _score(plain, "checkout"), where
        assert disguised.verdict == plain.verdict, where
