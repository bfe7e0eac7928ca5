"""OpenSLO v1 documents, as the specification defines them, normalised to gate's SLO records.

A file holds one object, a YAML list of objects, or a `---` stream. `SLO`, `SLI`, `DataSource`,
`AlertPolicy`, `AlertCondition`, `AlertNotificationTarget` and `Service` objects may sit side by
side; `indicatorRef`, `metricSourceRef`, `alertPolicyRef` and `conditionRef` resolve by name
among the objects of the files the service's manifest names. Every problem in an object is
reported, each with its line; what is valid but cannot be measured is reported as such, with the
reason, never silently skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from gate import yaml as gate_yaml
from gate.budget.math import CALENDAR_UNITS, parse_duration
from gate.budget.promql import window_template
from gate.budget.records import SLO, BurnAlert, Calendar, SLOProblem, say
from gate.errors import FatalError

KINDS = (
    "SLO",
    "SLI",
    "DataSource",
    "AlertPolicy",
    "AlertCondition",
    "AlertNotificationTarget",
    "Service",
)
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SECONDS = {unit: CALENDAR_UNITS[unit] for unit in "mhdw"}
_WINDOW_UNITS = CALENDAR_UNITS  # the spec leaves M Q Y to implementations
_MAX_WINDOW = 3660 * 86400
_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_OTHER_VERSIONS = {
    "openslo/v1alpha": "OpenSLO v1alpha is superseded by v1: convert it (`oslo convert -f FILE -o yaml --to openslo/v1`)",
    "openslo.com/v2alpha": "OpenSLO v2alpha is a draft gate does not read yet: write the SLO as openslo/v1",
}


@dataclass(frozen=True)
class Obj:
    """One OpenSLO object and where it sits (file, document, path inside the document)."""

    data: dict[str, Any]
    doc: gate_yaml.Document
    at: tuple[Any, ...]
    file: str

    @property
    def kind(self) -> str:
        return str(self.data.get("kind"))

    @property
    def name(self) -> str:
        meta = self.data.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        return name if isinstance(name, str) else ""

    def line(self, *keys: Any) -> int | None:
        return self.doc.line(*self.at, *keys)


def objects(raw: bytes, path: str) -> tuple[list[Obj], list[SLOProblem]]:
    """Every object of a file, whatever its layout; problems for what is not an OpenSLO v1 object."""
    try:
        docs = gate_yaml.load_all(raw, path)
    except FatalError as e:
        return [], [SLOProblem(e.message, path, e.line)]
    found: list[Obj] = []
    problems: list[SLOProblem] = []
    for doc in docs:
        items: list[tuple[Any, tuple[int, ...]]] = (
            [(doc.data, ())]
            if not isinstance(doc.data, list)
            else [(item, (i,)) for i, item in enumerate(doc.data)]
        )
        for data, at in items:
            if data is None:
                continue
            line = doc.line(*at)
            if not isinstance(data, dict):
                problems.append(
                    SLOProblem(
                        "not an OpenSLO object (expected a mapping with apiVersion, kind, metadata, spec)",
                        path,
                        line,
                    )
                )
                continue
            version = data.get("apiVersion")
            if version in _OTHER_VERSIONS:
                if data.get("kind") == "SLO":  # other kinds measure nothing by themselves
                    problems.append(
                        SLOProblem(
                            f"OpenSLO SLO {say(_meta_name(data))}: {_OTHER_VERSIONS[version]}",
                            path,
                            line,
                            True,
                        )
                    )
                continue
            if version != "openslo/v1":
                problems.append(
                    SLOProblem(
                        f"apiVersion {say(version)} is not OpenSLO v1 (apiVersion: openslo/v1)",
                        path,
                        doc.line(*at, "apiVersion"),
                    )
                )
                continue
            if data.get("kind") not in KINDS:
                problems.append(
                    SLOProblem(
                        f"kind {say(data.get('kind'))} is not an OpenSLO v1 kind ({', '.join(KINDS)})",
                        path,
                        doc.line(*at, "kind"),
                    )
                )
                continue
            obj = Obj(data, doc, at, path)
            if not _NAME.match(obj.name) or len(obj.name) > 63:
                problems.append(
                    SLOProblem(
                        f"{obj.kind} metadata.name {say(_meta_name(data))} must be an RFC 1123 label (lower-case letters, digits and '-', at most 63)",
                        path,
                        obj.line("metadata", "name"),
                    )
                )
            found.append(obj)
    return found, problems


def _meta_name(data: dict[str, Any]) -> Any:
    meta = data.get("metadata")
    return meta.get("name") if isinstance(meta, dict) else None


class Library:
    """Named objects by kind, for resolving references."""

    def __init__(self, objs: list[Obj]) -> None:
        self.by_kind: dict[str, dict[str, Obj]] = {}
        for obj in objs:
            self.by_kind.setdefault(obj.kind, {}).setdefault(obj.name, obj)

    def get(self, kind: str, name: Any) -> Obj | None:
        return self.by_kind.get(kind, {}).get(name) if isinstance(name, str) else None


def slos_from(
    service: str, path: str, objs: list[Obj], library: Library, searched: str
) -> tuple[list[SLO], list[SLOProblem]]:
    slos: list[SLO] = []
    problems: list[SLOProblem] = []
    for obj in objs:
        if obj.kind == "SLO" and obj.file == path:
            found, found_problems = _slo(service, obj, library, searched)
            slos += found
            problems += found_problems
    return slos, problems


class _Problems:
    """Collects an object's problems; nothing stops at the first."""

    def __init__(self, obj: Obj, label: str) -> None:
        self.obj, self.label = obj, label
        self.items: list[SLOProblem] = []

    def invalid(self, message: str, *at: Any) -> None:
        self.items.append(SLOProblem(f"{self.label}: {message}", self.obj.file, self.obj.line(*at)))

    def unmeasurable(self, reason: str, *at: Any) -> None:
        self.items.append(
            SLOProblem(f"{self.label}: {reason}", self.obj.file, self.obj.line(*at), True)
        )

    @property
    def has_invalid(self) -> bool:
        return any(not p.unsupported for p in self.items)


