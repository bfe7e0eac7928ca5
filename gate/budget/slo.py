"""SLO definitions: inline in service.yaml, OpenSLO v1 documents or Sloth specs, normalised and validated.

Every definition becomes SLO records whose queries are `{{window}}` templates; whatever is valid
but cannot be measured is an `SLOProblem` with `unsupported=True` and the reason. The OpenSLO
reader is gate/budget/openslo.py, the Sloth reader gate/budget/sloth.py.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from gate.budget.math import parse_duration
from gate.catalog import Service
from gate.snapshot import Snapshot

WINDOW_PLACEHOLDER = "{{window}}"


@dataclass(frozen=True)
class Calendar:
    """A calendar-aligned window: periods of `count` `unit`s from `start` (local time in `zone`)."""

    start: str  # 2022-01-01 12:00:00
    zone: str  # IANA name
    count: int
    unit: str  # m h d w M Q Y

    def nominal_seconds(self) -> int:
        days = {"M": 30, "Q": 91, "Y": 365}.get(self.unit)
        if days:
            return self.count * days * 86400
        return self.count * {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}[self.unit]

    def period(self, now: float) -> tuple[float, float]:
        """(start, end) epoch seconds of the period holding `now`."""
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.zone)
        origin = dt.datetime.fromisoformat(self.start).replace(tzinfo=zone)
        current = dt.datetime.fromtimestamp(now, zone)
        if self.unit in "MQY":
            months = self.count * {"M": 1, "Q": 3, "Y": 12}[self.unit]
            elapsed = (current.year - origin.year) * 12 + current.month - origin.month
            k = elapsed // months
            start = _add_months(origin, k * months)
            if start > current:
                k -= 1
                start = _add_months(origin, k * months)
            end = _add_months(origin, (k + 1) * months)
        else:
            step = dt.timedelta(seconds=self.nominal_seconds())
            k = (current.replace(tzinfo=None) - origin.replace(tzinfo=None)) // step
            start = (origin.replace(tzinfo=None) + k * step).replace(tzinfo=zone)  # wall-clock steps keep DST days whole
            end = (origin.replace(tzinfo=None) + (k + 1) * step).replace(tzinfo=zone)
        return start.timestamp(), end.timestamp()


def _add_months(origin: dt.datetime, months: int) -> dt.datetime:
    import calendar

    index = origin.year * 12 + origin.month - 1 + months
    year, month = divmod(index, 12)
    day = min(origin.day, calendar.monthrange(year, month + 1)[1])
    return origin.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class SLO:
    service: str
    name: str
    objective: float  # a fraction: 0.999
    window: int  # seconds (a calendar window: its nominal length)
    window_text: str
    budgeting: str  # occurrences | timeslices | ratiotimeslices
    source: str | None  # prometheus | file | http; None: the configured default
    good: str | None = None  # query templates with {{window}}
    bad: str | None = None
    total: str | None = None
    slice_window: int | None = None
    slice_target: float | None = None
    origin: str = ""
    line: int | None = None
    raw: str | None = None  # a precomputed ratio (OpenSLO ratioMetric.raw, Sloth sli.raw)
    raw_type: str | None = None  # success | failure
    threshold: str | None = None  # an OpenSLO thresholdMetric query, compared per slice with op/value
    op: str | None = None  # < <= > >=
    value: float | None = None
    calendar: Calendar | None = None
    alerts: tuple[str, ...] = ("page", "ticket")  # which burn-rate alerts the definition keeps (Sloth can disable one)
    labels: tuple[tuple[str, str], ...] = ()
    spec: str = "gate"  # gate | openslo | sloth
    unmeasurable: str | None = None  # why gate cannot query it (a status file or endpoint may still measure it)

    @property
    def objective_percent(self) -> str:
        return f"{self.objective * 100:.10g}%"

    @property
    def measured(self) -> bool:
        """Has queries Prometheus can answer."""
        return bool(self.total or self.raw or self.threshold)


@dataclass(frozen=True)
class SLOProblem:
    message: str
    file: str
    line: int | None
    unsupported: bool = False  # a valid definition the gate cannot measure, vs an invalid one


def say(value: Any) -> str:
    """A user's value in a message, as they would write it in YAML (never a Python repr)."""
    if value is None:
        return "(missing)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 80 else f"'{value[:77]}...'"
    if isinstance(value, (int, float)):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def slos_of(service: Service, snapshot: Snapshot) -> tuple[list[SLO], list[SLOProblem]]:
    """Every SLO of a service as defined at `snapshot` (the revision whose definitions count)."""
    from gate.budget import openslo, sloth

    slos: list[SLO] = []
    problems: list[SLOProblem] = []
    items = service.get("slos")
    items = items if isinstance(items, list) else []
    # paths are relative to the manifest, like every path it names
    located = {value: service.locate(snapshot, value).path for value in openslo.iter_paths(items)}
    named = list(dict.fromkeys(p for p in located.values() if p is not None))
    if named:
        snapshot.read_many(named)
    objs: list[openslo.Obj] = []
    kinds: dict[str, str] = {}  # path -> openslo | sloth | other
    for path in named:
        raw = snapshot.read(path)
        if raw is None:
            continue  # rule slo-files-exist reports it
        kinds[path] = sloth.recognise(raw)
        if kinds[path] == "openslo":
            found, found_problems = openslo.objects(raw, path)
            objs += found
            problems += found_problems
    library = openslo.Library(objs)
    searched = " or ".join(named) if len(named) <= 3 else f"the {len(named)} files the manifest names"
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        written: Any = item.get("openslo") if isinstance(item.get("openslo"), str) else item.get("sloth")
        if isinstance(written, str):
            named_path = located.get(written)
            if named_path is None or named_path not in kinds:
                continue
            if kinds[named_path] == "sloth":
                found_slos, found_problems = sloth.slos_from(service.name, named_path, snapshot.read(named_path) or b"", item.get("window"))
            elif kinds[named_path] == "openslo":
                found_slos, found_problems = openslo.slos_from(service.name, named_path, objs, library, searched)
            else:
                found_slos, found_problems = [], [SLOProblem(
                    "neither an OpenSLO v1 document (apiVersion: openslo/v1) nor a Sloth spec (version: prometheus/v1, "
                    "or apiVersion: sloth.slok.dev/v1 kind: PrometheusServiceLevel)", named_path, 1)]
            slos += found_slos
            problems += found_problems
        else:
            slo, slo_problems = _inline(service, item, index)
            problems += slo_problems
            if slo is not None:
                slos.append(slo)
    return slos, problems


