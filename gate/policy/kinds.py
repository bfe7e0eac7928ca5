"""The built-in check kinds. Each takes (context, service, params) and returns problems.

Adding a kind: write one function and add one line to KINDS, with the JSON Schema of its
parameters (checked when the pack is loaded, so a typo is an exit-2 error, not a silent pass).
"""

from __future__ import annotations

import datetime as dt
import importlib
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

from gate import codeowners, markdown
from gate.budget.slo import slos_of
from gate.cache import Store
from gate.catalog import Catalog, Located, Problem, Service
from gate.deploy.kinds import KINDS as DEPLOY_KINDS
from gate.graph import ServiceGraph
from gate.policy import graph_kinds, incidents, resilience
from gate.policy.kind import Kind
from gate.scaffold import is_template
from gate.settings import BudgetSettings, ResilienceSettings, TelemetrySettings
from gate.snapshot import Snapshot

if TYPE_CHECKING:
    from gate.incidents.book import Book
    from gate.waivers.trust import Approvals


@dataclass
class CheckContext:
    head: Snapshot
    base: Snapshot
    today: dt.date
    github_org: str | None = None
    identity: dict[str, str] = field(
        default_factory=dict
    )  # head manifest -> base manifest it continues
    earlier: dict[str, Service | None] = field(
        default_factory=dict
    )  # `before`'s answers, by head manifest
    trusted: Snapshot | None = None  # decides what a manifest path means (None: `head` itself)
    resilience: ResilienceSettings = ResilienceSettings()
    approvals: Approvals | None = None  # the pull request's reviews (None: not a pull request run)
    incidents: Book | None = None  # the run's incidents (None: no change under review reads them)
    touched: dict[str, list[str]] | None = None  # manifest -> the change's paths it owns
    memo: dict[Any, Any] = field(
        default_factory=dict
    )  # answers shared by the rules of one run (a service's deploy objects), by key
    budgets: BudgetSettings = BudgetSettings()  # the trusted config's (burn-rate alert windows)
    telemetry: TelemetrySettings = TelemetrySettings()  # the on-call and Grafana services to ask
    network: bool = False  # whether rules may ask them (never offline, staged or in validate)
    fleet: list[Service] | None = None  # every service of `head`, when one revision is judged whole

    def locate(self, service: Service, value: str) -> Located:
        """Where the head's service reads a path its manifest names, as the trusted tip decides."""
        return service.locate(self.head, value, self.trusted)

    @cached_property
    def base_catalog(self) -> Catalog:
        """The base revision's services, built only when a rule or a deletion asks."""
        return Catalog.of(self.base)

    @cached_property
    def graph(self) -> ServiceGraph:
        """The head's service graph (dependencies resolved lazily, by name, or among `fleet`)."""
        return ServiceGraph(Catalog.of(self.head), self.fleet)

    @cached_property
    def trusted_graph(self) -> ServiceGraph:
        """The trusted tip's service graph (a dependency's tier and objectives, who depends on a
        service): never the fork point's, which the author chose by where they cut the branch."""
        snapshot = self.trusted or self.base
        if snapshot is self.head:
            return self.graph
        return ServiceGraph(self.base_catalog if snapshot is self.base else Catalog.of(snapshot))

    def at_base(self, service: Service) -> Service | None:
        """The service as the base revision defines it: its earlier version when the change edited
        its sources, the service itself when it did not, None when the change adds it."""
        before = self.before(service)
        if before is not None:
            return before
        unchanged = self.identity.get(
            service.manifest, service.manifest
        ) == service.manifest and all(self.base.read(f) == self.head.read(f) for f in service.files)
        return service if unchanged else None

    def before(self, service: Service) -> Service | None:
        """The service as the base revision had it, when this change edited its sources (else None).

        A moved manifest is followed by `identity` (git's rename detection, or where its files
        went), never by the name the head declares; a directory that defined a service in the
        base (its service.yaml or Backstage entity) still holds that service."""
        memo = self.earlier
        if service.manifest not in memo:
            was = self.identity.get(service.manifest, service.manifest)
            if was == service.manifest and all(
                self.base.read(f) == self.head.read(f) for f in service.files
            ):
                memo[service.manifest] = None  # unchanged sources: nothing to compare
            else:  # None: a new service, nothing it could loosen
                memo[service.manifest] = self.base_catalog.service_in(
                    posixpath.dirname(was) + "/" if "/" in was else ""
                )
        return memo[service.manifest]

    def trusted_service(self, service: Service) -> Service | None:
        """The service as the trusted tip (the base branch's tip) defines it, followed through
        moves by `identity`; None for a service the trusted tip does not have."""
        snapshot = self.trusted or self.base
        if snapshot is self.head:
            return service
        if snapshot is self.base:  # `before` knows (None: unchanged, or new)
            found = self.before(service)
            unchanged = service.manifest not in self.identity and all(
                self.base.read(f) == self.head.read(f) for f in service.files
            )
            return found if found is not None else (service if unchanged else None)
        was = self.identity.get(service.manifest, service.manifest)
        return Catalog.of(snapshot).service_in(posixpath.dirname(was) + "/" if "/" in was else "")

    def save(self) -> None:
        """Keep what this run worked out for later runs."""
        found = self.__dict__.get("codeowners")
        if found is not None:
            found[1].save()

    @cached_property
    def codeowners(self) -> tuple[str, codeowners.Answers] | None:
        """The head's CODEOWNERS, with the answers earlier runs worked out for its blob."""
        for location in codeowners.LOCATIONS:
            raw = self.head.read(location)
            if raw is not None:
                entry = self.head.entry(location)
                store = Store(self.head.repo.git_dir, "codeowners", keep=8)
                return location, codeowners.Answers(raw, store, entry.sha if entry else None)
        return None


