"""The `.gate.yaml` settings as typed, immutable records, built once when the file is loaded.

Every default lives here, as a record's field default: the SRE practice the gate encodes, where
every number is a configurable default keyed by tier (the schema's descriptions and README.md
quote them). A value keyed by tier is a `ByTier`, read with `for_tier(tier)`; nobody re-parses a
tier table at a call site. schemas/config.schema.json validates the document before a record is
built (config.parse), so the parsers below trust its shapes and never widen them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from gate.sources import BUDGET_SOURCES

if TYPE_CHECKING:  # the budget math loads only for repositories that configure alert windows
    from gate.budget.math import AlertWindows

T = TypeVar("T")
TIERS = (0, 1, 2, 3)


class ByTier(Generic[T]):
    """One value per tier (0-3); immutable."""

    __slots__ = ("values",)
    values: tuple[T, T, T, T]

    def __init__(self, values: tuple[T, T, T, T]) -> None:
        object.__setattr__(self, "values", values)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"ByTier is immutable: cannot set {name}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ByTier) and other.values == self.values

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        return f"ByTier{self.values!r}"

    def for_tier(self, tier: int) -> T:
        if not 0 <= tier <= 3:  # never a negative index: tier -1 is no tier, not tier 3
            raise ValueError(f"tier {tier} is not one of 0-3")
        return self.values[tier]

    @staticmethod
    def of(table: Mapping[int, T]) -> ByTier[T]:
        return ByTier((table[0], table[1], table[2], table[3]))

    def overridden(self, raw: Any, convert: Callable[[Any], T]) -> ByTier[T]:
        """A mapping {tier: value} (keys as written: 0 or "0") replaces the tiers it names."""
        table = {int(k): convert(v) for k, v in (raw or {}).items()}
        return ByTier.of({t: table.get(t, self.values[t]) for t in TIERS})


def _given(raw: Mapping[str, Any], convert: Mapping[str, Callable[[Any], Any]]) -> dict[str, Any]:
    """The keys the document sets, converted: a key it leaves out keeps the record's field default,
    so no default is written twice."""
    return {key: read(raw[key]) for key, read in convert.items() if key in raw}


def _labels(raw: Any) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType({str(k): tuple(v) for k, v in (raw or {}).items()})


# --- budgets ------------------------------------------------------------------------------------

# What a budget state does, per tier: block (an error), warn (a warning), info, or off.
# The SRE workbook's budget policy halts changes to a service whose budget is spent; whether that is a
# block or a recommendation to delay "varies by culture": block for tiers 0-1, warn for 2-3.
ON_EXHAUSTED = ByTier(("block", "block", "warn", "warn"))
ON_FAST_BURN = ByTier(("warn", "warn", "warn", "warn"))
# A source that cannot answer fails closed for tiers 0-1, open for 2-3.
ON_UNAVAILABLE = ByTier(("block", "block", "warn", "warn"))
# No traffic is "no data", never "all good".
ON_NO_DATA = ByTier(("warn", "warn", "info", "info"))
ON_UNMEASURABLE = ByTier(("warn", "warn", "info", "info"))


def _modes(raw: Any, default: ByTier[str]) -> ByTier[str]:
    """`block` for every tier, or {tier: mode} over the defaults."""
    if isinstance(raw, str):
        return ByTier((raw, raw, raw, raw))
    return default.overridden(raw, str) if isinstance(raw, dict) else default


def _windows(specs: Any) -> tuple[AlertWindows, ...]:
    """Sloth AlertWindows specs, read once."""
    if not specs:
        return ()
    from gate.budget.math import (
        alert_windows,
    )  # loaded only for repositories that configure windows

    return tuple(alert_windows(spec) for spec in specs)


class SourceSettings(NamedTuple):
    """budgets.<source> (prometheus, http, file, or any source registered in gate.sources.BUDGET_SOURCES):
    where a budget source is and how to ask it. A new source's option is a new field here."""

    url: str | None = None
    bearer_token_env: str | None = None
    username_env: str | None = None  # Prometheus basic auth
    password_env: str = ""
    timeout: float = 5.0
    retries: int = 2
    backoff: float = 0.5
    path: str | None = None  # the file source's status file, as read
    shown: str | None = (
        None  # ... and as the user named it (a relative path joined to the repository root)
    )
    refused: str | None = (
        None  # why the status file may not be read (it is committed to the repository)
    )

    @staticmethod
    def parse(raw: Any) -> SourceSettings:
        raw = raw if isinstance(raw, dict) else {}
        return SourceSettings(
            **_given(
                raw,
                {
                    "url": str,
                    "bearer_token_env": str,
                    "username_env": str,
                    "password_env": str,
                    "timeout": float,
                    "retries": int,
                    "backoff": float,
                    "path": str,
                },
            )
        )


