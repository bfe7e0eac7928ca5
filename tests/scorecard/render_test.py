"""Hostile names and values go through the page, the Markdown and the CSV without breaking their structure."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from typing import Any

import markupsafe
from conftest import TODAY, GitRepo
from hostile.corpus import COMMON
from hostile.hostile_strings import markdown_shape
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.git import Repo
from gate.report.escape import visible as clean
from gate.scorecard import collect
from gate.scorecard.delivery import Tally
from gate.scorecard.page import render_html
from gate.scorecard.render import CSV_COLUMNS, render_csv, render_markdown
from gate.settings import AdoptionSettings

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</td></tr></table><h1>pwned</h1>",
    "a|b|c",
    "line\nbreak\r\nagain",
    "`code` **bold** [link](javascript:alert(1)) ![i](http://evil.example/x.png)",
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1)",
    "\u202eevil\u202c",
    "\x1b[31mred\x07",
    "<!-- open comment",
    "{{ 7*7 }} {% raw %}",
    "&amp; &lt;",
    '"quoted, with comma"',
    "<style>body{display:none}</style>",
]


class Structure(HTMLParser):
    """Tags as the browser's parser sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []
        self.rows: dict[str, int] = {}
        self.table: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += attrs
        if tag == "table":
            self.table.append(dict(attrs).get("id") or "")
        if tag == "tr" and self.table:
            self.rows[self.table[-1]] = self.rows.get(self.table[-1], 0) + 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self.table:
            self.table.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def hostile_repo(repo: GitRepo) -> GitRepo:
    for i, name in enumerate(HOSTILE):
        team = HOSTILE[-1 - i]
        repo.write(
            f"services/s{i}/service.yaml",
            f"apiVersion: gate/v1\nkind: Service\nname: {json.dumps(name)}\ntier: {i % 4}\nowners: {{team: {json.dumps(team)}}}\n",
        )
    for i, (_case, raw) in enumerate(
        sorted(COMMON.items())
    ):  # every hostile manifest body from the fuzzing corpus
        repo.write(f"corpus/c{i}/service.yaml", raw)
    repo.write(
        "services/<img src=x onerror=alert(2)>/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: odd-dir\ntier: 2\nowners: {team: '|x|'}\n",
    )
    repo.write(
        "policies/evil.yaml",
        "apiVersion: gate/v1\nkind: PolicyPack\nname: evil\nrules:\n  - id: evil-rule\n"
        "    title: \"<script>alert('rule')</script> | `x` \\n new line\"\n    severity: error\n"
        '    check: {schema: {required: [pager]}, message: "pager </td> missing"}\n    remediation: Add a pager.\n',
    )
    repo.write(".gate.yaml", "version: 1\npacks: [default, policies/evil.yaml]\n")
    repo.commit("hostile fleet")
    return repo


def test_hostile_fleet_keeps_page_markdown_and_csv_structure(repo: GitRepo) -> None:
    card = collect.build(Repo(hostile_repo(repo).path), "main", None, TODAY, True, 2, None)
    n = len(card["services"])
    assert n == len(HOSTILE) + len(COMMON) + 1

    page = render_html(card)
    parsed = Structure()
    parsed.feed(page)
    assert (
        "script" not in parsed.tags
        and "img" not in parsed.tags
        and "h1" in parsed.tags
        and parsed.tags.count("h1") == 1
    )
    assert parsed.tags.count("style") == 1
    assert parsed.rows["services"] == n + 1  # header row + one per service
    assert not any(k.startswith("on") for k, _ in parsed.attrs)
    text = "".join(parsed.text)
    for name in HOSTILE:
        assert clean(name) in text  # shown as text, not markup
    assert "<script>alert('rule')</script>" in text

    markdown = render_markdown(card)
    shape = markdown_shape(markdown)  # as GitHub renders it: names are text, never markup
    assert not {"script", "img", "style", "a"} & set(shape.tags) and not shape.mentions
    assert "\n<" not in markdown
    for block in re.split(r"\n\n", markdown):
        rows = [line for line in block.split("\n") if line.startswith("|")]
        if rows:
            widths = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
            assert len(widths) == 1, block  # every row of a table has the header's cells
    assert "\x1b" not in markdown and "\u202e" not in markdown

    rows = list(csv.reader(io.StringIO(render_csv(card))))
    assert (
        rows[0] == list(CSV_COLUMNS)
        and len(rows) == n + 1
        and {len(r) for r in rows} == {len(CSV_COLUMNS)}
    )
    names = {r[0] for r in rows[1:]}
    assert (
        '\'=HYPERLINK("http://evil.example","click")' in names
        and "'+cmd|' /C calc'!A0" in names
        and "'@SUM(A1)" in names
    )
    assert not any(
        cell and cell[0] in "=+-@"
        for r in rows[1:]
        for cell in r
        if not re.fullmatch(r"-?[0-9.]+", cell)
    )


