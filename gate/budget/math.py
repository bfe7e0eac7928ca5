"""Budget and burn-rate math: pure functions on numbers (Google SRE workbook, ch. 5)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol

HOUR = 3600
DAY = 86400


class BurnWindow(NamedTuple):
    """One multi-window alert condition: the error ratio over `long` and over `short` both above the threshold."""

    long: int  # seconds
    short: int
    budget_percent: float  # % of the budget this condition spends over `long` at its factor (Sloth's errorBudgetPercent)
    severity: str  # page (fast burn) | ticket (slow burn)
    speed: str = "quick"  # quick | slow

    def factor(self, slo_window: int) -> float:
        """Burn-rate factor, computed as Sloth computes it (14.4 for 1h at 2% of 30 days)."""
        return self.budget_percent * (slo_window / HOUR) / 100 / (self.long / HOUR)


class AlertWindows(NamedTuple):
    """Sloth's AlertWindows spec: page and ticket conditions, each quick and slow, for one SLO period."""

    period: int  # seconds
    windows: tuple[BurnWindow, ...]


def _workbook(period: int) -> AlertWindows:
    return AlertWindows(
        period,
        (
            BurnWindow(1 * HOUR, 5 * 60, 2, "page", "quick"),
            BurnWindow(6 * HOUR, 30 * 60, 5, "page", "slow"),
            BurnWindow(1 * DAY, 2 * HOUR, 10, "ticket", "quick"),
            BurnWindow(3 * DAY, 6 * HOUR, 10, "ticket", "slow"),
        ),
    )


# The SRE workbook's windows, as Sloth ships them for 28 and 30 days (google-28d.yaml, google-30d.yaml).
DEFAULT_WINDOWS = (_workbook(28 * DAY), _workbook(30 * DAY))
BURN_WINDOWS = DEFAULT_WINDOWS[1].windows

# Windows always reported as burn rates.
REPORTED = (1 * HOUR, 6 * HOUR, 1 * DAY, 3 * DAY)


def alert_windows(spec: dict[str, Any]) -> AlertWindows:
    """A Sloth AlertWindows document (or its `spec`), as validated by schemas/config.schema.json."""
    spec = spec.get("spec", spec)
    windows = []
    for severity in ("page", "ticket"):
        for speed in ("quick", "slow"):
            w = spec[severity][speed]
            windows.append(
                BurnWindow(
                    _duration(w["longWindow"]),
                    _duration(w["shortWindow"]),
                    float(w["errorBudgetPercent"]),
                    severity,
                    speed,
                )
            )
    return AlertWindows(_duration(spec["sloPeriod"]), tuple(windows))


def _duration(text: str) -> int:
    seconds = parse_duration(text)
    if seconds is None:
        raise ValueError(f"{text} is not a duration")
    return seconds


class ConfiguredWindows(Protocol):
    """Where alert windows are configured (gate.settings.BudgetSettings: per tier, then the repository's)."""

    def windows(self, tier: int | None) -> tuple[AlertWindows, ...]: ...


def windows_for(
    slo_window: int, tier: int | None, budgets: ConfiguredWindows | None
) -> AlertWindows:
    """The tier's windows for this SLO period, else the repository's, else the workbook's.

    A period nobody configured keeps the workbook's budget percentages (factors scale with the
    period), where Sloth would refuse the SLO.
    """
    for windows in budgets.windows(tier) if budgets is not None else ():
        if windows.period == slo_window:
            return windows
    for windows in DEFAULT_WINDOWS:
        if windows.period == slo_window:
            return windows
    return _workbook(slo_window)


def needed_windows(windows: AlertWindows) -> tuple[int, ...]:
    return tuple(sorted({w for b in windows.windows for w in (b.long, b.short)} | set(REPORTED)))


# Beyond 2**53 a float no longer counts whole events: adding a huge number to both good and total
# would round the bad events away. A source answering more is faulty, not busy.
MAX_EVENTS = float(2**53)
# Good and total are asked in two queries; a scrape landing between them may put good a hair above total.
GOOD_OVER_TOTAL = 1e-3


def count_fault(good: float, total: float) -> str | None:
    """Why a source's (good, total) cannot be a measurement, or None when it can.

    NaN, infinities, negatives, absurd magnitudes and good above total are a faulty source (fail
    closed at the tier's setting), never "no data": one poisoned series must not turn a spent
    budget into a warning. A total of zero is no traffic, which is no data."""
    for name, value in (("good", good), ("total", total)):
        if not math.isfinite(value):
            return f"{name} is {value!r}, not a number of events"
        if value < 0:
            return f"{name} is negative ({value:g})"
        if value > MAX_EVENTS:
            return f"{name} is {value:.3g}, beyond any count of events (at most 2^53)"
    if good > total * (1 + GOOD_OVER_TOTAL):
        return f"good ({good:g}) exceeds total ({total:g})"
    return None


