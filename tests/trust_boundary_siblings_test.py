"""Siblings of the trust-boundary classes, found by the project's own attacker after the first fixes.

Each test is one hostile pull request against the bundled example monorepo (tier 0 payments,
whose error budget is spent; tier 1 checkout) and asserts the verdict that must happen; each
failed before its fix (THREAT_MODEL.md names the class).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TODAY, GitRepo
from trust_boundary_test import TARGETS, feature, judge, rules

from gate import check
from gate.errors import FatalError
from gate.git import Repo

FILES = (
    "service.yaml",
    "src/charge.py",
    "docs/runbook.md",
    "docs/rollback.md",
    "slo/availability.yaml",
)


def _pad(path: str) -> str:
    """Enough new lines that git's rename detection (-M, 50% similarity) no longer pairs the move."""
    if path.endswith(".md"):
        return "".join(f"\nNote {i}.\n" for i in range(80))
    return "".join(f"# note {i}\n" for i in range(200))


# -- A. a move git does not call a rename sheds the service's identity ------------------------------


def test_a_low_similarity_move_sheds_tier_and_spent_budget(example: GitRepo) -> None:
    """payments (tier 0, budget spent) moves to services/billing, each file padded so no rename is
    detected; the new manifest says tier 3. The feature lands in charge.py. Today: warn, exit 0."""
    for name in FILES:
        text = example.read(f"services/payments/{name}")
        example.remove(f"services/payments/{name}")
        if name == "service.yaml":
            text = text.replace("name: payments\n", "name: billing\n").replace(
                "tier: 0\n", "tier: 3\n"
            )
            text = text.replace("services/payments/", "services/billing/")
        if name == "src/charge.py":
            text += "\n\ndef new_feature():\n    return 1\n"
        example.write(
            f"services/billing/{name}",
            text + _pad(name) if name.endswith(".md") else _pad(name) + text,
        )
    example.commit("billing: new home for the card flow")
    assert "=>" not in example.git("diff", "-M", "--stat", "main...HEAD"), (
        "precondition: git sees no rename"
    )
    v = judge(example)
    assert v.verdict == "block"
    assert v.exit_code != 0


def test_a_tier0_service_replaced_by_a_submodule_is_not_a_warning(
    example: GitRepo, tmp_path: Path
) -> None:
    """services/payments becomes a gitlink to a commit holding the new feature: its files are all
    'deleted', so payments is 'removed' with no finding; the gitlink is only an unowned warning."""
    (tmp_path / "vendor").mkdir()
    vendor = GitRepo(tmp_path / "vendor")
    vendor.git("init", "-q", "--initial-branch=main")
    vendor.write("charge.py", "RETRIES = 5\n\n\ndef new_feature():\n    return 1\n")
    sha = vendor.commit("payments, vendored")
    example.remove("services/payments")
    example.git("update-index", "--add", "--cacheinfo", f"160000,{sha},services/payments")
    example.git("commit", "-q", "-m", "payments: vendored as a submodule")
    v = judge(example)
    assert v.verdict == "block"


def test_deleting_a_tier1_service_with_its_runbook_is_not_silent(example: GitRepo) -> None:
    """Deleting every file of tier-1 checkout (runbook included) passes with no finding at all."""
    example.remove("services/checkout")
    example.commit("retire checkout")
    v = judge(example)
    assert v.verdict == "block"


@pytest.mark.parametrize(
    "destination",
    ["services/admin-tools/payments", "libs/payments"],
    ids=["into-tier3", "into-unowned"],
)
def test_moving_a_tier0_services_files_elsewhere_keeps_the_tier0_rules(
    example: GitRepo, destination: str
) -> None:
    """`git mv services/payments <destination>`, delete the moved manifest, add the feature. Every
    file is a detected 100% rename, yet payments is only 'removed' (no file remains under its
    root, so no finding) and the code is judged by tier-3 admin-tools (pass) or by nobody
    (unowned-change warnings: warn). Either way exit 0."""
    example.git("mv", "services/payments", destination)
    example.git("rm", "-q", "-f", f"{destination}/service.yaml")
    feature(example, f"{destination}/src/charge.py")
    example.commit("move the card flow")
    assert "=>" in example.git("diff", "-M", "--stat", "main...HEAD"), (
        "precondition: renames detected"
    )
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