class ExemptSettings(NamedTuple):
    """budgets.exempt: which changes to a service with a spent budget still go through."""

    reverts: bool = True
    reliability_only: bool = True
    reliability_paths: tuple[str, ...] = ()
    labels: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # label -> who may apply it

    @staticmethod
    def parse(raw: Any) -> ExemptSettings:
        raw = raw or {}
        return ExemptSettings(
            **_given(
                raw,
                {
                    "reverts": bool,
                    "reliability_only": bool,
                    "reliability_paths": tuple,
                    "labels": _labels,
                },
            )
        )


NO_WINDOWS: ByTier[tuple[AlertWindows, ...]] = ByTier(((), (), (), ()))


class BudgetSettings(NamedTuple):
    """budgets: where SLO data comes from and what a spent or burning budget does, per tier."""

    configured: bool = (
        False  # a non-empty budgets: section (else only the GATE_* variables turn budgets on)
    )
    source: str = "prometheus"
    sources: Mapping[str, SourceSettings] = MappingProxyType(
        {}
    )  # source name -> its settings, as configured
    on_exhausted: ByTier[str] = ON_EXHAUSTED
    on_fast_burn: ByTier[str] = ON_FAST_BURN
    on_unavailable: ByTier[str] = ON_UNAVAILABLE
    on_no_data: ByTier[str] = ON_NO_DATA
    on_unmeasurable: ByTier[str] = ON_UNMEASURABLE
    exempt: ExemptSettings = ExemptSettings()
    alert_windows: tuple[
        AlertWindows, ...
    ] = ()  # none: the SRE workbook's (gate.budget.math.DEFAULT_WINDOWS)
    alert_windows_by_tier: ByTier[tuple[AlertWindows, ...]] = NO_WINDOWS

    def source_settings(self, name: str) -> SourceSettings:
        return self.sources.get(name) or SourceSettings()

    def with_source(self, name: str, settings: SourceSettings) -> BudgetSettings:
        return self._replace(sources=MappingProxyType({**self.sources, name: settings}))

    def windows(self, tier: int | None) -> tuple[AlertWindows, ...]:
        """The alert windows to try for a tier, in order: the tier's own, then the repository's."""
        own = self.alert_windows_by_tier.for_tier(tier) if tier is not None else ()
        return own + self.alert_windows

    @staticmethod
    def parse(raw: Any) -> BudgetSettings:
        raw = raw or {}
        by_tier = {k: _windows(v) for k, v in (raw.get("alert_windows_by_tier") or {}).items()}
        return BudgetSettings(
            configured=bool(raw),
            **_given(raw, {"source": str}),
            sources=MappingProxyType(
                {
                    name: SourceSettings.parse(raw[name])
                    for name in BUDGET_SOURCES
                    if isinstance(raw.get(name), dict)
                }
            ),
            on_exhausted=_modes(raw.get("on_exhausted"), ON_EXHAUSTED),
            on_fast_burn=_modes(raw.get("on_fast_burn"), ON_FAST_BURN),
            on_unavailable=_modes(raw.get("on_unavailable"), ON_UNAVAILABLE),
            on_no_data=_modes(raw.get("on_no_data"), ON_NO_DATA),
            on_unmeasurable=_modes(raw.get("on_unmeasurable"), ON_UNMEASURABLE),
            exempt=ExemptSettings.parse(raw.get("exempt")),
            alert_windows=_windows(raw.get("alert_windows")),
            alert_windows_by_tier=NO_WINDOWS.overridden(by_tier, tuple),
        )


# --- risk ---------------------------------------------------------------------------------------


class Thresholds(NamedTuple):
    """The score at which a change warns, and at which it blocks (None: never)."""

    warn: float | None = None
    block: float | None = None

    @staticmethod
    def parse(raw: Any) -> Thresholds:
        return Thresholds(raw.get("warn"), raw.get("block"))


