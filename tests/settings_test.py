"""Typed settings: for every configuration document we know of, the records give the values the
old dict reads gave.

`legacy` is a verbatim copy of the `.get(key, default)` reads that were spread over budget/status.py,
budget/policy.py, budget/math.py, the budget sources, risk/score.py, risk/findings.py, waivers/trust.py,
scorecard/collect.py and config.py before the records existed: it is the reference the records answer to.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from gate import config as gate_config
from gate import yaml as gate_yaml
from gate.budget import guide
from gate.budget.math import DAY
from gate.errors import FatalError
from gate.resources import errors_for
from gate.settings import ResilienceSettings

ROOT = Path(__file__).parents[1]
TIERS = (0, 1, 2, 3)
MODES = ("on_exhausted", "on_fast_burn", "on_unavailable", "on_no_data", "on_unmeasurable")
PERIODS = (7 * DAY, 14 * DAY, 28 * DAY, 30 * DAY)
KINDS = ("findings", "error-budget", "risk")

# The defaults as the modules held them before the records.
OLD_MODES: dict[str, dict[int, str]] = {
    "on_exhausted": {0: "block", 1: "block", 2: "warn", 3: "warn"},
    "on_fast_burn": {0: "warn", 1: "warn", 2: "warn", 3: "warn"},
    "on_unavailable": {0: "block", 1: "block", 2: "warn", 3: "warn"},
    "on_no_data": {0: "warn", 1: "warn", 2: "info", 3: "info"},
    "on_unmeasurable": {0: "warn", 1: "warn", 2: "info", 3: "info"},
}
OLD_THRESHOLDS: dict[int, dict[str, Any]] = {  # on the percentile scale
    0: {"warn": 90, "block": 98},
    1: {"warn": 95, "block": 99},
    2: {"warn": 98},
    3: {},
}
OLD_ROLLBACK_DAYS = {0: 90, 1: 90}
OLD_MAX_DAYS = {0: 3, 1: 7, 2: 14, 3: 14}
OLD_APPROVERS: dict[str, dict[int, list[str]]] = {
    "findings": {
        0: ["vps"],
        1: ["release-managers"],
        2: ["release-managers"],
        3: ["release-managers"],
    },
    "error-budget": {0: ["vps"], 1: ["directors"], 2: ["directors"], 3: ["release-managers"]},
    "risk": {0: ["vps"], 1: ["release-managers"], 2: ["release-managers"], 3: ["release-managers"]},
}
OLD_ADOPTION: dict[str, Any] = {
    "tiers": [1],
    "requires": ["slos", "runbook", "owners"],
    "milestones": {"6": 60, "12": 80},
}


def _old_mode(budgets: dict[str, Any], key: str, tier: int) -> str:
    value = budgets.get(key)
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        table = {int(k): v for k, v in value.items()}
        if tier in table:
            return str(table[tier])
    return OLD_MODES[key][tier]


def _old_windows(budgets: dict[str, Any], tier: int, period: int) -> Any:
    from gate.budget.math import DEFAULT_WINDOWS, _workbook, alert_windows

    by_tier = budgets.get("alert_windows_by_tier") or {}
    own = (by_tier.get(str(tier)) or []) if tier is not None else []
    for spec in [*own, *(budgets.get("alert_windows") or [])]:
        windows = alert_windows(spec)
        if windows.period == period:
            return windows
    for windows in DEFAULT_WINDOWS:
        if windows.period == period:
            return windows
    return _workbook(period)


def _old_source(budgets: dict[str, Any], name: str) -> dict[str, Any]:
    settings = budgets.get(name, {}) if isinstance(budgets.get(name), dict) else {}
    return {
        "url": settings.get("url"),
        "bearer_token_env": settings.get("bearer_token_env"),
        "username_env": settings.get("username_env"),
        "password_env": settings.get("password_env", ""),
        "timeout": float(settings.get("timeout", 5)),
        "retries": int(settings.get("retries", 2)),
        "backoff": float(settings.get("backoff", 0.5)),
        "path": settings.get("path"),
    }


def _old_freeze(risk: dict[str, Any]) -> list[tuple[str, str, str]]:
    import datetime as dt

    out = []
    for window in risk.get("freeze", []):
        try:
            start, end = (
                dt.date.fromisoformat(str(window["start"])),
                dt.date.fromisoformat(str(window["end"])),
            )
        except (KeyError, ValueError):
            continue
        out.append(
            (start.isoformat(), end.isoformat(), str(window.get("reason", f"{start}..{end}")))
        )
    return out


def legacy(data: dict[str, Any]) -> dict[str, Any]:
    """Every setting as the old dict reads gave it, from the document as `config.parse` read it."""
    budgets, risk, exceptions, scorecard = (
        dict(data.get(k, {})) for k in ("budgets", "risk", "exceptions", "scorecard")
    )
    exempt = budgets.get("exempt", {})
    thresholds = {int(k): v for k, v in risk.get("thresholds", {}).items()}
    rollback = {
        int(k): v for k, v in risk.get("rollback_tested_days", {}).items()
    } or OLD_ROLLBACK_DAYS
    max_days = {int(k): v for k, v in exceptions.get("max_days", {}).items()}

    def groups(kind: str, tier: int) -> list[str]:
        table = exceptions.get("approvers", {}).get(kind)
        found = (
            {int(k): v for k, v in table.items()}.get(tier) if table else OLD_APPROVERS[kind][tier]
        )
        return list(found or [])

    adoption = {**OLD_ADOPTION, **(scorecard.get("adoption") or {})}
    adoption["milestones"] = {int(k): float(v) for k, v in adoption["milestones"].items()}
    return {
        "budgets.configured": bool(budgets),
        "budgets.source": budgets.get("source", "prometheus"),
        "budgets.sources": {
            name: _old_source(budgets, name) for name in ("prometheus", "file", "http")
        },
        "budgets.modes": {key: [_old_mode(budgets, key, t) for t in TIERS] for key in MODES},
        "budgets.exempt": (
            bool(exempt.get("reverts", True)),
            bool(exempt.get("reliability_only", True)),
            list(exempt.get("reliability_paths", [])),
            {k: list(v) for k, v in (exempt.get("labels") or {}).items()},
        ),
        "budgets.windows": {(t, p): _old_windows(budgets, t, p) for t in TIERS for p in PERIODS},
        "risk.enabled": bool(risk.get("enabled", True)),
        "risk.model": risk.get("model") or None,
        "risk.history_days": int(risk.get("history_days", 365)),
        "risk.thresholds": [dict(thresholds.get(t, OLD_THRESHOLDS[t])) for t in TIERS],
        "risk.rollback_tested_days": [rollback.get(t) for t in TIERS],
        "risk.freeze": _old_freeze(risk),
        "exceptions.path": str(exceptions.get("path", "exceptions.yaml")),
        "exceptions.max_days": [int(max_days.get(t, OLD_MAX_DAYS[t])) for t in TIERS],
        "exceptions.groups": {k: list(v) for k, v in exceptions.get("groups", {}).items()},
        "exceptions.approvers": {kind: [groups(kind, t) for t in TIERS] for kind in KINDS},
        "scorecard.adoption": (
            adoption.get("start"),
            list(adoption["tiers"]),
            list(adoption["requires"]),
            adoption["milestones"],
        ),
        "exceptions.expiring_days": int(
            str(exceptions.get("expiring_days", scorecard.get("expiring_days", 1)))
        ),
    }


def typed(config: gate_config.Config) -> dict[str, Any]:
    """Every setting as the records give it."""
    from gate.budget.math import windows_for

    budgets, risk, exceptions, adoption = (
        config.budgets,
        config.risk,
        config.exceptions,
        config.scorecard.adoption,
    )
    exempt = budgets.exempt

    def source(s: Any) -> dict[str, Any]:
        return {
            "url": s.url,
            "bearer_token_env": s.bearer_token_env,
            "username_env": s.username_env,
            "password_env": s.password_env,
            "timeout": s.timeout,
            "retries": s.retries,
            "backoff": s.backoff,
            "path": s.path,
        }

    return {
        "budgets.configured": budgets.configured,
        "budgets.source": budgets.source,
        "budgets.sources": {
            name: source(budgets.source_settings(name)) for name in ("prometheus", "file", "http")
        },
        "budgets.modes": {key: [getattr(budgets, key).for_tier(t) for t in TIERS] for key in MODES},
        "budgets.exempt": (
            exempt.reverts,
            exempt.reliability_only,
            list(exempt.reliability_paths),
            {k: list(v) for k, v in exempt.labels.items()},
        ),
        "budgets.windows": {(t, p): windows_for(p, t, budgets) for t in TIERS for p in PERIODS},
        "risk.enabled": risk.enabled,
        "risk.model": risk.model,
        "risk.history_days": risk.history_days,
        "risk.thresholds": [
            {k: v for k, v in (("warn", th.warn), ("block", th.block)) if v is not None}
            for th in (risk.thresholds.for_tier(t) for t in TIERS)
        ],
        "risk.rollback_tested_days": [risk.rollback_tested_days.for_tier(t) for t in TIERS],
        "risk.freeze": [(w.start.isoformat(), w.end.isoformat(), w.reason) for w in risk.freeze],
        "exceptions.path": config.ledger_path,
        "exceptions.max_days": [exceptions.max_days.for_tier(t) for t in TIERS],
        "exceptions.groups": {k: list(v) for k, v in exceptions.groups.items()},
        "exceptions.approvers": {
            kind: [list(exceptions.approver_groups(kind, t)) for t in TIERS] for kind in KINDS
        },
        "scorecard.adoption": (
            adoption.start,
            list(adoption.tiers),
            list(adoption.requires),
            dict(adoption.milestones),
        ),
        "exceptions.expiring_days": config.exceptions.expiring_days,
    }


def _readme_documents() -> list[tuple[str, bytes]]:
    """Every YAML block of README.md, of the docs and of `gate explain alert-windows` that is a `.gate.yaml` (or a part of one)."""
    found: list[tuple[str, bytes]] = []
    blocks = [
        (page.relative_to(ROOT).as_posix(), m.group(1))
        for page in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
        for m in re.finditer(r"```yaml\n(.*?)```", page.read_text(encoding="utf-8"), re.S)
    ]
    guide_text = guide.ALERT_WINDOWS
    start = guide_text.index("budgets:")
    end = guide_text.index("longWindow: 3d}", start) + len("longWindow: 3d}")
    blocks.append(("guide alert-windows", guide_text[guide_text.rindex("\n", 0, start) + 1 : end]))
    for where, block in blocks:
        raw = textwrap.dedent(block).encode()
        try:
            gate_config.parse(raw, ".gate.yaml")
        except Exception:
            continue  # a workflow, a manifest, a pack: not a configuration
        found.append((f"{where}:{len(found)}", raw))
    return found


RICH = b"""\
version: 1
budgets:
  source: http
  prometheus: {url: "https://p.example", username_env: PU, password_env: PP, timeout: 1.5, retries: 0, backoff: 0}
  http: {url: "https://s.example/{service}/{slo}", bearer_token_env: TOK, timeout: 9}
  file: {path: status.json}
  on_exhausted: warn
  on_fast_burn: {1: block, "3": off}
  on_unavailable: {2: block}
  on_no_data: off
  on_unmeasurable: {0: block, 1: info}
  exempt: {reverts: false, reliability_only: false, reliability_paths: ["docs/**"], labels: {p0-fix: [rita]}}
  alert_windows_by_tier:
    "0":
      - sloPeriod: 7d
        page: {quick: {errorBudgetPercent: 4, shortWindow: 5m, longWindow: 1h}, slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}}
        ticket: {quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}, slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}}
  alert_windows:
    - apiVersion: sloth.slok.dev/v1
      kind: AlertWindows
      spec:
        sloPeriod: 14d
        page: {quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}, slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}}
        ticket: {quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}, slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}}
