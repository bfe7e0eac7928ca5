"""`.gate.yaml`: which packs, which overrides. Read from the base revision of the change."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from gate import backstage
from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.resources import check_document
from gate.settings import (
    BudgetSettings,
    IncidentSettings,
    ResilienceSettings,
    RiskSettings,
    ScorecardSettings,
    TelemetrySettings,
    WaiverSettings,
)
from gate.snapshot import Snapshot

CONFIG_FILE = ".gate.yaml"
DEFAULT_UNOWNED_IGNORE = (
    "README*",
    "LICENSE*",
    "CHANGELOG*",
    "CONTRIBUTING*",
    ".gitignore",
    ".gitattributes",
    ".github/**",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gate.yaml",
    ".pre-commit-config.yaml",
    "policies/**",
    "exceptions.yaml",
    "gate-baseline.yaml",
)


@dataclass(frozen=True)
class Config:
    path: str = CONFIG_FILE
    found: bool = False
    packs: tuple[Any, ...] = (
        "default",
    )  # "default", "builtin:NAME", a repository path, or a pin (a mapping)
    rules: dict[str, Any] = field(default_factory=dict)
    unowned: str = "warning"
    unowned_ignore: tuple[str, ...] = DEFAULT_UNOWNED_IGNORE
    github_org: str | None = None
    backstage: backstage.Settings = field(default_factory=backstage.Settings)
    budgets: BudgetSettings = BudgetSettings()
    exceptions: WaiverSettings = WaiverSettings()
    risk: RiskSettings = RiskSettings()
    resilience: ResilienceSettings = ResilienceSettings()
    incidents: IncidentSettings = IncidentSettings()
    scorecard: ScorecardSettings = ScorecardSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    doc: gate_yaml.Document | None = None

    def line(self, *path: Any) -> int | None:
        return self.doc.line(*path) if self.doc else None

    @property
    def ledger_path(self) -> str:
        return self.exceptions.path

    def files(self) -> tuple[str, ...]:
        """The repository files that make up the gate's own configuration (the ledger has its own trust rules)."""
        return (self.path,) + tuple(
            p
            for p in self.packs
            if isinstance(p, str) and p != "default" and not p.startswith("builtin:")
        )


def parse(raw: bytes, path: str) -> Config:
    doc = gate_yaml.load(raw, path)
    data = doc.data if doc.data is not None else {}
    if isinstance(data, dict):
        data = _yaml11_off(data)
    check_document(data, doc, path, "config", "gate config")
    return Config(
        path=path,
        found=True,
        packs=tuple(data.get("packs", ("default",))),
        rules=dict(data.get("rules", {})),
        unowned=data.get("unowned", "warning"),
        unowned_ignore=unowned_ignore(data.get("unowned_ignore", ())),
        github_org=data.get("github_org"),
        backstage=backstage.Settings.parse(data.get("backstage")),
        budgets=BudgetSettings.parse(data.get("budgets")),
        exceptions=WaiverSettings.parse(data.get("exceptions"), data.get("scorecard")),
        risk=RiskSettings.parse(data.get("risk")),
        resilience=ResilienceSettings.parse(data.get("resilience")),
        incidents=IncidentSettings.parse(data.get("incidents")),
        scorecard=ScorecardSettings.parse(data.get("scorecard")),
        telemetry=TelemetrySettings.parse(data.get("telemetry")),
        doc=doc,
    )


def unowned_ignore(patterns: Any) -> tuple[str, ...]:
    """The built-in defaults plus the user's patterns; "!pattern" drops that default."""
    patterns = [str(p) for p in patterns or ()]
    dropped = {p[1:] for p in patterns if p.startswith("!")}
    return tuple(p for p in DEFAULT_UNOWNED_IGNORE if p not in dropped) + tuple(
        p for p in patterns if not p.startswith("!") and p not in DEFAULT_UNOWNED_IGNORE
    )


def _yaml11_off(data: dict[str, Any]) -> dict[str, Any]:
    """YAML 1.1 reads a bare `off` as false; in a severity position the user meant "off"."""

    def fix(value: Any) -> Any:
        if value is False:
            return "off"
        if isinstance(value, dict):
            return {
                k: fix(v) if k in ("severity",) or isinstance(k, int) or str(k).isdigit() else v
                for k, v in value.items()
            }
        return value

    data = dict(data)
    budgets = data.get("budgets")
    if isinstance(budgets, dict):
        data["budgets"] = {k: fix(v) if k.startswith("on_") else v for k, v in budgets.items()}
    if data.get("unowned") is False:
        data["unowned"] = "off"
    if isinstance(data.get("rules"), dict):
        data["rules"] = {rule: fix(value) for rule, value in data["rules"].items()}
    return data


def load(snapshot: Snapshot, path: str = CONFIG_FILE, required: bool = False) -> Config:
    """The config in `snapshot` (normally the base revision); defaults when there is none."""
    if snapshot.is_symlink(path):
        raise FatalError("gate config must be a regular file, not a symlink", path)
    raw = snapshot.read(path)
    if raw is None:
        if required:
            raise FatalError("gate config not found in the base revision", path)
        return Config(path=path)
    return parse(raw, path)