class FreezeWindow(NamedTuple):
    """A change freeze, both dates inclusive."""

    start: dt.date
    end: dt.date
    reason: str


def _freeze(raw: Any) -> tuple[FreezeWindow, ...]:
    """The windows; one whose date is not a calendar date (2026-02-30 passes the schema's pattern) is skipped."""
    windows = []
    for window in raw or ():
        try:
            start, end = (
                dt.date.fromisoformat(str(window["start"])),
                dt.date.fromisoformat(str(window["end"])),
            )
        except (KeyError, ValueError):
            continue
        windows.append(FreezeWindow(start, end, str(window.get("reason", f"{start}..{end}"))))
    return tuple(windows)


# Change risk: stricter with tier; a high-risk change to a tier 0-1 service needs a rollback drilled within 90 days.
# On the percentile scale: at tier 0 the riskiest ~10% of changes warn and ~2% block.
THRESHOLDS = ByTier((Thresholds(90, 98), Thresholds(95, 99), Thresholds(98), Thresholds()))
ROLLBACK_TESTED_DAYS: ByTier[int | None] = ByTier((90, 90, None, None))
NO_DAYS: ByTier[int | None] = ByTier((None, None, None, None))


class RiskSettings(NamedTuple):
    """risk: the model, the history window, and what a high score does per tier."""

    enabled: bool = True
    model: str | None = (
        None  # a repository path (read from the base revision); None: the built-in model
    )
    history_days: int = 365
    thresholds: ByTier[Thresholds] = (
        THRESHOLDS  # a tier the user names replaces that tier's default
    )
    rollback_tested_days: ByTier[int | None] = (
        ROLLBACK_TESTED_DAYS  # a table the user writes replaces the default
    )
    freeze: tuple[FreezeWindow, ...] = ()

    @staticmethod
    def parse(raw: Any) -> RiskSettings:
        raw = raw or {}
        rollback = raw.get("rollback_tested_days") or {}
        return RiskSettings(
            **_given(
                raw, {"enabled": bool, "model": lambda path: str(path) or None, "history_days": int}
            ),
            thresholds=THRESHOLDS.overridden(raw.get("thresholds"), Thresholds.parse),
            rollback_tested_days=NO_DAYS.overridden(rollback, int)
            if rollback
            else ROLLBACK_TESTED_DAYS,
            freeze=_freeze(raw.get("freeze")),
        )


# --- exceptions (waivers) -----------------------------------------------------------------------

# Overrides are safe, audited and reversible: short-lived, shortest for tier 0.
MAX_DAYS = ByTier((3, 7, 14, 14))
# What is waived -> per tier, the groups whose members may approve it. Accepting risk is a management
# decision (a director for a spent budget), and for tier 0 a VP's.
APPROVERS: Mapping[str, ByTier[tuple[str, ...]]] = MappingProxyType(
    {
        "findings": ByTier(
            (("vps",), ("release-managers",), ("release-managers",), ("release-managers",))
        ),
        "error-budget": ByTier((("vps",), ("directors",), ("directors",), ("release-managers",))),
        "risk": ByTier(
            (("vps",), ("release-managers",), ("release-managers",), ("release-managers",))
        ),
        # Not a waiver: who may approve a pull request's change to an SLO definition (the SLO route).
        "slo": ByTier((("sre",), ("sre",), ("sre",), ("sre",))),
    }
)
NOBODY: ByTier[tuple[str, ...]] = ByTier(((), (), (), ()))


def _approvers(raw: Any) -> Mapping[str, ByTier[tuple[str, ...]]]:
    """A kind the user writes a (non-empty) table for replaces that kind's defaults: tiers it leaves out have nobody."""
    return {
        kind: NOBODY.overridden(raw[kind], tuple) if raw.get(kind) else default
        for kind, default in APPROVERS.items()
    }


