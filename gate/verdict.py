"""Findings, per-service results and the verdict every reporter reads."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    from gate.waivers.records import Fate, LedgerEntry, WaiverReport

# The words every report prints; a type checker holds each field to its words.
Severity = Literal["info", "warning", "error"]
Decision = Literal["pass", "warn", "block"]  # what the findings decide
Headline = Literal["pass", "warn", "block", "undecided"]  # what a report leads with
Status = Literal["changed", "added", "removed", "unchanged"]  # unchanged: `gate validate`
RiskLevel = Literal["low", "medium", "high", "critical"]
BudgetState = Literal[
    "ok",
    "slow-burn",
    "fast-burn",
    "exhausted",
    "no-data",
    "unavailable",
    "unmeasurable",
    "not-measured",
]  # one SLO's; a service without SLOs is "no-slos"

SEVERITIES: tuple[Severity, ...] = ("info", "warning", "error")  # least to most severe
SEVERITY_RANK: dict[str, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}
_SEVERITY_OF: dict[str, Severity] = {severity: severity for severity in SEVERITIES}


def as_severity(word: str) -> Severity:
    """A severity read as a plain string (a setting, a table); KeyError for any other word."""
    return _SEVERITY_OF[word]


@dataclass(frozen=True)
class RuleInfo:
    """What a rule is, wherever it is defined (a policy pack or the gate itself): `gate explain`,
    SARIF rule metadata and JUnit test names read it."""

    id: str
    title: str
    description: str
    remediation: str
    docs: str = ""


@dataclass(frozen=True)
class Finding:
    rule: str
    title: str
    severity: Severity
    message: str
    file: str | None
    line: int | None
    remediation: str
    docs: str = ""
    waiver: LedgerEntry | None = None  # the ledger entry that waives it

    def sort_key(self) -> tuple[Any, ...]:
        return (
            -SEVERITY_RANK[self.severity],
            self.rule,
            self.file or "",
            self.line or 0,
            self.message,
        )


@dataclass(frozen=True)
class RiskResult:
    """One service's change risk: the score (0-100: its percentile among the repository's recent
    changes), its level, the words that explain it, the model's probability and inputs."""

    score: int
    level: RiskLevel
    factors: tuple[str, ...]
    model: str
    features: Mapping[str, float] = field(default_factory=dict)
    history: str | None = None  # "incomplete: ..." when the clone's history is shallow or broken
    probability: float | None = None  # the model's probability of failure, 0-100
    scale: str | None = None  # what the score is a percentile of

    @classmethod
    def of(cls, scored: Mapping[str, Any]) -> RiskResult:
        """From the scorer's answer (gate.risk.score)."""
        return cls(
            scored["score"],
            scored["level"],
            tuple(scored["factors"]),
            scored["model"],
            dict(scored["features"]),
            scored.get("history"),
            scored.get("probability"),
            scored.get("scale"),
        )


class _Named(Protocol):
    @property
    def name(self) -> str: ...


class SLOReading(Protocol):
    """What reports read of one SLO's measured budget (gate.budget.status.SLOStatus)."""

    @property
    def slo(self) -> _Named: ...

    @property
    def state(self) -> BudgetState: ...

    @property
    def remaining(self) -> float | None: ...

    @property
    def reason(self) -> str | None: ...

    def to_json(self) -> dict[str, Any]: ...


class ProblemReading(Protocol):
    """An SLO definition the gate cannot measure (gate.budget.records.SLOProblem)."""

    @property
    def message(self) -> str: ...

    @property
    def file(self) -> str: ...

    @property
    def line(self) -> int | None: ...


@dataclass(frozen=True)
class BudgetResult:
    """One service's error budget: its worst state, every SLO's status, and why it is exempt, if it is."""

    state: BudgetState | Literal["no-slos"]  # the worst of its SLOs' states
    exempt: str | None
    slos: tuple[SLOReading, ...]
    unmeasurable: tuple[ProblemReading, ...]  # valid definitions the gate cannot measure


