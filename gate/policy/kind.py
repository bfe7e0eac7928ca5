"""What every check kind is, built in (gate/policy/kinds.py) or a plug-in (gate/policy/plugins.py).

Both registries import this protocol from here, so neither imports the other for its type.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Kind(Protocol):
    """What every check kind is: `gate.policy.kinds.CheckKind(fn, params, summary)` satisfies it.

    fn(ctx: CheckContext, service: Service, params: dict) -> list[Problem]
    params: the JSON Schema of the kind's parameters (checked when a pack is loaded)
    summary: one line for `gate explain --kinds`
    """

    @property
    def fn(self) -> Callable[..., Any]: ...

    @property
    def params(self) -> dict[str, Any]: ...

    @property
    def summary(self) -> str: ...