class WaiverSettings(NamedTuple):
    """exceptions: where the ledger is, how long a waiver may last, who may approve what."""

    path: str = "exceptions.yaml"
    max_days: ByTier[int] = MAX_DAYS
    groups: Mapping[str, tuple[str, ...]] = MappingProxyType({})  # group -> handles or @org/team
    approvers: Mapping[str, ByTier[tuple[str, ...]]] = APPROVERS
    # an exception in force that ends within this many days is "expiring", in every command (a day:
    # tier 0-1 exceptions last 3-7 days, so a week's horizon would call every one of them expiring)
    expiring_days: int = 1

    def approver_groups(self, kind: str, tier: int) -> tuple[str, ...]:
        return self.approvers[kind].for_tier(tier)

    def members(self, group: str) -> tuple[str, ...]:
        return self.groups.get(group, ())

    @staticmethod
    def parse(raw: Any, older: Any = None) -> WaiverSettings:
        """`exceptions:`; `older` is the scorecard section, whose expiring_days came first."""
        raw = raw or {}
        if "expiring_days" not in raw and isinstance(older, dict) and "expiring_days" in older:
            raw = {**raw, "expiring_days": older["expiring_days"]}
        return WaiverSettings(
            **_given(raw, {"path": str, "groups": _labels, "expiring_days": int}),
            max_days=MAX_DAYS.overridden(raw.get("max_days"), int),
            approvers=_approvers(raw.get("approvers") or {}),
        )


# --- resilience ---------------------------------------------------------------------------------

DRILL_KINDS = ("rollback", "restore", "failover", "gameday", "loadtest")
# How old a drill may be, per kind and tier (PRACTICES: rollback tested recently for tier 0-1, DR
# exercised 1-2x a year for tier 0, game days regular for tiers 0-1, capacity validated by load tests).
DRILL_DAYS: Mapping[str, ByTier[int | None]] = MappingProxyType(
    {
        "rollback": ByTier((90, 180, None, None)),
        "restore": ByTier((90, 180, 365, None)),
        "failover": ByTier((365, None, None, None)),
        "gameday": ByTier((180, 365, None, None)),
        "loadtest": ByTier((180, 365, None, None)),
    }
)
# Recovery objectives no worse than these, per tier (durations in the SLO window grammar).
RTO_MAX: ByTier[str | None] = ByTier(("1h", "4h", "24h", None))
RPO_MAX: ByTier[str | None] = ByTier(("15m", "1h", "24h", None))
# Capacity headroom over the expected peak: 20-30% for the critical tiers.
HEADROOM_PERCENT: ByTier[float | None] = ByTier((30.0, 20.0, None, None))
# Who may approve a drill record or a lowered DR tier that a pull request writes: groups of
# exceptions.groups, per tier; the group is empty until it is named there, and until then the base
# branch's record judges.
REVIEWERS: ByTier[tuple[str, ...]] = ByTier((("resilience-reviewers",),) * 4)


def _days_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _text_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _percent_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _drill_days(raw: Any) -> Mapping[str, ByTier[int | None]]:
    """A drill kind the user writes a table for replaces the tiers it names."""
    return MappingProxyType(
        {
            kind: default.overridden((raw or {}).get(kind), _days_or_none)
            for kind, default in DRILL_DAYS.items()
        }
    )


class ResilienceSettings(NamedTuple):
    """resilience: the per-tier limits of the DR rules, who approves drill records, and where an
    exported drill status file is."""

    drill_days: Mapping[str, ByTier[int | None]] = DRILL_DAYS
    rto_max: ByTier[str | None] = RTO_MAX
    rpo_max: ByTier[str | None] = RPO_MAX
    headroom_percent: ByTier[float | None] = HEADROOM_PERCENT
    reviewers: ByTier[tuple[str, ...]] = REVIEWERS
    status_file: str | None = None  # drills tracked outside the repository (a path outside it)

    def days(self, kind: str, tier: int) -> int | None:
        return self.drill_days[kind].for_tier(tier)

    @staticmethod
    def parse(raw: Any) -> ResilienceSettings:
        raw = raw or {}
        return ResilienceSettings(
            drill_days=_drill_days(raw.get("max_age_days")),
            rto_max=RTO_MAX.overridden(raw.get("rto"), _text_or_none),
            rpo_max=RPO_MAX.overridden(raw.get("rpo"), _text_or_none),
            headroom_percent=HEADROOM_PERCENT.overridden(
                raw.get("headroom_percent"), _percent_or_none
            ),
            reviewers=REVIEWERS.overridden(raw.get("reviewers"), tuple),
            **_given(raw, {"status_file": str}),
        )


# --- incidents ----------------------------------------------------------------------------------