def good_ratio(good: float, total: float) -> float | None:
    """good/total, or None for no data (no traffic, NaN, Inf, negative or good > total)."""
    if not all(math.isfinite(x) for x in (good, total)) or total <= 0 or good < 0:
        return None
    if good > total * (1 + 1e-9):
        return None
    return min(good / total, 1.0)


def budget_remaining(good: float, total: float, objective: float) -> float | None:
    """Occurrences: 1 - bad/(total*(1-T)) with T a fraction; None for no data.

    With an objective of 1 (100%) there is no budget: remaining is 0 with no errors, -inf with any.
    """
    ratio = good_ratio(good, total)
    if ratio is None:
        return None
    bad = 1.0 - ratio
    allowed = 1.0 - objective
    if allowed <= 0:
        return 0.0 if bad == 0 else -math.inf
    return 1.0 - bad / allowed


def timeslices_remaining(bad_slices: float, slices: float, objective: float) -> float | None:
    """Timeslices: 1 - bad_slices / ((1-T) * N)."""
    if (
        not all(math.isfinite(x) for x in (bad_slices, slices))
        or slices <= 0
        or bad_slices < 0
        or bad_slices > slices
    ):
        return None
    allowed = (1.0 - objective) * slices
    if allowed <= 0:
        return 0.0 if bad_slices == 0 else -math.inf
    return 1.0 - bad_slices / allowed


def burn_rate(good: float, total: float, objective: float) -> float | None:
    """How fast the budget burns: error ratio over the window / allowed error ratio (1.0 = on budget)."""
    ratio = good_ratio(good, total)
    if ratio is None:
        return None
    allowed = 1.0 - objective
    if allowed <= 0:
        return 0.0 if ratio == 1.0 else math.inf
    return (1.0 - ratio) / allowed


Burn = Literal["ok", "fast-burn", "slow-burn"]  # what the burn-rate alerts say


@dataclass(frozen=True)
class BurnState:
    state: Burn
    condition: str | None  # e.g. "14.4x over 1h and 5m"


def error_budget_ratio(objective: float) -> float:
    """1 - objective, computed as Sloth's rules do ((100 - percent) / 100), so thresholds agree to the last bit."""
    return (100 - round(objective * 100, 10)) / 100


def burn_state(
    errors: Mapping[int, float | None],
    slo_window: int,
    objective: float,
    windows: AlertWindows | None = None,
    alerts: tuple[str, ...] = ("page", "ticket"),
) -> BurnState:
    """Multi-window, multi-burn-rate state from error ratios; a window with no data never triggers.

    A condition holds when both error ratios are strictly above factor x (1 - objective): the
    expression Sloth generates (`ratio > (14.4 * 0.001)`), so exactly 14.4x agrees with it.
    """
    windows = windows or windows_for(slo_window, None, None)
    budget = error_budget_ratio(objective)
    burns: tuple[tuple[str, Burn], ...] = (("page", "fast-burn"), ("ticket", "slow-burn"))
    for severity, state in burns:
        if severity not in alerts:
            continue
        for bw in windows.windows:
            if bw.severity != severity:
                continue
            factor = bw.factor(slo_window)
            long_ratio, short_ratio = errors.get(bw.long), errors.get(bw.short)
            if (
                long_ratio is not None
                and short_ratio is not None
                and long_ratio > factor * budget
                and short_ratio > factor * budget
            ):
                return BurnState(
                    state,
                    f"{factor:.4g}x over {duration_text(bw.long)} and {duration_text(bw.short)}",
                )
    return BurnState("ok", None)


def error_ratio(good: float, total: float) -> float | None:
    """(total - good) / total: exact for whole counts, as Sloth's error/total is."""
    if good_ratio(good, total) is None:
        return None
    return max(0.0, (total - good) / total)


def duration_text(seconds: int) -> str:
    for unit, size in (("d", DAY), ("h", HOUR), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY, "w": 7 * DAY}  # Prometheus's single-unit durations
# The one table of calendar units' nominal lengths (OpenSLO windows, calendar periods): a month is
# 30 days, a quarter 91 (a quarter of 365, rounded down), a year 365.
CALENDAR_UNITS = {
    "m": 60,
    "h": HOUR,
    "d": DAY,
    "w": 7 * DAY,
    "M": 30 * DAY,
    "Q": 91 * DAY,
    "Y": 365 * DAY,
}
_SHORTHAND = re.compile(r"([1-9][0-9]*)([A-Za-z])")


def parse_duration(text: object, units: Mapping[str, int] = UNITS) -> int | None:
    """'28d', '4w', '30m' -> seconds: a positive whole number without a leading zero and one unit
    of `units` (the schemas' `^[1-9][0-9]*[smhdw]$`); None if `text` is not one."""
    m = _SHORTHAND.fullmatch(text) if isinstance(text, str) else None
    return int(m.group(1)) * units[m.group(2)] if m and m.group(2) in units else None
