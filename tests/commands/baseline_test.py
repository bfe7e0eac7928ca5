"""`gate baseline`: writes gate-baseline.yaml from the revision's findings, keeps dates, --prune shrinks."""

from __future__ import annotations

from typing import Any

from conftest import TODAY, GitRepo

from gate.baseline.model import BASELINE_FILE, parse


def entries(repo: GitRepo) -> dict[tuple[str, str], str]:
    found = parse((repo.root / BASELINE_FILE).read_bytes(), BASELINE_FILE)
    return {(e.service, e.subject): e.since.isoformat() for e in found}


def test_records_every_services_debt_then_keeps_dates_and_prunes(
    example: GitRepo, gate_cli: Any
) -> None:
    code, out, err = gate_cli("baseline", "--repo", example.path, "--as-of", TODAY.isoformat())
    assert code == 0 and f"in {BASELINE_FILE}" in out and "(was 0)" in out, err
    first = entries(example)
    assert any(s == "search" and "'Escalation'" in subj for s, subj in first)
    example.write(
        "services/search/docs/runbook.md",
        example.read("services/search/docs/runbook.md") + "\n## Escalation\nPage sre-oncall.\n",
    )
    example.write(
        "services/cart/service.yaml", example.read("services/cart/service.yaml") + "tier: 3\n"
    )
    example.commit("search fixed; cart broken anew")
    code, out, _ = gate_cli("baseline", "--repo", example.path, "--prune", "--as-of", "2026-12-01")
    pruned = entries(example)
    assert code == 0 and not any(s == "search" for s, _ in pruned)
    assert set(pruned) < set(first) and all(first[k] == v for k, v in pruned.items())


def test_a_broken_baseline_file_is_one_line_and_exit_2(example: GitRepo, gate_cli: Any) -> None:
    example.write(BASELINE_FILE, "apiVersion: gate/v1\nkind: Baseline\nfindings: 3\n")
    code, _, err = gate_cli("baseline", "--repo", example.path)
    assert code == 2 and err.count("\n") == 1 and BASELINE_FILE in err
