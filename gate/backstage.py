"""Backstage `catalog-info.yaml` entities as a source of services.

A `kind: Component` entity of a configured `spec.type` (default `service`) is a service. Its
fields are mapped onto the shape of gate's own manifest (`schemas/service.schema.json`), so the
same rules judge it; what Backstage has no field for (tier, SLOs, rollback) comes from a
`service.yaml` beside the entity, which extends it, or from `gate.dev/` annotations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from gate import yaml as gate_yaml
from gate.errors import FatalError

DEFAULT_FILES = ("catalog-info.yaml",)
DEFAULT_TYPES = ("service",)
DEFAULT_LIFECYCLES = {"experimental": "advisory"}
DEFAULT_TIER = 1
PREFIX = "gate.dev/"

# Backstage's well-known annotations for on-call (the PagerDuty and Opsgenie plugins read these).
ONCALL_ANNOTATIONS = (
    ("pagerduty.com/service-id", "pagerduty"),
    ("pagerduty.com/integration-key", "pagerduty"),
    ("opsgenie.com/team", "opsgenie"),
    ("opsgenie.com/component-selector", "opsgenie"),
)
TECHDOCS = "backstage.io/techdocs-ref"
TEAM_SLUG = "github.com/team-slug"
_LINK_ROLES = (
    ("runbook", re.compile(r"runbook|playbook", re.IGNORECASE)),
    ("dashboards", re.compile(r"dashboard|grafana|datadog|kibana|monitor", re.IGNORECASE)),
    ("alerts", re.compile(r"alert", re.IGNORECASE)),
)


@dataclass(frozen=True)
class Settings:
    """`backstage:` in .gate.yaml (read from the base revision like the rest of the config)."""

    files: tuple[str, ...] = DEFAULT_FILES
    types: tuple[str, ...] = DEFAULT_TYPES
    lifecycles: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_LIFECYCLES))
    default_tier: int = DEFAULT_TIER

    @classmethod
    def parse(cls, data: Any) -> Settings:
        if not isinstance(data, dict):
            return cls()
        return cls(
            files=tuple(data.get("files", DEFAULT_FILES)),
            types=tuple(data.get("types", DEFAULT_TYPES)),
            lifecycles={**DEFAULT_LIFECYCLES, **dict(data.get("lifecycles", {}))},
            default_tier=int(data.get("default_tier", DEFAULT_TIER)),
        )

    def advisory(self, lifecycle: Any) -> bool:
        return isinstance(lifecycle, str) and self.lifecycles.get(lifecycle) == "advisory"


@dataclass(frozen=True)
class Entity:
    kind: str
    namespace: str
    name: str
    doc: gate_yaml.Document

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.doc.data
        return data

    def get(self, *path: str) -> Any:
        value: Any = self.data
        for step in path:
            value = value.get(step) if isinstance(value, dict) else None
        return value

    def annotations(self) -> dict[str, str]:
        found = self.get("metadata", "annotations")
        return (
            {str(k): v for k, v in found.items() if isinstance(v, str)}
            if isinstance(found, dict)
            else {}
        )


def entities(raw: bytes, file: str) -> list[Entity]:
    """Every Backstage entity in a (multi-document) catalog file; FatalError when it is not YAML."""
    found = []
    for doc in gate_yaml.load_all(raw, file):
        data = doc.data
        if not isinstance(data, dict) or not str(data.get("apiVersion", "")).startswith(
            "backstage.io/"
        ):
            continue
        kind, metadata = data.get("kind"), data.get("metadata")
        name = metadata.get("name") if isinstance(metadata, dict) else None
        if not isinstance(kind, str) or not isinstance(metadata, dict) or not isinstance(name, str):
            continue
        namespace = (
            metadata["namespace"] if isinstance(metadata.get("namespace"), str) else "default"
        )
        found.append(Entity(kind, namespace, name, doc))
    return found


def is_service(entity: Entity, settings: Settings) -> bool:
    return entity.kind == "Component" and entity.get("spec", "type") in settings.types


def parse_ref(ref: str, default_kind: str) -> tuple[str, str, str]:
    """A Backstage entity reference `[kind:][namespace/]name` as (kind, namespace, name), lower-cased kind."""
    kind, sep, rest = ref.partition(":")
    if not sep:
        kind, rest = default_kind, ref
    namespace, sep, name = rest.partition("/")
    if not sep:
        namespace, name = "default", rest
    return kind.lower(), namespace, name


def team_slugs(found: list[Entity]) -> dict[tuple[str, str], str]:
    """(namespace, group name) -> the GitHub team (`org/team`) its `github.com/team-slug` names."""
    slugs = {}
    for entity in found:
        slug = entity.annotations().get(TEAM_SLUG)
        if entity.kind == "Group" and slug and "/" in slug:
            slugs[(entity.namespace, entity.name)] = slug.strip()
    return slugs


@dataclass
class Mapped:
    """An entity in gate's manifest shape, with the entity line of each field and what it could not map."""

    data: dict[str, Any]
    lines: dict[tuple[Any, ...], int]
    notes: list[tuple[str, int | None]]  # (message, line in the entity file)


