"""gate.budget.file: the status document, read only at its real path and never echoed."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from gate.budget import file as status_file
from gate.budget.records import SLO
from gate.budget.status import measure
from gate.httpclient import Unavailable
from gate.settings import BudgetSettings, SourceSettings

SLO_ = SLO(
    service="cart",
    name="availability",
    objective=0.99,
    window=28 * 86400,
    window_text="28d",
    budgeting="occurrences",
    source="file",
)
DOC: Any = {
    "schema": "gate.budget-status/v1",
    "slos": [
        {
            "service": "cart",
            "slo": "availability",
            "windows": {"28d": {"good": 990, "total": 1000}, "1h": {"good": 9, "total": 10}},
        }
    ],
}


def test_counts_by_window_in_seconds() -> None:
    entry: Any = DOC["slos"][0]
    assert status_file.counts_of(entry, [28 * 86400, 3600, 300]) == {
        28 * 86400: (990.0, 1000.0),
        3600: (9.0, 10.0),
        300: None,
    }


def test_fetch_names_the_file_as_the_user_did(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "status.json"
    path.write_text(json.dumps(DOC))
    monkeypatch.delenv("GATE_BUDGET_FILE", raising=False)
    settings = SourceSettings(path=str(path), shown="slo-status.json")
    assert status_file.fetch(SLO_, settings, [3600]) == {3600: (9.0, 10.0)}
    assert (
        status_file.evidence(SLO_, settings)
        == "file slo-status.json: service 'cart', SLO 'availability', window 28d"
    )
    other = replace(SLO_, name="latency")
    with pytest.raises(
        Unavailable, match=r"^slo-status.json: no entry for service 'cart' SLO 'latency'$"
    ):
        status_file.fetch(other, settings, [3600])


def test_a_symlink_is_refused_and_its_target_never_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    link = tmp_path / "status.json"
    link.symlink_to(secret)
    with pytest.raises(Unavailable) as info:
        status_file.load(str(link), "status.json")
    assert (
        "symlink" in str(info.value)
        and "hunter2" not in str(info.value)
        and str(tmp_path) not in str(info.value)
    )


def test_not_json_or_not_a_file_is_unavailable_without_the_content(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    path.write_text("password=hunter2\n")
    with pytest.raises(Unavailable, match=r"^status.json: not JSON$"):
        status_file.load(str(path), "status.json")
    os.mkfifo(tmp_path / "pipe.json")  # would block a reader that does not check first
    with pytest.raises(Unavailable, match="not a regular file"):
        status_file.load(str(tmp_path / "pipe.json"))
    with pytest.raises(Unavailable, match="no such file"):
        status_file.load(str(tmp_path / "missing.json"))


@pytest.mark.parametrize("good", ["NaN", "Infinity", "1e400"])
def test_a_status_file_with_a_value_that_is_no_measurement_fails_closed(
    tmp_path: Path, good: str
) -> None:
    text = json.dumps(DOC).replace('"good": 990', f'"good": {good}')
    (tmp_path / "status.json").write_text(text)
    budgets = BudgetSettings.parse(
        {"source": "file", "file": {"path": str(tmp_path / "status.json")}}
    )
    status = measure(SLO_, budgets, offline=False)
    assert status.state == "unavailable" and "no measurement" in (status.reason or "")


def test_a_deeply_nested_status_file_is_unavailable_not_an_internal_error(tmp_path: Path) -> None:
    (tmp_path / "status.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(Unavailable, match="not JSON|nested deeper"):
        status_file.load(str(tmp_path / "status.json"))
