"""Which deploy objects are a service's: the sources its manifest names (at the trusted tip and in
the head: a pull request cannot point the rules away from the objects the tip names), else the
common layouts; and, among what they hold, the workloads that are the service's.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from gate.deploy import Found, Settings, Spec, source
from gate.deploy.objects import Fault, K8sObject
from gate.deploy.raw import YAML
from gate.service import Service, manifest_path
from gate.snapshot import Snapshot

OWN_DIRS = (
    "k8s",
    "deploy",
    "kubernetes",
)  # inside a service's directory: all of it is the service's
SHARED_DIRS = (
    "kubernetes-manifests",
)  # at the repository root: objects named or labelled after it
IDENTITY_LABELS = (
    "app",
    "app.kubernetes.io/name",
    "app.kubernetes.io/component",
    "app.kubernetes.io/instance",
    "opentelemetry.io/name",
    "k8s-app",
)


def specs_of(service: Service) -> list[Spec]:
    """The sources a manifest's `deploy:` names (repository paths, as every manifest path)."""
    deploy = service.get("deploy")
    if not isinstance(deploy, dict):
        return []
    found: list[Spec] = []
    for index, value in enumerate(service.items("deploy", "paths")):
        path = manifest_path(service.root, value) if isinstance(value, str) else None
        if path is not None:
            found.append(
                Spec("paths", path, (), service.manifest, service.line("deploy", "paths", index))
            )
    kustomize = deploy.get("kustomize")
    path = manifest_path(service.root, kustomize) if isinstance(kustomize, str) else None
    if path is not None:
        found.append(
            Spec("kustomize", path, (), service.manifest, service.line("deploy", "kustomize"))
        )
    helm = deploy.get("helm")
    chart = helm.get("chart") if isinstance(helm, dict) else None
    path = manifest_path(service.root, chart) if isinstance(chart, str) else None
    if path is not None and isinstance(helm, dict):
        values = [
            manifest_path(service.root, v) for v in helm.get("values") or [] if isinstance(v, str)
        ]
        found.append(
            Spec(
                "helm",
                path,
                tuple(v for v in values if v),
                service.manifest,
                service.line("deploy", "helm"),
                service.name or "release",
            )
        )
    return found


def discovered(snapshot: Snapshot, service: Service) -> list[Spec]:
    """The common layouts: the service's own k8s/, deploy/, kubernetes/ (a kustomization or a chart
    there is rendered as one), and the repository's kubernetes-manifests/."""
    found: list[Spec] = []
    shared = list(SHARED_DIRS) if service.root else []
    snapshot.prefetch([service.root + name for name in OWN_DIRS] + shared)  # one question for all
    for name in OWN_DIRS:
        directory = service.root + name
        if not _is_dir(snapshot, directory):
            continue
        if snapshot.is_file(directory + "/Chart.yaml"):
            found.append(Spec("helm", directory, release=service.name or "release"))
        elif any(
            snapshot.is_file(f"{directory}/{k}")
            for k in ("kustomization.yaml", "kustomization.yml")
        ):
            found.append(Spec("kustomize", directory))
        else:
            found.append(Spec("paths", directory))
    found += [Spec("paths", d) for d in shared if _is_dir(snapshot, d)]
    return found


def _is_dir(snapshot: Snapshot, path: str) -> bool:
    if snapshot.listed:  # a listing holds files only
        return bool(snapshot.under(path))
    entry = snapshot.entry(path)
    return entry is not None and entry.mode == "040000"


def _identity(service: Service) -> set[str]:
    names = {service.name, service.get("telemetry", "service_name")}
    names.update(w for w in service.items("deploy", "workloads") if isinstance(w, str))
    return {n for n in names if isinstance(n, str) and n}


