"""SLO definitions: inline in service.yaml, OpenSLO v1 documents or Sloth specs, normalised and validated.

Every definition becomes SLO records whose queries are `{{window}}` templates; whatever is valid
but cannot be measured is an `SLOProblem` with `unsupported=True` and the reason. The OpenSLO
reader is gate/budget/openslo.py, the Sloth reader gate/budget/sloth.py; the records they all
produce are in gate/budget/records.py.
"""

from __future__ import annotations

from typing import Any

from gate.budget import openslo, sloth
from gate.budget.math import parse_duration
from gate.budget.records import SLO, SLOProblem, say
from gate.catalog import Service
from gate.snapshot import Snapshot


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def slos_of(
    service: Service, snapshot: Snapshot, trusted: Snapshot | None = None
) -> tuple[list[SLO], list[SLOProblem]]:
    """Every SLO of a service as defined at `snapshot` (the revision whose definitions count); the
    documents it names are found where `trusted` (the base tip, else `snapshot`) decides."""
    slos: list[SLO] = []
    items = service.get("slos")
    items = items if isinstance(items, list) else []
    # paths are relative to the manifest, like every path it names
    located = {
        value: service.locate(snapshot, value, trusted).path for value in openslo.iter_paths(items)
    }
    documents = _Documents(snapshot, list(dict.fromkeys(p for p in located.values() if p)))
    problems: list[SLOProblem] = list(documents.problems)
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        written: Any = (
            item.get("openslo") if isinstance(item.get("openslo"), str) else item.get("sloth")
        )
        if isinstance(written, str):
            found_slos, found_problems = documents.slos(service, located.get(written), item)
            slos += found_slos
            problems += found_problems
        else:
            slo, slo_problems = _inline(service, item, index)
            problems += slo_problems
            if slo is not None:
                slos.append(slo)
    return slos, problems


class _Documents:
    """The SLO documents a manifest names, read once: which format each is, and its OpenSLO objects."""

    def __init__(self, snapshot: Snapshot, named: list[str]) -> None:
        self.snapshot = snapshot
        if named:
            snapshot.read_many(named)
        self.objs: list[openslo.Obj] = []
        self.problems: list[SLOProblem] = []
        self.kinds: dict[str, str] = {}  # path -> openslo | sloth | other
        for path in named:
            raw = snapshot.read(path)
            if raw is None:
                continue  # rule slo-files-exist reports it
            self.kinds[path] = sloth.recognise(raw)
            if self.kinds[path] == "openslo":
                found, found_problems = openslo.objects(raw, path)
                self.objs += found
                self.problems += found_problems
        self.library = openslo.Library(self.objs)
        self.searched = (
            " or ".join(named) if len(named) <= 3 else f"the {len(named)} files the manifest names"
        )

    def slos(
        self, service: Service, path: str | None, item: dict[str, Any]
    ) -> tuple[list[SLO], list[SLOProblem]]:
        """The SLOs of one `openslo:`/`sloth:` item, from the document at `path`."""
        if path is None or path not in self.kinds:
            return [], []
        if self.kinds[path] == "sloth":
            raw = self.snapshot.read(path) or b""
            return sloth.slos_from(service.name, path, raw, item.get("window"))
        if self.kinds[path] == "openslo":
            return openslo.slos_from(service.name, path, self.objs, self.library, self.searched)
        return [], [
            SLOProblem(
                "neither an OpenSLO v1 document (apiVersion: openslo/v1) nor a Sloth spec "
                "(version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 kind: "
                "PrometheusServiceLevel)",
                path,
                1,
            )
        ]


def _timeslice(item: dict[str, Any]) -> tuple[int | None, Any]:
    """An inline SLO's timeslice window and target; (None, None) unless both are valid."""
    ts = _mapping(item.get("timeslice"))
    window, target = parse_duration(ts.get("window")), ts.get("target")
    if window is None or not isinstance(target, (int, float)) or not 0 < target <= 1:
        return None, None
    return window, target