# PRACTICES: a postmortem for every Sev1/Sev2 within 5 business days; no corrective action overdue
# more than 30 days. Whether an overdue item blocks or warns is the rule's severity per tier.
POSTMORTEM_SEVERITIES = ("sev1", "sev2")
POSTMORTEM_BUSINESS_DAYS: ByTier[int] = ByTier((5, 5, 5, 5))
ACTION_OVERDUE_DAYS: ByTier[int] = ByTier((30, 30, 30, 30))


def _days(days: Any) -> tuple[dt.date, ...]:
    return tuple(sorted({dt.date.fromisoformat(str(d)) for d in days}))


class IncidentSourceSettings(NamedTuple):
    """incidents.<source> (file, github, pagerduty, opsgenie, or any source registered in
    gate.incidents.SOURCES): where incidents are and how to ask. A new source's option is a new field."""

    path: str | None = None  # the file source's export, outside the repository
    url: str | None = None  # an API's base URL (its public one by default)
    token_env: str | None = None  # the variable holding the API token
    timeout: float = 5.0
    retries: int = 2
    backoff: float = 0.5
    repository: str | None = None  # github: owner/name of the repository whose issues are incidents
    labels: Mapping[str, str] = MappingProxyType({})  # github: role -> label name
    services: Mapping[str, str] = MappingProxyType(
        {}
    )  # an external service id/name -> gate service

    @staticmethod
    def parse(raw: Any) -> IncidentSourceSettings:
        raw = raw if isinstance(raw, dict) else {}

        def mapping(table: Any) -> Mapping[str, str]:
            return MappingProxyType({str(k): str(v) for k, v in table.items()})

        return IncidentSourceSettings(
            **_given(
                raw,
                {
                    "path": str,
                    "url": str,
                    "token_env": str,
                    "timeout": float,
                    "retries": int,
                    "backoff": float,
                    "repository": str,
                    "labels": mapping,
                    "services": mapping,
                },
            )
        )


_INCIDENT_TABLES = ("on_unavailable", "postmortem_business_days", "action_overdue_days", "exempt")


class IncidentSettings(NamedTuple):
    """incidents: where incidents come from (read at the trusted tip), what an unreachable source
    does per tier, the postmortem and corrective-action limits per tier, and which changes to a
    service with overdue items still go through."""

    source: str | None = None  # None: no incident source; the incident rules stay quiet
    sources: Mapping[str, IncidentSourceSettings] = MappingProxyType({})
    on_unavailable: ByTier[str] = ON_UNAVAILABLE
    postmortem_severities: tuple[str, ...] = POSTMORTEM_SEVERITIES
    postmortem_business_days: ByTier[int] = POSTMORTEM_BUSINESS_DAYS
    action_overdue_days: ByTier[int] = ACTION_OVERDUE_DAYS
    holidays: tuple[dt.date, ...] = ()  # besides Saturdays and Sundays
    closing_actions: bool = True  # a change that closes an action of the service goes through
    exempt: ExemptSettings = ExemptSettings()

    def source_settings(self, name: str) -> IncidentSourceSettings:
        return self.sources.get(name) or IncidentSourceSettings()

    @staticmethod
    def parse(raw: Any) -> IncidentSettings:
        raw = raw or {}
        return IncidentSettings(
            **_given(
                raw,
                {
                    "source": str,
                    "postmortem_severities": tuple,
                    "holidays": _days,
                    "closing_actions": bool,
                },
            ),
            sources=MappingProxyType(
                {
                    name: IncidentSourceSettings.parse(value)
                    for name, value in raw.items()
                    if isinstance(value, dict) and name not in _INCIDENT_TABLES
                }  # the schema names each source's key; every other table is one of these
            ),
            on_unavailable=_modes(raw.get("on_unavailable"), ON_UNAVAILABLE),
            postmortem_business_days=POSTMORTEM_BUSINESS_DAYS.overridden(
                raw.get("postmortem_business_days"), int
            ),
            action_overdue_days=ACTION_OVERDUE_DAYS.overridden(raw.get("action_overdue_days"), int),
            exempt=ExemptSettings.parse(raw.get("exempt")),
        )


# --- scorecard ----------------------------------------------------------------------------------


