"""The scorecard as one self-contained HTML page: Jinja2 with autoescaping, charts as inline SVG.

No script, no external resource (a Content-Security-Policy forbids loading any), so the page
reads the same offline, printed, or with JavaScript off. Every chart has a text title and
description and the same numbers in a table; states are words and symbols, never colour alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from gate.report.escape import visible
from gate.scorecard.collect import RISK_LEVELS, WAIVER_STATES
from gate.scorecard.graph import layout as graph_layout
from gate.scorecard.render import percent

STATE_SYMBOL = {"pass": "✓", "error": "✗", "warning": "!", "info": "i", "waived": "w"}

# One table cell per rule state: a closed set of our own words, built once (2,000 services x 20
# rules is 40,000 cells; a template loop over them cost a second). No repository text goes in.
_CELL: dict[str | None, str] = {
    state: f'<td class="st-{state}">{symbol}<span class="vh"> {state}</span></td>'
    for state, symbol in STATE_SYMBOL.items()
}
_CELL[None] = '<td><span class="vh">not checked</span></td>'

# Chart geometry, in SVG user units.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 220, 44, 16, 16, 40


@lru_cache(maxsize=1)
def _template() -> Any:
    import jinja2  # only this output needs it

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("gate.scorecard", "templates"),
        autoescape=True,  # every value is escaped unless marked safe, and nothing from a repository is
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clean"] = visible  # the one escaping layer (Jinja2 autoescapes the HTML)
    env.filters["percent"] = percent
    env.filters["num"] = lambda value: f"{value:g}"
    return env.get_template("scorecard.html.j2")


def render_html(card: dict[str, Any]) -> str:
    template = _template()
    from markupsafe import Markup

    rule_ids = sorted({r for s in card["services"] for r in s["rules"]})
    cells = [
        Markup("".join(_CELL[s["rules"].get(rule)] for rule in rule_ids)) for s in card["services"]
    ]
    page: str = template.render(
        card=card,
        cells=cells,
        rule_ids=rule_ids,
        risk_levels=RISK_LEVELS,
        waiver_states=WAIVER_STATES,
        symbol=STATE_SYMBOL,
        charts=charts(card["trend"] or []),
        graph=graph_layout(card),
    )
    return page


class _Axes(NamedTuple):
    """Where a month (by index) and a share (0-1) fall on the charts."""

    step: float  # between two months
    plot_h: float

    def x(self, i: int) -> float:
        return round(LEFT + i * self.step, 1)

    def y(self, share: float) -> float:
        return round(TOP + self.plot_h * (1 - share), 1)

    def line(self, trend: list[dict[str, Any]], key: str, scale: float = 1.0) -> dict[str, Any]:
        dots = [
            (self.x(i), self.y(p[key] / scale), p[key] / scale)
            for i, p in enumerate(trend)
            if p.get(key) is not None
        ]
        return {"points": " ".join(f"{a},{b}" for a, b, _ in dots), "dots": dots}


def charts(trend: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of the trend charts: share lines (0-100%) and monthly bars, as plain numbers."""
    points = [p for p in trend if p.get("commit")]
    if len(trend) < 2 or not points:
        return {}
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    axes = _Axes(plot_w / max(1, len(trend) - 1), plot_h)
    shares = {
        "ready": axes.line(trend, "ready_share"),
        "slo": axes.line(trend, "slo_share"),
        "adoption": axes.line(trend, "adoption_share"),
        "target": axes.line(trend, "adoption_target", 100.0),
    }
    most = max([p["changes"] for p in trend] + [1])
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "top": TOP,
        "plot_w": plot_w,
        "plot_h": plot_h,
        "bottom": TOP + plot_h,
        "labels": [(axes.x(i), p["month"]) for i, p in enumerate(trend)],
        "gridlines": [(axes.y(s), f"{int(s * 100)}%") for s in (0.0, 0.25, 0.5, 0.75, 1.0)],
        "shares": shares,
        "bars": _bars(trend, axes, most),
        "most_changes": most,
        "waivers": _waiver_line(trend, axes),
    }


def _bars(trend: list[dict[str, Any]], axes: _Axes, most: int) -> list[dict[str, Any]]:
    """Each month's changes, and the failed ones inside, scaled to the busiest month."""
    bar_w = max(4.0, min(28.0, axes.step * 0.6))
    bars = []
    for i, p in enumerate(trend):
        h_all = axes.plot_h * p["changes"] / most
        h_failed = axes.plot_h * p["failed"] / most
        bars.append(
            {
                "x": round(axes.x(i) - bar_w / 2, 1),
                "w": round(bar_w, 1),
                "y": round(TOP + axes.plot_h - h_all, 1),
                "h": round(h_all, 1),
                "fy": round(TOP + axes.plot_h - h_failed, 1),
                "fh": round(h_failed, 1),
                "month": p["month"],
                "changes": p["changes"],
                "failed": p["failed"],
            }
        )
    return bars


def _waiver_line(trend: list[dict[str, Any]], axes: _Axes) -> dict[str, Any]:
    """Active waivers per month, scaled to the most."""
    waivers = [p.get("waivers_active") for p in trend]
    most_w = max([w for w in waivers if w is not None] + [1])
    dots = [
        (axes.x(i), round(TOP + axes.plot_h * (1 - w / most_w), 1), w)
        for i, w in enumerate(waivers)
        if w is not None
    ]
    return {"points": " ".join(f"{a},{b}" for a, b, _ in dots), "dots": dots, "most": most_w}