def _depends_on(refs: Any) -> list[str] | None:
    """spec.dependsOn as dependency names: components by name, other kinds as `kind:name`."""
    if not isinstance(refs, list):
        return None
    names = []
    for ref in refs:
        if isinstance(ref, str) and ref.strip():
            kind, _, name = parse_ref(ref.strip(), "component")
            names.append(name if kind == "component" else f"{kind}:{name}")
    return names


def to_manifest(entity: Entity) -> Mapped:
    doc = entity.doc
    data: dict[str, Any] = {"apiVersion": "gate/v1", "kind": "Service", "name": entity.name}
    lines: dict[tuple[Any, ...], int] = {("name",): doc.line("metadata", "name") or 1}
    notes: list[tuple[str, int | None]] = []
    annotations = entity.annotations()

    def put(path: tuple[Any, ...], value: Any, *where: Any) -> None:
        target = data
        for step in path[:-1]:
            target = target.setdefault(step, {})
        target[path[-1]] = value
        line = doc.line(*where) or 1
        for depth in range(1, len(path) + 1):
            lines.setdefault(path[:depth], line)

    description = entity.get("metadata", "description")
    if isinstance(description, str):
        put(("description",), description, "metadata", "description")
    backstage: dict[str, Any] = {"ref": f"component:{entity.namespace}/{entity.name}"}
    _owner(entity, backstage, put, notes)
    for annotation, system in ONCALL_ANNOTATIONS:
        if annotations.get(annotation, "").strip():
            put(
                ("owners", "oncall"),
                f"{system}:{annotations[annotation].strip()}",
                "metadata",
                "annotations",
                annotation,
            )
            break
    for key, field_path in (("lifecycle", ("lifecycle",)), ("system", ("system",))):
        value = entity.get("spec", key)
        if isinstance(value, str) and value:
            put(field_path, value, "spec", key)
    # a catalog spans repositories: the graph rules need to know which names came from dependsOn
    if (depends := _depends_on(entity.get("spec", "dependsOn"))) is not None:
        put(("dependencies",), backstage.setdefault("depends_on", depends), "spec", "dependsOn")
    _links(entity.get("metadata", "links"), data, put)
    techdocs = annotations.get(TECHDOCS, "").strip()
    if techdocs.startswith("dir:"):
        backstage["techdocs"] = techdocs[len("dir:") :].strip() or "."
    _gate_annotations(annotations, put, notes, doc)
    data["backstage"] = backstage
    return Mapped(data, lines, notes)