risk:
  enabled: false
  model: .gate/risk-model.json
  history_days: 30
  thresholds: {"1": {}, "3": {block: 99.5}}
  rollback_tested_days: {"2": 30}
  freeze:
    - {start: "2026-12-20", end: "2027-01-02"}
    - {start: "2026-02-30", end: "2026-03-02", reason: not a date}
exceptions:
  path: waivers/ledger.yaml
  max_days: {"0": 1, "2": 30}
  groups: {sre: ["@acme/sre", dana]}
  approvers: {risk: {"0": [sre]}, error-budget: {}}
scorecard:
  adoption: {tiers: [0, 1, 2], milestones: {3: 10}}
  expiring_days: 14
"""

DOCUMENTS = [
    ("no file", None),
    ("empty file", b""),
    ("version only", b"version: 1\n"),
    ("empty sections", b"budgets: {}\nrisk: {}\nexceptions: {}\nscorecard: {}\n"),
    ("bundled example", (ROOT / "gate/examples/monorepo/.gate.yaml").read_bytes()),
    ("every key", RICH),
    *_readme_documents(),
]


@pytest.mark.parametrize("name,raw", DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_the_typed_settings_give_what_the_dict_reads_gave(name: str, raw: bytes | None) -> None:
    config = gate_config.Config() if raw is None else gate_config.parse(raw, ".gate.yaml")
    data = (
        {}
        if config.doc is None or config.doc.data is None
        else gate_config._yaml11_off(config.doc.data)
    )
    assert typed(config) == legacy(data)


def test_the_documents_cover_every_section() -> None:
    """The table is only as good as its documents: the docs' budgets, risk, exceptions and scorecard examples are in it."""
    names = [n for n, _ in DOCUMENTS]
    sections = set()
    for _, raw in DOCUMENTS:
        if raw:
            sections |= {
                s
                for s in ("budgets", "risk", "exceptions", "scorecard")
                if re.search(rb"^\s*" + s.encode() + rb":", raw, re.M)
            }
    assert sections == {"budgets", "risk", "exceptions", "scorecard"}
    assert sum(n.startswith("docs/") for n in names) >= 5 and any(
        n.startswith("guide") for n in names
    )


