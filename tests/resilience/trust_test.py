"""The trusted resilience record, end to end through `gate check`: a drill record, its evidence
and the DR tier are claims of the pull request; each counts only with a verified approval by the
tier's resilience reviewers (a GitHub review of the head commit, played by a local server).

The attacker's tests, at tier 0 (payments) and tier 1 (checkout) of the example monorepo: the base
branch records something that blocks; the pull request rewrites the record; without approval the
block stays and says why; with it, the block lifts.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.git import Repo
from gate.verdict import Verdict

HEAD_SHA = "d1" * 20
CONFIG = """\
exceptions:
  groups:
    resilience-reviewers: [rita]
"""
FRESH = "2026-11-20"
STALE = "2024-01-02"
MANIFEST = {0: "services/payments/service.yaml", 1: "services/checkout/service.yaml"}


@pytest.fixture
def github(httpserver: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """A pull request by dana, and GitHub's reviews of it (set with `reviews`)."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {"number": 7, "user": {"login": "dana"}, "head": {"sha": HEAD_SHA}},
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_test")

    def reviews(*items: tuple[str, str, str]) -> None:
        body = [
            {"id": i, "user": {"login": login}, "state": state, "commit_id": sha}
            for i, (login, state, sha) in enumerate(items)
        ]
        httpserver.expect_request("/repos/acme/shop/pulls/7/reviews").respond_with_json(body)

    httpserver.reviews = reviews
    httpserver.expect_request("/repos/acme/shop/issues/7/events").respond_with_json([])
    httpserver.expect_request(re.compile(r"/repos/acme/shop/commits/[0-9a-f]+")).respond_with_json(
        {"author": {"login": "dana"}}
    )
    return httpserver


def drill_line(example: GitRepo, manifest: str, kind: str) -> str:
    (line,) = [x for x in example.read(manifest).splitlines() if f"{{kind: {kind}, date:" in x]
    return line + "\n"


def on_main(example: GitRepo, manifest: str, old: str, new: str) -> None:
    """The base branch's record, as the test needs it, with the resilience reviewers configured."""
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + CONFIG)
    example.replace(manifest, old, new)
    example.commit("main: the drill record")
    example.git("checkout", "-q", "-B", "change", "main")


def judge(example: GitRepo) -> Verdict:
    return check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)


def errors(v: Verdict, manifest: str) -> dict[str, str]:
    """rule -> message of the errors on one service (its error budget aside: payments' is spent)."""
    (service,) = [s for s in v.services if s.manifest == manifest]
    return {
        f.rule: f.message
        for f in service.findings
        if f.severity == "error" and f.rule != "error-budget" and not f.waiver
    }


def stale(example: GitRepo, tier: int, kind: str) -> str:
    """On main, the service's `kind` drill is two years old; returns that record's line."""
    manifest = MANIFEST[tier]
    line = drill_line(example, manifest, kind)
    date = line.split("date: ")[1].split(",")[0]
    on_main(example, manifest, line, line.replace(date, STALE))
    return line.replace(date, STALE)


RULE = {"restore": "restore-tested", "failover": "failover-exercised"}
KIND = {0: "failover", 1: "restore"}  # a tier-0 and a tier-1 block of the default pack


def bump_date(example: GitRepo, tier: int) -> None:
    line = stale(example, tier, KIND[tier])
    example.replace(MANIFEST[tier], line, line.replace(STALE, FRESH))


def add_record(example: GitRepo, tier: int) -> None:
    line = stale(example, tier, KIND[tier])
    evidence = f"https://drills.example.com/{KIND[tier]}/{FRESH}"
    record = f"    - {{kind: {KIND[tier]}, date: {FRESH}, result: pass, evidence: {evidence}}}\n"
    example.replace(MANIFEST[tier], line, line + record)