def _slo(
    service: str, obj: Obj, library: Library, searched: str
) -> tuple[list[SLO], list[SLOProblem]]:
    name = obj.name or obj.file
    p = _Problems(obj, f"OpenSLO SLO {say(name)}")
    spec = obj.data.get("spec")
    if not isinstance(spec, dict):
        p.invalid("spec is missing", "spec")
        return [], p.items
    if not isinstance(spec.get("service"), str) or not spec["service"]:
        p.invalid("spec.service is required (the name of the service the SLO belongs to)", "spec")
    window = _window(spec, p)
    method = _budgeting_method(spec, p)
    objectives = spec.get("objectives")
    composite = isinstance(objectives, list) and any(
        isinstance(o, dict) and ("indicator" in o or "indicatorRef" in o) for o in objectives
    )
    indicator = _spec_indicator(spec, composite, library, p, searched)
    policies = spec.get("alertPolicies")
    if policies is not None and not isinstance(policies, list):
        p.invalid("alertPolicies must be a list", "spec", "alertPolicies")
    alerts = tuple(
        alert
        for i, item in enumerate(policies if isinstance(policies, list) else [])
        for alert in _alert_policy(item, library, p, ("spec", "alertPolicies", i))
    )
    if not isinstance(objectives, list) or not objectives:
        p.invalid("objectives must be a non-empty list", "spec", "objectives")
        return [], p.items
    slos = []
    for i, objective in enumerate(objectives):
        if not isinstance(objective, dict):
            p.invalid(f"objectives[{i}] must be a mapping", "spec", "objectives", i)
            continue
        goal = _objective(objective, i, spec, indicator, composite, method, library, p, searched)
        if (
            goal.own is None
            or window is None
            or goal.target is None
            or method is None
            or p.has_invalid
        ):
            if (
                window is None
                and "timeWindow" not in spec
                and not p.has_invalid
                and goal.own is not None
            ):
                p.unmeasurable(
                    f"{_which(objective.get('displayName'), i)}: no timeWindow, so there is no budgeting period to measure over; add timeWindow (e.g. duration: 28d, isRolling: true)",
                    *goal.at,
                )
            continue
        slo = _objective_slo(service, obj, p, name, len(objectives), spec, window, method, goal)
        slos.append(replace(slo, burn_alerts=alerts))
    if p.has_invalid:
        return [], p.items
    return slos, p.items


