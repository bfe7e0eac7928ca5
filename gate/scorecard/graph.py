"""The scorecard's service graph as SVG geometry: services (or, for a large fleet, their systems or
teams) in one column per tier, their hard dependencies as arrows, tier inversions and objectives
their dependencies cannot meet marked by shape as well as colour.

Plain numbers and strings for the page's template, which escapes every string (no script: the
page has none). Labels never overlap: each node has its own row in its tier's column and a label
cut to what the box holds in a monospace face (the full name is the node's title). Past
MAX_NODES services the graph is drawn by group (system, else team) and tier, and past PER_COLUMN
groups in a tier the smallest fold into one box, so 2,000 services draw as at most 80 boxes.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

MAX_NODES = 60  # more services than this are drawn by group (system, else team) and tier
PER_COLUMN = 20  # boxes of groups in one tier's column; the smallest beyond fold into one
TIERS = (0, 1, 2, 3)
COLUMN_W, NODE_W, NODE_H, PITCH = 240, 184, 22, 30
LEFT, TOP, BOTTOM = 12, 34, 12
LABEL_CHARS = 22  # 12px monospace is about 7.2px a character: 22 fit a 184px box with padding
INFEASIBLE = ("error", "warning", "info", "waived")  # slo-feasible states that name a finding
LISTED = 50  # rows of each text list under the graph


@dataclass
class Node:
    key: str  # unique: the service's name, or the group's with its tier
    tier: int
    members: list[dict[str, Any]]  # the scorecard's service rows drawn as this box
    label: str = ""  # what the box shows (cut to fit)
    x: float = 0.0
    y: float = 0.0
    marks: list[str] = field(default_factory=list)  # infeasible, cycle

    @property
    def infeasible(self) -> int:
        return sum(1 for s in self.members if s["rules"].get("slo-feasible") in INFEASIBLE)


def cut(text: str, room: int = LABEL_CHARS) -> str:
    """`text` in at most `room` characters (an ellipsis marks a cut)."""
    return text if len(text) <= room else text[: room - 1] + "…"


def layout(card: dict[str, Any]) -> dict[str, Any]:
    """The geometry of the graph section: boxes, arrows, the canvas, and the lists that say the
    same in words (tier inversions, objectives the dependencies cannot meet)."""
    services = card["services"]
    graph = card["graph"]
    grouped = len(services) > MAX_NODES
    nodes, of = (
        _groups(services, graph["systems"]) if grouped else _singles(services, graph["cycles"])
    )
    rows = _place(nodes)
    edges = _edges(graph["edges"], of, nodes, grouped)
    by_name = {s["name"]: s for s in services}
    inversions = [e for e in graph["edges"] if e["inversion"]]
    infeasible = sorted(s["name"] for s in services if s["rules"].get("slo-feasible") in INFEASIBLE)
    return {
        "grouped": grouped,
        "limit": MAX_NODES,
        "by": "system or team" if graph["systems"] else "team",
        "width": LEFT + COLUMN_W * len(TIERS),
        "height": TOP + PITCH * max(rows, 1) + BOTTOM,
        "columns": [(LEFT + COLUMN_W * t, f"tier {t}") for t in TIERS],
        "node_w": NODE_W,
        "node_h": NODE_H,
        "nodes": [_node_view(n, grouped) for n in nodes],
        "edges": edges,
        "services": len(services),
        "inversions": [
            (e["from"], by_name[e["from"]]["tier"], e["to"], by_name[e["to"]]["tier"])
            for e in inversions[:LISTED]
        ],
        "inversions_total": len(inversions),
        "infeasible": infeasible[:LISTED],
        "infeasible_total": len(infeasible),
        "cycles": [" → ".join(c) for c in graph["cycles"][:LISTED]],
    }


def _singles(
    services: list[dict[str, Any]], cycles: list[list[str]]
) -> tuple[list[Node], dict[str, str]]:
    on_cycle = {name for cycle in cycles for name in cycle}
    nodes = []
    for s in sorted(services, key=lambda s: (s["tier"], s["name"])):
        node = Node(s["name"], s["tier"], [s])
        node.marks = (["infeasible"] if node.infeasible else []) + (
            ["cycle"] if s["name"] in on_cycle else []
        )
        node.label = cut(s["name"])
        nodes.append(node)
    return nodes, {s["name"]: s["name"] for s in services}


def _groups(
    services: list[dict[str, Any]], systems: dict[str, str]
) -> tuple[list[Node], dict[str, str]]:
    """One box per system (else team) and tier: a group's tier-1 services in the tier-1 column.
    Past PER_COLUMN boxes in a column, its smallest groups fold into one box."""
    members: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for s in services:
        members[(s["tier"], systems.get(s["name"]) or s["team"])].append(s)
    kept = []
    for tier in TIERS:
        column = sorted(
            (
                Node(f"{group} (tier {t})", t, rows, group)
                for (t, group), rows in members.items()
                if t == tier
            ),
            key=lambda n: (-len(n.members), n.key),
        )
        if len(column) > PER_COLUMN:
            rest = column[PER_COLUMN - 1 :]
            column = column[: PER_COLUMN - 1]
            other = Node(
                f"{len(rest)} more groups (tier {tier})", tier, [s for g in rest for s in g.members]
            )
            other.label = f"{len(rest)} more groups"
            column.append(other)
        kept += column
    for node in kept:
        count = f" ({len(node.members)})"
        node.label = cut(node.label, LABEL_CHARS - len(count)) + count
        node.marks = ["infeasible"] if node.infeasible else []
    of = {s["name"]: node.key for node in kept for s in node.members}
    return kept, of


def _place(nodes: list[Node]) -> int:
    """Each box its own row in its tier's column; returns the longest column's rows."""
    rows: Counter[int] = Counter()
    for node in nodes:
        node.x = LEFT + COLUMN_W * node.tier
        node.y = TOP + PITCH * rows[node.tier]
        rows[node.tier] += 1
    return max(rows.values(), default=0)


def _node_view(node: Node, grouped: bool) -> dict[str, Any]:
    if grouped:
        title = f"{node.key}: {len(node.members)} services"
        if node.infeasible:
            title += f"; {node.infeasible} with an objective their dependencies cannot meet"
    else:
        title = f"{node.key} (tier {node.tier})" + (
            "; its dependencies cannot meet its availability objective" if node.infeasible else ""
        )
        title += "; on a tier-0 dependency cycle" if "cycle" in node.marks else ""
    return {
        "x": node.x,
        "y": node.y,
        "tier": node.tier,
        "label": node.label,
        "title": title,
        "marks": " ".join(node.marks),
    }


def _edges(
    edges: list[dict[str, Any]], of: dict[str, str], nodes: list[Node], grouped: bool
) -> list[dict[str, Any]]:
    """One arrow per dependency; when grouped, one per pair of groups whose dependencies hold a
    tier inversion (its width grows with their count; the JSON and `gate graph` have every edge)."""
    at = {n.key: n for n in nodes}
    pairs: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in edges:
        source, target = of.get(e["from"]), of.get(e["to"])
        if source is not None and target is not None and source != target:
            pairs[(source, target)].append(e)
    drawn = []
    for (source, target), group in sorted(pairs.items()):
        inverted = sum(1 for e in group if e["inversion"])
        if grouped and not inverted:
            continue  # between groups only inversions are drawn: every arrow would hide them
        survivable = all(e["fallback"] for e in group)
        kind = "inversion" if inverted else ("fallback" if survivable else "hard")
        if grouped:
            title = f"{source} → {target}: {len(group)} hard dependencies" + (
                f", {inverted} tier inversions" if inverted else ""
            )
        else:
            title = f"{source} → {target}: " + (
                "tier inversion"
                if inverted
                else ("hard, with a fallback" if survivable else "hard")
            )
        width = 1.0 + min(4.0, math.log2(len(group))) if grouped else 1.0
        drawn.append(
            {
                "d": _path(at[source], at[target]),
                "kind": kind,
                "title": title,
                "width": round(width + (1.0 if inverted else 0.0), 1),
            }
        )
    return sorted(drawn, key=lambda e: e["kind"] == "inversion")  # inversions drawn on top


def _path(source: Node, target: Node) -> str:
    """A curve from the dependent's box to its dependency's, on the sides that face each other
    (a same-tier dependency loops out on the column's right)."""
    sy, ty = source.y + NODE_H / 2, target.y + NODE_H / 2
    if target.tier < source.tier:
        x1, x2 = source.x, target.x + NODE_W
        bend = (x1 - x2) / 2
        return f"M{x1:g},{sy:g} C{x1 - bend:g},{sy:g} {x2 + bend:g},{ty:g} {x2:g},{ty:g}"
    if target.tier > source.tier:
        x1, x2 = source.x + NODE_W, target.x
        bend = (x2 - x1) / 2
        return f"M{x1:g},{sy:g} C{x1 + bend:g},{sy:g} {x2 - bend:g},{ty:g} {x2:g},{ty:g}"
    x = source.x + NODE_W
    out = x + 12 + min(40.0, abs(ty - sy) / 8)
    return f"M{x:g},{sy:g} C{out:g},{sy:g} {out:g},{ty:g} {x:g},{ty:g}"
