"""The JSON cache under <git dir>/gate/: atomic, bounded, and blind to junk."""
from __future__ import annotations

import os
import time
from pathlib import Path

from gate.cache import Store, read_json, write_json


def test_store_keeps_the_newest_and_finds_the_latest(tmp_path: Path) -> None:
    store = Store(str(tmp_path), "things", keep=3)
    assert store.get("a") is None and store.newest() is None
    for i, key in enumerate("abcde"):
        store.put(key, {"n": i})
        os.utime(tmp_path / "gate" / "things" / f"{key}.json", (time.time() + i, time.time() + i))
    assert sorted(os.listdir(tmp_path / "gate" / "things")) == ["c.json", "d.json", "e.json"]
    assert store.get("e") == {"n": 4} and store.get("a") is None
    assert store.newest() == ("e", {"n": 4})


def test_junk_reads_as_missing_and_a_read_only_folder_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    assert read_json(str(tmp_path / "bad.json")) is None
    assert read_json(str(tmp_path / "bin.json")) is None
    assert read_json(str(tmp_path / "missing.json")) is None
    blocker = tmp_path / "file"
    blocker.write_text("x")
    write_json(str(blocker / "under-a-file.json"), [1])  # cannot be written: silently skipped
    Store(str(blocker), "x").put("k", 1)
    assert not (blocker / "gate").exists()


def test_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    write_json(str(tmp_path / "a.json"), {"x": [1, 2]})
    write_json(str(tmp_path / "a.json"), {"x": [3]})
    assert os.listdir(tmp_path) == ["a.json"] and read_json(str(tmp_path / "a.json")) == {"x": [3]}