def _inline(service: Service, item: dict[str, Any], index: int) -> tuple[SLO | None, list[SLOProblem]]:
    file = service.manifest
    line = service.line("slos", index)
    name = str(item["name"]) if isinstance(item.get("name"), str) else f"slos[{index}]"
    problems: list[SLOProblem] = []
    objective: Any = item.get("objective")
    if not isinstance(objective, (int, float)) or isinstance(objective, bool) or not 0 < objective <= 100:
        problems.append(SLOProblem(f"SLO {say(name)}: objective must be a percentage in (0, 100]", file, service.line("slos", index, "objective")))
    window = parse_duration(item.get("window"))
    if window is None:
        problems.append(SLOProblem(f"SLO {say(name)}: window {say(item.get('window'))} is not a duration (28d, 30d, 4w)", file, service.line("slos", index, "window")))
    budgeting = item.get("budgeting", "occurrences")
    slice_window = slice_target = None
    if budgeting == "timeslices":
        ts = _mapping(item.get("timeslice"))
        slice_window = parse_duration(ts.get("window"))
        slice_target = ts.get("target")
        if slice_window is None or not isinstance(slice_target, (int, float)) or not 0 < slice_target <= 1:
            problems.append(SLOProblem(f"SLO {say(name)}: timeslices budgeting needs timeslice.window (e.g. 1m) and timeslice.target in (0, 1]", file, line))
    indicator = item.get("indicator")
    source, queries = None, {}
    if isinstance(indicator, dict) and len(indicator) == 1:
        source, spec = next(iter(indicator.items()))
        if source == "prometheus" and isinstance(spec, dict):
            queries = {k: spec.get(k) for k in ("good", "bad", "total")}
            problems += _query_problems(name, queries, file, service.line("slos", index, "indicator"))
    if problems:
        return None, problems
    return SLO(
        service=service.name, name=name, objective=round(float(objective) / 100, 12), window=window or 0,
        window_text=str(item.get("window")), budgeting=budgeting, source=source,
        good=queries.get("good"), bad=queries.get("bad"), total=queries.get("total"),
        slice_window=slice_window, slice_target=slice_target, origin=file, line=line,
    ), []


def _query_problems(name: str, queries: dict[str, Any], file: str, line: int | None) -> list[SLOProblem]:
    """Sloth's checks (total and exactly one of good/bad, different); each query becomes a window template."""
    from gate.budget.promql import window_template

    problems = []
    good_or_bad = [k for k in ("good", "bad") if queries.get(k)]
    if not queries.get("total") or len(good_or_bad) != 1:
        return [SLOProblem(f"SLO {say(name)}: a Prometheus indicator needs `total` and exactly one of `good` or `bad`", file, line)]
    for key in good_or_bad + ["total"]:
        query = queries[key]
        if not isinstance(query, str):
            problems.append(SLOProblem(f"SLO {say(name)}: {key} query must be a string, not {say(query)}", file, line))
            continue
        rewritten = window_template(query, None)
        if rewritten.template is None:
            problems.append(SLOProblem(f"SLO {say(name)}: {key} query cannot be measured over a window: {rewritten.reason}", file, line))
        else:
            queries[key] = rewritten.template
    if queries.get(good_or_bad[0]) == queries.get("total"):
        problems.append(SLOProblem(f"SLO {say(name)}: {good_or_bad[0]} and total are the same query", file, line))
    return problems
