"""`gate init PATH`: a valid manifest, runbook and rollback plan for a new service. Never overwrites."""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from gate import backstage
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.git import toplevel

MANIFEST = """\
apiVersion: gate/v1
kind: Service
name: {name}
tier: {tier}
owners:
  team: {team}
  oncall: {team}-primary          # paging rotation id
  escalation: [sre-oncall]
slos:
  - name: {name}-availability
    sli: availability
    objective: {objective}
    window: 28d
runbook: docs/runbook.md          # relative to this file; /path = repository root
rollback:
  strategy: revert
  plan: docs/rollback.md
  automated: false
{resilience}telemetry:
  service_name: {name}
  metrics: [http_server_request_duration_seconds, http_requests_total]
  dashboards: []                   # add your dashboard URL
  alerts: []                       # add your burn-rate alert names
dependencies: []
"""

# Tiers 0-1: disaster recovery is part of readiness (the rules dr-objectives, *-tested, drill-failed).
RESILIENCE = """\
resilience:                        # disaster recovery: objectives, capacity, drills with evidence
  rto: {rto}  # recovery time objective (tier {tier} ceiling: {rto})
  rpo: {rpo}  # recovery point objective (tier {tier} ceiling: {rpo})
  stateful: false                  # true when a restore must bring data back (then restore drills)
  capacity: {{headroom_percent: {headroom}}}  # spare capacity over the expected peak
  drills: []                       # {{kind: rollback|restore|failover|gameday|loadtest, date, result, evidence}}
"""
_RESILIENCE = {0: ("1h", "15m", 30), 1: ("4h", "1h", 20)}

RUNBOOK = """\
# {name} runbook

## Symptoms
Which alerts page, what users see.

## Diagnosis
Dashboards and queries to find the cause.

## Mitigation
Steps that stop the bleeding: rollback, feature flags, scaling.

## Escalation
Who to call next, and when.
"""

ROLLBACK = """\
# {name} rollback plan

1. How to roll back (command or pipeline).
2. How to confirm the rollback worked.
"""

_OBJECTIVE = {0: 99.95, 1: 99.9, 2: 99.5, 3: 99.0}

# The placeholder sentences of the templates above: a document made only of these (and headings)
# is "still the template", never real content.
TEMPLATE_LINES = frozenset(
    line.strip()
    for text in (RUNBOOK, ROLLBACK)
    for line in text.splitlines()
    if line.strip() and not line.lstrip().startswith("#")
)


def is_template(lines: list[str]) -> bool:
    """True when every non-empty, non-heading line is one of `gate init`'s placeholders."""
    body = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(body) and all(ln in TEMPLATE_LINES for ln in body)


def next_steps(root: str, team: str, tier: int, org: str | None) -> list[str]:
    """What `gate init` leaves to the user, in order, so `gate validate` passes for this tier."""
    owner = f"@{org}/{team}" if org else f"@<org>/{team}"
    steps = ["next steps:"]
    fill = [f"{root}docs/runbook.md (each section: replace the placeholder line)"]
    if tier <= 2:
        fill.append(f"{root}docs/rollback.md (the real rollback steps)")
    if tier <= 1:
        fill += [
            "telemetry.dashboards (a dashboard URL) and telemetry.alerts (alert names) in service.yaml",
            "resilience.drills in service.yaml, after each drill: a rollback, a game day and a load test"
            + (" (tier 0: a failover too)" if tier == 0 else "")
            + ", each with its report as evidence",
            f"owners.oncall: your paging rotation's id (now {team}-primary)",
        ]
    steps += [
        f"  1. fill in: {item}" if i == 0 else f"              {item}"
        for i, item in enumerate(fill)
    ]
    steps.append(
        f"  2. give the service to its team in CODEOWNERS (.github/CODEOWNERS): {'/' + root if root else '*'} {owner}"
    )
    if not org:
        steps.append(
            "     (<org> is your GitHub organisation; set github_org in .gate.yaml to have gate check it)"
        )
    return steps


def manifest(name: str, tier: int, team: str, objective: float | None = None) -> str:
    """The service.yaml `gate init` writes for a service of this tier (`objective`: the tier's default)."""
    resilience = (
        RESILIENCE.format(
            tier=tier,
            rto=_RESILIENCE[tier][0],
            rpo=_RESILIENCE[tier][1],
            headroom=_RESILIENCE[tier][2],
        )
        if tier in _RESILIENCE
        else ""
    )
    return MANIFEST.format(
        name=name,
        tier=tier,
        team=team,
        objective=objective or _OBJECTIVE[tier],
        resilience=resilience,
    )


def init(path: str, name: str | None, tier: int, team: str) -> list[str]:
    target = os.path.abspath(path)
    name = name or os.path.basename(target.rstrip(os.sep)).lower()
    if not re.fullmatch(r"[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?", name):
        raise FatalError(
            f"service name {name!r} must be a lower-case label (a-z, 0-9, '-', '.', '_'); pass --name"
        )
    root = _repo_relative(target)
    values = {"name": name, "tier": tier, "team": team, "objective": _OBJECTIVE[tier], "root": root}
    files = {
        os.path.join(target, "service.yaml"): manifest(name, tier, team),
        os.path.join(target, "docs", "runbook.md"): RUNBOOK.format(**values),
        os.path.join(target, "docs", "rollback.md"): ROLLBACK.format(**values),
    }
    return _write(files)