def _budgeting_method(spec: dict[str, Any], p: _Problems) -> str | None:
    method = spec.get("budgetingMethod")
    if method not in ("Occurrences", "Timeslices", "RatioTimeslices"):
        p.invalid(
            f"budgetingMethod {say(method)} must be one of Occurrences, Timeslices, RatioTimeslices",
            "spec",
            "budgetingMethod",
        )
        return None
    return str(method)


def _spec_indicator(
    spec: dict[str, Any], composite: bool, library: Library, p: _Problems, searched: str
) -> Indicator | None:
    """The SLI every objective measures, unless the SLO is composite (each objective brings its own)."""
    has_indicator, has_ref = "indicator" in spec, "indicatorRef" in spec
    indicator: Indicator | None = None
    if has_indicator and has_ref:
        p.invalid("has both indicator and indicatorRef; use one", "spec", "indicatorRef")
    elif has_ref:
        indicator = _resolve_sli(
            spec["indicatorRef"], library, p, searched, ("spec", "indicatorRef")
        )
    elif has_indicator:
        indicator = _indicator(spec["indicator"], library, p, ("spec", "indicator"))
    elif not composite:
        p.invalid("needs indicator (an inline SLI) or indicatorRef (the name of an SLI)", "spec")
    if composite and (has_indicator or has_ref):
        p.invalid(
            "a composite SLO (objectives with their own indicator) has no spec-level indicator or indicatorRef",
            "spec",
        )
    return indicator


@dataclass(frozen=True)
class _Objective:
    """One objective of an SLO, read and checked: what it measures and against what."""

    index: int
    at: tuple[Any, ...]
    data: dict[str, Any]
    own: Indicator | None  # its SLI: its own, or the SLO's
    target: float | None
    slice_window: int | None
    slice_target: Any
    op: Any
    value: Any


def _objective(
    objective: dict[str, Any],
    i: int,
    spec: dict[str, Any],
    indicator: Indicator | None,
    composite: bool,
    method: str | None,
    library: Library,
    p: _Problems,
    searched: str,
) -> _Objective:
    at = ("spec", "objectives", i)
    own = indicator
    if composite and "indicator" not in objective and "indicatorRef" not in objective:
        p.invalid(
            f"objectives[{i}] of a composite SLO needs its own indicator or indicatorRef", *at
        )
    if "indicator" in objective or "indicatorRef" in objective:
        own = (
            _resolve_sli(objective["indicatorRef"], library, p, searched, (*at, "indicatorRef"))
            if "indicatorRef" in objective
            else _indicator(objective["indicator"], library, p, (*at, "indicator"))
        )
    target = _target(objective, p, at)
    slice_window, slice_target = _time_slices(objective, method, p, at)
    op, value = objective.get("op"), objective.get("value")
    if op is not None and op not in _OPS:
        p.invalid(f"op {say(op)} must be one of {', '.join(_OPS)}", *at, "op")
    if value is not None and not _number(value):
        p.invalid(f"value {say(value)} must be a number", *at, "value")
    inline = (
        isinstance(spec.get("indicator"), dict)
        and "indicatorRef" not in objective
        and "indicator" not in objective
    )
    if inline and own is not None and own.kind == "threshold" and (op is None or value is None):
        p.invalid(
            "an objective of an inline thresholdMetric needs op (lt, lte, gt, gte) and value", *at
        )
    return _Objective(i, at, objective, own, target, slice_window, slice_target, op, value)


def _time_slices(
    objective: dict[str, Any], method: str | None, p: _Problems, at: tuple[Any, ...]
) -> tuple[int | None, Any]:
    """(timeSliceWindow in seconds, timeSliceTarget) of a timeslice-budgeted objective."""
    slice_window: int | None = None
    slice_target: Any = None  # a number in (0, 1] once checked; the SLO keeps what the file says
    if method in ("Timeslices", "RatioTimeslices"):
        slice_window = _slice_window(objective.get("timeSliceWindow"))
        if slice_window is None:
            p.invalid(
                f"{method} needs timeSliceWindow (a duration like 1m, or minutes as a number), not {say(objective.get('timeSliceWindow'))}",
                *at,
            )
    if method == "Timeslices":
        slice_target = objective.get("timeSliceTarget")
        if not _number(slice_target) or not 0 < slice_target <= 1:
            p.invalid(f"Timeslices needs timeSliceTarget in (0, 1], not {say(slice_target)}", *at)
            slice_target = None
    return slice_window, slice_target


