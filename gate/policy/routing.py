"""Alertmanager routing, as Alertmanager walks its route tree: which receivers an alert with given
labels reaches in each Alertmanager configuration the repository holds.

A route matches when all its matchers do (`matchers:` strings such as `severity=~"page|critical"`,
and the older `match:` / `match_re:` maps; regular expressions are anchored, as Alertmanager
anchors them). The first matching child is followed, and the next ones too while a matched child
says `continue: true`; a route no child matches delivers to its own receiver, inherited from its
parent when it names none. Which configurations count is decided at the trusted tip as well as in
the head: deleting the configuration cannot switch the routing check off.
"""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from gate import globs
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.policy.kinds import CheckContext

CONFIG_FILES = (
    "**/alertmanager.yml",
    "**/alertmanager.yaml",
    "**/alertmanager/*.yml",
    "**/alertmanager/*.yaml",
)
MAX_ROUTES = 2000  # a route tree larger than this is read up to here
_MATCHER = re.compile(
    r"""^\s*([A-Za-z_][A-Za-z0-9_]*|"[^"]*")\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^"]*?)\s*$"""
)


class Matcher(NamedTuple):
    label: str
    op: str  # = != =~ !~
    value: str

    def matches(self, labels: dict[str, str]) -> bool:
        got = labels.get(self.label, "")
        if self.op in ("=", "!="):
            return (got == self.value) == (self.op == "=")
        try:
            found = re.fullmatch(self.value, got) is not None
        except re.error:
            found = False
        return found == (self.op == "=~")


class Config(NamedTuple):
    """One Alertmanager configuration: its route tree and receivers, or why it cannot be read."""

    path: str
    route: dict[str, Any]
    receivers: dict[str, Any]  # name -> its definition
    error: str | None = None


def parse_config(raw: bytes, path: str) -> Config | None:
    """An Alertmanager configuration (None: the YAML is something else)."""
    try:
        data = gate_yaml.load(raw, path).data
    except FatalError as e:
        return Config(path, {}, {}, e.message)
    if not isinstance(data, dict) or "route" not in data:
        return None
    route, receivers = data.get("route"), data.get("receivers")
    if not isinstance(route, dict) or not isinstance(route.get("receiver"), str):
        return Config(path, {}, {}, "route needs a receiver (the default for every alert)")
    named = {
        str(r["name"]): r
        for r in (receivers if isinstance(receivers, list) else [])
        if isinstance(r, dict) and isinstance(r.get("name"), str)
    }
    return Config(path, route, named)


def configs(ctx: CheckContext) -> list[Config]:
    """The Alertmanager configurations in the head, plus any the trusted tip has that the head
    deleted (reported as such); read once per run."""
    key = ("alertmanager-configs",)
    if key not in ctx.memo:
        tip = ctx.trusted or ctx.base
        found: list[Config] = []
        heads = _paths(ctx.head)
        for path in heads:
            parsed = parse_config(ctx.head.read(path) or b"", path)
            if parsed is not None:
                found.append(parsed)
        for path in _paths(tip):
            if path not in heads and parse_config(tip.read(path) or b"", path) is not None:
                found.append(Config(path, {}, {}, "this change deletes it"))
        ctx.memo[key] = found
    result: list[Config] = ctx.memo[key]
    return result


def _paths(snapshot: Any) -> list[str]:
    return sorted(
        p
        for p, e in snapshot.files.items()
        if e.mode.startswith("100") and globs.matches_any(CONFIG_FILES, p)
    )


def receivers(config: Config, labels: dict[str, str]) -> list[str]:
    """The receivers an alert with these labels reaches, in order."""
    found: list[str] = []
    budget = [MAX_ROUTES]
    _walk(config.route, str(config.route.get("receiver", "")), labels, found, budget)
    return list(dict.fromkeys(found))


def _walk(
    route: dict[str, Any],
    inherited: str,
    labels: dict[str, str],
    found: list[str],
    budget: list[int],
) -> None:
    receiver = route.get("receiver") if isinstance(route.get("receiver"), str) else inherited
    matched_child = False
    for child in route.get("routes") or []:
        budget[0] -= 1
        if budget[0] < 0:
            break
        if not isinstance(child, dict) or not all(m.matches(labels) for m in matchers(child)):
            continue
        matched_child = True
        _walk(child, str(receiver), labels, found, budget)
        if child.get("continue") is not True:
            break
    if not matched_child:
        found.append(str(receiver))


def matchers(route: dict[str, Any]) -> list[Matcher]:
    """A route's matchers in every spelling Alertmanager accepts; one it cannot read never matches."""
    found = []
    for key, op in (("match", "="), ("match_re", "=~")):
        values = route.get(key)
        for label, value in values.items() if isinstance(values, dict) else ():
            found.append(Matcher(str(label), op, str(value)))
    for text in route.get("matchers") or []:
        parsed = _MATCHER.match(str(text).strip().strip("{}"))
        if parsed is None:
            found.append(Matcher("\0unreadable", "=", str(text)))
            continue
        label, op, value = parsed.groups()
        value = value[1:-1].replace('\\"', '"') if value.startswith('"') else value
        found.append(Matcher(label.strip('"'), op, value))
    return found


def reaches(config: Config, receiver: str, oncall: str) -> bool:
    """Whether a receiver is the on-call rotation: named after it, or naming it in its settings
    (an Opsgenie responder, a PagerDuty service, a webhook path)."""
    if receiver == oncall:
        return True
    return _mentions(config.receivers.get(receiver), oncall)


def of_team(receiver: str, team: str) -> bool:
    """Whether a receiver's name says it is the team's (`payments`, `payments-tickets`)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(team)}(?![A-Za-z0-9])", receiver) is not None


def _mentions(value: Any, oncall: str) -> bool:
    if isinstance(value, str):
        return (
            value == oncall
            or re.search(rf"(?<![\w-]){re.escape(oncall)}(?![\w-])", value) is not None
        )
    if isinstance(value, dict):
        return any(_mentions(v, oncall) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, oncall) for v in value)
    return False
