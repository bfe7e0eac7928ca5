"""gate.errors: the one user-facing error, always one line naming the file and line."""

from __future__ import annotations

from gate.errors import FatalError


def test_one_line_with_where() -> None:
    assert str(FatalError("bad tier", "svc/service.yaml", 4)) == "svc/service.yaml:4: bad tier"
    assert str(FatalError("bad tier", "svc/service.yaml")) == "svc/service.yaml: bad tier"
    assert str(FatalError("bad tier")) == "bad tier"
    assert FatalError("x").exit_code == 2


def test_a_message_from_hostile_content_stays_one_line() -> None:
    error = FatalError("name 'a\nb\r\n  c'\tis\u00a0bad", "x.yaml", 1)
    assert (
        "\n" not in str(error)
        and "\r" not in str(error)
        and str(error) == "x.yaml:1: name 'a b c' is bad"
    )
    assert error.message.startswith("name 'a\nb")  # the original message is kept for callers
    assert str(error) == error.args[0]