def _objective_slo(
    service: str,
    obj: Obj,
    p: _Problems,
    name: str,
    count: int,
    spec: dict[str, Any],
    window: tuple[int, str, Calendar | None],
    method: str,
    goal: _Objective,
) -> SLO:
    """The SLO record of a valid objective; one gate cannot measure is kept with the reason."""
    own, i, objective, at = goal.own, goal.index, goal.data, goal.at
    assert own is not None and goal.target is not None
    reason = _unmeasurable(own, method) or _unmeasurable_goal(own, goal, spec, window[0])
    label = objective.get("displayName") or objective.get("name")
    full = f"{name}/{label}" if count > 1 and label else name
    if count > 1 and not label:
        full = f"{name}/objectives[{i}]"
    seconds, text, calendar = window
    if reason:  # valid: kept, so a status file or endpoint can still measure it
        return SLO(
            service=service,
            name=full,
            objective=goal.target,
            window=seconds,
            window_text=text,
            budgeting=method.lower(),
            source=None,
            origin=obj.file,
            line=obj.line(*at),
            field_lines=_field_lines(obj, at),
            calendar=calendar,
            labels=_labels(obj.data),
            spec="openslo",
            unmeasurable=f"{p.label}: {_which(label, i)}: {reason}",
        )
    return SLO(
        service=service,
        name=full,
        objective=goal.target,
        window=seconds,
        window_text=text,
        budgeting=method.lower(),
        source=None,
        good=own.queries.get("good"),
        bad=own.queries.get("bad"),
        total=own.queries.get("total"),
        slice_window=goal.slice_window,
        slice_target=goal.slice_target,
        origin=obj.file,
        line=obj.line(*at),
        field_lines=_field_lines(obj, at),
        raw=own.queries.get("raw"),
        raw_type=own.raw_type,
        threshold=own.queries.get("threshold"),
        op=_OPS[str(goal.op)] if own.kind == "threshold" else None,
        value=float(goal.value) if own.kind == "threshold" else None,
        calendar=calendar,
        labels=_labels(obj.data),
        spec="openslo",
    )


def _unmeasurable_goal(own: Indicator, goal: _Objective, spec: dict[str, Any], seconds: int) -> str:
    """Why gate cannot measure this objective as written ("" when it can)."""
    objective = goal.data
    if goal.slice_window is not None and goal.slice_window * 2 > seconds:
        return f"timeSliceWindow {say(objective.get('timeSliceWindow'))} is more than half the timeWindow {say(spec['timeWindow'][0].get('duration'))}: too few slices to measure"
    if own.kind == "threshold" and (goal.op not in _OPS or not _number(goal.value)):
        return "a thresholdMetric objective needs op (lt, lte, gt, gte) and value to tell a good slice from a bad one"
    return ""


def _field_lines(obj: Obj, at: tuple[Any, ...]) -> tuple[tuple[str, int | None], ...]:
    """Where the objective's target and the SLO's window are written."""
    return (("objective", obj.line(*at, "target")), ("window", obj.line("spec", "timeWindow")))


def _which(label: Any, index: int) -> str:
    return f"objective {say(label)}" if label else f"objectives[{index}]"


@dataclass(frozen=True)
class Indicator:
    kind: str  # ratio | raw | threshold
    queries: dict[str, str]  # good/bad/total | raw | threshold, as {{window}} templates
    raw_type: str | None = None
    unmeasurable: str | None = None  # why gate cannot measure it, when it is valid


def _unmeasurable(indicator: Indicator, method: str) -> str | None:
    if indicator.unmeasurable:
        return indicator.unmeasurable
    if indicator.kind == "threshold" and method != "Timeslices":
        return f"a thresholdMetric with {method} budgeting counts individual data points, which a Prometheus query does not expose; use budgetingMethod Timeslices"
    return None


def _resolve_sli(
    ref: Any, library: Library, p: _Problems, searched: str, at: tuple[Any, ...]
) -> Indicator | None:
    sli = library.get("SLI", ref)
    if sli is None:
        if not isinstance(ref, str) or not ref:
            p.invalid(f"indicatorRef must be the name of an SLI, not {say(ref)}", *at)
            return None
        return Indicator(
            "ratio",
            {},
            unmeasurable=f"indicatorRef {say(ref)} names no SLI in {searched}; add the file holding it to the manifest's slos (`- openslo: path`)",
        )
    sub = _Problems(sli, f"OpenSLO SLI {say(sli.name)}")
    indicator = _indicator(
        {"metadata": sli.data.get("metadata"), "spec": sli.data.get("spec")},
        library,
        sub,
        (),
        sli_obj=True,
    )
    p.items += sub.items
    return indicator