def _card() -> dict[str, Any]:
    service = {
        "name": "x",
        "manifest": "s/service.yaml",
        "tier": 1,
        "team": "t",
        "parsed": True,
        "ready": False,
        "rules": {"r": "error"},
        "failing_rules": ["r"],
        "has": dict.fromkeys(
            ("slos", "runbook", "owners", "oncall", "rollback", "dashboards", "alerts"), True
        ),
        "slo_count": 1,
        "budget": {"state": "ok", "reason": None, "slos": []},
        "waivers": dict.fromkeys(collect.WAIVER_STATES, 0),
        "changes": {
            "count": 1,
            "failed": 0,
            "failure_rate": 0.0,
            "risk": dict.fromkeys(collect.RISK_LEVELS, 0),
        },
    }
    services = [service]
    return {
        "schema": collect.SCHEMA,
        "revision": {"name": "main", "commit": "0" * 40},
        "as_of": "2026-11-24",
        "offline": True,
        "config": ".gate.yaml",
        "window_days": 90,
        "rules": {"r": "rule"},
        "services": services,
        "tiers": [
            collect.rollup(f"tier {t}", [s for s in services if s["tier"] == t], tier=t)
            for t in collect.TIERS
        ],
        "teams": [collect.rollup("t", services)],
        "fleet": collect.rollup("all", services),
        "top_failing_rules": collect.top_failing(services, {"r": "rule"}),
        "waivers": {
            **dict.fromkeys(collect.WAIVER_STATES, 0),
            "entries": [
                {
                    "id": "EXC-1",
                    "state": "expiring",
                    "services": ["x"],
                    "rules": ["r"],
                    "expires": "2026-11-25",
                    "approved_by": "rita",
                    "ticket": "T",
                }
            ],
        },
        "adoption": collect.adoption(
            services,
            AdoptionSettings.parse({"tiers": [1], "requires": ["slos"], "milestones": {6: 60}}),
            dt.date(2026, 1, 1),
            TODAY,
        ),
        "resilience": {
            "tiers": [
                {
                    "tier": t,
                    "services": 1 if t == 1 else 0,
                    "objectives": 0,
                    "objectives_share": 0.0 if t == 1 else None,
                    "drills_fresh": 0,
                    "drills_fresh_share": 0.0 if t == 1 else None,
                    "failed": 1 if t == 1 else 0,
                }
                for t in collect.TIERS
            ],
            "drills": [
                {
                    "service": "x",
                    "tier": 1,
                    "kind": "restore",
                    "date": "2026-01-01",
                    "result": "fail",
                    "age_days": 327,
                    "limit_days": 180,
                    "state": "failed",
                }
            ],
        },
        "delivery": _delivery(),
        "trend": None,
        "graph": {
            "edges": [{"from": "x", "to": "x", "fallback": False, "inversion": True}],
            "cycles": [["x", "x"]],
            "systems": {"x": "s"},
        },
    }


