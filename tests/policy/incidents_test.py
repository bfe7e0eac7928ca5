"""The incident check kinds (gate/policy/incidents.py) as `gate check` runs them: overdue postmortems
and corrective actions hold back feature changes by tier; closing an action, a verified revert and
reliability material go through; days are counted on the gate's clock, never a commit's."""

from __future__ import annotations

from testing.incidents import Fleet, action, config, incident


def _overdue(fleet: Fleet) -> None:
    fleet.incidents(
        incident(
            actions=(action("PAY-311", title="Cap retries"), action("PAY-312", due="2026-10-12"))
        )
    )


def test_a_feature_change_to_a_tier_0_service_with_actions_45_days_overdue_blocks(
    fleet: Fleet,
) -> None:
    _overdue(fleet)
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit("pay: return two")
    verdict = fleet.check()
    assert verdict.verdict == "block"
    ((rule, severity, message),) = fleet.findings()
    assert (rule, severity) == ("actions-overdue", "error")
    assert message.startswith(
        'incident INC-7 (sev1) has 2 corrective actions more than 30 days past due: PAY-311 "Cap retries" '
        "(owner dana, due 2026-10-10, 45 days past due); PAY-312 (owner dana, due 2026-10-12, 43 days past due)"
    )


def test_tier_2_only_warns(fleet: Fleet) -> None:
    fleet.incidents(incident(services=("tools",), actions=(action("T-1"),)))
    fleet.repo.write("services/tools/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit()
    assert fleet.check().verdict == "warn"
    assert [(r, s) for r, s, _ in fleet.findings("tools")] == [("actions-overdue", "warning")]


def test_an_action_within_its_grace_is_quiet_and_a_closed_one_counts_for_nothing(
    fleet: Fleet,
) -> None:
    fleet.incidents(
        incident(
            actions=(
                action("A-1", due="2026-11-01"),
                action("A-2", state="closed", closed="2026-11-01"),
            )
        )
    )
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit()
    assert fleet.findings() == []


def test_a_change_that_closes_one_action_passes(fleet: Fleet) -> None:
    _overdue(fleet)
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return min(2, 3)\n")
    fleet.repo.commit("pay: cap provider retries\n\nCloses PAY-311.")
    assert fleet.check().verdict == "pass"


def test_naming_an_action_in_an_empty_commit_does_not_let_a_feature_through(fleet: Fleet) -> None:
    _overdue(fleet)
    fleet.repo.commit("Closes PAY-311")  # empty
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit("pay: new feature")
    assert fleet.check().verdict == "block"


def test_naming_an_action_in_a_commit_that_changes_another_service_lifts_nothing(
    fleet: Fleet,
) -> None:
    _overdue(fleet)
    fleet.repo.write("services/tools/src/app.py", "def run():\n    return 9\n")
    fleet.repo.commit("tools: tweak, closes PAY-311")
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit("pay: new feature")
    assert [r for r, _, _ in fleet.findings()] == ["actions-overdue"]


def test_naming_another_services_action_closes_nothing_here(fleet: Fleet) -> None:
    fleet.incidents(
        incident(actions=(action("PAY-311"),)),
        incident("INC-8", services=("tools",), actions=(action("T-9", due="2026-11-20"),)),
    )
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit("Closes T-9")
    assert fleet.check().verdict == "block"


def test_a_verified_revert_and_reliability_material_go_through(fleet: Fleet) -> None:
    fleet.repo.git("checkout", "-q", "main")
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 5\n")
    bad = fleet.repo.commit("pay: five")
    fleet.repo.git("checkout", "-q", "-B", "change", "main")
    _overdue(fleet)
    fleet.repo.git("revert", "--no-edit", bad)
    assert fleet.check().verdict == "pass"
    fleet.repo.git("checkout", "-q", "-B", "change", "main")
    fleet.repo.write("services/pay/docs/runbook.md", "# Runbook\n\n## Mitigation\nShed load.\n")
    fleet.repo.commit("pay: runbook")
    assert fleet.check().verdict == "pass"


def test_a_late_postmortem_blocks_counting_business_days_and_holidays(fleet: Fleet) -> None:
    fleet.incidents(incident(severity="sev2", resolved="2026-11-13T18:00:00Z", postmortem=None))
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit()
    ((rule, severity, message),) = fleet.findings()
    assert (rule, severity) == ("postmortem-overdue", "error")
    assert "resolved 2026-11-13) has no postmortem 7 business days later" in message
    assert "(due 2026-11-20)" in message
    fleet.repo.git("checkout", "-q", "main")
    fleet.repo.write(
        ".gate.yaml",
        config(str(fleet.export), "  holidays: [2026-11-16, 2026-11-17, 2026-11-21]\n"),
    )
    fleet.repo.commit("two holidays")
    fleet.repo.git("checkout", "-q", "change")
    fleet.repo.git("rebase", "-q", "main")
    assert fleet.findings() == []  # 5 business days: on time


def test_the_clock_is_the_gates_not_a_commits(fleet: Fleet) -> None:
    _overdue(fleet)
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.git("add", "-A")
    fleet.repo.git(
        "commit",
        "-q",
        "-m",
        "written long ago",
        env_overrides={
            "GIT_AUTHOR_DATE": "2026-10-01T00:00:00Z",
            "GIT_COMMITTER_DATE": "2026-10-01T00:00:00Z",
        },
    )
    assert fleet.check().verdict == "block"


def test_without_an_incident_source_the_rules_are_quiet(fleet: Fleet) -> None:
    _overdue(fleet)
    fleet.repo.git("checkout", "-q", "main")
    fleet.repo.replace(".gate.yaml", "  source: file\n", "")
    fleet.repo.commit("no source")
    fleet.repo.git("checkout", "-q", "-B", "change", "main")
    fleet.repo.write("services/pay/src/app.py", "def run():\n    return 2\n")
    fleet.repo.commit()
    assert fleet.findings() == []
