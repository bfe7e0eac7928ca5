"""SLO definitions: inline in service.yaml or OpenSLO v1 documents, normalised and validated.

Supported from OpenSLO v1 `SLO`: an inline `indicator` with `ratioMetric` (good/total or
bad/total) from a Prometheus `metricSource`; `timeWindow` with one rolling duration;
`budgetingMethod` Occurrences or Timeslices; `objectives` with `target` (fraction) or
`targetPercent`, plus `timeSliceTarget`/`timeSliceWindow` for Timeslices. Not supported (reported
as such, never guessed): `indicatorRef`, `thresholdMetric`, calendar windows, RatioTimeslices,
composite objectives, and metric sources other than Prometheus.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gate import yaml as gate_yaml
from gate.budget.math import parse_duration
from gate.catalog import Service
from gate.errors import FatalError
from gate.git import Snapshot

WINDOW_PLACEHOLDER = "{{window}}"


@dataclass(frozen=True)
class SLO:
    service: str
    name: str
    objective: float  # a fraction: 0.999
    window: int  # seconds
    window_text: str
    budgeting: str  # occurrences | timeslices
    source: str | None  # prometheus | file | http; None: the configured default
    good: str | None = None  # query templates with {{window}}
    bad: str | None = None
    total: str | None = None
    slice_window: int | None = None
    slice_target: float | None = None
    origin: str = ""
    line: int | None = None

    @property
    def objective_percent(self) -> str:
        return f"{self.objective * 100:.10g}%"


@dataclass(frozen=True)
class SLOProblem:
    message: str
    file: str
    line: int | None
    unsupported: bool = False  # a valid definition the gate cannot measure, vs an invalid one


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def slos_of(service: Service, snapshot: Snapshot) -> tuple[list[SLO], list[SLOProblem]]:
    slos: list[SLO] = []
    problems: list[SLOProblem] = []
    items = service.get("slos")
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, dict):
            continue
        if "openslo" in item and isinstance(item["openslo"], str):
            found, found_problems = _openslo(service, snapshot, item["openslo"])
            slos += found
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
        problems.append(SLOProblem(f"SLO {name!r}: objective must be a percentage in (0, 100]", file, service.line("slos", index, "objective")))
    window = parse_duration(item.get("window"))
    if window is None:
        problems.append(SLOProblem(f"SLO {name!r}: window {item.get('window')!r} is not a duration (28d, 30d, 4w)", file, service.line("slos", index, "window")))
    budgeting = item.get("budgeting", "occurrences")
    slice_window = slice_target = None
    if budgeting == "timeslices":
        ts = _mapping(item.get("timeslice"))
        slice_window = parse_duration(ts.get("window"))
        slice_target = ts.get("target")
        if slice_window is None or not isinstance(slice_target, (int, float)) or not 0 < slice_target <= 1:
            problems.append(SLOProblem(f"SLO {name!r}: timeslices budgeting needs timeslice.window (e.g. 1m) and timeslice.target in (0, 1]", file, line))
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
    """Sloth's checks: total and exactly one of good/bad, different, each with the window placeholder."""
    problems = []
    good_or_bad = [k for k in ("good", "bad") if queries.get(k)]
    if not queries.get("total") or len(good_or_bad) != 1:
        return [SLOProblem(f"SLO {name!r}: a Prometheus indicator needs `total` and exactly one of `good` or `bad`", file, line)]
    for key in good_or_bad + ["total"]:
        query = queries[key]
        if not isinstance(query, str):
            problems.append(SLOProblem(f"SLO {name!r}: {key} query must be a string", file, line))
        elif WINDOW_PLACEHOLDER not in query:
            problems.append(SLOProblem(f"SLO {name!r}: {key} query has no {WINDOW_PLACEHOLDER} placeholder, so burn rates over short windows cannot be measured", file, line))
    if queries.get(good_or_bad[0]) == queries.get("total"):
        problems.append(SLOProblem(f"SLO {name!r}: {good_or_bad[0]} and total are the same query", file, line))
    return problems


