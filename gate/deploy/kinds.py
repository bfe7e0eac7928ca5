"""The deploy check kinds as the policy registry lists them: name -> (function in gate.deploy.rules,
JSON Schema of the parameters, summary). Kept apart from the rules so that listing them (loading a
pack, `gate explain --kinds`) imports no rule code: gate.policy.kinds registers each with a deferred
import, so a run that judges no deploy object pays for nothing more.
"""

from __future__ import annotations

from typing import Any

RENDER = {
    "type": "object",
    "additionalProperties": False,
    "description": "how Kustomize and Helm are rendered: `staged` renders in the pre-commit hook too",
    "properties": {
        "staged": {"type": "boolean"},
        "timeout_seconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 600},
        "max_bytes": {"type": "integer", "minimum": 1024},
    },
}
_FAULTS = {
    "type": "array",
    "minItems": 1,
    "uniqueItems": True,
    "items": {"enum": ["unrendered", "broken"]},
}
_STRINGS = {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}}
_PROBES = ["readinessProbe", "livenessProbe", "startupProbe"]
_RESOURCES = ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]
_COUNT = {"type": "integer", "minimum": 1}


def params(required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """A kind's parameters: its own, plus `render` (how Kustomize and Helm are rendered)."""
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"render": RENDER, **properties},
    }
    return {**schema, "required": list(required)} if required else schema


KINDS: dict[str, tuple[str, dict[str, Any], str]] = {
    "deploy_sources": (
        "deploy_sources",
        params(faults=_FAULTS),
        "the service's deploy objects can be read and rendered (faults say what was judged instead)",
    ),
    "deploy_replicas": (
        "deploy_replicas",
        params(("min",), min=_COUNT),
        "each workload runs at least `min` replicas (spec.replicas, or an HPA's minReplicas)",
    ),
    "deploy_disruption_budget": (
        "deploy_disruption_budget",
        params(),
        "a PodDisruptionBudget selects each workload's pods, lets one go and keeps one",
    ),
    "deploy_probes": (
        "deploy_probes",
        params(probes={**_STRINGS, "items": {"enum": _PROBES}}),
        "every container has the named probes",
    ),
    "deploy_resources": (
        "deploy_resources",
        params(require={**_STRINGS, "items": {"enum": _RESOURCES}}),
        "every container sets the named resource requests and limits",
    ),
    "deploy_spread": (
        "deploy_spread",
        params(topology_keys=_STRINGS),
        "pods are spread across zones (topologySpreadConstraints or podAntiAffinity)",
    ),
    "deploy_image_pinned": (
        "deploy_image_pinned",
        params(mutable_tags=_STRINGS),
        "every image is pinned by digest or a full version tag",
    ),
    "deploy_grace_period": (
        "deploy_grace_period",
        params(("min", "max"), min={"type": "integer", "minimum": 0}, max=_COUNT),
        "terminationGracePeriodSeconds is between `min` and `max`",
    ),
    "deploy_strategy": (
        "deploy_strategy",
        params(),
        "the rollout carries out rollback.strategy (a Rollout/Canary with steps and analysis; an analysis that can abort when automated; the flag file)",
    ),
    "deploy_analysis_slis": (
        "deploy_analysis_slis",
        params(),
        "a rollout analysis queries at least one of the service's SLI metrics",
    ),
    "deploy_telemetry_name": (
        "deploy_telemetry_name",
        params(),
        "OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES service.name match telemetry.service_name",
    ),
    "deploy_drift": (
        "deploy_drift",
        params(),
        "a change does not weaken the service's deploy objects (replicas, probes, PDB, Rollout)",
    ),
}
