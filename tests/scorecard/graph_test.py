"""The scorecard's service graph: the layout (pure), and the page in a real headless Chromium with
2,000 services, where every label must stay inside its box and clear of every other label."""

from __future__ import annotations

import copy
import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import gate_subprocess

from gate.scorecard.graph import LABEL_CHARS, MAX_NODES, PER_COLUMN, TIERS, cut, layout
from gate.scorecard.page import render_html
from scorecard.page_test import RecordingProxy, chromium, png_bytes, variety


def _row(name: str, tier: int, team: str, feasible: str = "pass") -> dict[str, Any]:
    return {"name": name, "tier": tier, "team": team, "rules": {"slo-feasible": feasible}}


def _card(
    rows: list[dict[str, Any]], edges: list[tuple[str, str, bool, bool]], **graph: Any
) -> Any:
    return {
        "services": rows,
        "graph": {
            "edges": [{"from": a, "to": b, "fallback": f, "inversion": i} for a, b, f, i in edges],
            "cycles": graph.get("cycles", []),
            "systems": graph.get("systems", {}),
        },
    }


def test_a_small_fleet_is_drawn_service_by_service() -> None:
    rows = [
        _row("frontend", 0, "web", "warning"),
        _row("cart", 1, "shop"),
        _row("ad", 3, "ads"),
        _row("a-service-name-far-longer-than-a-box", 1, "shop"),
    ]
    g = layout(
        _card(
            rows,
            [("frontend", "cart", False, True), ("frontend", "ad", True, False)],
            cycles=[["frontend", "frontend"]],
        )
    )
    assert not g["grouped"]
    nodes = {n["label"]: n for n in g["nodes"]}
    assert set(nodes) == {"frontend", "cart", "ad", "a-service-name-far-lo…"}
    assert nodes["frontend"]["marks"] == "infeasible cycle" and nodes["cart"]["marks"] == ""
    assert (nodes["frontend"]["x"], nodes["cart"]["x"], nodes["ad"]["x"]) == (12, 252, 732)
    # each box its own row in its column
    spots = [(n["x"], n["y"]) for n in g["nodes"]]
    assert len(spots) == len(set(spots))
    kinds = {e["title"].split(":")[0]: e["kind"] for e in g["edges"]}
    assert kinds == {"frontend → cart": "inversion", "frontend → ad": "fallback"}
    assert g["edges"][-1]["kind"] == "inversion"  # drawn last, on top
    assert g["inversions"] == [("frontend", 0, "cart", 1)] and g["infeasible"] == ["frontend"]


def test_a_large_fleet_is_drawn_by_group_and_folds_past_the_limit() -> None:
    rng = random.Random(3)
    rows = [
        _row(f"svc-{i:04d}", rng.choice((0, 1, 2, 3)), f"team-{i % 150:03d}") for i in range(2000)
    ]
    systems = {r["name"]: "payments-platform" for r in rows[:40]}
    edges = [
        (rows[i]["name"], rows[i // 2]["name"], False, rows[i // 2]["tier"] > rows[i]["tier"])
        for i in range(1, 2000)
    ]
    g = layout(_card(rows, edges, systems=systems))
    assert g["grouped"] and g["by"] == "system or team"
    assert len(g["nodes"]) <= PER_COLUMN * len(TIERS)
    counts = [int(n["label"].rpartition("(")[2].rstrip(")")) for n in g["nodes"]]
    assert sum(counts) == 2000  # every service is in exactly one box
    assert any(n["label"].startswith("payments-platform (") for n in g["nodes"])
    assert any("more groups" in n["label"] for n in g["nodes"])
    assert all(len(n["label"]) <= LABEL_CHARS for n in g["nodes"])
    assert g["edges"] and all(e["kind"] == "inversion" for e in g["edges"])  # only those
    assert max(e["width"] for e in g["edges"]) > 2.0  # wider for more of them


def test_cut() -> None:
    assert cut("short") == "short"
    assert cut("x" * 30) == "x" * (LABEL_CHARS - 1) + "…"


# -- in Chromium --------------------------------------------------------------------------------

MEASURE = """<script>
const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.width, b.height]; };
const svg = document.getElementById('service-graph');
const out = {
  labels: [...svg.querySelectorAll('text')].map((t) => [...box(t), t.textContent,
           parseFloat(getComputedStyle(t).fontSize), t.classList.contains('g-label')]),
  rects: [...svg.querySelectorAll('rect')].map(box),
};
document.getElementById('measured').textContent = JSON.stringify(out);
</script>"""


def _measured(page: str, tmp_path: Path, proxy: RecordingProxy) -> dict[str, Any]:
    """The page as gate wrote it, with its script ban lifted and a measuring script added: every
    text and box of the graph as Chromium lays them out."""
    harness = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page)
    harness = harness.replace("</body>", f'<pre id="measured"></pre>{MEASURE}</body>')
    path = tmp_path / "measure.html"
    path.write_text(harness, encoding="utf-8")
    dom = chromium(
        path.as_uri(), tmp_path, proxy, "--dump-dom", "--virtual-time-budget=5000"
    ).stdout
    found = re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)
    assert found and found.group(1), dom[-2000:]
    measured: dict[str, Any] = json.loads(
        found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )
    return measured


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _readable(measured: dict[str, Any]) -> None:
    labels, rects = measured["labels"], measured["rects"]
    assert labels and all(size >= 11 for *_, size, _ in labels)
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not _overlap(a, b), (a, b)
    boxed = [a for a in labels if a[-1]]
    assert len(boxed) == len(rects)
    for label, rect in zip(boxed, rects, strict=True):
        x, y, w, h = label[:4]
        assert rect[0] <= x and x + w <= rect[0] + rect[2], (label, rect)  # inside its box
        assert rect[1] <= y + h / 2 <= rect[1] + rect[3], (label, rect)


