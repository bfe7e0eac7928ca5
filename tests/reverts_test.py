"""gate.reverts: the one reading of `git revert`'s message trailer."""

from __future__ import annotations

import pytest

from gate.reverts import reverted_ids
from gate.risk.history import is_fix_message

SHA = "3f2a9c1d0b7e6f5a4c3b2a1908f7e6d5c4b3a291"


def test_reads_what_git_revert_writes() -> None:
    assert reverted_ids(f'Revert "cart: cache totals"\n\nThis reverts commit {SHA}.\n') == [SHA]
    assert reverted_ids(f"This reverts commit {SHA[:7]}.\nThis reverts commit {SHA[:12]}.") == [
        SHA[:7],
        SHA[:12],
    ]


@pytest.mark.parametrize(
    "message",
    [
        "Revert the cache",  # says revert, names no commit
        "This reverts commit 3f2a9c",  # too short to be an id git would write
        f"This reverts commit {SHA}0",  # 41 hex digits: no commit id, not its first 40
        "This reverts commit 3F2A9C1D0B",  # git writes lower-case ids
        f"This reverts commit {SHA[:10]}xyz",  # an id glued to more text
        "this reverts commit 3f2a9c1d0b",  # not git's wording
    ],
)
def test_what_is_not_a_revert_trailer(message: str) -> None:
    assert reverted_ids(message) == []


def test_risk_history_and_the_budget_exemption_read_the_same_trailer() -> None:
    message = f"tidy up\n\nThis reverts commit {SHA}0"
    assert not is_fix_message(message)
    assert is_fix_message(f"tidy up\n\nThis reverts commit {SHA}.")