def _delivery() -> dict[str, Any]:
    tally = Tally(2, [3600, 7200], 1, [1800], 1, 1, 2, 1)
    figures = tally.figures(90)
    return {
        "window_days": 90,
        "deployments_from": "merges to the default branch",
        "change_failure_from": "reverts and incident-linked changes",
        "incidents_from": "file incidents.json",
        "incidents_problem": None,
        "fleet": figures,
        "tiers": [
            {"tier": t, **(figures if t == 1 else Tally().figures(90))} for t in collect.TIERS
        ],
        "teams": [{"team": "t", **figures}],
        "services": [{"name": "x", "tier": 1, "team": "t", **figures}],
        "trend": [
            {"month": "2026-11", "fleet": figures, "tiers": {"1": figures}, "teams": {"t": figures}}
        ],
    }


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=40), min_size=4, max_size=4))
def test_any_text_in_any_field_keeps_every_format_whole(values: list[str]) -> None:
    card = copy.deepcopy(_card())
    service = card["services"][0]
    service["name"], service["team"], service["manifest"] = values[0], values[1], values[2]
    service["rules"] = {values[3]: "error"}
    service["failing_rules"] = [values[3]]
    card["rules"] = {values[3]: values[0]}
    card["resilience"]["drills"][0]["service"] = values[0]
    card["graph"] = {
        "edges": [{"from": values[0], "to": values[0], "fallback": False, "inversion": True}],
        "cycles": [[values[0], values[1]]],
        "systems": {values[0]: values[1]},
    }
    card["teams"][0]["label"] = values[1]
    card["delivery"]["teams"][0]["team"] = values[1]
    card["delivery"]["incidents_from"], card["delivery"]["incidents_problem"] = values[0], values[2]
    card["top_failing_rules"] = collect.top_failing([service], {values[3]: values[2]})
    card["waivers"]["entries"][0].update(
        id=values[0], services=[values[1]], rules=[values[3]], approved_by=values[2]
    )
    page = render_html(card)
    parsed = Structure()
    parsed.feed(page)
    assert parsed.rows["services"] == 2 and parsed.tags.count("table") == page.count("<table")
    assert "script" not in parsed.tags
    assert (
        str(markupsafe.escape(clean(values[0]))) in page
    )  # as Jinja2 escapes it: text, never markup
    rows = list(csv.reader(io.StringIO(render_csv(card))))
    assert len(rows) == 2 and len(rows[1]) == len(CSV_COLUMNS)
    markdown = render_markdown(card)
    for block in markdown.split("\n\n"):
        table = [line for line in block.split("\n") if line.startswith("|")]
        if table:
            assert len({len(re.findall(r"(?<!\\)\|", row)) for row in table}) == 1
    assert all(
        line == "" or not line.startswith(("<", "#", "-", ">")) or line.startswith(("# ", "## "))
        for line in markdown.split("\n")
    )


class Accessibility(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.problems: list[str] = []
        self.tables = self.captions = self.svgs = self.svg_titles = 0
        self.lang: str | None = None
        self.cell_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "table":
            self.tables += 1
        if tag == "caption":
            self.captions += 1
        if tag == "svg":
            self.svgs += 1
            if a.get("role") != "img" or not a.get("aria-labelledby"):
                self.problems.append("svg without role=img and a label")
        if tag == "title" and any(t == "svg" for t, _ in self.stack) and self.stack[-1][0] == "svg":
            self.svg_titles += 1
        if tag == "th" and any(t == "thead" for t, _ in self.stack) and a.get("scope") != "col":
            self.problems.append("a column header without scope")
        for key in ("src", "href", "action", "srcset"):
            if a.get(key):
                self.problems.append(f"{tag} loads {a[key]}")
        if tag == "td" and (a.get("class") or "").startswith("st-"):
            self.cell_text.append("")
        self.stack.append((tag, a))

    def handle_endtag(self, tag: str) -> None:
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data: str) -> None:
        if (
            self.stack
            and self.cell_text
            and any((a.get("class") or "").startswith("st-") for t, a in self.stack if t == "td")
        ):
            self.cell_text[-1] += data


def test_page_is_accessible_and_self_contained() -> None:
    card = _card()
    card["trend"] = [
        {
            "month": f"2026-{m:02d}",
            "date": f"2026-{m:02d}-28",
            "commit": "a" * 40,
            "changes": m,
            "failed": 1,
            "failure_rate": 1 / m,
            "services": 1,
            "ready": 1,
            "ready_share": 1.0,
            "slo_share": 0.5,
            "adoption_share": 0.5,
            "adoption_target": 60.0,
            "waivers_active": m % 2,
            "waivers_expired": 0,
            "tiers": {},
        }
        for m in (9, 10, 11)
    ]
    page = render_html(card)
    checked = Accessibility()
    checked.feed(page)
    assert checked.problems == [] and checked.lang == "en"
    assert (
        checked.svgs == 4 and checked.svg_titles == 4
    )  # every chart (three trends, the service graph) has a title (and its numbers in a table)
    assert checked.captions == checked.tables and '<table id="trend">' in page
    assert checked.cell_text and all(
        text.strip() for text in checked.cell_text
    )  # a state is words, not only colour
    assert "<script" not in page and "@media print" in page and "Content-Security-Policy" in page
