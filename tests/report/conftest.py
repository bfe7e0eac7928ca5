"""The verdict every reporter's tests read."""

from __future__ import annotations

import pytest
from conftest import TODAY, GitRepo
from waivers.apply_test import entry, ledger_setup

from gate import check
from gate.git import Repo
from gate.verdict import Verdict


@pytest.fixture
def blocked(example: GitRepo) -> Verdict:
    """search blocked (runbook), an unowned script warned, payments' budget waived by a trusted exception."""
    ledger_setup(
        example,
        base_entries=entry(
            id="EXC-BUDGET",
            services="[payments]",
            rules="[error-budget]",
            approved_by="victor",
            expires="2026-11-25",
        ),
    )  # tier 0: 3 days, both ends counted
    example.write("scripts/release.sh", "echo 1\n")
    example.write("services/payments/src/charge.py", "x = 3\n")
    example.commit()
    return check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
