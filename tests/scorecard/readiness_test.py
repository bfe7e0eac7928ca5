"""gate.scorecard.readiness: every service at a commit, findings remembered per blob, date rules judged at every point."""

from __future__ import annotations

import datetime as dt
import gc
import os

from conftest import GitRepo

from gate.git import Repo
from gate.manifest_index import ManifestIndex
from gate.policy.rules import parse_pack
from gate.scorecard.readiness import REQUIREMENTS, Readiness

PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: p
rules:
  - {id: runbook, title: t, severity: error, check: {kind: file_exists, field: runbook}, remediation: fix}
  - {id: drilled, title: t, severity: warning, check: {kind: max_age, field: rollback.last_tested, days: 30}, remediation: fix}
"""
MANIFEST = """\
apiVersion: gate/v1
kind: Service
name: shop
tier: 1
runbook: /docs/shop-runbook.md
owners: {team: shop, oncall: ' '}
rollback: {last_tested: 2026-10-01, plan: https://wiki.example/rollback}
slos: [{name: availability, objective: 99.9, window: 28d, good: g, total: t}]
"""


def test_services_findings_and_requirements_at_a_commit(repo: GitRepo) -> None:
    repo.write("svc/service.yaml", MANIFEST)
    repo.write("docs/shop-runbook.md", "# runbook\n")
    head = repo.commit()
    readiness = Readiness(Repo(repo.path), parse_pack(PACK.encode(), "p.yaml"), None)
    _, (early,) = readiness.at(head, dt.date(2026, 10, 15))
    assert early.service.name == "shop" and early.states() == {"runbook": "pass", "drilled": "pass"}
    assert set(early.has) == set(REQUIREMENTS)
    assert {"slos", "owners", "rollback"} <= {
        k for k, v in early.has.items() if v
    } and not early.has["oncall"]  # oncall is blank
    _, (late,) = readiness.at(head, dt.date(2026, 12, 15))
    assert late.states() == {
        "runbook": "pass",
        "drilled": "warning",
    }  # the date rule is judged again


def test_the_same_blobs_are_judged_once(repo: GitRepo) -> None:
    repo.write("svc/service.yaml", MANIFEST)
    first = repo.commit()
    repo.write("unrelated.txt", "x\n")
    second = repo.commit()
    readiness = Readiness(Repo(repo.path), parse_pack(PACK.encode(), "p.yaml"), None)
    _, (a,) = readiness.at(first, dt.date(2026, 10, 15))
    _, (b,) = readiness.at(second, dt.date(2026, 10, 15))
    assert (
        a.states() == b.states() == {"runbook": "error", "drilled": "pass"}
        and len(readiness._findings) == 1
    )
    repo.write(
        "docs/shop-runbook.md", "# runbook\n"
    )  # a document the manifest names changes: judged afresh
    third = repo.commit()
    _, (c,) = readiness.at(third, dt.date(2026, 10, 15))
    assert c.states()["runbook"] == "pass" and len(readiness._findings) == 2


def test_requirements_read_documents_as_the_rules_do(repo: GitRepo) -> None:
    repo.write("svc/service.yaml", MANIFEST.replace("/docs/shop-runbook.md", "docs/runbook.md"))
    repo.write("svc/docs/runbook.md", "# runbook\n")
    head = repo.commit()
    readiness = Readiness(Repo(repo.path), parse_pack(PACK.encode(), "p.yaml"), None)
    _, (judged,) = readiness.at(head, dt.date(2026, 10, 15))
    assert judged.states()["runbook"] == "pass" and judged.has["runbook"]


def test_a_dependency_that_changes_is_judged_afresh(repo: GitRepo) -> None:
    """Graph rules read other manifests: a service's remembered findings do not outlive them."""
    pack = PACK + (
        "  - {id: inversion, title: t, severity: error, check: {kind: dependency_tiers},"
        " remediation: fix}\n"
    )
    repo.write("svc/service.yaml", MANIFEST + "dependencies: [cart]\n")
    repo.write("cart/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 1\n")
    first = repo.commit()
    repo.write("cart/service.yaml", "apiVersion: gate/v1\nkind: Service\nname: cart\ntier: 2\n")
    second = repo.commit()
    readiness = Readiness(Repo(repo.path), parse_pack(pack.encode(), "p.yaml"), None)
    _, judged = readiness.at(first, dt.date(2026, 10, 15))
    assert {j.service.name: j.states()["inversion"] for j in judged} == {
        "cart": "pass",
        "shop": "pass",
    }
    _, judged = readiness.at(second, dt.date(2026, 10, 15))
    assert {j.service.name: j.states()["inversion"] for j in judged}["shop"] == "error"


def test_each_listing_is_the_last_one_with_the_diff_applied_and_is_then_let_go(
    repo: GitRepo,
) -> None:
    """A trend's months share their files: each point's listing is the previous one plus the diff
    between them (exactly `git ls-tree -r`), and no judged snapshot is kept by the repository."""
    repo.write("svc/service.yaml", MANIFEST)
    repo.write("svc/a.py", "a\n")
    repo.write("svc/dir/b.py", "b\n")
    commits = [repo.commit()]
    repo.write("svc/a.py", "a2\n")  # modified
    repo.remove("svc/dir")  # a directory goes ...
    repo.write("svc/dir", "now a file\n")  # ... and a file takes its name
    os.symlink("a.py", repo.root / "svc" / "link")  # a symbolic link arrives
    commits.append(repo.commit())
    repo.remove("svc/link")
    repo.write("svc/new.py", "n\n")
    commits.append(repo.commit())
    git = Repo(repo.path)
    readiness = Readiness(git, parse_pack(PACK.encode(), "p.yaml"), None)
    held = ManifestIndex.of(git)
    for commit in [commits[2], *commits, commits[0]]:  # newest first, then a trend from the oldest
        snap, _ = readiness.at(commit, dt.date(2026, 10, 15))
        assert snap.files == git.tree(commit), commit
        del snap
        gc.collect()
        assert not held._listings and not held._claims and not held._threads