def _openslo(service: Service, snapshot: Snapshot, value: str) -> tuple[list[SLO], list[SLOProblem]]:
    path = service.locate(snapshot, value).path  # relative to the manifest, like every path it names
    raw = snapshot.read(path) if path is not None else None
    if raw is None or path is None:
        return [], []  # rule slo-files-exist reports it
    try:
        doc = gate_yaml.load(raw, path)
    except FatalError as e:
        return [], [SLOProblem(e.message, path, e.line)]
    data = doc.data
    if not isinstance(data, dict) or data.get("apiVersion") != "openslo/v1" or data.get("kind") != "SLO":
        return [], [SLOProblem("not an OpenSLO v1 SLO document (apiVersion: openslo/v1, kind: SLO)", path, 1)]
    spec = _mapping(data.get("spec"))
    meta = _mapping(data.get("metadata"))
    name = str(meta.get("name") or path)

    def unsupported(what: str, *at: Any) -> tuple[list[SLO], list[SLOProblem]]:
        return [], [SLOProblem(f"OpenSLO {name!r}: {what} is not supported; its budget is not measured", path, doc.line(*at), True)]

    if "indicatorRef" in spec:
        return unsupported("indicatorRef (a separate SLI document)", "spec", "indicatorRef")
    indicator = _mapping(spec.get("indicator")).get("spec")
    if not isinstance(indicator, dict):
        return [], [SLOProblem(f"OpenSLO {name!r}: spec.indicator.spec is missing", path, doc.line("spec"))]
    if "thresholdMetric" in indicator:
        return unsupported("thresholdMetric", "spec", "indicator", "spec", "thresholdMetric")
    ratio = indicator.get("ratioMetric")
    if not isinstance(ratio, dict):
        return [], [SLOProblem(f"OpenSLO {name!r}: spec.indicator.spec.ratioMetric is missing", path, doc.line("spec", "indicator"))]
    queries: dict[str, Any] = {}
    for key in ("good", "bad", "total"):
        if key in ratio:
            source = _mapping(ratio[key]).get("metricSource")
            if not isinstance(source, dict):
                return [], [SLOProblem(f"OpenSLO {name!r}: ratioMetric.{key}.metricSource is missing", path, doc.line("spec", "indicator", "spec", "ratioMetric", key))]
            if str(source.get("type", "")).lower() != "prometheus":
                return unsupported(f"metricSource type {source.get('type')!r} (only Prometheus)", "spec", "indicator", "spec", "ratioMetric", key)
            source_spec = _mapping(source.get("spec"))
            queries[key] = source_spec.get("query", source_spec.get("promql"))
    query_line = doc.line("spec", "indicator", "spec", "ratioMetric")
    problems = _query_problems(name, queries, path, query_line)
    windows = spec.get("timeWindow")
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        problems.append(SLOProblem(f"OpenSLO {name!r}: timeWindow must hold exactly one window", path, doc.line("spec", "timeWindow")))
        return [], problems
    if "calendar" in windows[0] or windows[0].get("isRolling") is False:
        return unsupported("a calendar-aligned timeWindow", "spec", "timeWindow")
    window = parse_duration(windows[0].get("duration"))
    window_line = doc.line("spec", "timeWindow", 0, "duration")
    if window is None:
        problems.append(SLOProblem(f"OpenSLO {name!r}: timeWindow duration {windows[0].get('duration')!r} is not a duration", path, window_line))
    method = spec.get("budgetingMethod", "Occurrences")
    if method == "RatioTimeslices":
        return unsupported("budgetingMethod RatioTimeslices", "spec", "budgetingMethod")
    if method not in ("Occurrences", "Timeslices"):
        problems.append(SLOProblem(f"OpenSLO {name!r}: budgetingMethod {method!r} is not one of Occurrences, Timeslices, RatioTimeslices", path, doc.line("spec", "budgetingMethod")))
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        problems.append(SLOProblem(f"OpenSLO {name!r}: objectives is missing or empty", path, doc.line("spec", "objectives")))
        return [], problems
    slos = []
    for i, objective in enumerate(objectives):
        at = doc.line("spec", "objectives", i)
        if not isinstance(objective, dict):
            continue
        if "indicator" in objective or "indicatorRef" in objective:
            return unsupported("a composite objective (per-objective indicator)", "spec", "objectives", i)
        target = _target(objective, name, path, at, problems)
        slice_window = parse_duration(objective.get("timeSliceWindow")) if method == "Timeslices" else None
        slice_target = objective.get("timeSliceTarget") if method == "Timeslices" else None
        if method == "Timeslices" and (slice_window is None or not isinstance(slice_target, (int, float)) or not 0 < slice_target <= 1):
            problems.append(SLOProblem(f"OpenSLO {name!r}: Timeslices needs timeSliceWindow and timeSliceTarget in (0, 1]", path, at))
        if target is None or problems:
            continue
        label = objective.get("displayName") or objective.get("name")
        slos.append(SLO(
            service=service.name, name=f"{name}/{label}" if len(objectives) > 1 and label else name,
            objective=target, window=window or 0, window_text=str(windows[0].get("duration")),
            budgeting=method.lower(), source=None, good=queries.get("good"), bad=queries.get("bad"),
            total=queries.get("total"), slice_window=slice_window, slice_target=slice_target, origin=path, line=at,
        ))
    return ([] if problems else slos), problems


def _target(objective: dict[str, Any], name: str, path: str, line: int | None, problems: list[SLOProblem]) -> float | None:
    has_target, has_percent = "target" in objective, "targetPercent" in objective
    if has_target and has_percent:
        problems.append(SLOProblem(f"OpenSLO {name!r}: objective has both target and targetPercent; use one", path, line))
        return None
    if has_target:
        value = objective["target"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 1:
            return float(value)
        hint = " (write 0.999, or use targetPercent: 99.9)" if isinstance(value, (int, float)) and 1 <= value < 100 else ""
        problems.append(SLOProblem(f"OpenSLO {name!r}: target {value!r} must be a fraction in [0, 1){hint}", path, line))
        return None
    if has_percent:
        value = objective["targetPercent"]
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value < 100:
            return round(float(value) / 100, 12)
        problems.append(SLOProblem(f"OpenSLO {name!r}: targetPercent {value!r} must be in [0, 100)", path, line))
        return None
    problems.append(SLOProblem(f"OpenSLO {name!r}: objective needs target or targetPercent", path, line))
    return None