@pytest.fixture(scope="module")
def demo_card(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("demo")
    result = gate_subprocess("demo", "--keep", str(out / "demo"))
    assert result.returncode == 0, result.stderr
    card: dict[str, Any] = json.loads((out / "demo-scorecard" / "scorecard.json").read_text())
    return card


def _fleet(demo: dict[str, Any], services: int, teams: int) -> dict[str, Any]:
    """The demo's card with `services` services made from its own rows, shaped like a real fleet:
    each team mostly at one tier, long and hostile names, dependencies mostly toward tiers at
    least as critical (a few inversions), some objectives their dependencies cannot meet."""
    rng = random.Random(services)
    card = copy.deepcopy(demo)
    template = demo["services"][0]
    home = [rng.choice((0, 1, 1, 2, 2, 2, 3)) for _ in range(teams)]
    rows = []
    for i in range(services):
        row = copy.deepcopy(template)
        row["name"] = f"svc-{i:04d}" + (
            "-with-a-name-much-longer-than-any-box" if i % 7 == 0 else ""
        )
        if i % 11 == 0:
            row["name"] += "<b>&\u202e"
        team = i % teams
        row["tier"] = home[team] if rng.random() < 0.8 else rng.choice((0, 1, 2, 3))
        row["team"] = f"team-{team:03d}" + (
            "-platform-reliability-engineering" if team % 5 == 0 else ""
        )
        row["rules"] = {**row["rules"], "slo-feasible": "warning" if i % 23 == 0 else "pass"}
        rows.append(row)
    edges = {}
    for i, row in enumerate(rows[1:], 1):
        critical = [j for j in range(max(0, i - 200), i) if rows[j]["tier"] <= row["tier"]]
        for _ in range(rng.randint(0, 3)):
            j = rng.choice(critical) if critical and rng.random() < 0.97 else rng.randrange(i)
            target = rows[j]
            edges[(row["name"], target["name"])] = {
                "from": row["name"],
                "to": target["name"],
                "fallback": rng.random() < 0.1,
                "inversion": target["tier"] > row["tier"],
            }
    card["services"] = rows
    card["graph"] = {"edges": [edges[k] for k in sorted(edges)], "cycles": [], "systems": {}}
    return card


@pytest.mark.parametrize(
    "services, teams", [(2000, 100), (45, 9)], ids=["2000-by-team", "45-services"]
)
def test_the_graph_stays_readable_in_chromium(
    demo_card: dict[str, Any], tmp_path: Path, proxy: RecordingProxy, services: int, teams: int
) -> None:
    page = render_html(_fleet(demo_card, services, teams))
    assert "<b>&" not in page  # names are text, never markup
    measured = _measured(page, tmp_path, proxy)
    _readable(measured)
    drawn = len(measured["rects"])
    assert drawn == services if services <= MAX_NODES else drawn <= PER_COLUMN * len(TIERS)
    shot = tmp_path / "graph.png"
    original = tmp_path / "page.html"
    original.write_text(page, encoding="utf-8")
    chromium(original.as_uri(), tmp_path, proxy, f"--screenshot={shot}", "--window-size=1280,1600")
    assert png_bytes(shot)[:2] == (1280, 1600) and variety(shot) > 64
    assert proxy.requests == []


def test_the_overlap_check_can_fail(
    demo_card: dict[str, Any], tmp_path: Path, proxy: RecordingProxy
) -> None:
    """Two boxes drawn on one row: the measurement sees their labels collide."""
    page = render_html(_fleet(demo_card, 12, 3))
    rows = re.findall(r'<rect x="([\d.]+)" y="([\d.]+)"', page)
    first_y = rows[0][1]
    page = re.sub(
        r'(<text class="g-label" x="[\d.]+" y=")([\d.]+)"', rf'\g<1>{float(first_y) + 15:g}"', page
    )
    page = re.sub(r'(<text class="g-label" x=")([\d.]+)"', r'\g<1>20"', page)
    with pytest.raises(AssertionError):
        _readable(_measured(page, tmp_path, proxy))
