"""gate.atomic: a file is replaced whole or not at all."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from gate import atomic


def test_replaces_whole_keeps_the_mode_and_leaves_nothing_behind(tmp_path: Path) -> None:
    target = tmp_path / "ledger.yaml"
    target.write_text("old\n")
    target.chmod(0o640)
    atomic.write(str(target), "new\r\nline ends as given\n")
    assert target.read_bytes() == b"new\r\nline ends as given\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    atomic.write(str(tmp_path / "deeper" / "card.json"), b"{}")
    assert (tmp_path / "deeper" / "card.json").read_bytes() == b"{}"
    assert sorted(os.listdir(tmp_path)) == ["deeper", "ledger.yaml"]


def test_a_new_file_gets_the_umask_not_a_private_temporary_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic.write(str(tmp_path / "report.html"), "<p>")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.html").stat().st_mode) == 0o644


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary(tmp_path: Path) -> None:
    target = tmp_path / "exceptions.yaml"
    target.write_text("kept\n")
    with pytest.raises(UnicodeEncodeError):
        atomic.write(str(target), "\ud800")  # cannot be encoded: nothing is replaced
    assert target.read_text() == "kept\n" and os.listdir(tmp_path) == ["exceptions.yaml"]
    with pytest.raises(OSError):
        atomic.write(str(tmp_path / "exceptions.yaml" / "below-a-file"), "x")
    assert target.read_text() == "kept\n"


def test_a_planted_link_beside_the_target_is_never_written_through(tmp_path: Path) -> None:
    """The temporary name is new each time and created exclusively: a link planted where an
    earlier version put its temporary file (`path.tmp<pid>`) is not followed."""
    victim = tmp_path / "victim"
    victim.write_text("untouched\n")
    target = tmp_path / "out.json"
    for name in (f"out.json.tmp{os.getpid()}", f"out.json.{os.getpid()}"):
        (tmp_path / name).symlink_to(victim)
    atomic.write(str(target), "{}")
    assert victim.read_text() == "untouched\n" and target.read_text() == "{}"
