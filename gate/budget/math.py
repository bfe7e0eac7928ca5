"""Budget and burn-rate math: pure functions on numbers (Google SRE workbook, ch. 5)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

HOUR = 3600
DAY = 86400


class BurnWindow(NamedTuple):
    """A multi-window alert condition: burn over `long` and over `short` both above `factor`."""

    long: int  # seconds
    short: int
    budget_fraction: float  # share of the budget this condition spends over `long` at `factor`
    severity: str  # page (fast burn) | ticket (slow burn)

    def factor(self, slo_window: int) -> float:
        """The workbook's burn-rate factor scaled to the SLO window (14.4 for 1h at 2% of 30 days)."""
        return self.budget_fraction * slo_window / self.long


# The workbook's three conditions for a 30-day window plus Sloth's 1d/2h ticket condition.
BURN_WINDOWS = (
    BurnWindow(1 * HOUR, 5 * 60, 0.02, "page"),
    BurnWindow(6 * HOUR, 30 * 60, 0.05, "page"),
    BurnWindow(1 * DAY, 2 * HOUR, 0.10, "ticket"),
    BurnWindow(3 * DAY, 6 * HOUR, 0.10, "ticket"),
)

# Windows reported as burn rates, and every window a condition needs.
REPORTED = (1 * HOUR, 6 * HOUR, 1 * DAY, 3 * DAY)
ALL_SHORT_WINDOWS = tuple(sorted({w for b in BURN_WINDOWS for w in (b.long, b.short)} | set(REPORTED)))


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
    if not all(math.isfinite(x) for x in (bad_slices, slices)) or slices <= 0 or bad_slices < 0 or bad_slices > slices:
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


@dataclass(frozen=True)
class BurnState:
    state: str  # ok | fast-burn | slow-burn
    condition: str | None  # e.g. "14.4x over 1h and 5m"


def burn_state(rates: dict[int, float | None], slo_window: int) -> BurnState:
    """Multi-window, multi-burn-rate state; a window with no data never triggers."""
    for severity, state in (("page", "fast-burn"), ("ticket", "slow-burn")):
        for bw in BURN_WINDOWS:
            if bw.severity != severity:
                continue
            factor = bw.factor(slo_window)
            long_rate, short_rate = rates.get(bw.long), rates.get(bw.short)
            if long_rate is not None and short_rate is not None and long_rate > factor and short_rate > factor:
                return BurnState(state, f"{factor:.3g}x over {duration_text(bw.long)} and {duration_text(bw.short)}")
    return BurnState("ok", None)


def duration_text(seconds: int) -> str:
    for unit, size in (("d", DAY), ("h", HOUR), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


_UNITS = {"s": 1, "m": 60, "h": HOUR, "d": DAY, "w": 7 * DAY}


def parse_duration(text: object) -> int | None:
    """'28d', '4w', '30m' -> seconds (Prometheus-style single unit); None if not a duration."""
    if not isinstance(text, str) or len(text) < 2 or text[-1] not in _UNITS or not text[:-1].isdigit():
        return None
    value = int(text[:-1]) * _UNITS[text[-1]]
    return value or None
