"""gate.baseline.record: `gate baseline` on real repositories; its fingerprints, as a property,
survive reordered manifest keys, inserted lines, a moved runbook and a moved service directory."""

from __future__ import annotations

import tempfile
from pathlib import Path

from conftest import TODAY, new_repo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate.baseline.record import entries_at
from gate.git import Repo

MANIFEST_KEYS = {
    "apiVersion": "apiVersion: gate/v1\n",
    "kind": "kind: Service\n",
    "name": "name: search\n",
    "tier": "tier: 1\n",
    "owners": "owners:\n  team: discovery\n",  # no oncall: owners-oncall
    "runbook": "runbook: {runbook}\n",
    "slos": "slos:\n  - name: search-availability\n    sli: availability\n    objective: 99.9\n    window: 28d\n",
}
RUNBOOK = (
    "# runbook\n\n## Symptoms\nPages.\n\n## Diagnosis\nLook.\n"  # no Mitigation, no Escalation
)


def _fingerprints(root: str, order: list[str], padding: list[int], runbook: str) -> set[str]:
    """A one-service repository as drawn, and the fingerprints `gate baseline` records for it."""
    with tempfile.TemporaryDirectory() as tmp:
        repo = new_repo(Path(tmp) / "repo")
        lines = []
        for i, key in enumerate(order):
            lines += ["# a comment\n", "\n"][: padding[i % len(padding)]]
            lines.append(MANIFEST_KEYS[key].format(runbook=runbook))
        repo.write(f"{root}/service.yaml", "".join(lines))
        repo.write(f"{root}/{runbook}", "\n" * padding[0] + RUNBOOK)
        repo.commit("service")
        entries = entries_at(Repo(repo.path), "HEAD", None, TODAY, [])
        assert entries, "precondition: the service has standing findings"
        return {e.fingerprint for e in entries}


REFERENCE: dict[str, set[str]] = {}


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    order=st.permutations(list(MANIFEST_KEYS)),
    padding=st.lists(st.integers(0, 2), min_size=1, max_size=7),
    runbook=st.sampled_from(["docs/runbook.md", "RUNBOOK.md", "ops/run/book.md"]),
    root=st.sampled_from(["services/search", "apps/search", "search"]),
)
def test_fingerprints_survive_reordered_keys_inserted_lines_and_moves(
    order: list[str], padding: list[int], runbook: str, root: str
) -> None:
    if "reference" not in REFERENCE:
        REFERENCE["reference"] = _fingerprints(
            "services/search", list(MANIFEST_KEYS), [0], "docs/runbook.md"
        )
    assert _fingerprints(root, list(order), padding, runbook) == REFERENCE["reference"]
