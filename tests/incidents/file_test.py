"""The file incident source (gate/incidents/file.py): a gate.incidents/v1 export outside the
repository; every fault is Unavailable naming the file, never its contents."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from gate.httpclient import Unavailable
from gate.incidents import Place
from gate.incidents.file import evidence, fetch
from gate.incidents.record import Incident
from gate.settings import IncidentSourceSettings

INCIDENT: dict[str, Any] = {
    "id": "INC-1",
    "services": ["pay"],
    "severity": "sev1",
    "started": "2026-10-01T09:00:00Z",
    "actions": [{"id": "A-1", "owner": "dana", "due": "2026-10-20", "state": "open"}],
}
DOC: dict[str, Any] = {
    "schema": "gate.incidents/v1",
    "incidents": [INCIDENT],
}


def _place(root: Path, tracked: tuple[str, ...] = ()) -> Place:
    return Place(str(root), lambda path: path in tracked)


def _fetch(path: str, root: Path, tracked: tuple[str, ...] = ()) -> tuple[Incident, ...]:
    return fetch(IncidentSourceSettings(path=path), _place(root, tracked))


def test_an_export_outside_the_repository_is_read(tmp_path: Path) -> None:
    (tmp_path / "incidents.json").write_text(json.dumps(DOC))
    (found,) = fetch(
        IncidentSourceSettings(path=str(tmp_path / "incidents.json")), _place(tmp_path / "repo")
    )
    assert found.id == "INC-1" and found.actions[0].id == "A-1"
    assert evidence(IncidentSourceSettings(path="x.json")) == "file x.json"


def test_a_relative_path_is_read_from_the_repository_root_unless_tracked(tmp_path: Path) -> None:
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "incidents.json").write_text(json.dumps(DOC))
    assert len(_fetch("build/incidents.json", tmp_path)) == 1
    with pytest.raises(Unavailable, match="build/incidents.json is committed to the repository"):
        _fetch("build/incidents.json", tmp_path, ("build/incidents.json",))


def test_the_environment_overrides_the_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "other.json").write_text(json.dumps({**DOC, "incidents": []}))
    monkeypatch.setenv("GATE_INCIDENTS_FILE", str(tmp_path / "other.json"))
    assert _fetch("missing.json", tmp_path) == ()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "no such file"),
        ("{not json", "not JSON"),
        (
            json.dumps({"schema": "gate.budget-status/v1", "slos": []}),
            "missing required field incidents",
        ),
        (
            json.dumps({**DOC, "incidents": [{**INCIDENT, "severity": "catastrophic"}]}),
            "severity",
        ),
        (
            json.dumps({**DOC, "incidents": [{**INCIDENT, "started": "2026-02-30"}]}),
            "day is out of range",
        ),
        (
            json.dumps({**DOC, "incidents": [{**INCIDENT, "id": "INC 1\n::error::x"}]}),
            "does not match",
        ),
        ("[" * 10_000 + "]" * 10_000, "not JSON"),  # deeper than the parser goes
    ],
)
def test_a_broken_export_is_unavailable_naming_the_file(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    if content is not None:
        (tmp_path / "incidents.json").write_text(content)
    with pytest.raises(Unavailable) as raised:
        _fetch("incidents.json", tmp_path)
    assert "incidents.json" in str(raised.value) and expected in str(raised.value)
    assert "\n" not in str(raised.value)  # a hostile value is quoted, never a line of its own


def test_no_path_a_symlink_a_fifo_and_a_huge_file_are_unavailable(tmp_path: Path) -> None:
    with pytest.raises(Unavailable, match="no incident export configured"):
        _fetch("", tmp_path)
    (tmp_path / "real.json").write_text(json.dumps(DOC))
    os.symlink(tmp_path / "real.json", tmp_path / "link.json")
    with pytest.raises(Unavailable, match="symlink"):
        _fetch("link.json", tmp_path)
    os.mkfifo(tmp_path / "fifo.json")
    with pytest.raises(Unavailable, match="not a regular file"):
        _fetch("fifo.json", tmp_path)
    with open(tmp_path / "huge.json", "wb") as f:
        f.truncate(21 * 1024 * 1024)
    with pytest.raises(Unavailable, match="not a regular file of at most"):
        _fetch("huge.json", tmp_path)
