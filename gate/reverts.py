"""What `git revert` writes into a commit message, read in one place (risk history, revert exemption)."""

from __future__ import annotations

import re

REVERT = re.compile(r"This reverts commit ([0-9a-f]{7,40})\b")


def reverted_ids(message: str) -> list[str]:
    """The (possibly abbreviated) commit ids a message says it reverts, in order."""
    return REVERT.findall(message)
