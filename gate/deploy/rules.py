"""The check kinds that judge a service's deploy objects (shipped plug-in style: imported only when
a pack names one, so a repository whose pack does not pays nothing).

Every kind reads the same View of the service (gate.deploy.find), worked out once per run. A
service with no deploy objects found is judged by none of them, except `deploy_drift`, which sees
the objects the change removed.
"""

from __future__ import annotations

import math
import re
from typing import Any

from gate.catalog import Problem, Service
from gate.deploy import Settings, Spec
from gate.deploy.find import View, specs_of, view_of
from gate.deploy.objects import K8sObject
from gate.deploy.strategy import analysis_sli_problems, strategy_problems
from gate.policy.kinds import CheckContext


def settings_of(params: dict[str, Any]) -> Settings:
    render = params.get("render") or {}
    default = Settings()
    return Settings(
        bool(render.get("staged", default.staged)),
        float(render.get("timeout_seconds", default.timeout)),
        int(render.get("max_bytes", default.max_bytes)),
    )


def _key(spec: Spec) -> tuple[str, str, tuple[str, ...]]:
    return (spec.source, spec.path, spec.values)


def trusted_service(ctx: CheckContext, service: Service) -> Service | None:
    """The service as the base revision has it (followed through moves), whatever the head says;
    None when the base has no such service."""
    before = ctx.before(service)
    if before is not None:
        return before
    unchanged = all(ctx.base.read(f) == ctx.head.read(f) for f in service.files)
    return (
        service
        if unchanged and ctx.identity.get(service.manifest) in (None, service.manifest)
        else None
    )


def named_specs(ctx: CheckContext, service: Service) -> list[Spec]:
    """What the head's manifest names, and what the base's named: a change cannot point the rules away."""
    base = trusted_service(ctx, service)
    specs = specs_of(service) + (specs_of(base) if base is not None else [])
    return list({_key(s): s for s in reversed(specs)}.values())[::-1]


def view(ctx: CheckContext, service: Service, params: dict[str, Any], base: bool = False) -> View:
    """The service's deploy objects in the head (or the base), worked out once per run."""
    settings = settings_of(params)
    snapshot = ctx.base if base else ctx.head
    key = ("deploy", id(snapshot), service.manifest, settings)
    found = ctx.memo.get(key)
    if not isinstance(found, View):
        subject = trusted_service(ctx, service) if base else service
        found = (
            View((), (), (), ())
            if subject is None
            else view_of(
                snapshot,
                subject,
                named_specs(ctx, service),
                settings,
                ctx.memo.setdefault(("deploy-read", id(snapshot), settings), {}),
            )
        )
        ctx.memo[key] = found
    return found


def _at(obj: K8sObject, *path: Any) -> tuple[str, int | None]:
    return obj.file, obj.line(*path)


def _problem(obj: K8sObject, message: str, *path: Any) -> Problem:
    file, line = _at(obj, *path)
    return Problem(message, file, line)


# -- deploy_sources -----------------------------------------------------------------------------