# --- property: any document, valid or not --------------------------------------------------------

_TIER_KEY = st.sampled_from(["0", "1", "2", "3", "4"])  # "4": a key the schema refuses
_NOTHING_REQUIRED: dict[
    str, st.SearchStrategy[Any]
] = {}  # typed: hypothesis 6.80 cannot infer the keys of a bare {}
_MODE = st.sampled_from(["block", "warn", "info", "off", "page"])
_GROUPS = st.lists(st.sampled_from(["vps", "directors", "sre", "release-managers"]), max_size=3)
_WINDOW = {
    "sloPeriod": "7d",
    "page": {
        "quick": {"errorBudgetPercent": 8, "shortWindow": "5m", "longWindow": "1h"},
        "slow": {"errorBudgetPercent": 12.5, "shortWindow": "30m", "longWindow": "6h"},
    },
    "ticket": {
        "quick": {"errorBudgetPercent": 20, "shortWindow": "2h", "longWindow": "1d"},
        "slow": {"errorBudgetPercent": 42, "shortWindow": "6h", "longWindow": "3d"},
    },
}


def _tiers(values: Any) -> Any:
    return st.dictionaries(_TIER_KEY, values, max_size=4)


_SOURCE = st.fixed_dictionaries(
    _NOTHING_REQUIRED,
    optional={
        "url": st.sampled_from(["https://p.example", "ftp://nope"]),
        "bearer_token_env": st.just("TOK"),
        "timeout": st.sampled_from([0.5, 5, 0, 200]),
        "retries": st.integers(-1, 6),
        "backoff": st.sampled_from([0, 0.5, 11]),
    },
)
_BUDGETS = st.fixed_dictionaries(
    _NOTHING_REQUIRED,
    optional={
        "source": st.sampled_from(["prometheus", "file", "http", "datadog"]),
        "prometheus": _SOURCE,
        "http": _SOURCE,
        "file": st.fixed_dictionaries(_NOTHING_REQUIRED, optional={"path": st.just("s.json")}),
        **{key: st.one_of(_MODE, _tiers(_MODE)) for key in MODES},
        "exempt": st.fixed_dictionaries(
            _NOTHING_REQUIRED,
            optional={
                "reverts": st.booleans(),
                "reliability_only": st.one_of(st.booleans(), st.just("yes")),
                "reliability_paths": st.lists(st.just("docs/**"), max_size=2),
                "labels": st.dictionaries(st.just("p0-fix"), _GROUPS),
            },
        ),
        "alert_windows": st.lists(st.just(_WINDOW), max_size=1),
        "alert_windows_by_tier": _tiers(st.lists(st.just(_WINDOW), max_size=1)),
    },
)
_RISK = st.fixed_dictionaries(
    _NOTHING_REQUIRED,
    optional={
        "enabled": st.booleans(),
        "model": st.sampled_from(["", ".gate/m.json"]),
        "history_days": st.integers(0, 4000),
        "thresholds": _tiers(
            st.fixed_dictionaries(
                _NOTHING_REQUIRED,
                optional={"warn": st.integers(-1, 101), "block": st.floats(0, 100)},
            )
        ),
        "rollback_tested_days": _tiers(st.integers(0, 200)),
        "freeze": st.lists(
            st.fixed_dictionaries(
                {
                    "start": st.sampled_from(["2026-12-20", "2026-02-30", "soon"]),
                    "end": st.just("2027-01-02"),
                },
                optional={"reason": st.just("holidays")},
            ),
            max_size=2,
        ),
    },
)
_EXCEPTIONS = st.fixed_dictionaries(
    _NOTHING_REQUIRED,
    optional={
        "path": st.just("waivers.yaml"),
        "max_days": _tiers(st.integers(0, 400)),
        "groups": st.dictionaries(
            st.sampled_from(["sre", "vps"]),
            st.lists(st.sampled_from(["dana", "@acme/sre", "bad handle"]), max_size=2),
        ),
        "approvers": st.fixed_dictionaries(
            _NOTHING_REQUIRED, optional={kind: _tiers(_GROUPS) for kind in KINDS}
        ),
    },
)
_SCORECARD = st.fixed_dictionaries(
    _NOTHING_REQUIRED,
    optional={
        "adoption": st.fixed_dictionaries(
            _NOTHING_REQUIRED,
            optional={
                "start": st.just("2026-01-01"),
                "tiers": st.lists(st.integers(0, 4), max_size=3, unique=True),
                "requires": st.lists(
                    st.sampled_from(["slos", "runbook", "owners", "magic"]), max_size=3, unique=True
                ),
                "milestones": st.dictionaries(
                    st.sampled_from(["6", "12", "0"]), st.integers(0, 120), max_size=2
                ),
            },
        ),
        "expiring_days": st.integers(0, 100),
    },
)
_DOCUMENT = st.fixed_dictionaries(
    _NOTHING_REQUIRED,
    optional={
        "budgets": _BUDGETS,
        "risk": _RISK,
        "exceptions": _EXCEPTIONS,
        "scorecard": _SCORECARD,
    },
)


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_DOCUMENT)
def test_any_document_the_schema_accepts_reads_as_before_and_no_record_is_built_from_one_it_refuses(
    document: dict[str, Any],
) -> None:
    import json

    raw = json.dumps(document).encode()
    # As the YAML door reads the text (YAML 1.1 reads a JSON number like 1e-09 as a string).
    document = gate_yaml.load(raw, ".gate.yaml").data
    refused = errors_for("config", document) != []
    event("refused by the schema" if refused else "accepted")
    try:
        config = gate_config.parse(raw, ".gate.yaml")
    except FatalError:
        assert refused
        return
    assert not refused
    assert typed(config) == legacy(document)