CheckFn = Callable[[CheckContext, Service, dict[str, Any]], list[Problem]]


class CheckKind(NamedTuple):
    fn: CheckFn
    params: dict[str, Any]  # JSON Schema of the parameters
    summary: str


def _field_values(service: Service, path: str) -> list[tuple[tuple[Any, ...], Any]]:
    """Values at a dotted field path; `[]` fans out over a list: `slos[].openslo`."""
    found: list[tuple[tuple[Any, ...], Any]] = [((), service.data)]
    for step in path.split("."):
        fan = step.endswith("[]")
        key = step[:-2] if fan else step
        nxt: list[tuple[tuple[Any, ...], Any]] = []
        for at, value in found:
            if isinstance(value, dict) and key in value:
                if fan and isinstance(value[key], list):
                    nxt += [(at + (key, i), item) for i, item in enumerate(value[key])]
                elif not fan:
                    nxt.append((at + (key,), value[key]))
        found = nxt
    return found


def _missing(service: Service, field_path: str, what: str = "") -> Problem:
    parent = tuple(field_path.replace("[]", "").split(".")[:-1])
    return Problem(
        f"{field_path} is not set{what}", service.manifest, service.line(*parent) if parent else 1
    )


# -- file_exists ------------------------------------------------------------------------


def file_exists(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    values = _field_values(service, params["field"])
    if not values:
        return [_missing(service, params["field"])] if params.get("required", True) else []
    problems = []
    for at, value in values:
        if not isinstance(value, str):
            continue  # the manifest schema reports the type
        line = service.line(*at)
        if value.startswith(("https://", "http://")):
            if not params.get("allow_url", True):
                problems.append(
                    Problem(
                        f"{params['field']} must be a repository path, not a URL",
                        service.manifest,
                        line,
                    )
                )
            elif value.startswith("http://"):
                problems.append(
                    Problem(
                        f"{params['field']} {value!r}: use an https URL", service.manifest, line
                    )
                )
            continue
        found = ctx.locate(service, value)
        if found.path is None:
            problems.append(
                Problem(
                    f"{params['field']} {value!r} points outside the repository "
                    f"(paths are relative to {service.root or 'the repository root'}; /path is the repository root)",
                    service.manifest,
                    line,
                )
            )
            continue
        if ctx.head.is_file(found.path):
            raw = ctx.head.read(found.path) if params.get("not_template") else None
            lines = raw.decode("utf-8", "replace").splitlines() if raw is not None else []
            if is_template(lines) or markdown.is_placeholder(lines):
                problems.append(
                    _still_template(params["field"], value, found.path, lines, service, line)
                )
            continue
        shown = (
            f"{params['field']} {value!r} (read as {found.path})"
            if found.path != value
            else f"{params['field']} {value!r}"
        )
        if ctx.head.is_symlink(found.path):
            reason = "is a symbolic link; the gate reads only regular files inside the repository"
        elif ctx.head.is_dir(found.path):
            reason = "is a directory, not a file"
        else:
            reason = "does not exist at this revision"
        if found.other is not None:
            better = _written(service, found.other)
            reason += f"; {found.other} exists: write {better!r}"
        elif not value.startswith("/"):
            reason += f" (paths are relative to {service.root or 'the repository root'}; a leading / means the repository root)"
        problems.append(Problem(f"{shown} {reason}", service.manifest, line))
    return problems


def _written(service: Service, path: str) -> str:
    """How to write a repository path in this service's manifest: relative to it when inside its
    directory, else from the repository root with a leading /."""
    if service.root and path.startswith(service.root):
        return path[len(service.root) :]
    return path if not service.root else "/" + path


def manifest_paths(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """Paths a service.yaml wrote from the repository root (the old meaning) still work, and say how to write them now."""
    problems = []
    fields = {"runbook": ("runbook",), "rollback plan": ("rollback", "plan")}
    for role, value in service.named_paths():
        found = ctx.locate(service, value)
        if not found.legacy or found.path is None:
            continue
        at = fields.get(role) or ("slos",)
        fix = _written(service, found.path)
        problems.append(
            Problem(
                f"{role} {value!r} is read from the repository root ({found.path}), as gate did before paths became relative "
                f"to the manifest's directory ({service.root}); it now means {service.path(value)}. Write {fix!r} instead",
                service.manifest,
                service.line(*at),
            )
        )
    return problems


def catalog_entity(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A Backstage entity and the service.yaml that extends it agree, and the entity gives what gate needs."""
    return list(service.notes)


# -- markdown_sections -------------------------------------------------------------------


def _still_template(
    field: str, value: str, path: str, lines: list[str], service: Service, line: int | None
) -> Problem:
    what = "template" if is_template(lines) else "placeholder"
    return Problem(
        f"{field} {value!r} is still "
        + ("the template from `gate init`" if what == "template" else "placeholder text"),
        service.manifest,
        line,
        f"Replace the {what} lines in {path} with this service's own content; the file is already in place.",
    )


def markdown_sections(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    problems = []
    for _at, value in _field_values(service, params["field"]):
        if not isinstance(value, str) or value.startswith(("https://", "http://")):
            continue
        located = ctx.locate(service, value).path
        raw = ctx.head.read(located) if located is not None else None
        if raw is None or located is None:
            continue  # file_exists reports it
        value = located
        if len(raw) > markdown.MAX_BYTES:
            problems.append(
                Problem(
                    f"{value} is {len(raw):,} bytes, over the {markdown.MAX_BYTES:,}-byte limit for "
                    f"{params['field']} documents; it was not read",
                    value,
                    1,
                )
            )
            continue
        text = raw.decode("utf-8", "replace")
        found = markdown.headings(text)
        lines = text.splitlines()
        for section in params["sections"]:
            names = [section] if isinstance(section, str) else list(section)
            pattern = re.compile(
                r"\b(?:" + "|".join(re.escape(n) for n in names) + ")", re.IGNORECASE
            )
            match = next((h for h in found if pattern.search(h.text)), None)
            if match is None:
                also = f" (or {', '.join(repr(n) for n in names[1:])})" if len(names) > 1 else ""
                problems.append(Problem(f"{value} has no {names[0]!r} section{also}", value, 1))
            elif params.get("require_content", True):
                problems += _unfilled(value, match, _section_lines(lines, found, match))
    return problems


def _unfilled(value: str, match: markdown.Heading, body: list[str]) -> list[Problem]:
    """A section that is there but says nothing: empty, still the template, or placeholder text
    (each told to fill it: its heading is already there)."""
    if not match.has_content:
        what, fix = "is empty", "Write what the on-call engineer needs under {} (at least one line)"
    elif is_template(body):
        what = "is still the template from `gate init`"
        fix = "Replace the template lines under {} with this service's own content"
    elif markdown.is_placeholder(body):
        what = "holds only placeholder text (TODO, TBD, fill in, lorem ipsum): it counts as missing"
        fix = "Replace the placeholder under {} with this service's own content"
    else:
        return []
    return [
        Problem(
            f"{value}: section {match.text!r} {what}",
            value,
            match.line,
            fix.format(repr(match.text)) + "; the heading is already there.",
        )
    ]


def _section_lines(
    lines: list[str], found: list[markdown.Heading], heading: markdown.Heading
) -> list[str]:
    """The lines of one section, up to the next heading of the same or a higher level."""
    later = [h.line for h in found if h.line > heading.line and h.level <= heading.level]
    return lines[heading.line : (later[0] - 1) if later else len(lines)]


# -- codeowners ---------------------------------------------------------------------------


def codeowners_check(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    found = ctx.codeowners
    if found is None:
        where = ", ".join(codeowners.LOCATIONS)
        return [
            Problem(
                f"no CODEOWNERS file ({where}) gives {service.root or 'the repository'} an owner",
                service.manifest,
                service.line("owners"),
            )
        ]
    location, owners = found
    if owners.too_big:
        return [
            Problem(
                f"{location} is {len(owners.text):,} bytes, over GitHub's {codeowners.MAX_BYTES:,}-byte limit: "
                "GitHub ignores the file, so no path has an owner",
                location,
                None,
            )
        ]
    entry = owners.owner(service.manifest)
    team = service.get("owners", "team")
    slug = _team_slug(ctx, service) if isinstance(team, str) else None

    def expected() -> str:  # worked out only for a finding: it reads the whole CODEOWNERS
        org = ctx.github_org or owners.org
        if slug:
            return f"@{slug}"
        return f"@{org or '<org>'}/{team if isinstance(team, str) else '<team>'}"

    if entry is None or not entry.owners:
        how = (
            "no CODEOWNERS rule covers"
            if entry is None
            else f"CODEOWNERS line {entry.line} leaves unowned"
        )
        return [
            Problem(
                f"{how} {service.manifest}; add the line `/{service.root} {expected()}`",
                location,
                entry.line if entry else None,
            )
        ]
    if not params.get("require_team", True) or not isinstance(team, str):
        return []
    if slug is not None and any(owner.lower() == f"@{slug.lower()}" for owner in entry.owners):
        return []
    if slug is None and any(_is_team(owner, team, ctx.github_org) for owner in entry.owners):
        return []
    given = " ".join(entry.owners)
    why = f" (the Backstage group's {_SLUG_NOTE})" if slug else ""
    return [
        Problem(
            f"CODEOWNERS line {entry.line} ({entry.pattern}) gives {service.root or '/'} to {given}, not to team {team!r}{why}; "
            f"add the line `/{service.root} {expected()}` after it (the last matching line wins)",
            location,
            entry.line,
        )
    ]


_SLUG_NOTE = "github.com/team-slug annotation"


def _team_slug(ctx: CheckContext, service: Service) -> str | None:
    """The GitHub team a Backstage owner group names in its `github.com/team-slug` annotation."""
    ref = service.get("backstage", "owner")
    if (
        not isinstance(ref, str)
        or not ref.startswith("group:")
        or service.get("owners", "team") != ref.rpartition("/")[2]
    ):
        return None
    namespace, _, name = ref[len("group:") :].partition("/")
    return Catalog.of(ctx.head).team_slugs.get((namespace, name))


def _is_team(owner: str, team: str, org: str | None) -> bool:
    owner = owner.lower()
    team = team.lower()
    if org:
        return owner == f"@{org.lower()}/{team}"
    return owner == f"@{team}" or (owner.startswith("@") and owner.endswith(f"/{team}"))


# -- telemetry_names ----------------------------------------------------------------------

_PROM_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
_NON_BASE_UNITS = {
    "milliseconds": "seconds",
    "millis": "seconds",
    "ms": "seconds",
    "microseconds": "seconds",
    "us": "seconds",
    "nanoseconds": "seconds",
    "ns": "seconds",
    "minutes": "seconds",
    "hours": "seconds",
    "days": "seconds",
    "kilobytes": "bytes",
    "kb": "bytes",
    "megabytes": "bytes",
    "mb": "bytes",
    "gigabytes": "bytes",
    "gb": "bytes",
    "bits": "bytes",
    "percent": "ratio",
    "percentage": "ratio",
    "celsius_degrees": "celsius",
}
_SERIES_SUFFIXES = ("_bucket", "_count", "_sum")
# Namespaces shared by every service: prefixing them with a service name splits one metric into many.
_GENERIC_NAMESPACES = {
    "http",
    "grpc",
    "rpc",
    "db",
    "sql",
    "process",
    "runtime",
    "jvm",
    "go",
    "python",
    "requests",
    "request",
    "errors",
    "latency",
    "messaging",
    "kafka",
    "redis",
    "cache",
}


CONVENTIONS = ("prometheus", "opentelemetry")


def telemetry_names(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    metrics = service.get("telemetry", "metrics")
    if not isinstance(metrics, list):
        return []
    conventions = tuple(params.get("conventions", CONVENTIONS))
    own_names = {
        n.lower()
        for n in (service.name, service.get("telemetry", "service_name"))
        if isinstance(n, str) and n
    }
    problems = []
    for index, metric in enumerate(metrics):
        name, kind = (
            (metric, None)
            if isinstance(metric, str)
            else (metric.get("name"), metric.get("type"))
            if isinstance(metric, dict)
            else (None, None)
        )
        if not isinstance(name, str):
            continue
        line = service.line("telemetry", "metrics", index)
        for reason in _name_problems(name, kind, own_names, conventions):
            problems.append(Problem(f"metric {name!r}: {reason}", service.manifest, line))
    return problems


def _name_problems(
    name: str, kind: str | None, own_names: set[str], conventions: tuple[str, ...]
) -> list[str]:
    """A dotted name is an OpenTelemetry instrument name; otherwise Prometheus rules apply where allowed."""
    dotted = "." in name
    if dotted and "opentelemetry" not in conventions:
        return [
            "OpenTelemetry names are not accepted here (rules.telemetry-names.params.conventions in .gate.yaml is "
            f"{list(conventions)}); use a Prometheus name such as {name.lower().replace('.', '_')!r}"
        ]
    if dotted or "prometheus" not in conventions:
        return _otel_name_problems(name, kind, own_names)
    return _metric_name_problems(name, kind, own_names)


# OpenTelemetry's instrument name syntax (metrics API specification): an ASCII letter, then up to
# 254 letters, digits, '_', '.', '-' or '/'. Semantic conventions (general naming and metrics
# guidelines): lowercase; namespaces split by '.'; words inside a component joined by '_'; the unit
# is the instrument's unit, not part of its name; no '_total' (Prometheus exporters add it).
_OTEL_SYNTAX = re.compile(r"^[A-Za-z][A-Za-z0-9_./-]{0,254}$")
_OTEL_COMPONENT = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
_UNITS = set(_NON_BASE_UNITS) | {"seconds", "bytes", "ratio", "percent", "celsius", "milliseconds"}


def _otel_name_problems(name: str, kind: str | None, own_names: set[str]) -> list[str]:
    if not _OTEL_SYNTAX.match(name):
        return [
            "not a valid OpenTelemetry instrument name (an ASCII letter, then letters, digits, '_', '.', '-' or '/'; at most 255 characters)"
        ]
    if name != name.lower():
        return ["OpenTelemetry names are lowercase"]
    reasons = []
    components = name.split(".")
    if any(not c for c in components):
        reasons.append("empty namespace between dots")
    bad = [c for c in components if c and not _OTEL_COMPONENT.match(c)]
    if bad:
        reasons.append(
            f"write each dot-separated component in snake_case ({', '.join(map(repr, bad))}): namespaces are split by '.', words by '_'"
        )
    words = [w for c in components for w in c.split("_")]
    units = [w for w in words if w in _UNITS]
    if units:
        reasons.append(
            f"unit {units[0]!r} in the name: OpenTelemetry puts the unit in the instrument's unit (e.g. unit 's'), not in its name"
        )
    if words and words[-1] == "total":
        reasons.append(
            "no '_total' in OpenTelemetry names (a Prometheus exporter adds it to counters)"
        )
    first = components[0]
    if (
        first in own_names
        and len(components) > 1
        and components[1].split("_")[0] in _GENERIC_NAMESPACES
    ):
        reasons.append(
            f"service name {first!r} is baked into a generic metric; emit {'.'.join(components[1:])!r} and identify the service by the service.name resource attribute"
        )
    return reasons


def _metric_name_problems(name: str, kind: str | None, own_names: set[str]) -> list[str]:
    if not _PROM_NAME.match(name):
        return ["not a valid Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"]
    reasons = []
    if ":" in name:
        reasons.append("colons are reserved for recording rules")
    if name != name.lower() or "__" in name or name.startswith("_") or name.endswith("_"):
        reasons.append("use lower snake_case")
    tokens = name.lower().split("_")
    for token in tokens:
        if token in _NON_BASE_UNITS:
            reasons.append(f"unit {token!r} is not a base unit; use _{_NON_BASE_UNITS[token]}")
    for own in own_names:
        own_tokens = re.split(r"[-_.]", own)
        rest = tokens[len(own_tokens) :]
        if tokens[: len(own_tokens)] == own_tokens and rest and rest[0] in _GENERIC_NAMESPACES:
            generic = "_".join(rest)
            reasons.append(
                f"service name {own!r} is baked into a generic metric; emit {generic!r} and identify the service by a label / the OpenTelemetry service.name resource attribute"
            )
            break
    if "total" in tokens[:-1]:
        reasons.append("'_total' belongs only at the end of a counter's name")
    if kind == "counter" and not name.endswith("_total"):
        reasons.append("a counter's name ends in _total")
    if kind in ("gauge", "histogram", "summary", "updowncounter") and name.endswith("_total"):
        reasons.append(f"only counters end in _total (this is a {kind})")
    if name.endswith(_SERIES_SUFFIXES) and kind in (None, "histogram", "summary"):
        reasons.append(
            "_bucket/_count/_sum are series of a histogram or summary; declare its base name"
        )
    return reasons


# -- max_age ------------------------------------------------------------------------------


def max_age(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    values = _field_values(service, params["field"])
    if not values:
        return [_missing(service, params["field"], f" (must be within {params['days']} days)")]
    problems = []
    for at, value in values:
        line = service.line(*at)
        try:
            when = dt.date.fromisoformat(str(value))
        except ValueError:
            problems.append(
                Problem(
                    f"{params['field']} {value!r} is not a date (YYYY-MM-DD)",
                    service.manifest,
                    line,
                )
            )
            continue
        age = (ctx.today - when).days
        if age < 0:
            problems.append(
                Problem(f"{params['field']} {when} is in the future", service.manifest, line)
            )
        elif age > params["days"]:
            problems.append(
                Problem(
                    f"{params['field']} {when} is {age} days ago; tier {service.tier} needs it within {params['days']} days",
                    service.manifest,
                    line,
                )
            )
    return problems


# -- slo_sane -------------------------------------------------------------------------------


def window_minutes(window: str) -> int | None:
    from gate.budget.math import UNITS, parse_duration

    seconds = (
        parse_duration(window.strip(), {u: UNITS[u] for u in "mhdw"})
        if isinstance(window, str)
        else None
    )
    return seconds // 60 if seconds else None


def slo_sane(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    from gate.budget.records import say

    slos = service.items("slos")
    problems: list[Problem] = []
    names: dict[str, int | None] = {}
    slis: set[str] = set()
    for index, slo in enumerate(slos):
        if not isinstance(slo, dict):
            continue
        if "openslo" in slo or "sloth" in slo:
            slis.add("openslo")  # the document says what it measures
            continue
        line = service.line("slos", index)
        name = slo.get("name")
        if isinstance(name, str):
            if name in names:
                problems.append(
                    Problem(
                        f"SLO name {name!r} is used twice (also line {names[name]})",
                        service.manifest,
                        line,
                    )
                )
            names[name] = line
        if isinstance(slo.get("sli"), str):
            slis.add(slo["sli"])
        objective = slo.get("objective")
        if isinstance(objective, (int, float)) and not isinstance(objective, bool):
            at = service.line("slos", index, "objective")
            if not 0 < objective < 100:
                budget = "; 100% leaves no error budget at all" if objective == 100 else ""
                problems.append(
                    Problem(
                        f"SLO {say(name)}: objective {objective} must be between 0 and 100 (exclusive){budget}",
                        service.manifest,
                        at,
                    )
                )
            elif 0 < objective < 1:
                problems.append(
                    Problem(
                        f"SLO {say(name)}: objective {objective} looks like a ratio; write percent (e.g. 99.9)",
                        service.manifest,
                        at,
                    )
                )
        window = slo.get("window")
        if isinstance(window, str) and window_minutes(window) is None:
            at = service.line("slos", index, "window")
            problems.append(
                Problem(
                    f"SLO {say(name)}: window {say(window)} is not a duration like 28d, 30d or 4w",
                    service.manifest,
                    at,
                )
            )
    required = params.get("require_sli")
    if required and slos and not (slis & set(required)) and "openslo" not in slis:
        problems.append(
            Problem(
                f"no {' or '.join(required)} SLO; tier {service.tier} needs one",
                service.manifest,
                service.line("slos"),
            )
        )
    return problems


def slo_floor(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """Availability SLOs (inline, OpenSLO, Sloth alike) at least at the tier's objective."""
    floor = params["min_availability"]
    slos, _ = slos_of(service, ctx.head, ctx.trusted)
    return [
        Problem(
            f"SLO {slo.name!r}: availability objective {slo.objective * 100:.10g}% is below the "
            f"tier-{service.tier} default of {floor}%",
            slo.origin,
            slo.line_of("objective"),
        )
        for slo in slos
        if slo.sli == "availability" and slo.objective * 100 < floor
    ]


def slo_definitions(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """Invalid SLO definitions (inline or OpenSLO), as Sloth's validator would reject them."""
    _, problems = slos_of(service, ctx.head, ctx.trusted)
    return [Problem(p.message, p.file, p.line) for p in problems if not p.unsupported]


def slo_window(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """Windows shorter than N days are usually a unit mistake ('1m' meant as a month is one minute)."""
    slos, _ = slos_of(service, ctx.head, ctx.trusted)
    floor = params.get("min_days", 1)
    return [
        Problem(
            f"SLO {slo.name!r}: window {slo.window_text!r} is shorter than {floor} day(s); 'm' is minutes (did you mean 4w or 30d?)",
            slo.origin,
            slo.line,
        )
        for slo in slos
        if slo.window < floor * 86400
    ]


# -- manifest_valid ----------------------------------------------------------------------------


def manifest_valid(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    return list(service.problems)


# -- manifest_drift (anti-gaming) ---------------------------------------------------------------


def manifest_drift(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
    """A change that makes its own service look less critical or less ready is itself risky."""
    problems = slo_drift(ctx, service) if service.parsed else []
    before = ctx.before(service)
    if before is None or not before.parsed or not service.parsed:
        return problems
    at = service.manifest
    old_tier, new_tier = before.get("tier"), service.get("tier")
    if isinstance(old_tier, int) and isinstance(new_tier, int) and new_tier > old_tier:
        problems.append(
            Problem(
                f"tier lowered from {old_tier} to {new_tier} (a less critical tier gets fewer checks)",
                at,
                service.line("tier"),
            )
        )
    for path in params.get("fields", DRIFT_FIELDS):
        keys = tuple(path.split("."))
        if before.get(*keys) not in (None, [], "") and service.get(*keys) in (None, [], ""):
            problems.append(
                Problem(f"{path} removed", at, service.line(*keys[:-1]) if len(keys) > 1 else 1)
            )
    problems += _document_drift(before, service, ctx) + graph_kinds.dependency_drift(
        before, service
    )
    return problems + _list_drift(before, service)


def _list_drift(before: Service, service: Service) -> list[Problem]:
    """Alerts, dashboards or escalation steps a change drops from a list it keeps."""
    problems = []
    for path in ("telemetry.alerts", "telemetry.dashboards", "owners.escalation"):
        keys = tuple(path.split("."))
        old_list, new_list = before.get(*keys), service.get(*keys)
        if isinstance(old_list, list) and isinstance(new_list, list) and new_list:
            gone = [x for x in old_list if x not in new_list]
            if gone:
                problems.append(
                    Problem(
                        f"{path}: removed {', '.join(map(str, gone))}",
                        service.manifest,
                        service.line(*keys),
                    )
                )
    return problems


def slo_drift(ctx: CheckContext, service: Service) -> list[Problem]:
    """Each SLO compared as its record, whatever its format (inline, OpenSLO, Sloth): deleted, its
    objective lowered, its window changed, which events count as good changed (a dropped
    selector), or its document moved; each at the line of the document that says so."""
    if ctx.base is ctx.head:
        return []
    before = ctx.at_base(service)
    if before is None or not before.parsed:
        return []  # a new service: nothing it could loosen
    old, _ = slos_of(before, ctx.base, ctx.trusted)
    now = {slo.name: slo for slo in slos_of(service, ctx.head, ctx.trusted)[0]}
    problems = []
    for o in old:
        n = now.get(o.name)
        if n is None:
            problems.append(
                Problem(f"SLO {o.name!r} deleted", service.manifest, service.line("slos"))
            )
            continue
        if n.objective < o.objective:
            change = f"{o.objective * 100:.10g} -> {n.objective * 100:.10g}"
            problems.append(
                Problem(
                    f"SLO {o.name!r} loosened: objective {change}", n.origin, n.line_of("objective")
                )
            )
        if n.window != o.window:
            how = "lengthened" if n.window > o.window else "shortened"
            change = f"{o.window_text} -> {n.window_text}"
            problems.append(
                Problem(f"SLO {o.name!r} window {how}: {change}", n.origin, n.line_of("window"))
            )
        if n.queries != o.queries:
            problems.append(
                Problem(
                    f"SLO {o.name!r}: which events count as good changed (its queries)",
                    n.origin,
                    n.line,
                )
            )
        if n.origin != o.origin:
            problems.append(
                Problem(f"SLO {o.name!r} moved from {o.origin} to {n.origin}", n.origin, n.line)
            )
    return problems


def _document_drift(before: Service, service: Service, ctx: CheckContext) -> list[Problem]:
    """A runbook or rollback plan pointed somewhere gate cannot judge as this service's own: a URL
    it cannot read, or a document outside the service's directory (another service's runbook)."""
    problems = []
    for field_path in ("runbook", "rollback.plan"):
        keys = tuple(field_path.split("."))
        old, new = before.get(*keys), service.get(*keys)
        if not isinstance(old, str) or not isinstance(new, str) or old == new:
            continue
        line = service.line(*keys)
        if new.startswith("https://") and not old.startswith("https://"):
            problems.append(
                Problem(
                    f"{field_path} moved from {old} to a URL ({new}) that gate cannot read or check",
                    service.manifest,
                    line,
                )
            )
            continue
        read = (
            ctx.locate(service, new).path if not new.startswith(("https://", "http://")) else None
        )
        if read is not None and service.root and not read.startswith(service.root):
            problems.append(
                Problem(
                    f"{field_path} moved from {old} to {read}, outside {service.root} (another service's document?)",
                    service.manifest,
                    line,
                )
            )
    return problems


def _slo_key(slo: dict[str, Any]) -> str | None:
    """An SLO's identity across revisions: its name, or the OpenSLO document it points at."""
    key = slo.get("name") or slo.get("openslo") or slo.get("sloth")
    return key if isinstance(key, str) else None


DRIFT_FIELDS = (
    "runbook",
    "rollback",
    "rollback.plan",
    "owners.oncall",
    "owners.escalation",
    "telemetry",
    "telemetry.alerts",
    "telemetry.dashboards",
    "slos",
)


# -- registry ------------------------------------------------------------------------------------

_NO_PARAMS: dict[str, Any] = {"type": "object", "additionalProperties": False, "properties": {}}
_FIELD = {"type": "string", "pattern": r"^[a-z_]+(\[\])?(\.[a-z_]+(\[\])?)*$"}
KINDS: dict[str, CheckKind] = {
    "file_exists": CheckKind(
        file_exists,
        {
            "type": "object",
            "required": ["field"],
            "additionalProperties": False,
            "properties": {
                "field": _FIELD,
                "required": {"type": "boolean"},
                "allow_url": {"type": "boolean"},
                "not_template": {"type": "boolean"},
            },
        },
        "a repository path named in the manifest exists at the head revision",
    ),
    "markdown_sections": CheckKind(
        markdown_sections,
        {
            "type": "object",
            "required": ["field", "sections"],
            "additionalProperties": False,
            "properties": {
                "field": _FIELD,
                "require_content": {"type": "boolean"},
                "sections": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "oneOf": [
                            {"type": "string", "minLength": 1},
                            {
                                "type": "array",
                                "minItems": 1,
                                "items": {"type": "string", "minLength": 1},
                            },
                        ]
                    },
                },
            },
        },
        "a Markdown document named in the manifest has the required headings, each with content",
    ),
    "codeowners": CheckKind(
        codeowners_check,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"require_team": {"type": "boolean"}},
        },
        "CODEOWNERS gives the service's files an owner, the manifest's team (last match wins)",
    ),
    "telemetry_names": CheckKind(
        telemetry_names,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "conventions": {
                    "type": "array",
                    "minItems": 1,
                    "uniqueItems": True,
                    "items": {"enum": list(CONVENTIONS)},
                }
            },
        },
        "metric names follow Prometheus/OpenTelemetry conventions",
    ),
    "max_age": CheckKind(
        max_age,
        {
            "type": "object",
            "required": ["field", "days"],
            "additionalProperties": False,
            "properties": {"field": _FIELD, "days": {"type": "integer", "minimum": 0}},
        },
        "a date in the manifest is at most N days old",
    ),
    "slo_sane": CheckKind(
        slo_sane,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "require_sli": {"type": "array", "items": {"type": "string"}},
            },
        },
        "SLO objectives, windows and SLI coverage make sense",
    ),
    "slo_floor": CheckKind(
        slo_floor,
        {
            "type": "object",
            "required": ["min_availability"],
            "additionalProperties": False,
            "properties": {
                "min_availability": {
                    "type": "number",
                    "exclusiveMinimum": 0,
                    "exclusiveMaximum": 100,
                }
            },
        },
        "availability SLO objectives are at least the tier's default",
    ),
    "slo_window": CheckKind(
        slo_window,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"min_days": {"type": "number", "minimum": 0}},
        },
        "SLO windows (inline and OpenSLO) are at least N days long",
    ),
    "slo_definitions": CheckKind(
        slo_definitions,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "SLO definitions (inline indicators, OpenSLO documents) are complete and measurable",
    ),
    "manifest_valid": CheckKind(
        manifest_valid,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "service.yaml parses and matches schemas/service.schema.json",
    ),
    "manifest_paths": CheckKind(
        manifest_paths,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "paths in service.yaml are written relative to it (or /-rooted), not in the old repository-root form",
    ),
    "catalog_entity": CheckKind(
        catalog_entity,
        {"type": "object", "additionalProperties": False, "properties": {}},
        "a Backstage entity and the service.yaml extending it agree, and together give what gate needs",
    ),
    "manifest_drift": CheckKind(
        manifest_drift,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"fields": {"type": "array", "items": {"type": "string"}}},
        },
        "the change does not lower its own tier, loosen or delete SLOs, or drop readiness fields",
    ),
    # the service graph (gate/policy/graph_kinds.py)
    "dependencies_known": CheckKind(
        graph_kinds.dependencies_known,
        _NO_PARAMS,
        "each dependency names a service of the repository or is declared external",
    ),
    "dependency_tiers": CheckKind(
        graph_kinds.dependency_tiers,
        _NO_PARAMS,
        "hard dependencies without a fallback are at least as critical as the service",
    ),
    "dependency_slos": CheckKind(
        graph_kinds.dependency_slos,
        _NO_PARAMS,
        "hard dependencies have an SLO (services) or a declared SLA (externals)",
    ),
    "slo_feasible": CheckKind(
        graph_kinds.slo_feasible,
        _NO_PARAMS,
        "the availability objective is at most the product of the hard dependencies' objectives",
    ),
    "dependency_cycles": CheckKind(
        graph_kinds.dependency_cycles,
        _NO_PARAMS,
        "no cycle of hard dependencies among tier-0 services",
    ),
    "blast_radius": CheckKind(
        graph_kinds.blast_radius,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"min_dependents": {"type": "integer", "minimum": 1}},
        },
        "a changed service that others depend on names them and their strictest tier",
    ),
    "co_change": CheckKind(
        graph_kinds.co_change,
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {"fields": {"type": "array", "minItems": 1, "items": _FIELD}},
        },
        "a change to alerts, SLOs or dependencies also updates the runbook",
    ),
    "dependency_review": CheckKind(
        graph_kinds.dependency_review,
        _NO_PARAMS,
        "a new hard dependency names its owners as reviewers",
    ),
}
KINDS.update(
    {
        name: CheckKind(fn, params, summary)
        for name, (fn, params, summary) in (*resilience.KINDS.items(), *incidents.KINDS.items())
    }
)


def _deferred(module: str, name: str) -> CheckFn:
    """A kind whose code is imported when a rule of it first runs."""

    def run(ctx: CheckContext, service: Service, params: dict[str, Any]) -> list[Problem]:
        fn: CheckFn = getattr(importlib.import_module(module), name)
        return fn(ctx, service, params)

    return run


# What a service deploys (its Kubernetes objects): gate/deploy/, listed in gate/deploy/kinds.py.
KINDS.update(
    {
        n: CheckKind(_deferred("gate.deploy.rules", fn), p, s)
        for n, (fn, p, s) in DEPLOY_KINDS.items()
    }
)


def lookup(name: str) -> Kind | None:
    """A built-in kind, else a plug-in kind (imported only now that a pack names it), else None.
    Both are typed by one protocol, gate.policy.kind.Kind: mypy checks CheckKind against it here."""
    found: Kind | None = KINDS.get(name)
    if found is not None:
        return found
    from gate.policy import plugins  # imported only when a pack names a kind gate does not build in

    return plugins.find(name)


def kind_of(name: str) -> Kind:
    """The kind of a rule that loaded (its pack was checked, so the kind exists)."""
    found = lookup(name)
    if found is None:
        raise KeyError(name)
    return found