@dataclass(frozen=True)
class ServiceResult:
    name: str
    tier: int
    manifest: str
    root: str
    status: Status
    changed_files: tuple[str, ...]
    findings: tuple[Finding, ...]
    risk: RiskResult | None = None
    budget: BudgetResult | None = None
    exceptions_applied: tuple[Fate, ...] = ()  # the ledger entries that waive some of its findings
    checked: tuple[str, ...] = ()  # ids of the rules evaluated for this service
    identity: str = (
        ""  # its name in the base branch when the change renamed it (exceptions apply by that)
    )
    judged_tier: int | None = (
        None  # a stricter tier its dependents put some findings at (waivers too)
    )
    team: str | None = None  # owners.team as the catalog resolved it: who a finding goes to
    oncall: str | None = None  # owners.oncall as the catalog resolved it

    @property
    def verdict(self) -> Decision:
        return decide(self.findings)

    @property
    def headline(self) -> Headline:
        """pass | warn | block, or undecided when only an unmeasurable fail-closed source blocks."""
        return (
            "undecided"
            if self.verdict == "block" and undecided_reason(self.findings)
            else self.verdict
        )


@dataclass(frozen=True)
class Verdict:
    verdict: Decision
    base: str
    head: str
    services: tuple[ServiceResult, ...]
    findings: tuple[Finding, ...]  # not tied to one service: unowned files, gate config edits
    config: str
    config_changed: bool
    as_of: str
    mode: str  # commits | staged | catalog
    exceptions: WaiverReport | None = None  # every ledger entry by fate; None without a ledger
    rules: dict[str, RuleInfo] = field(default_factory=dict)  # every rule this run could raise
    notes: tuple[
        str, ...
    ] = ()  # what the user should know that is not a finding (e.g. uncommitted manifests)

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {severity: 0 for severity in reversed(SEVERITIES)}
        for finding in self.all_findings():
            if finding.waiver is None:
                counts[finding.severity] += 1
        return counts

    def all_findings(self) -> list[Finding]:
        return [f for s in self.services for f in s.findings] + list(self.findings)

    @property
    def undecided(self) -> bool:
        """Blocked only because a fail-closed source was unavailable: the gate could not decide."""
        return undecided_reason(self.all_findings()) is not None

    @property
    def headline(self) -> Headline:
        """What every report leads with: pass | warn | block | undecided (exit code 3 is not a block)."""
        return "undecided" if self.undecided else self.verdict

    @property
    def undecided_reason(self) -> str | None:
        return undecided_reason(self.all_findings())

    @property
    def exit_code(self) -> int:
        if self.verdict != "block":
            return 0
        return 3 if self.undecided else 1

    def exit_code_for(self, fail_on: str) -> int:
        """The exit code when the step fails on `block` (default), on `warn` too, or `never`."""
        if fail_on == "never":
            return 0
        if fail_on == "warn" and self.verdict == "warn":
            return 1
        return self.exit_code


def decide(findings: tuple[Finding, ...] | list[Finding]) -> Decision:
    """block on any error, warn on any warning; a waived finding counts for nothing."""
    severities = {f.severity for f in findings if f.waiver is None}
    if "error" in severities:
        return "block"
    if "warning" in severities:
        return "warn"
    return "pass"


# The rules that say a fail-closed source could not answer, and what the gate could then not do.
UNREACHABLE = {
    "error-budget-unavailable": "measure the error budget",
    "incidents-unavailable": "read the incidents",
}


def undecided_reason(findings: tuple[Finding, ...] | list[Finding]) -> str | None:
    """Why the gate could not decide, when its only unwaived errors are fail-closed sources it could not measure."""
    errors = [f for f in findings if f.severity == "error" and f.waiver is None]
    if not errors or any(f.rule not in UNREACHABLE for f in errors):
        return None
    what = " and ".join(dict.fromkeys(UNREACHABLE[f.rule] for f in errors))
    return f"could not {what}, and tier 0-1 fail closed: " + "; ".join(
        dict.fromkeys(f.message for f in errors)
    )