def test_the_schema_states_the_defaults_the_records_hold() -> None:
    """The records hold every default; the schema's descriptions (what users read) say the same."""
    import json

    from gate.settings import BudgetSettings, RiskSettings, ScorecardSettings, WaiverSettings

    schema = json.loads((ROOT / "schemas/config.schema.json").read_text(encoding="utf-8"))[
        "properties"
    ]

    def said(*path: str) -> str:
        node = schema
        for key in path[:-1]:
            node = node[key]["properties"]
        return str(node[path[-1]]["description"])

    def modes(by_tier: Any) -> str:
        low, high = by_tier.for_tier(0), by_tier.for_tier(2)
        assert (by_tier.for_tier(1), by_tier.for_tier(3)) == (low, high)
        return f"{low} tiers 0-1, {high} 2-3" if low != high else str(low)

    budgets, risk, waivers, card = (
        BudgetSettings(),
        RiskSettings(),
        WaiverSettings(),
        ScorecardSettings(),
    )
    assert f"default {budgets.source}" in said("budgets", "source")
    for key in ("on_exhausted", "on_unavailable", "on_no_data", "on_unmeasurable"):
        assert modes(getattr(budgets, key)) in said("budgets", key), key
    assert f"default {modes(budgets.on_fast_burn)}" in said("budgets", "on_fast_burn")
    assert f"default {risk.history_days}" in said("risk", "history_days")
    t = [risk.thresholds.for_tier(i) for i in TIERS]
    assert (
        (
            f"tier 0 {t[0].warn:g}/{t[0].block:g}, tier 1 {t[1].warn:g}/{t[1].block:g}, tier 2 warn {t[2].warn:g}, tier 3 none"
            in said("risk", "thresholds")
        )
        and t[2].block is None
        and t[3] == type(t[3])()
    )
    days = {risk.rollback_tested_days.for_tier(i) for i in (0, 1)}
    assert len(days) == 1 and f"default tiers 0-1: {days.pop()}" in said(
        "risk", "rollback_tested_days"
    )
    assert f"default {waivers.path}" in said("exceptions", "path")
    assert "default " + ", ".join(str(waivers.max_days.for_tier(i)) for i in TIERS) in said(
        "exceptions", "max_days"
    )
    assert f"default {waivers.expiring_days}" in said("exceptions", "expiring_days")
    adoption = card.adoption
    assert f"default [{', '.join(adoption.requires)}]" in said("scorecard", "adoption", "requires")
    assert f"default {list(adoption.tiers)}" in said("scorecard", "adoption", "tiers")
    assert "default {" + ", ".join(
        f"{m}: {p:g}" for m, p in adoption.milestones.items()
    ) + "}" in said("scorecard", "adoption", "milestones")


