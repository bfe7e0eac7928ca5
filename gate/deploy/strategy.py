"""Does what deploys the service carry out the rollback plan its manifest claims?

`canary-abort` and `blue-green` need an Argo Rollouts `Rollout` (or a Flagger `Canary`) with steps
and analysis; `automated: true` needs an analysis that can abort (a metric with a failure or
success condition that is not a dry run); `feature-flag` needs the flag file the plan names.
"""

from __future__ import annotations

import re
from typing import Any

from gate.catalog import Problem, Service
from gate.deploy.find import View
from gate.deploy.objects import K8sObject
from gate.policy.kinds import CheckContext

MAX_QUERY = 4096  # characters of one query read for metric names
PROGRESSIVE = ("canary-abort", "blue-green")
_TOKEN = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
# label matchers, quoted strings, ranges and grouping labels: what in PromQL is not a metric name
_NOT_NAMES = re.compile(
    r"\{[^}]*\}|\"[^\"]*\"|'[^']*'|\[[^\]]*\]|\b(?:by|without|on|ignoring)\s*\([^)]*\)"
)
_SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")
_PROMQL_WORDS = {
    "sum",
    "rate",
    "irate",
    "increase",
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "and",
    "or",
    "unless",
    "offset",
    "bool",
    "avg",
    "min",
    "max",
    "count",
    "histogram_quantile",
    "le",
    "topk",
    "bottomk",
    "quantile",
    "stddev",
    "abs",
    "clamp_min",
    "clamp_max",
    "scalar",
    "vector",
    "time",
    "avg_over_time",
    "sum_over_time",
    "max_over_time",
    "min_over_time",
    "count_over_time",
    "absent",
    "label_replace",
    "round",
    "ceil",
    "floor",
}


def rollouts_of(v: View, service: Service) -> list[K8sObject]:
    """The Argo Rollouts and Flagger Canaries that deploy the service's workloads."""
    names = {w.name for w in v.workloads}
    found = [w for w in v.workloads if w.kind == "Rollout" and w.api.startswith("argoproj.io/")]
    for canary in v.of_kind("Canary"):
        target = canary.get("spec", "targetRef")
        if (
            canary.api.startswith("flagger.app/")
            and isinstance(target, dict)
            and target.get("name") in names
        ):
            found.append(canary)
    return found


def analyses(obj: K8sObject) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(field path, analysis block) of a Rollout's canary background analysis, its analysis steps,
    its blue-green pre/post-promotion analysis; or a Flagger Canary's spec.analysis."""
    if obj.kind == "Canary":
        block = obj.get("spec", "analysis")
        return [(("spec", "analysis"), block)] if isinstance(block, dict) else []
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    canary = obj.get("spec", "strategy", "canary")
    if isinstance(canary, dict):
        if isinstance(canary.get("analysis"), dict):
            found.append((("spec", "strategy", "canary", "analysis"), canary["analysis"]))
        for i, step in enumerate(canary.get("steps") or []):
            if isinstance(step, dict) and isinstance(step.get("analysis"), dict):
                found.append(
                    (("spec", "strategy", "canary", "steps", i, "analysis"), step["analysis"])
                )
    blue = obj.get("spec", "strategy", "blueGreen")
    if isinstance(blue, dict):
        for key in ("prePromotionAnalysis", "postPromotionAnalysis"):
            if isinstance(blue.get(key), dict):
                found.append((("spec", "strategy", "blueGreen", key), blue[key]))
    return found


def _template_names(block: dict[str, Any]) -> list[str]:
    names = [t.get("templateName") for t in block.get("templates") or [] if isinstance(t, dict)]
    return [str(n) for n in names + [block.get("templateName")] if n]