def test_folding_a_tier0_service_into_another_keeps_its_spent_budget(example: GitRepo) -> None:
    """checkout (tier 1, healthy budget) moves to services/commerce and swallows payments' files
    (detected renames) while payments' manifest is deleted. The new manifest continues only
    checkout's identity (gate/ownership.py `of_change`: one successor per identity), so payments'
    spent budget is never measured. Today: warn (service-identity warning only), exit 0."""
    example.git("mv", "services/checkout", "services/commerce")
    example.git("mv", "services/payments/src/charge.py", "services/commerce/src/charge.py")
    example.git(
        "mv", "services/payments/docs/runbook.md", "services/commerce/docs/payments-runbook.md"
    )
    example.git(
        "mv", "services/payments/docs/rollback.md", "services/commerce/docs/payments-rollback.md"
    )
    example.git("mv", "services/payments/slo", "services/commerce/slo")
    example.remove("services/payments/service.yaml")
    manifest = "services/commerce/service.yaml"
    example.write(
        manifest,
        example.read(manifest)
        .replace("services/checkout/", "services/commerce/")
        .replace("name: checkout\n", "name: commerce\n"),
    )
    example.write(
        ".github/CODEOWNERS",
        example.read(".github/CODEOWNERS").replace("/services/checkout/", "/services/commerce/"),
    )
    feature(example, "services/commerce/src/charge.py")
    example.commit("commerce: one service for the order and card flows")
    v = judge(example)
    assert v.verdict == "block" and "error-budget" in rules(v)


# -- B. a runbook deleted behind a manifest edit or a comment -----------------------------------------


@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://wiki.example.com/nothing-here",
        "/services/payments/docs/runbook.md",
        "../payments/docs/runbook.md",
        "services/payments/docs/runbook.md",
        "./../payments/docs/./runbook.md",
        "..\\payments\\docs\\runbook.md",
        "/services/payments/docs/runbook.md/",
    ],
    ids=[
        "unchecked-url",
        "another-services-runbook",
        "another-services-runbook-relative",
        "another-services-runbook-old-form",
        "dot-segments",
        "backslashes",
        "trailing-slash",
    ],
)
def test_deleting_a_tier1_runbook_behind_a_new_runbook_field_blocks(
    example: GitRepo, elsewhere: str
) -> None:
    """checkout's runbook file is deleted and its manifest points at a URL nobody checks, or at
    payments' runbook: no manifest-drift (the field is still set), no file check. Today: pass."""
    example.remove("services/checkout/docs/runbook.md")
    example.replace(
        "services/checkout/service.yaml", "runbook: docs/runbook.md", f"runbook: {elsewhere}"
    )
    example.commit("runbook moved")
    v = judge(example)
    assert v.verdict == "block"


def test_a_runbook_commented_out_in_html_is_deleted(example: GitRepo) -> None:
    """checkout's runbook wrapped in an HTML comment renders as an empty page, yet every section
    is found (gate/markdown.py `headings` knows fences, not comments). Today: pass."""
    path = "services/checkout/docs/runbook.md"
    example.write(path, "# checkout runbook\n\n<!--\n" + example.read(path) + "\n-->\n")
    example.commit("runbook: hide the stale steps")
    v = judge(example)
    assert v.verdict == "block" and "runbook-sections" in rules(v)


# -- C. the trusted revision named by a ref the author can shadow -------------------------------------


def test_a_branch_named_like_the_base_ref_does_not_become_the_trusted_side(
    example: GitRepo,
) -> None:
    """CI checks the change out as a local branch named after the source branch (Jenkins, many
    GitLab setups: `git checkout -B <source branch>`). The author names the branch `origin/main`;
    `--base origin/main` then resolves (git's DWIM: refs/heads before refs/remotes) to the
    author's own head: no changes, nothing judged. A tag named `main` does the same to
    `--base main` (refs/tags before refs/heads). Today: pass."""
    example.git("update-ref", "refs/remotes/origin/main", "main")
    example.git("checkout", "-q", "-b", "origin/main", "main")
    feature(example, TARGETS[0][1])
    example.commit("payments: new feature")
    assert judge(example, base="main").verdict == "block", (
        "precondition: judged against main, it blocks"
    )
    with pytest.raises(FatalError) as refused:  # exit 2: the check fails, the merge waits
        check.run(Repo(example.path), base="origin/main", head="HEAD", today=TODAY)
    assert (
        "is ambiguous" in refused.value.message
        and "refs/remotes/origin/main" in refused.value.message
    )