def _indicator(
    value: Any, library: Library, p: _Problems, at: tuple[Any, ...], sli_obj: bool = False
) -> Indicator | None:
    if not isinstance(value, dict) or not isinstance(value.get("spec"), dict):
        p.invalid("indicator needs metadata and spec (an SLI)", *at)
        return None
    spec = value["spec"]
    at = at if sli_obj else (*at, "spec")
    ratio, threshold = spec.get("ratioMetric"), spec.get("thresholdMetric")
    if (ratio is None) == (threshold is None):
        p.invalid("an SLI needs exactly one of ratioMetric or thresholdMetric", *at)
        return None
    if threshold is not None:
        return _threshold_indicator(threshold, library, p, (*at, "thresholdMetric"))
    if not isinstance(ratio, dict):
        p.invalid("ratioMetric must be a mapping", *at, "ratioMetric")
        return None
    at = (*at, "ratioMetric")
    counter = ratio.get("counter")
    if counter is not None and not isinstance(counter, bool):
        p.invalid(f"ratioMetric.counter must be true or false, not {say(counter)}", *at, "counter")
    present = [k for k in ("good", "bad", "total", "raw") if k in ratio]
    if "raw" in present:
        if set(present) != {"raw"}:
            p.invalid("ratioMetric.raw cannot be used together with good, bad or total", *at)
        if ratio.get("rawType") not in ("success", "failure"):
            p.invalid(
                f"ratioMetric.raw needs rawType success or failure, not {say(ratio.get('rawType'))}",
                *at,
                "rawType",
            )
    else:
        if "rawType" in ratio:
            p.invalid("ratioMetric.rawType is only used with raw", *at, "rawType")
        if "total" not in ratio or ("good" in ratio) == ("bad" in ratio):
            p.invalid(
                "ratioMetric needs total and exactly one of good or bad (or raw with rawType)", *at
            )
    queries, reasons = _ratio_queries(ratio, present, counter, library, p, at)
    if p.has_invalid:
        return None
    if len({queries.get(k) for k in ("good", "bad", "total") if k in queries}) < len(
        [k for k in ("good", "bad", "total") if k in queries]
    ):
        p.invalid("the numerator and total are the same query", *at)
        return None
    kind = "raw" if "raw" in present else "ratio"
    return Indicator(
        kind,
        queries,
        ratio.get("rawType") if kind == "raw" else None,
        "; ".join(dict.fromkeys(reasons)) or None,
    )


def _threshold_indicator(
    threshold: Any, library: Library, p: _Problems, at: tuple[Any, ...]
) -> Indicator | None:
    source = _source(threshold, library, p, at)
    if source is None:
        return None
    kind, query, why = source
    if why:
        return Indicator("threshold", {}, unmeasurable=why)
    rewritten = window_template(query, counter=False)
    if rewritten.template is None:
        return Indicator("threshold", {}, unmeasurable=f"thresholdMetric query: {rewritten.reason}")
    template = (
        rewritten.template.replace("sum_over_time(", "avg_over_time(")
        if rewritten.how == "gauge"
        else rewritten.template
    )
    return Indicator("threshold", {"threshold": template})


def _ratio_queries(
    ratio: dict[str, Any],
    present: list[str],
    counter: Any,
    library: Library,
    p: _Problems,
    at: tuple[Any, ...],
) -> tuple[dict[str, str], list[str]]:
    """The `{{window}}` template of each ratioMetric query, and why those gate cannot measure are not."""
    queries: dict[str, str] = {}
    reasons: list[str] = []
    for key in present:
        source = _source(ratio[key], library, p, (*at, key))
        if source is None:
            continue
        _, query, why = source
        if why:
            reasons.append(why)
            continue
        fn: bool | None = counter if key != "raw" else False
        rewritten = window_template(query, fn)
        if rewritten.template is None:
            reasons.append(f"ratioMetric.{key} query: {rewritten.reason}")
            continue
        template = rewritten.template
        if key == "raw" and rewritten.how == "gauge":
            template = template.replace("sum_over_time(", "avg_over_time(")
        queries[key] = template
    return queries, reasons