def new_evidence(example: GitRepo, tier: int) -> None:
    """The record is re-dated and its evidence pointed at a report the change itself writes."""
    line = stale(example, tier, KIND[tier])
    evidence = line.split("evidence: ")[1].split("}")[0].split(",")[0]
    example.write(
        f"services/{MANIFEST[tier].split('/')[1]}/docs/drills/new.md",
        f"# {KIND[tier]} drill {FRESH}\n\nWent fine.\n",
    )
    example.replace(
        MANIFEST[tier],
        line,
        line.replace(STALE, FRESH).replace(evidence, "docs/drills/new.md"),
    )


ATTACKS = [bump_date, add_record, new_evidence]


def _attack(example: GitRepo, tier: int, attack: Any) -> None:
    attack(example, tier)
    example.write(f"services/{MANIFEST[tier].split('/')[1]}/src/touch.py", "x = 1\n")
    example.commit("the change rewrites its own drill record")


@pytest.mark.parametrize("tier", [0, 1])
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__)
def test_a_drill_record_the_change_writes_lifts_no_block(
    example: GitRepo, tier: int, attack: Any
) -> None:
    _attack(example, tier, attack)
    found = errors(judge(example), MANIFEST[tier])
    rule = RULE[KIND[tier]]
    assert rule in found, found
    assert f"is {(TODAY - dt.date(2024, 1, 2)).days} days ago" in found[rule]
    assert "does not count" in found[rule]
    assert f"tier-{tier} resilience reviewers (resilience-reviewers)" in found[rule]


@pytest.mark.parametrize("tier", [0, 1])
@pytest.mark.parametrize("attack", ATTACKS, ids=lambda a: a.__name__)
def test_a_resilience_reviewers_approval_lifts_it(
    example: GitRepo, github: Any, tier: int, attack: Any
) -> None:
    github.reviews(("rita", "APPROVED", HEAD_SHA))
    _attack(example, tier, attack)
    assert RULE[KIND[tier]] not in errors(judge(example), MANIFEST[tier])


@pytest.mark.parametrize("tier", [0, 1])
def test_approvals_that_do_not_count(example: GitRepo, github: Any, tier: int) -> None:
    """The author's own approval, an approval of an older commit, and someone who is no reviewer."""
    github.reviews(
        ("dana", "APPROVED", HEAD_SHA),
        ("rita", "APPROVED", "0" * 40),
        ("mallory", "APPROVED", HEAD_SHA),
    )
    _attack(example, tier, bump_date)
    found = errors(judge(example), MANIFEST[tier])
    assert "no approval of the head commit by the tier-" in found[RULE[KIND[tier]]]


def test_lowering_the_dr_tier_lifts_no_block(example: GitRepo, github: Any) -> None:
    """checkout (tier 1) holds tier-0 data: dr_tier 0 asks for a failover drill. The change lowers
    its DR tier; only a resilience reviewer's approval makes that count. (At tier 0 a DR tier cannot
    lower anything: the stricter of the two applies.)"""
    manifest = MANIFEST[1]
    on_main(example, manifest, "  stateful: true\n", "  stateful: true\n  dr_tier: 0\n")
    example.replace(manifest, "  dr_tier: 0\n", "  dr_tier: 1\n")
    example.commit("checkout: DR tier 1")
    found = errors(judge(example), manifest)
    assert "dr_tier lowered to 1 (was 0) does not count" in found["failover-exercised"]
    github.reviews(("rita", "APPROVED", HEAD_SHA))
    assert "failover-exercised" not in errors(judge(example), manifest)


def test_deleting_a_failed_drill_hides_nothing(example: GitRepo) -> None:
    manifest = MANIFEST[1]
    line = drill_line(example, manifest, "gameday")
    failed = line.replace("result: pass", "result: fail")
    on_main(example, manifest, line, failed)
    example.replace(manifest, failed, "")
    example.commit("checkout: forget the failed game day")
    found = errors(judge(example), manifest)
    assert "the latest gameday drill" in found["drill-failed"]


def test_an_unchanged_record_is_the_trusted_record(example: GitRepo) -> None:
    """A change that leaves the manifest alone is judged by it, with no approval to ask for."""
    example.write("services/checkout/src/touch.py", "x = 1\n")
    example.commit()
    v = judge(example)
    assert v.verdict == "pass", errors(v, MANIFEST[1])
