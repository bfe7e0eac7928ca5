"""Shared options: `--format NAME[=FILE]`, `--output` pairing, report writing, `--as-of`."""

from __future__ import annotations

import datetime as dt
import sys
import types
from pathlib import Path

import click
import pytest

from gate.commands.options import FormatSpec, as_of, as_of_or_today, emit, utc_today, write
from gate.errors import FatalError
from gate.report import REPORTERS


@pytest.fixture
def fake_reporters(monkeypatch: pytest.MonkeyPatch) -> None:
    """text and json render as "<format>:<verdict>", so each target shows what was written into it."""
    for name in ("text", "json"):
        module = types.ModuleType(f"fake_{name}")
        module.render = lambda verdict, name=name: f"{name}:{verdict}\n"  # type: ignore[attr-defined]  # a module built at runtime
        monkeypatch.setitem(sys.modules, f"fake_{name}", module)
        monkeypatch.setitem(REPORTERS, name, f"fake_{name}")


def test_format_spec() -> None:
    spec = FormatSpec()
    assert spec.convert("json", None, None) == ("json", None)
    assert spec.convert("sarif=out/gate.sarif", None, None) == ("sarif", "out/gate.sarif")
    assert spec.convert("markdown=a=b.md", None, None) == ("markdown", "a=b.md")
    with pytest.raises(click.BadParameter, match="'pdf' is not one of text, json, markdown"):
        spec.convert("pdf", None, None)
    with pytest.raises(click.BadParameter, match="no file after '='"):
        spec.convert("json=", None, None)


def test_outputs_pair_with_the_plain_formats_in_order(
    fake_reporters: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emit(
        "V",
        (("json", None), ("text", str(tmp_path / "named.txt")), ("text", None)),
        (str(tmp_path / "first.json"),),
    )
    assert (tmp_path / "first.json").read_text() == "json:V\n"
    assert (tmp_path / "named.txt").read_text() == "text:V\n"
    assert (
        capsys.readouterr().out == "text:V\n"
    )  # the second plain format has no --output left: stdout


def test_no_format_is_text_on_stdout_and_dash_is_stdout(
    fake_reporters: None, capsys: pytest.CaptureFixture[str]
) -> None:
    emit("V", (), ())
    emit("V", (("json", None),), ("-",))
    assert capsys.readouterr().out == "text:V\njson:V\n"


def test_more_outputs_than_plain_formats_is_a_usage_error(
    fake_reporters: None, tmp_path: Path
) -> None:
    with pytest.raises(click.UsageError, match="more --output files than plain --format values"):
        emit("V", (("json", str(tmp_path / "a.json")),), (str(tmp_path / "b.json"),))
    assert not list(tmp_path.iterdir())  # refused before anything is written


def test_write_replaces_a_file_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.txt"
    write(str(target), "one\n")
    write(str(target), "two\n")
    assert target.read_text() == "two\n" and [p.name for p in target.parent.iterdir()] == [
        "report.txt"
    ]


def test_write_names_the_file_it_cannot_write(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("keep me\n")
    with pytest.raises(FatalError, match=r"a-file/r\.json: cannot write report"):
        write(str(tmp_path / "a-file" / "r.json"), "{}\n")
    assert (tmp_path / "a-file").read_text() == "keep me\n"


def test_as_of() -> None:
    assert as_of(None) is None
    assert as_of("2026-02-28") == dt.date(2026, 2, 28)
    assert as_of_or_today(None) == utc_today()
    with pytest.raises(click.BadParameter, match="'2026-02-30' is not a date"):
        as_of("2026-02-30", "--expires")