def _owner(entity: Entity, backstage: dict[str, Any], put: Any, notes: list[Any]) -> None:
    """spec.owner: a group is the owning team; anything else is a note (gate needs a team)."""
    owner = entity.get("spec", "owner")
    if not (isinstance(owner, str) and owner.strip()):
        return
    kind, namespace, name = parse_ref(owner.strip(), "group")
    backstage["owner"] = f"{kind}:{namespace}/{name}"
    if kind == "group":
        put(("owners", "team"), name, "spec", "owner")
    else:
        notes.append(
            (
                f"spec.owner {owner!r} is a {kind}, not a team: gate needs an owning team "
                "(set spec.owner to a group, or owners.team in a service.yaml beside the entity)",
                entity.doc.line("spec", "owner"),
            )
        )


def _links(links: Any, data: dict[str, Any], put: Any) -> None:
    """metadata.links by what they are: the first runbook, and dashboards, logs and traces."""
    for index, link in enumerate(links if isinstance(links, list) else []):
        if not isinstance(link, dict) or not isinstance(link.get("url"), str):
            continue
        label = " ".join(str(link.get(k, "")) for k in ("type", "title", "icon"))
        for role, pattern in _LINK_ROLES:
            if pattern.search(label):
                if role == "runbook":
                    if "runbook" not in data:
                        put(("runbook",), link["url"], "metadata", "links", index)
                else:
                    put(
                        ("telemetry", role),
                        [*data.get("telemetry", {}).get(role, []), link["url"]],
                        "metadata",
                        "links",
                        index,
                    )
                break


def _gate_annotations(
    annotations: dict[str, str],
    put: Any,
    notes: list[tuple[str, int | None]],
    doc: gate_yaml.Document,
) -> None:
    """`gate.dev/` annotations: what Backstage has no field for, on the entity itself."""
    for key, value in sorted(annotations.items()):
        if not key.startswith(PREFIX):
            continue
        name, value, where = key[len(PREFIX) :], value.strip(), ("metadata", "annotations", key)
        if name == "tier":
            if value in ("0", "1", "2", "3"):
                put(("tier",), int(value), *where)
            else:
                notes.append(
                    (
                        f"annotation {key}: {value!r} is not a tier (0, 1, 2 or 3); judged at tier 0",
                        doc.line(*where),
                    )
                )
                put(("tier",), 0, *where)
        elif name in CHOICES:
            path, choices = CHOICES[name]
            if value in choices:
                put(path, choices[value], *where)
            else:
                notes.append(
                    (
                        f"annotation {key}: {value!r} is not one of {', '.join(choices)}",
                        doc.line(*where),
                    )
                )
        elif name in ANNOTATION_FIELDS:
            path, is_list = ANNOTATION_FIELDS[name]
            put(
                path,
                [v.strip() for v in value.split(",") if v.strip()] if is_list else value,
                *where,
            )
        else:
            notes.append(
                (
                    f"unknown annotation {key} (known: {', '.join(PREFIX + n for n in ('tier', *ANNOTATION_FIELDS, *CHOICES))})",
                    doc.line(*where),
                )
            )


# gate.dev/<name> annotation -> manifest field (lists are comma-separated).
ANNOTATION_FIELDS: dict[str, tuple[tuple[str, ...], bool]] = {
    "runbook": (("runbook",), False),
    "escalation": (("owners", "escalation"), True),
    "oncall": (("owners", "oncall"), False),
    "rollback-strategy": (("rollback", "strategy"), False),
    "rollback-plan": (("rollback", "plan"), False),
    "rollback-last-tested": (("rollback", "last_tested"), False),
    "service-name": (("telemetry", "service_name"), False),
    "alerts": (("telemetry", "alerts"), True),
    "dashboards": (("telemetry", "dashboards"), True),
    "rto": (("resilience", "rto"), False),
    "rpo": (("resilience", "rpo"), False),
}
# gate.dev/<name> annotation -> manifest field, for values that are one of a few words.
CHOICES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "dr-tier": (("resilience", "dr_tier"), {str(t): t for t in range(4)}),
    "stateful": (("resilience", "stateful"), {"true": True, "false": False}),
}