def _repo_relative(target: str) -> str:
    """The service directory relative to its repository root, with a trailing slash."""
    probe = target
    while not os.path.isdir(probe):
        probe = os.path.dirname(probe)
    top = os.path.realpath(toplevel(probe) or os.getcwd())
    if os.path.realpath(target) == top:  # `gate init .` at the repository root
        return ""
    relative = os.path.relpath(os.path.realpath(os.path.dirname(target)), top)
    relative = posixpath.join(*relative.split(os.sep), os.path.basename(target))
    if relative.startswith(".."):
        raise FatalError("the service directory is outside the repository", target)
    return "" if relative in (".", "") else relative.rstrip("/") + "/"


def from_backstage(entity_file: str, tier: int) -> list[str]:
    """`gate init --from-backstage FILE`: the reliability extension (service.yaml) for an existing
    Backstage entity, beside it, plus the runbook and rollback plan it names. What the entity
    already gives (owner, on-call, links, dependencies) stays in the entity and is not repeated."""
    entity = _component(entity_file)
    name = entity.name.lower()
    data = backstage.to_manifest(entity).data
    target = os.path.dirname(os.path.abspath(entity_file))
    techdocs = data["backstage"].get("techdocs")
    docs = (
        posixpath.normpath(posixpath.join(techdocs, "docs"))
        if techdocs and not techdocs.startswith("..")
        else "docs"
    )
    lines = [
        f"# Extends the Backstage entity {entity.get('kind')}:{entity.namespace}/{entity.name} in {os.path.basename(entity_file)}:",
        "# name, owner, lifecycle, system, on-call, links and dependsOn are read from there; keep them there.",
        "apiVersion: gate/v1",
        "kind: Service",
        f"name: {name}",
        f"tier: {tier}"
        if "tier" not in data
        else f"# tier: {data['tier']} (from the {backstage.PREFIX}tier annotation)",
    ]
    if "escalation" not in data.get("owners", {}):
        lines += [
            "owners:",
            "  escalation: [sre-oncall]        # after the entity's on-call rotation, in order",
        ]
    lines += [
        "slos:",
        f"  - name: {name}-availability",
        "    sli: availability",
        f"    objective: {_OBJECTIVE[tier]}",
        "    window: 28d",
    ]
    files: dict[str, str] = {os.path.join(target, "service.yaml"): ""}
    if "runbook" not in data:
        lines.append(
            f"runbook: {docs}/runbook.md                # relative to this file; /path = repository root"
        )
        files[os.path.join(target, *docs.split("/"), "runbook.md")] = RUNBOOK.format(name=name)
    lines += [
        "rollback:",
        "  strategy: revert",
        f"  plan: {docs}/rollback.md",
        "  automated: false",
    ]
    files[os.path.join(target, *docs.split("/"), "rollback.md")] = ROLLBACK.format(name=name)
    lines += _telemetry_lines(name, data)
    files[os.path.join(target, "service.yaml")] = "\n".join(lines) + "\n"
    return _write(files)


def _component(entity_file: str) -> backstage.Entity:
    """The file's first Component entity, with a name gate can use for a service."""
    try:
        with open(entity_file, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise FatalError(f"cannot read: {e.strerror}", entity_file) from None
    found = [e for e in backstage.entities(raw, entity_file) if e.kind == "Component"]
    if not found:
        raise FatalError(
            "no Backstage Component entity (apiVersion backstage.io/..., kind: Component) in this file",
            entity_file,
        )
    if not re.fullmatch(r"[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?", found[0].name.lower()):
        raise FatalError(
            f"metadata.name {found[0].name!r} is not a lower-case label gate can use as a service name",
            entity_file,
        )
    return found[0]


def _telemetry_lines(name: str, data: dict[str, Any]) -> list[str]:
    """telemetry: and dependencies:, leaving out what the entity already gives."""
    telemetry = data.get("telemetry", {})
    lines = [
        "telemetry:",
        f"  service_name: {name}",
        "  metrics: [http_server_request_duration_seconds, http_requests_total]",
    ]
    if "dashboards" not in telemetry:
        lines.append(
            "  dashboards: []                   # add your dashboard URL (or a dashboard link on the entity)"
        )
    if "alerts" not in telemetry:
        lines.append("  alerts: []                       # add your burn-rate alert names")
    if "dependencies" not in data:
        lines.append("dependencies: []                   # or spec.dependsOn on the entity")
    return lines


def _write(files: dict[str, str]) -> list[str]:
    existing = [f for f in files if os.path.lexists(f)]
    if existing:
        raise FatalError(
            "already exists; gate init never overwrites a file", os.path.relpath(existing[0])
        )
    written = []
    for file, text in files.items():
        os.makedirs(os.path.dirname(file), exist_ok=True)
        with open(file, "x", encoding="utf-8") as f:
            f.write(text)
        written.append(os.path.relpath(file))
    return written


def repo_root_of(path: str) -> str | None:
    probe = os.path.abspath(path)
    while not os.path.isdir(probe):
        probe = os.path.dirname(probe)
    return toplevel(probe)


def relative_root(path: str) -> str:
    return _repo_relative(os.path.abspath(path))


def github_org(root: str | None) -> str | None:
    """github_org from the working tree's .gate.yaml, for the CODEOWNERS line (None when unset or unreadable)."""
    if root is None:
        return None
    try:
        with open(os.path.join(root, ".gate.yaml"), "rb") as f:
            data = gate_yaml.load(f.read(), ".gate.yaml").data
    except (OSError, FatalError):
        return None
    org = data.get("github_org") if isinstance(data, dict) else None
    return org if isinstance(org, str) and org else None