def names_service(obj: K8sObject, names: set[str]) -> bool:
    """An object named or labelled after the service; a Helm release prefix (`demo-cart`) counts
    only for an object whose identity labels do not name something else (`valkey-cart` is not cart)."""
    if obj.name in names:
        return True
    labels = {**obj.labels, **obj.pod_labels}
    said = [labels[k] for k in IDENTITY_LABELS if k in labels]
    if any(value in names for value in said):
        return True
    return not said and any(obj.name.endswith("-" + n) for n in names)


@dataclass(frozen=True)
class View:
    """A service's deploy objects at one revision, the service's workloads among them, and faults."""

    objects: tuple[K8sObject, ...]
    workloads: tuple[K8sObject, ...]
    faults: tuple[Fault, ...]
    judged: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.workloads

    def of_kind(self, *kinds: str) -> list[K8sObject]:
        return [o for o in self.objects if o.kind in kinds]

    @cached_property
    def _by_name(self) -> dict[tuple[str, str], K8sObject]:
        return {(o.kind, o.name): o for o in self.objects}

    def named(self, kind: str, name: str) -> K8sObject | None:
        return self._by_name.get((kind, name))

    def hpa_for(self, workload: K8sObject) -> K8sObject | None:
        for hpa in self.of_kind("HorizontalPodAutoscaler"):
            target = hpa.get("spec", "scaleTargetRef")
            if (
                isinstance(target, dict)
                and target.get("name") == workload.name
                and target.get("kind") == workload.kind
            ):
                return hpa
        return None

    def pdbs_for(self, workload: K8sObject) -> list[K8sObject]:
        pods = workload.pod_labels
        return [
            p
            for p in self.of_kind("PodDisruptionBudget")
            if selects(p.get("spec", "selector"), pods)
        ]


def selects(selector: Any, labels: dict[str, str]) -> bool:
    """A label selector (matchLabels and matchExpressions) that selects these labels; an empty or
    missing one selects nothing here (a PDB without a selector protects no pod of ours)."""
    if not isinstance(selector, dict) or not labels:
        return False
    match = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match and not expressions:
        return False
    if not isinstance(match, dict) or any(labels.get(str(k)) != str(v) for k, v in match.items()):
        return False
    for e in expressions if isinstance(expressions, list) else []:
        if not isinstance(e, dict):
            return False
        key, op, values = (
            str(e.get("key")),
            e.get("operator"),
            [str(v) for v in e.get("values") or []],
        )
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and labels.get(key) in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def view_of(
    snapshot: Snapshot,
    service: Service,
    named: list[Spec],
    settings: Settings,
    read: dict[Spec, Found] | None = None,
) -> View:
    """Every object the sources hold; the workloads are those named after the service, or, in the
    sources that are the service's own (named by its manifest, or inside its directory), all of
    them when none is named after it. `read`: what each source gave, shared by the services of a run
    (a kustomization every service names is rendered once)."""
    read = {} if read is None else read
    specs = list(dict.fromkeys(named or discovered(snapshot, service)))
    names = _identity(service)
    objects: list[K8sObject] = []
    workloads: list[K8sObject] = []
    faults: list[Fault] = []
    judged: list[str] = []
    for spec in specs:
        key = Spec(spec.source, spec.path, spec.values, release=spec.release)
        if key not in read:
            read[key] = source(spec.source).read(snapshot, spec, settings)
        found = read[key]
        objects += found.objects
        faults += found.faults
        judged += found.judged
        mine = [o for o in found.objects if o.is_workload and names_service(o, names)]
        own = spec.named_in or spec.path.startswith(service.root) and service.root
        workloads += mine or ([o for o in found.objects if o.is_workload] if own else [])
    if not workloads and faults and all(f.kind == "unrendered" for f in faults) and not named:
        faults = []  # a layout found by convention that holds nothing of this service: not its
    return View(
        tuple(objects),
        tuple(dict.fromkeys(workloads)),
        tuple(dict.fromkeys(faults)),
        tuple(dict.fromkeys(judged)),
    )


def is_deploy_path(path: str) -> bool:
    return path.endswith(YAML) and any(
        part in OWN_DIRS + SHARED_DIRS for part in posixpath.dirname(path).split("/")
    )
