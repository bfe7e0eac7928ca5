"""A way out of every block, named in the block (gate.waivers.way_out)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo
from testing.github import pull_request_run, serve_reviews
from testing.repo import TODAY

from gate import check
from gate.builtin_rules import BUILTIN_RULES
from gate.config import Config
from gate.git import Repo
from gate.policy.rules import load_rules
from gate.settings import WaiverSettings
from gate.verdict import Finding, ServiceResult
from gate.waivers.trust import approvers_text, with_approvers
from gate.waivers.way_out import OWN_ROUTE, exception_line, stage

# The repository's own findings: no exception waives them (the ledger waives a service's findings),
# so their fix or approval route is their way out, and the message names who approves.
REPOSITORY_RULES = {
    "unowned-change": "Move the file",
    "gate-config-changed": "review this change",
    "pack-pin-changed": "review the new pack revision",
    "gate-files-owned": "Add CODEOWNERS lines",
    "exceptions-ledger-invalid": "Fix the file and line",
    "exception-unapproved": "Ask the approver named in `approved_by` to approve",
    "baseline-unapproved": "to approve this pull request's head commit",
    "baseline-invalid": "Regenerate it",
    "service-identity": "have its owners and the release managers review",
}
SETTINGS = WaiverSettings.parse({"groups": {"release-managers": ["rita"], "vps": ["victor"]}})


def every_rule() -> list[tuple[str, str, str]]:
    """(rule id, title, fix) of every rule a check can block on: the shipped packs' and the gate's own."""
    infos = [r.info for r in load_rules(Config(), None)] + list(BUILTIN_RULES.values())
    return [(i.id, i.title, i.remediation) for i in infos]


@pytest.mark.parametrize("tier", [0, 1, 2, 3])
def test_every_rules_block_names_its_way_out(tier: int) -> None:
    """Each rule, blocking a service at each tier, says how to get through: its own approval route
    with the tier's approvers, or its fix and the exact exception line with who may approve it."""
    rules = every_rule()
    assert len(rules) > 40
    for rule, title, fix in rules:
        if rule in REPOSITORY_RULES:
            assert REPOSITORY_RULES[rule] in fix, rule
            continue
        finding = Finding(rule, title, "error", "it blocks", "service.yaml", 1, fix)
        (finding,) = with_approvers([finding], tier, SETTINGS)
        result = ServiceResult("search", tier, "service.yaml", "", "changed", (), (finding,))
        (out,) = stage([result], SETTINGS, 42)[0].findings
        if any(route in finding.remediation for route in OWN_ROUTE):
            assert f"tier {tier}: " in out.remediation, rule  # the route names its approvers
            continue
        line = exception_line("search", rule, tier, SETTINGS, 42)
        assert out.remediation.endswith(line), rule
        assert approvers_text(rule, tier, SETTINGS) in out.remediation, rule
        assert "--pr 42 " in line and f"--days {SETTINGS.max_days.for_tier(tier)}" in line


def test_warnings_infos_and_waived_findings_are_left_as_they_are() -> None:
    base = Finding("r", "t", "warning", "m", None, None, "Fix it.")
    result = ServiceResult("s", 1, "service.yaml", "", "changed", (), (base,))
    assert stage([result], SETTINGS, None)[0].findings == (base,)


def test_the_named_way_out_gets_through(
    example: GitRepo,
    gate_cli: Any,
    httpserver: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Pull request #42 blocks on runbook-sections; the line its block names, filled in and run by
    a release manager on that branch, records an exception that, once approved, lets it merge."""
    example.git("checkout", "-q", "main")
    example.write(
        ".gate.yaml",
        example.read(".gate.yaml") + "exceptions:\n  groups:\n    release-managers: [rita]\n",
    )
    example.commit("approvers")
    example.git("checkout", "-q", "-B", "change", "main")
    example.write("services/search/src/query.py", "x = 1\n")
    example.commit("search change")
    head = "c0ffee" * 6 + "beef"
    pull_request_run(monkeypatch, tmp_path, httpserver, head_sha=head)
    serve_reviews(httpserver, 42, ("rita", "APPROVED", head))
    v = check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    (blocking,) = [f for s in v.services for f in s.findings if f.severity == "error"]
    assert (
        "approved by tier 1: release-managers (exceptions.approvers.findings)"
        in blocking.remediation
    )
    found = re.search(r"gate exception add .*$", blocking.remediation)
    assert found and "--pr 42 " in found.group(0)
    filled = {
        "...": "Escalation rota lands with INC-90",
        "TICKET": "INC-90",
        "YOU": "dana",
        "APPROVER": "rita",
    }
    args = [filled.get(a, a) for a in shlex.split(found.group(0))][1:]
    code, out, err = gate_cli(*args, "--as-of", TODAY.isoformat(), "--repo", example.path)
    assert code == 0 and "waives only pull request #42" in out, err
    example.commit("the exception")
    assert check.run(Repo(example.path), base="main", head="HEAD", today=TODAY).verdict == "pass"
