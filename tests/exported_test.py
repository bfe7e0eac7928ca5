"""Files an operator exports outside the repository: read as the trusted side, never the change's."""

from __future__ import annotations

import os
from pathlib import Path

from gate.exported import read


def test_read_refuses_what_the_repository_tracks_and_symlinks(tmp_path: Path) -> None:
    good = tmp_path / "status.yaml"
    good.write_text("schema: x\n")
    assert read(str(good), str(tmp_path / "repo"), lambda p: False, "the file") == (
        {"schema": "x"},
        None,
    )
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "s.yaml").write_text("a: 1\n")
    assert read("s.yaml", str(tmp_path / "repo"), lambda p: p == "s.yaml", "the file") == (
        None,
        "the file s.yaml is committed to the repository",
    )
    os.symlink(good, tmp_path / "link.yaml")
    data, problem = read(
        str(tmp_path / "link.yaml"), str(tmp_path / "repo"), lambda p: False, "the file"
    )
    assert data is None and "is or passes through a symlink" in (problem or "")
    (tmp_path / "broken.yaml").write_text("a: [\n")
    data, problem = read(
        str(tmp_path / "broken.yaml"), str(tmp_path / "repo"), lambda p: False, "the file"
    )
    assert data is None and (problem or "").startswith("the file ")
    assert read(str(tmp_path / "missing.yaml"), str(tmp_path), lambda p: False, "the file")[1] == (
        f"the file {tmp_path / 'missing.yaml'} No such file or directory"
    )