def _source(
    metric: Any, library: Library, p: _Problems, at: tuple[Any, ...]
) -> tuple[str, str, str | None] | None:
    """(type, query, why not measurable) of a metricSource; None when invalid (reported)."""
    source = metric.get("metricSource") if isinstance(metric, dict) else None
    if not isinstance(source, dict):
        p.invalid("metricSource is missing", *at)
        return None
    at = (*at, "metricSource")
    kind = source.get("type")
    ref = source.get("metricSourceRef")
    if ref is not None:
        data_source = library.get("DataSource", ref)
        if data_source is not None:
            ds_spec = data_source.data.get("spec")
            ds_type = ds_spec.get("type") if isinstance(ds_spec, dict) else None
            if kind is None:
                kind = ds_type
        elif kind is None:
            return (
                "",
                "",
                f"metricSourceRef {say(ref)} names no DataSource in the files the manifest names, and the metricSource has no type",
            )
    if not isinstance(kind, str) or not kind:
        p.invalid(
            "metricSource needs type (e.g. Prometheus) or metricSourceRef (the name of a DataSource)",
            *at,
        )
        return None
    spec = source.get("spec")
    if kind.lower() != "prometheus":
        return (
            kind,
            "",
            f"metric source type {say(kind)} is not read by gate (it measures Prometheus, or the file and http sources)",
        )
    query = spec.get("query", spec.get("promql")) if isinstance(spec, dict) else None
    if not isinstance(query, str) or not query.strip():
        p.invalid("a Prometheus metricSource needs spec.query (PromQL)", *at, "spec")
        return None
    return kind, query.strip(), None


def _alert_policy(
    item: Any, library: Library, p: _Problems, at: tuple[Any, ...]
) -> list[BurnAlert]:
    """The burn-rate conditions of one alert policy (inline, or named by alertPolicyRef among the
    files the manifest names); gate's own burn-rate windows decide its budget states."""
    if isinstance(item, dict) and "alertPolicyRef" in item:
        ref = item["alertPolicyRef"]
        if not isinstance(ref, str) or not ref:
            p.invalid(f"alertPolicyRef must be the name of an AlertPolicy, not {say(ref)}", *at)
            return []
        found = library.get("AlertPolicy", ref)
        return [] if found is None else _burn_conditions(found.data, found, (), library)
    if not (isinstance(item, dict) and item.get("kind") == "AlertPolicy"):
        p.invalid(
            "alertPolicies items are an inline AlertPolicy (kind: AlertPolicy) or alertPolicyRef",
            *at,
        )
        return []
    return _burn_conditions(item, p.obj, at, library)


def _burn_conditions(
    policy: dict[str, Any], holder: Obj, at: tuple[Any, ...], library: Library
) -> list[BurnAlert]:
    spec = policy.get("spec")
    conditions = spec.get("conditions") if isinstance(spec, dict) else None
    found = []
    for i, condition in enumerate(conditions if isinstance(conditions, list) else []):
        owner, where = holder, (*at, "spec", "conditions", i)
        if isinstance(condition, dict) and isinstance(condition.get("conditionRef"), str):
            named = library.get("AlertCondition", condition["conditionRef"])
            if named is None:
                continue
            condition, owner, where = named.data, named, ()
        cspec = condition.get("spec") if isinstance(condition, dict) else None
        rule = cspec.get("condition") if isinstance(cspec, dict) else None
        if not (isinstance(rule, dict) and str(rule.get("kind", "")).lower() == "burnrate"):
            continue
        threshold = rule.get("threshold")
        meta = condition.get("metadata") if isinstance(condition, dict) else None
        found.append(
            BurnAlert(
                str(cspec.get("severity", "")) if isinstance(cspec, dict) else "",
                _lookback(rule.get("lookbackWindow")),
                _lookback(rule.get("alertAfter")),
                float(threshold)
                if isinstance(threshold, (int, float)) and _number(threshold)
                else None,
                str(meta.get("name", "")) if isinstance(meta, dict) else "",
                owner.line(*where),
            )
        )
    return found


def _lookback(value: Any) -> int | None:
    """A condition's window (the spec's own example writes `-1h`)."""
    return (
        parse_duration(value.lstrip("-"), {"s": 1, **_SECONDS}) if isinstance(value, str) else None
    )


