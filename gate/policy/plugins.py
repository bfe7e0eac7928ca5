"""Check kinds from installed Python packages (the `gate.check_kinds` entry point group).

A plug-in kind is code the *operator* installed into the gate's environment, never code from the
repository under review: a pack (read from the base revision) can only name a kind, and only
kinds installed here can run. Plug-ins load only when a pack names a kind gate does not build in,
so a repository that uses none pays nothing for them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from gate.errors import FatalError
from gate.policy.kind import Kind

GROUP = "gate.check_kinds"

# Kinds shipped with gate but written as plug-ins: loaded the same way, only when a pack names them.
SHIPPED = {
    "alerts_defined": "gate.policy.alerts:KIND",
    "alert_runbooks": "gate.policy.alerts:RUNBOOK_KIND",
    "burn_rate_alerts": "gate.policy.burn_alerts:KIND",
    "oncall_exists": "gate.policy.oncall:KIND",
    "dashboards_resolve": "gate.policy.dashboards:KIND",
}


_loaded: dict[str, Kind] = {}


def _entry_points() -> dict[str, Any]:
    from importlib.metadata import entry_points

    return {ep.name: ep for ep in entry_points(group=GROUP)}


def _check(name: str, origin: str, obj: Any) -> Kind:
    from gate.resources import metaschema_errors

    if not (
        isinstance(obj, Kind)
        and callable(obj.fn)
        and isinstance(obj.params, dict)
        and isinstance(obj.summary, str)
    ):
        raise FatalError(
            f"check kind {name!r} from {origin} is not a check kind: it needs fn(ctx, service, params), params (a JSON Schema) and summary (str), e.g. gate.policy.kinds.CheckKind"
        )
    errors = metaschema_errors(obj.params)
    if errors:
        raise FatalError(
            f"check kind {name!r} from {origin}: params is not a valid JSON Schema: {errors[0][1]}"
        )
    return obj


def _load(name: str, target: str, origin: str) -> Kind:
    import importlib

    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split(".") if attr else ():
            obj = getattr(obj, part)
    except Exception as e:  # the operator's installed code failed to import: say which, in one line
        raise FatalError(
            f"check kind {name!r}: cannot load {target} from {origin}: {type(e).__name__}: {e}"
        ) from None
    return _check(name, origin, obj)


def find(name: str) -> Kind | None:
    """The plug-in kind called `name` (shipped first, then installed packages), or None."""
    if name in _loaded:
        return _loaded[name]
    if name in SHIPPED:
        kind = _load(name, SHIPPED[name], "gate")
    else:
        ep = _entry_points().get(name)
        if ep is None:
            return None
        kind = _load(name, ep.value, _distribution(ep))
    _loaded[name] = kind
    return kind


def _distribution(ep: Any) -> str:
    dist = getattr(ep, "dist", None)
    return f"package {dist.name} {dist.version}" if dist is not None else f"entry point {ep.value}"


def available(built_in: Collection[str]) -> list[tuple[str, str, str]]:
    """(name, origin, summary) of every plug-in kind, shipped and installed, without running them;
    an installed one named like a kind in `built_in` is listed as ignored."""
    rows: list[tuple[str, str, str]] = []
    for name in sorted(SHIPPED):
        rows.append((name, "gate (plug-in style)", _summary(name)))
    for name, ep in sorted(_entry_points().items()):
        if name in built_in or name in SHIPPED:
            rows.append((name, _distribution(ep), "ignored: a built-in kind has this name"))
            continue
        try:
            rows.append((name, _distribution(ep), _summary(name)))
        except FatalError as e:
            rows.append((name, _distribution(ep), f"broken: {e.message}"))
    return rows


def _summary(name: str) -> str:
    """The summary of a kind listed as shipped or installed (so find() cannot come back empty)."""
    kind = find(name)
    if kind is None:
        raise FatalError(f"plug-in kind {name!r} is listed but cannot be found")
    return kind.summary