def _inline(
    service: Service, item: dict[str, Any], index: int
) -> tuple[SLO | None, list[SLOProblem]]:
    file = service.manifest
    line = service.line("slos", index)
    name = str(item["name"]) if isinstance(item.get("name"), str) else f"slos[{index}]"
    problems: list[SLOProblem] = []
    objective: Any = item.get("objective")
    if (
        not isinstance(objective, (int, float))
        or isinstance(objective, bool)
        or not 0 < objective <= 100
    ):
        problems.append(
            SLOProblem(
                f"SLO {say(name)}: objective must be a percentage in (0, 100]",
                file,
                service.line("slos", index, "objective"),
            )
        )
    window = parse_duration(item.get("window"))
    if window is None:
        problems.append(
            SLOProblem(
                f"SLO {say(name)}: window {say(item.get('window'))} is not a duration (28d, 30d, 4w)",
                file,
                service.line("slos", index, "window"),
            )
        )
    budgeting = item.get("budgeting", "occurrences")
    slice_window, slice_target = _timeslice(item) if budgeting == "timeslices" else (None, None)
    if budgeting == "timeslices" and slice_window is None:
        problems.append(
            SLOProblem(
                f"SLO {say(name)}: timeslices budgeting needs timeslice.window (e.g. 1m) and "
                "timeslice.target in (0, 1]",
                file,
                line,
            )
        )
    indicator = item.get("indicator")
    source, queries = None, {}
    if isinstance(indicator, dict) and len(indicator) == 1:
        source, spec = next(iter(indicator.items()))
        if source == "prometheus" and isinstance(spec, dict):
            queries = {k: spec.get(k) for k in ("good", "bad", "total")}
            problems += _query_problems(
                name, queries, file, service.line("slos", index, "indicator")
            )
    if problems:
        return None, problems
    return SLO(
        service=service.name,
        name=name,
        objective=round(float(objective) / 100, 12),
        window=window or 0,
        window_text=str(item.get("window")),
        budgeting=budgeting,
        source=source,
        good=queries.get("good"),
        bad=queries.get("bad"),
        total=queries.get("total"),
        slice_window=slice_window,
        slice_target=slice_target,
        origin=file,
        line=line,
        sli_kind=item["sli"] if isinstance(item.get("sli"), str) else None,
        field_lines=(
            ("objective", service.line("slos", index, "objective")),
            ("window", service.line("slos", index, "window")),
        ),
    ), []


def _query_problems(
    name: str, queries: dict[str, Any], file: str, line: int | None
) -> list[SLOProblem]:
    """Sloth's checks (total and exactly one of good/bad, different); each query becomes a window template."""
    from gate.budget.promql import window_template

    problems = []
    good_or_bad = [k for k in ("good", "bad") if queries.get(k)]
    if not queries.get("total") or len(good_or_bad) != 1:
        return [
            SLOProblem(
                f"SLO {say(name)}: a Prometheus indicator needs `total` and exactly one of `good` or `bad`",
                file,
                line,
            )
        ]
    for key in good_or_bad + ["total"]:
        query = queries[key]
        if not isinstance(query, str):
            problems.append(
                SLOProblem(
                    f"SLO {say(name)}: {key} query must be a string, not {say(query)}", file, line
                )
            )
            continue
        rewritten = window_template(query, None)
        if rewritten.template is None:
            problems.append(
                SLOProblem(
                    f"SLO {say(name)}: {key} query cannot be measured over a window: {rewritten.reason}",
                    file,
                    line,
                )
            )
        else:
            queries[key] = rewritten.template
    if queries.get(good_or_bad[0]) == queries.get("total"):
        problems.append(
            SLOProblem(
                f"SLO {say(name)}: {good_or_bad[0]} and total are the same query", file, line
            )
        )
    return problems