def _window(spec: dict[str, Any], p: _Problems) -> tuple[int, str, Calendar | None] | None:
    windows = spec.get("timeWindow")
    if windows is None:
        return None  # optional in the spec; each objective reports it as not measurable
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        p.invalid("timeWindow must be a list of exactly one window", "spec", "timeWindow")
        return None
    window = windows[0]
    at = ("spec", "timeWindow", 0)
    duration = window.get("duration")
    seconds = parse_duration(duration, _WINDOW_UNITS)
    if seconds is None:
        p.invalid(
            f"timeWindow duration {say(duration)} is not a duration shorthand (a positive number and one of m h d w M Q Y: 28d, 4w, 1M)",
            *at,
            "duration",
        )
        return None
    if seconds > _MAX_WINDOW:
        p.invalid(f"timeWindow duration {say(duration)} is longer than ten years", *at, "duration")
        return None
    calendar = window.get("calendar")
    rolling = window.get("isRolling", calendar is None)
    if not isinstance(rolling, bool):
        p.invalid(f"isRolling must be true or false, not {say(rolling)}", *at, "isRolling")
        return None
    if rolling:
        if calendar is not None:
            p.invalid(
                "a rolling window has no calendar (set isRolling: false for a calendar-aligned one)",
                *at,
                "calendar",
            )
            return None
        return seconds, str(duration), None
    if not isinstance(calendar, dict):
        p.invalid(
            "a calendar-aligned window (isRolling: false) needs calendar.startTime and calendar.timeZone",
            *at,
        )
        return None
    start, zone = calendar.get("startTime"), calendar.get("timeZone")
    problems_before = len(p.items)
    if not isinstance(start, str) or not _start_ok(start):
        p.invalid(
            f"calendar.startTime {say(start)} must be a date and time from 1970 to 2100 like 2022-01-01 12:00:00 (no time zone)",
            *at,
            "calendar",
            "startTime",
        )
    if not isinstance(zone, str) or not _zone_ok(zone):
        p.invalid(
            f"calendar.timeZone {say(zone)} is not an IANA time zone name (UTC, Europe/Warsaw, America/New_York)",
            *at,
            "calendar",
            "timeZone",
        )
    if len(p.items) > problems_before:
        return None
    cal = Calendar(str(start), str(zone), int(str(duration)[:-1]), str(duration)[-1])
    return cal.nominal_seconds(), f"{duration} calendar", cal


def _start_ok(start: str) -> bool:
    import datetime as dt

    try:
        parsed = dt.datetime.strptime(start, "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return False
    return 1970 <= parsed.year <= 2100


def _zone_ok(zone: str) -> bool:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return False
    return True


def _slice_window(value: Any) -> int | None:
    if _number(value) and value > 0:
        return int(value * 60)  # the spec: a bare number is minutes
    return parse_duration(value, _SECONDS)


def _number(value: Any) -> bool:
    import math

    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _target(objective: dict[str, Any], p: _Problems, at: tuple[Any, ...]) -> float | None:
    has_target, has_percent = "target" in objective, "targetPercent" in objective
    if has_target and has_percent:
        p.invalid("objective has both target and targetPercent; use one", *at)
        return None
    if has_target:
        value = objective["target"]
        if _number(value) and 0 <= value < 1:
            return float(value)
        hint = (
            " (write 0.999, or use targetPercent: 99.9)"
            if _number(value) and 1 <= value < 100
            else ""
        )
        p.invalid(f"target {say(value)} must be a fraction in [0, 1){hint}", *at, "target")
        return None
    if has_percent:
        value = objective["targetPercent"]
        if _number(value) and 0 <= value < 100:
            return round(float(value) / 100, 12)
        p.invalid(f"targetPercent {say(value)} must be in [0, 100)", *at, "targetPercent")
        return None
    p.invalid("objective needs target or targetPercent", *at)
    return None


def _labels(data: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    meta = data.get("metadata")
    labels = meta.get("labels") if isinstance(meta, dict) else None
    if not isinstance(labels, dict):
        return ()
    return tuple(
        sorted(
            (str(k), ",".join(map(str, v)) if isinstance(v, list) else str(v))
            for k, v in labels.items()
        )
    )


def iter_paths(items: Any) -> Iterator[str]:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            for key in ("openslo", "sloth"):
                if isinstance(item.get(key), str):
                    yield item[key]
