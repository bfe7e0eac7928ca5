"""The reporter registry: every registered format is a Reporter, imported only when asked for."""

from __future__ import annotations

import inspect
import sys
import types

import pytest

from gate import report
from gate.commands.options import FORMAT_NAMES
from gate.report import REPORTERS, Reporter, reporter


@pytest.mark.parametrize("name", sorted(REPORTERS))
def test_every_registered_format_is_a_reporter(name: str) -> None:
    loaded = reporter(name)
    assert isinstance(loaded, Reporter)
    assert loaded is sys.modules[REPORTERS[name]]
    params = list(inspect.signature(loaded.render).parameters.values())
    assert params and all(
        p.default is not inspect.Parameter.empty for p in params[1:]
    )  # render(verdict) is enough


def test_the_command_line_offers_exactly_the_registered_formats_in_order() -> None:
    assert (
        FORMAT_NAMES
        == ("text", "json", "markdown", "sarif", "junit", "github", "gitlab")
        == tuple(REPORTERS)
    )


def test_a_module_without_render_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(REPORTERS, "broken", "gate.errors")
    with pytest.raises(
        TypeError, match="gate.errors registers as reporter 'broken' but has no render"
    ):
        reporter("broken")


def test_a_new_reporter_is_one_registry_line(monkeypatch: pytest.MonkeyPatch) -> None:
    module = types.ModuleType("gate_test_reporter")
    module.render = lambda verdict: f"{verdict!r}\n"  # type: ignore[attr-defined]  # a module built at runtime
    monkeypatch.setitem(sys.modules, "gate_test_reporter", module)
    monkeypatch.setitem(REPORTERS, "repr", "gate_test_reporter")
    assert report.renderer("repr")(None) == "None\n"  # type: ignore[arg-type]  # any object will do for this reporter
    with pytest.raises(KeyError):
        reporter("no-such-format")