def metrics_of(
    v: View, obj: K8sObject, block: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The metrics an analysis runs (those of its templates, for Argo), and the templates not found."""
    if obj.kind == "Canary":
        return [m for m in block.get("metrics") or [] if isinstance(m, dict)], []
    metrics: list[dict[str, Any]] = []
    missing = []
    for name in _template_names(block):
        template = v.named("AnalysisTemplate", name) or v.named("ClusterAnalysisTemplate", name)
        if template is None:
            missing.append(name)
            continue
        dry = {
            d.get("metricName") for d in template.get("spec", "dryRun") or [] if isinstance(d, dict)
        }
        metrics += [
            m
            for m in template.get("spec", "metrics") or []
            if isinstance(m, dict) and m.get("name") not in dry and "*" not in dry
        ]
    return metrics, missing


def can_abort(metric: dict[str, Any], flagger: bool) -> bool:
    if flagger:
        return isinstance(metric.get("thresholdRange"), dict) or metric.get("threshold") is not None
    if metric.get("failureLimit") == -1:
        return False
    return bool(metric.get("failureCondition") or metric.get("successCondition"))


def _shape_gap(obj: K8sObject, claim: str) -> str | None:
    if obj.kind == "Canary":
        block = obj.get("spec", "analysis") or {}
        ok = isinstance(block, dict) and (
            block.get("stepWeight") or block.get("stepWeights") or block.get("iterations")
        )
        return None if ok else "its spec.analysis has no stepWeight, stepWeights or iterations"
    if claim == "blue-green":
        return (
            None
            if isinstance(obj.get("spec", "strategy", "blueGreen"), dict)
            else "its strategy is not blueGreen"
        )
    steps = obj.get("spec", "strategy", "canary", "steps")
    return None if isinstance(steps, list) and steps else "its canary strategy has no steps"


def strategy_problems(ctx: CheckContext, v: View, service: Service) -> list[Problem]:
    claim = service.get("rollback", "strategy")
    if claim == "feature-flag":
        return flag_problems(ctx, service)
    if claim not in PROGRESSIVE or v.empty:
        return []
    claim_at = (
        f"rollback.strategy {claim} ({service.manifest}:{service.line('rollback', 'strategy')})"
    )
    rollouts = rollouts_of(v, service)
    if not rollouts:
        w = v.workloads[0]
        how = w.get("spec", "strategy", "type") or (
            "RollingUpdate" if w.kind == "Deployment" else "its default strategy"
        )
        return [
            Problem(
                f"{claim_at} needs an Argo Rollouts Rollout or a Flagger Canary with steps and analysis, but {w.title} rolls out with a plain {how}",
                w.file,
                w.line("spec", "strategy"),
            )
        ]
    problems = []
    for obj in rollouts:
        gap = _shape_gap(obj, str(claim))
        found = analyses(obj)
        if gap is None and not found:
            gap = "it runs no analysis"
        if gap:
            problems.append(
                Problem(
                    f"{claim_at}: {obj.title} cannot carry it out: {gap}",
                    obj.file,
                    obj.line("spec", "strategy"),
                )
            )
            continue
        if service.get("rollback", "automated") is True:
            problems += _abort_problems(v, obj, found)
    return problems


def _abort_problems(
    v: View, obj: K8sObject, found: list[tuple[tuple[Any, ...], dict[str, Any]]]
) -> list[Problem]:
    abortable, missing = False, []
    for _, block in found:
        metrics, absent = metrics_of(v, obj, block)
        missing += absent
        abortable = abortable or any(can_abort(m, obj.kind == "Canary") for m in metrics)
    if abortable:
        return []
    why = (
        f"AnalysisTemplate {', '.join(sorted(set(missing)))} is not among the service's deploy objects"
        if missing
        else "no metric has a failure or success condition outside a dry run"
    )
    at = found[0][0]
    return [
        Problem(
            f"rollback.automated is true but the analysis of {obj.title} cannot abort a rollout: {why}",
            obj.file,
            obj.line(*at),
        )
    ]


def flag_problems(ctx: CheckContext, service: Service) -> list[Problem]:
    value = service.get("rollback", "flag_file")
    if not isinstance(value, str):
        return [
            Problem(
                "rollback.strategy feature-flag names no flag file (rollback.flag_file)",
                service.manifest,
                service.line("rollback", "strategy"),
            )
        ]
    path = service.path(value)
    raw = ctx.head.read(path) if path else None
    line = service.line("rollback", "flag_file")
    if raw is None:
        return [Problem(f"rollback.flag_file {value!r} does not exist", service.manifest, line)]
    flag = service.get("rollback", "flag")
    if isinstance(flag, str) and not re.search(
        rb"(^|[\s\"'{,])" + re.escape(flag.encode()) + rb"[\"']?\s*:", raw, re.MULTILINE
    ):
        return [
            Problem(
                f"rollback.flag {flag!r} is not defined in {value}",
                service.manifest,
                service.line("rollback", "flag"),
            )
        ]
    return []


# -- analysis queries and the service's SLIs --------------------------------------------------


def _metric_names(text: str) -> set[str]:
    names = set()
    text = _NOT_NAMES.sub(" ", text[:MAX_QUERY])  # bounded: the patterns scan ahead for a closer
    for token in _TOKEN.findall(text):
        if token in _PROMQL_WORDS or token.isdigit():
            continue
        for suffix in _SUFFIXES:
            if token.endswith(suffix):
                token = token[: -len(suffix)]
                break
        names.add(token)
    return names


def sli_metrics(service: Service) -> set[str]:
    found: set[str] = set()
    for slo in service.items("slos"):
        prometheus = (
            slo.get("indicator", {}).get("prometheus")
            if isinstance(slo, dict) and isinstance(slo.get("indicator"), dict)
            else None
        )
        if isinstance(prometheus, dict):
            for query in prometheus.values():
                if isinstance(query, str):
                    found |= {n for n in _metric_names(query) if "_" in n}
    return found


def _queries(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [
            q
            for k, v in value.items()
            for q in ([v] if k == "query" and isinstance(v, str) else _queries(v))
        ]
    if isinstance(value, list):
        return [q for v in value for q in _queries(v)]
    return []


def analysis_sli_problems(v: View, service: Service) -> list[Problem]:
    slis = sli_metrics(service)
    if not slis:
        return []
    problems = []
    for obj in rollouts_of(v, service):
        for at, block in analyses(obj):
            metrics, _ = metrics_of(v, obj, block)
            queries = [q for m in metrics for q in _queries(m.get("provider") or m)]
            templates = [
                v.named("MetricTemplate", str(m.get("templateRef", {}).get("name")))
                for m in metrics
                if isinstance(m.get("templateRef"), dict)
            ]
            queries += [q for t in templates if t is not None for q in _queries(t.get("spec"))]
            if queries and not any(_metric_names(q) & slis for q in queries):
                problems.append(
                    Problem(
                        f"the analysis of {obj.title} queries none of the service's SLI metrics ({', '.join(sorted(slis))}): it can pass while the SLO burns",
                        obj.file,
                        obj.line(*at),
                    )
                )
    return problems