# Fields an extension service.yaml may give that the entity also gives: a disagreement is reported.
COMPARED = (
    "name",
    "tier",
    "owners.team",
    "owners.oncall",
    "owners.escalation",
    "runbook",
    "rollback.strategy",
    "rollback.plan",
    "rollback.last_tested",
    "resilience.rto",
    "resilience.rpo",
    "resilience.dr_tier",
    "resilience.stateful",
    "telemetry.service_name",
    "dependencies",
    "description",
)
# Lists where the two sources complement each other (dashboard links on the entity, alert names in service.yaml).
JOINED = ("telemetry.dashboards", "telemetry.alerts")


def merge(entity: dict[str, Any], extension: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The entity extended by a service.yaml: the extension's values win, except the tier (the
    stricter of the two) and lists (their union); every compared field both give differently is named."""
    merged = _deep_merge(entity, extension)
    for dotted in JOINED:
        keys = dotted.split(".")
        a, b = _get(entity, keys), _get(extension, keys)
        if isinstance(a, list) and isinstance(b, list):
            _set(merged, keys, list(dict.fromkeys([*b, *a])))
    conflicts = []
    for dotted in COMPARED:
        keys = dotted.split(".")
        a, b = _get(entity, keys), _get(extension, keys)
        if a is None or b is None or _same(a, b):
            continue
        conflicts.append(dotted)
        if dotted == "tier" and isinstance(a, int) and isinstance(b, int):
            _set(merged, keys, min(a, b))
        elif isinstance(a, list) and isinstance(b, list):
            _set(merged, keys, list(dict.fromkeys([*b, *a])))
    return merged, conflicts


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return sorted(map(str, a)) == sorted(map(str, b))
    return bool(a == b)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    result = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _deep_merge(result[key], value)
        else:
            result[key] = value
    return result


def _get(data: Any, keys: list[str]) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _set(data: dict[str, Any], keys: list[str], value: Any) -> None:
    for key in keys[:-1]:
        data = data.setdefault(key, {})
    data[keys[-1]] = value


def recognise(data: Any) -> str | None:
    """What a service.yaml really is when it is another tool's document, with what to do instead."""
    if not isinstance(data, dict):
        return None
    api = str(data.get("apiVersion", ""))
    if api.startswith("backstage.io/"):
        return (
            f"this is a Backstage catalog entity (apiVersion {api}, kind {data.get('kind')}), not a gate manifest: "
            "rename it to catalog-info.yaml (gate reads Component entities of the configured types as services) and "
            "run `gate init --from-backstage <that file>` to write a service.yaml beside it with tier, SLOs and rollback"
        )
    if api.startswith("openslo/"):
        return (
            f"this is an OpenSLO document (apiVersion {api}, kind {data.get('kind')}), not a gate manifest: "
            "move it to e.g. slo/<name>.yaml and list it in the service's service.yaml under `slos: [{openslo: slo/<name>.yaml}]`"
        )
    if (
        isinstance(data.get("kind"), str)
        and isinstance(data.get("metadata"), dict)
        and ("spec" in data or "data" in data)
        and not api.startswith("gate/")
    ):
        return (
            f"this is a Kubernetes manifest (apiVersion {api or '?'}, kind {data.get('kind')}), not a gate manifest: "
            "gate reads every file called service.yaml as a service's manifest, so this one makes its directory a "
            "service; rename it (e.g. k8s-service.yaml) and describe the service in a gate service.yaml (`gate init`)"
        )
    if data.get("version") == "prometheus/v1" and "service" in data and "slos" in data:
        return (
            "this is a Sloth SLO spec (version: prometheus/v1), not a gate manifest: write a service.yaml "
            "(`gate init`) and copy each SLO's objective and good/total queries into its `slos:` "
            "(sli, objective, window, indicator.prometheus with {{window}})"
        )
    return None


def load_entities(raw: bytes, file: str) -> tuple[list[Entity], FatalError | None]:
    try:
        return entities(raw, file), None
    except FatalError as e:
        return [], e
