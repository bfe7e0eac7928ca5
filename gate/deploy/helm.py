"""A Helm chart, rendered with `helm template` when helm is on PATH.

Templates are not YAML until rendered: without helm (or in the hook's staged run) nothing of the
chart is judged, and a fault says so. Rendered objects point at the template Helm names in its
`# Source:` comment.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile

from gate.deploy import Found, Settings, Spec, render
from gate.deploy.objects import Fault, K8sObject, parse
from gate.git import INDEX
from gate.snapshot import Snapshot


def read(snapshot: Snapshot, spec: Spec, settings: Settings) -> Found:
    chart = posixpath.join(spec.path, "Chart.yaml") if spec.path else "Chart.yaml"
    if not snapshot.is_file(chart):
        return Found(
            faults=(
                Fault(
                    "broken",
                    f"{spec.path or '.'} has no Chart.yaml",
                    spec.named_in or spec.path,
                    spec.line,
                ),
            )
        )
    if snapshot.rev == INDEX and not settings.staged:
        why = "not rendered in the staged (pre-commit) run"
    elif not render.available("helm"):
        why = "helm is not on PATH"
    else:
        return _rendered(snapshot, spec, chart, settings)
    return Found(
        faults=(
            Fault(
                "unrendered",
                f"Helm chart {spec.path or '.'}: {why}; judged instead: nothing from this chart (templates are not YAML until rendered)",
                chart,
            ),
        )
    )


def _rendered(snapshot: Snapshot, spec: Spec, chart: str, settings: Settings) -> Found:
    folder = tempfile.mkdtemp(prefix="gate-helm-")
    try:
        refused = render.materialise(snapshot, spec.path, folder)
        values = []
        for index, path in enumerate(spec.values):
            raw = snapshot.read(path)
            if raw is None:
                return Found(
                    faults=(
                        Fault(
                            "broken",
                            f"Helm values file {path} does not exist",
                            spec.named_in or chart,
                            spec.line,
                        ),
                    )
                )
            target = os.path.join(folder, f".gate-values-{index}.yaml")
            with open(target, "wb") as out:
                out.write(raw)
            values += ["--values", target]
        if refused:
            return Found(
                faults=(Fault("broken", f"Helm chart {spec.path}: not rendered: {refused}", chart),)
            )
        argv = [
            "helm",
            "template",
            spec.release,
            os.path.join(folder, *spec.path.split("/")),
            *values,
        ]
        outcome = render.run(argv, folder, settings.timeout, settings.max_bytes)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if outcome.status != "ok":
        return Found(
            faults=(
                Fault(
                    "broken",
                    f"Helm chart {spec.path}: {outcome.message}; nothing from it was judged",
                    chart,
                ),
            )
        )
    objects, faults = parse(outcome.output, chart, "helm", settings.max_bytes)
    return Found(
        tuple(_in_chart(o, spec.path, chart) for o in objects), tuple(faults), (chart, *spec.values)
    )


def _in_chart(obj: K8sObject, directory: str, chart: str) -> K8sObject:
    """`# Source: <chart name>/templates/x.yaml` as the repository path of that template."""
    if obj.file == chart or "/" not in obj.file:
        return obj
    inside = obj.file.split("/", 1)[1]
    return K8sObject(
        obj.data, posixpath.join(directory, inside) if directory else inside, None, obj.via
    )