def deploy_sources(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    kinds = set(params.get("faults", ["unrendered", "broken"]))
    return [
        Problem(f.message, f.file, f.line)
        for f in view(ctx, service, params).faults
        if f.kind in kinds
    ]


# -- deploy_replicas ----------------------------------------------------------------------------


def replicas_of(view_: View, workload: K8sObject) -> tuple[int, K8sObject, tuple[str, ...], bool]:
    """(replicas, object and field that decide it, whether the field is written): an HPA's minimum
    when one scales the workload, else spec.replicas (Kubernetes runs 1 when it is not set)."""
    hpa = view_.hpa_for(workload)
    if hpa is not None:
        value = hpa.get("spec", "minReplicas")
        return (
            (value if isinstance(value, int) else 1),
            hpa,
            ("spec", "minReplicas"),
            value is not None,
        )
    value = workload.get("spec", "replicas")
    return (
        (value if isinstance(value, int) else 1),
        workload,
        ("spec", "replicas"),
        value is not None,
    )


def deploy_replicas(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    v = view(ctx, service, params)
    problems = []
    for w in v.workloads:
        if w.kind == "DaemonSet":
            continue
        count, where, field, written = replicas_of(v, w)
        if count < params["min"]:
            what = "minReplicas" if where is not w else "spec.replicas"
            unset = "" if written else " (not set: Kubernetes runs 1)"
            problems.append(
                _problem(
                    where,
                    f"{w.title}: {count} replica(s) from {where.title} {what}{unset}; tier {service.tier} needs at least {params['min']}",
                    *field,
                )
            )
    return problems


# -- deploy_disruption_budget -------------------------------------------------------------------


def _scaled(value: Any, replicas: int) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,3}%", value):
        return math.ceil(replicas * int(value[:-1]) / 100)
    return None


def pdb_gaps(pdb: K8sObject, replicas: int) -> str | None:
    """Why a PodDisruptionBudget does not both let one pod go and keep one (None: it does)."""
    spec = pdb.get("spec") or {}
    if "minAvailable" in spec:
        keeps = _scaled(spec["minAvailable"], replicas)
        if keeps is None:
            return f"minAvailable {spec['minAvailable']!r} is not a number or percentage"
        lets = replicas - keeps
        said = f"minAvailable {spec['minAvailable']} of {replicas} replica(s)"
    elif "maxUnavailable" in spec:
        unavailable = _scaled(spec["maxUnavailable"], replicas)
        if unavailable is None:
            return f"maxUnavailable {spec['maxUnavailable']!r} is not a number or percentage"
        lets, keeps = unavailable, replicas - unavailable
        said = f"maxUnavailable {spec['maxUnavailable']} of {replicas} replica(s)"
    else:
        return "sets neither minAvailable nor maxUnavailable"
    if lets < 1:
        return f"lets no pod go ({said}): every node drain and cluster upgrade stalls on it"
    if keeps < 1:
        return f"keeps no pod ({said}): a drain may take every replica at once"
    return None


def deploy_disruption_budget(
    ctx: CheckContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    v = view(ctx, service, params)
    problems = []
    for w in v.workloads:
        if w.kind == "DaemonSet":
            continue
        replicas = replicas_of(v, w)[0]
        pdbs = v.pdbs_for(w)
        if not pdbs:
            labels = ", ".join(f"{k}={val}" for k, val in sorted(w.pod_labels.items())) or "none"
            problems.append(
                _problem(
                    w,
                    f"{w.title}: no PodDisruptionBudget selects its pods (labels {labels})",
                    "metadata",
                    "name",
                )
            )
            continue
        gaps = [(p, gap) for p in pdbs if (gap := pdb_gaps(p, replicas))]
        if len(gaps) == len(pdbs):
            pdb, gap = gaps[0]
            problems.append(
                _problem(pdb, f"PodDisruptionBudget {pdb.name} for {w.title} {gap}", "spec")
            )
    return problems


# -- per-container rules ------------------------------------------------------------------------


def deploy_probes(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    problems = []
    for w in view(ctx, service, params).workloads:
        for i, c in w.containers():
            missing = [
                p
                for p in params.get("probes", ["readinessProbe", "livenessProbe"])
                if not isinstance(c.get(p), dict)
            ]
            if missing:
                problems.append(
                    _problem(
                        w,
                        f"{w.title} container {c.get('name', i)}: no {' and no '.join(missing)}",
                        "spec",
                        "template",
                        "spec",
                        "containers",
                        i,
                    )
                )
    return problems


def deploy_resources(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    wanted = params.get("require", ["requests.cpu", "requests.memory", "limits.memory"])
    problems = []
    for w in view(ctx, service, params).workloads:
        for i, c in w.containers():
            resources = c.get("resources") if isinstance(c.get("resources"), dict) else {}
            missing = [r for r in wanted if not _has(resources, r.split("."))]
            if missing:
                at = ("spec", "template", "spec", "containers", i, "resources")
                problems.append(
                    _problem(
                        w,
                        f"{w.title} container {c.get('name', i)}: resources {', '.join(missing)} not set",
                        *at,
                    )
                )
    return problems


def _has(value: Any, path: list[str]) -> bool:
    for step in path:
        if not isinstance(value, dict) or value.get(step) in (None, ""):
            return False
        value = value[step]
    return True


ZONE_KEYS = ["topology.kubernetes.io/zone", "failure-domain.beta.kubernetes.io/zone"]


def deploy_spread(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    keys = set(params.get("topology_keys", ZONE_KEYS))
    problems = []
    for w in view(ctx, service, params).workloads:
        pod = w.pod_spec()
        spread = [
            t.get("topologyKey")
            for t in pod.get("topologySpreadConstraints") or []
            if isinstance(t, dict)
        ]
        anti = (
            pod.get("affinity", {}).get("podAntiAffinity")
            if isinstance(pod.get("affinity"), dict)
            else None
        )
        terms: list[Any] = []
        if isinstance(anti, dict):
            terms += anti.get("requiredDuringSchedulingIgnoredDuringExecution") or []
            terms += [
                t.get("podAffinityTerm")
                for t in anti.get("preferredDuringSchedulingIgnoredDuringExecution") or []
                if isinstance(t, dict)
            ]
        affinity = [t.get("topologyKey") for t in terms if isinstance(t, dict)]
        if not keys & set(spread + affinity):
            problems.append(
                _problem(
                    w,
                    f"{w.title}: pods are not spread across zones (no topologySpreadConstraints or podAntiAffinity on {' or '.join(sorted(keys))})",
                    "spec",
                    "template",
                    "spec",
                )
            )
    return problems


_IMMUTABLE = re.compile(r"^v?\d+\.\d+\.\d+([-+._][0-9A-Za-z.+_-]+)?$|^(sha-)?[0-9a-f]{7,64}$")


def image_gap(image: str, mutable: set[str]) -> str | None:
    """Why an image reference can change under the same name (None: a digest or an immutable tag)."""
    if "@sha256:" in image:
        return None
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    if tag is None:
        return "has no tag (it means :latest)"
    if tag in mutable or not _IMMUTABLE.match(tag):
        return f"uses the mutable tag {tag!r}"
    return None


def deploy_image_pinned(
    ctx: CheckContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    mutable = set(params.get("mutable_tags", ["latest", "main", "master", "stable", "edge", "dev"]))
    problems = []
    for w in view(ctx, service, params).workloads:
        for group in ("initContainers", "containers"):
            for i, c in enumerate(w.pod_spec().get(group) or []):
                image = c.get("image") if isinstance(c, dict) else None
                gap = image_gap(image, mutable) if isinstance(image, str) else None
                if gap:
                    at = ("spec", "template", "spec", group, i, "image")
                    problems.append(
                        _problem(
                            w,
                            f"{w.title} container {c.get('name', i)}: image {image!r} {gap}; pin a digest (@sha256:...) or a full version tag",
                            *at,
                        )
                    )
    return problems


def deploy_grace_period(
    ctx: CheckContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    problems = []
    for w in view(ctx, service, params).workloads:
        value = w.pod_spec().get("terminationGracePeriodSeconds")
        if not isinstance(value, int) or params["min"] <= value <= params["max"]:
            continue
        why = (
            "too short to drain in-flight requests"
            if value < params["min"]
            else "holds a rollout or a drain for too long"
        )
        at = ("spec", "template", "spec", "terminationGracePeriodSeconds")
        problems.append(
            _problem(
                w,
                f"{w.title}: terminationGracePeriodSeconds {value} is {why} (expected {params['min']}-{params['max']})",
                *at,
            )
        )
    return problems


# -- rollout strategy, analysis, telemetry --------------------------------------------------------


def deploy_strategy(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    return strategy_problems(ctx, view(ctx, service, params), service)


def deploy_analysis_slis(
    ctx: CheckContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    return analysis_sli_problems(view(ctx, service, params), service)


_LABEL_REF = re.compile(r"^metadata\.labels\['([^']+)'\]$")


def otel_names(w: K8sObject, container: dict[str, Any]) -> list[tuple[str, str, int]]:
    """(variable, service.name it gives, env index) from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES;
    a label reference is read from the pod template, other references are skipped."""
    found = []
    for index, var in enumerate(container.get("env") or []):
        if not isinstance(var, dict):
            continue
        value = var.get("value")
        ref = (
            var.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath")
            if isinstance(var.get("valueFrom"), dict)
            and isinstance(var["valueFrom"].get("fieldRef"), dict)
            else None
        )
        match = _LABEL_REF.match(str(ref)) if ref else None
        if match:
            value = w.pod_labels.get(match.group(1))
        if not isinstance(value, str) or "$(" in value:
            continue
        if var.get("name") == "OTEL_SERVICE_NAME":
            found.append(("OTEL_SERVICE_NAME", value, index))
        elif var.get("name") == "OTEL_RESOURCE_ATTRIBUTES":
            pairs = dict(p.split("=", 1) for p in value.split(",") if "=" in p)
            if "service.name" in pairs:
                found.append(
                    ("OTEL_RESOURCE_ATTRIBUTES service.name", pairs["service.name"].strip(), index)
                )
    return found


def deploy_telemetry_name(
    ctx: CheckContext, service: Service, params: dict[str, Any]
) -> list[Problem]:
    wanted = service.get("telemetry", "service_name")
    if not isinstance(wanted, str):
        return []
    problems = []
    for w in view(ctx, service, params).workloads:
        for i, c in w.containers():
            for var, given, index in otel_names(w, c):
                if given != wanted:
                    at = ("spec", "template", "spec", "containers", i, "env", index)
                    problems.append(
                        _problem(
                            w,
                            f"{w.title} container {c.get('name', i)}: {var} is {given!r} but telemetry.service_name is {wanted!r}: its traces and metrics land under another service",
                            *at,
                        )
                    )
    return problems


# -- deploy_drift ---------------------------------------------------------------------------------


def deploy_drift(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """What the change weakened in the service's deploy objects: a workload removed or switched from
    a Rollout to a plain kind, replicas lowered, a probe or a PodDisruptionBudget removed."""
    before = view(ctx, service, params, base=True)
    if before.empty:
        return []
    now = view(ctx, service, params)
    by_name = {w.name: w for w in now.workloads}
    problems = []
    for old in before.workloads:
        new = by_name.get(old.name)
        if new is None:
            problems.append(
                Problem(
                    f"{old.title} ({old.file}) is no longer among the service's deploy objects",
                    service.manifest,
                    service.line("deploy") or 1,
                )
            )
            continue
        if old.kind == "Rollout" and new.kind != "Rollout":
            problems.append(
                _problem(
                    new,
                    f"{old.title} became a {new.kind}: its progressive rollout and analysis are gone",
                    "kind",
                )
            )
        problems += _weakened(before, old, now, new)
    return problems


def _weakened(before: View, old: K8sObject, now: View, new: K8sObject) -> list[Problem]:
    problems = []
    was, is_ = replicas_of(before, old)[0], replicas_of(now, new)
    if is_[0] < was:
        problems.append(
            _problem(is_[1], f"{new.title}: replicas lowered from {was} to {is_[0]}", *is_[2])
        )
    if before.pdbs_for(old) and not now.pdbs_for(new):
        problems.append(
            _problem(
                new,
                f"{new.title}: the PodDisruptionBudget that protected its pods ({before.pdbs_for(old)[0].name}) is gone",
                "metadata",
                "name",
            )
        )
    old_containers = {c.get("name"): c for _, c in old.containers()}
    for i, c in new.containers():
        previous = old_containers.get(c.get("name"))
        for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
            if (
                previous is not None
                and isinstance(previous.get(probe), dict)
                and not isinstance(c.get(probe), dict)
            ):
                problems.append(
                    _problem(
                        new,
                        f"{new.title} container {c.get('name', i)}: {probe} removed",
                        "spec",
                        "template",
                        "spec",
                        "containers",
                        i,
                    )
                )
    return problems