def test_a_tier_table_is_read_per_tier_and_never_by_a_negative_index() -> None:
    from gate.settings import ByTier, WaiverSettings

    waivers = WaiverSettings.parse({"max_days": {"0": 1}, "approvers": {"risk": {"2": ["sre"]}}})
    assert [waivers.max_days.for_tier(t) for t in TIERS] == [1, 7, 14, 14]
    assert [waivers.approver_groups("risk", t) for t in TIERS] == [
        (),
        (),
        ("sre",),
        (),
    ]  # a table replaces the kind's defaults
    assert waivers.approver_groups("findings", 0) == ("vps",)
    for tier in (-1, 4):
        with pytest.raises(ValueError, match="not one of 0-3"):
            ByTier((1, 2, 3, 4)).for_tier(tier)
    with pytest.raises(AttributeError):
        waivers.max_days.values = (9, 9, 9, 9)


def test_resilience_limits_are_tier_tables_over_the_practice_defaults() -> None:
    default = ResilienceSettings()
    assert [default.days("rollback", t) for t in range(4)] == [90, 180, None, None]
    assert [default.days("failover", t) for t in range(4)] == [365, None, None, None]
    assert default.headroom_percent.values == (30.0, 20.0, None, None)
    set_ = ResilienceSettings.parse(
        {
            "max_age_days": {"restore": {"1": 30, "2": None}},
            "rto": {"0": "30m"},
            "reviewers": {"0": ["sre-leads"]},
            "status_file": "/var/drills.json",
        }
    )
    assert [set_.days("restore", t) for t in range(4)] == [90, 30, None, None]
    assert set_.days("gameday", 0) == 180  # a kind the table leaves out keeps its defaults
    assert set_.rto_max.values == ("30m", "4h", "24h", None)
    assert set_.reviewers.for_tier(0) == ("sre-leads",)
    assert set_.reviewers.for_tier(1) == ("resilience-reviewers",)
    assert set_.status_file == "/var/drills.json"