class AdoptionSettings(NamedTuple):
    """scorecard.adoption: the share of services in `tiers` with everything in `requires`, against a
    target that rises with the months since `start` (the practice: tier 1, SLOs + runbook + owners,
    60% after six months, 80% after twelve)."""

    start: str | None = None  # YYYY-MM-DD; None: the date of the revision's first commit
    tiers: tuple[int, ...] = (1,)
    requires: tuple[str, ...] = ("slos", "runbook", "owners")
    milestones: Mapping[int, float] = MappingProxyType(
        {6: 60.0, 12: 80.0}
    )  # months -> target percent

    @staticmethod
    def parse(raw: Any) -> AdoptionSettings:
        def milestones(table: Any) -> Mapping[int, float]:
            return MappingProxyType({int(k): float(v) for k, v in table.items()})

        return AdoptionSettings(
            **_given(
                raw or {},
                {"start": str, "tiers": tuple, "requires": tuple, "milestones": milestones},
            )
        )


class Campaign(NamedTuple):
    """scorecard.campaigns.NAME: a rollout campaign's target date and one-line title."""

    name: str
    target: dt.date
    title: str = ""


class ScorecardSettings(NamedTuple):
    """scorecard: the adoption target, the rollout campaigns. (When an exception counts as
    expiring is one setting for every command: exceptions.expiring_days; scorecard.expiring_days
    is its older spelling.)"""

    adoption: AdoptionSettings = AdoptionSettings()
    deployment_tags: str | None = None  # a glob of release tags; None: every merge deploys
    campaigns: tuple[Campaign, ...] = ()

    @staticmethod
    def parse(raw: Any) -> ScorecardSettings:
        raw = raw or {}
        tags = (raw.get("deployments") or {}).get("tags")
        campaigns = tuple(
            Campaign(str(name), dt.date.fromisoformat(str(c["target"])), str(c.get("title", "")))
            for name, c in sorted((raw.get("campaigns") or {}).items())
        )
        return ScorecardSettings(
            AdoptionSettings.parse(raw.get("adoption")),
            deployment_tags=None if tags is None else str(tags),
            campaigns=campaigns,
        )


# --- telemetry ----------------------------------------------------------------------------------

# How many people a tier's paging rotation needs at least (one person is no rotation).
MIN_PEOPLE: ByTier[int | None] = ByTier((3, 2, None, None))


def _count_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


class OncallSettings(NamedTuple):
    """telemetry.oncall: where the rotations owners.oncall names are checked (PagerDuty or Opsgenie
    with a token, or a file exported outside the repository), and what a rotation needs."""

    source: str | None = None  # pagerduty | opsgenie | file; None: rotations are not checked
    url: str | None = None  # the API (default: the vendor's public one)
    token_env: str | None = (
        None  # the variable holding the API token (PAGERDUTY_TOKEN, OPSGENIE_API_KEY)
    )
    status_file: str | None = None  # source file: an export outside the repository
    min_people: ByTier[int | None] = MIN_PEOPLE
    min_levels: int = 2  # escalation levels
    timeout: float = 5.0

    @staticmethod
    def parse(raw: Any) -> OncallSettings:
        raw = raw or {}
        return OncallSettings(
            **_given(
                raw,
                {
                    "source": str,
                    "url": str,
                    "token_env": str,
                    "status_file": str,
                    "min_levels": int,
                    "timeout": float,
                },
            ),
            min_people=MIN_PEOPLE.overridden(raw.get("min_people"), _count_or_none),
        )


class GrafanaSettings(NamedTuple):
    """telemetry.grafana: the Grafana that dashboard URLs are resolved against (advisory)."""

    url: str | None = None
    token_env: str | None = None
    timeout: float = 5.0

    @staticmethod
    def parse(raw: Any) -> GrafanaSettings:
        return GrafanaSettings(
            **_given(raw or {}, {"url": str, "token_env": str, "timeout": float})
        )


class TelemetrySettings(NamedTuple):
    """telemetry: the on-call and Grafana services the telemetry rules ask (trusted config only)."""

    oncall: OncallSettings = OncallSettings()
    grafana: GrafanaSettings = GrafanaSettings()

    @staticmethod
    def parse(raw: Any) -> TelemetrySettings:
        raw = raw or {}
        return TelemetrySettings(
            OncallSettings.parse(raw.get("oncall")), GrafanaSettings.parse(raw.get("grafana"))
        )
