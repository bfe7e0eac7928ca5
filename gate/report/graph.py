"""The service graph rendered: Graphviz DOT and JSON (`gate graph`)."""

from __future__ import annotations

from typing import Any

from gate.graph import GraphReport
from gate.report.escape import json_dumps, stdout, visible

TIER_COLOURS = {0: "#b3261e", 1: "#e8710a", 2: "#1a73e8", 3: "#5f6368"}


def _dot_id(value: object) -> str:
    """A DOT quoted ID: quotes and backslashes escaped, control characters made visible."""
    return '"' + visible(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(report: GraphReport) -> str:
    lines = [
        "digraph services {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="sans-serif"];',
    ]
    on_cycle = {name for cycle in report.cycles for name in cycle.path}
    for service in report.services:
        colour = TIER_COLOURS.get(service.tier, "#5f6368")
        width = ", penwidth=3" if service.name in on_cycle else ""
        label = _dot_id(service.name)[:-1] + f'\\ntier {service.tier}"'
        lines.append(f"  {_dot_id(service.name)} [label={label}, color={_dot_id(colour)}{width}];")
    known = {s.name for s in report.services}
    for edge in report.edges:
        if edge.target not in known:
            shape = "ellipse" if edge.dependency.external else "octagon"
            lines.append(f"  {_dot_id(edge.target)} [shape={shape}, style=dashed];")
        style = ["style=dashed"] if edge.dependency.kind == "soft" else []
        if edge.inversion:
            style += ['color="#b3261e"', 'label="tier inversion"']
        elif not edge.known:
            style += ['color="#b3261e"', 'label="unknown"']
        attributes = f" [{', '.join(style)}]" if style else ""
        lines.append(f"  {_dot_id(edge.source)} -> {_dot_id(edge.target)}{attributes};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def as_json(report: GraphReport) -> dict[str, Any]:
    return {
        "schema": "gate.graph/v1",
        "services": [
            {
                "name": s.name,
                "tier": s.tier,
                "manifest": s.manifest,
                "team": s.get("owners", "team"),
                "dependencies": sum(1 for e in report.edges if e.source == s.name),
                "dependents": sum(1 for e in report.edges if e.target == s.name),
            }
            for s in report.services
        ],
        "edges": [
            {
                "from": e.source,
                "to": e.target,
                "kind": e.dependency.kind,
                "external": e.dependency.external,
                "sla": e.dependency.sla,
                "fallback": e.dependency.fallback,
                "known": e.known,
                "tier_inversion": e.inversion,
            }
            for e in report.edges
        ],
        "tier0_cycles": [list(c.path) for c in report.cycles],
    }


def render_json(report: GraphReport) -> str:
    return json_dumps(as_json(report)) + "\n"


def render(report: GraphReport, fmt: str) -> str:
    """The graph in one format (dot or json), safe to print to a CI log."""
    return stdout(render_dot(report) if fmt == "dot" else render_json(report))
