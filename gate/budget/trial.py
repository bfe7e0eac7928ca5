"""SLI queries tried before merge: the queries of each SLO a change adds or edits are run against the
operator's Prometheus, so a misspelled metric, a label value no series has, a total that is zero or
a query Prometheus refuses is found in review rather than by an SLO that measures nothing forever.

Advisory and bounded: it never feeds the budget (that is measured with the trusted definitions);
a Prometheus that is down, slow or answers garbage ends the trial for the run with a note; the
whole trial has a deadline. The Prometheus asked is the trusted settings' (`budgets.prometheus`),
never one a change names. Offline and staged runs skip it and say so.
"""

from __future__ import annotations

import difflib
import math
import os
import time
from typing import Any

from gate.budget.math import duration_text
from gate.budget.prometheus import Rejected, api, render, samples
from gate.budget.promql import Selector, selectors
from gate.budget.records import SLO, say
from gate.builtin_rules import builtin_finding
from gate.catalog import Service
from gate.httpclient import Unavailable
from gate.settings import BudgetSettings
from gate.verdict import Finding

RULE = "sli-query-measures-nothing"
MAX_SLOS = 10  # per run: the trial costs a few queries each
MAX_NAMES = 100_000  # metric names compared for "closest"
DEADLINE_TIMEOUTS = 6  # the whole trial, in the source's timeouts


class Trial:
    """One run's trial of the SLI queries the change writes; the first failure to reach Prometheus
    ends it, so a down or slow server costs one bounded attempt, not one per query."""

    def __init__(self, budgets: BudgetSettings, offline: bool, staged: bool) -> None:
        self.settings = budgets.source_settings("prometheus")._replace(retries=0)
        self.configured = bool(os.environ.get("GATE_PROMETHEUS_URL") or self.settings.url)
        self.stopped: str | None = (
            "offline run: the SLI queries it adds or edits were not tried against Prometheus (CI tries them)"
            if offline
            else "staged change: the SLI queries it adds or edits are tried against Prometheus in CI, not before commit"
            if staged
            else None
        )
        self.tried = 0
        self.deadline: float | None = None
        self._names: list[str] | None = None
        self._now = time.time()

    def findings(self, service: Service, slos: list[SLO]) -> list[Finding]:
        """What trying these SLOs' queries found: a warning per SLO that would measure nothing,
        or one note (info) when they were not tried."""
        wanted = [s for s in slos if s.source in (None, "prometheus") and s.measured]
        if not wanted or not self.configured:
            return []
        findings: list[Finding] = []
        for slo in wanted:
            if self.stopped is None and self.tried >= MAX_SLOS:
                self.stopped = f"only the first {MAX_SLOS} SLOs a change writes are tried"
            if self.stopped is not None:
                return findings + [self._note(service, slo, self.stopped)]
            self.tried += 1
            try:
                problems = self._problems(slo)
            except Unavailable as e:
                self.stopped = f"their queries could not be tried against Prometheus: {e}"
                return findings + [self._note(service, slo, self.stopped)]
            findings += [
                builtin_finding(
                    RULE,
                    "warning",
                    f"SLO {say(slo.name)}, tried against Prometheus: {problem}",
                    slo.origin or service.manifest,
                    slo.line,
                )
                for problem in dict.fromkeys(problems)  # a typo shared by good and total: once
            ]
        return findings

    def _note(self, service: Service, slo: SLO, why: str) -> Finding:
        return builtin_finding(RULE, "info", why, slo.origin or service.manifest, slo.line)

    def _ask(self, path: str, params: dict[str, Any], method: str = "POST") -> Any:
        now = time.monotonic()
        if self.deadline is None:
            self.deadline = now + DEADLINE_TIMEOUTS * self.settings.timeout
        elif now > self.deadline:
            raise Unavailable(
                f"the trial ran out of its {DEADLINE_TIMEOUTS * self.settings.timeout:g}s"
            )
        return api(self.settings, path, params, method=method)

    def _problems(self, slo: SLO) -> list[str]:
        window = slo.window or 86400
        problems = []
        for key, template in slo.templates:
            query = render(template, window)
            try:
                values = samples(
                    self._ask(
                        "/api/v1/query",
                        {
                            "query": query,
                            "time": self._now,
                            "timeout": f"{self.settings.timeout:g}",
                        },
                    )
                )
            except Rejected as e:
                problems.append(f"Prometheus rejects its {key} query: {e}")
                continue
            if not values:
                problems += self._why_empty(key, query, window)
            elif key == "total" and all(v == 0 for v in values):
                problems.append(
                    f"its total is 0 over {duration_text(window)}, so the ratio divides by zero "
                    "(no traffic is no data, never all good)"
                )
            elif key == "ratio" and all(math.isnan(v) for v in values):
                problems.append(
                    f"its ratio is NaN over {duration_text(window)}: the total under it is 0"
                )
        return problems

    def _why_empty(self, key: str, query: str, window: int) -> list[str]:
        """Why a query returns no series: each selector that matches none, and what is closest."""
        found = []
        span = {"start": self._now - window, "end": self._now}
        for selector in dict.fromkeys(selectors(query)):
            series = self._ask("/api/v1/series", {"match[]": selector.text, **span})
            if isinstance(series, list) and series:
                continue
            if selector.metric and selector.metric not in self.names():
                found.append(_unknown_metric(selector.metric, self.names()))
            elif key != "bad":  # a service that never failed has no error series yet
                found.append(self._unseen(selector, span))
        if not found and key != "bad":
            found.append(f"its {key} query returns no series over {duration_text(window)}")
        return found

    def _unseen(self, selector: Selector, span: dict[str, float]) -> str:
        for label, value in selector.equal:
            match = {"match[]": f'{{__name__="{selector.metric}"}}'} if selector.metric else {}
            seen = _strings(
                self._ask(f"/api/v1/label/{label}/values", {**match, **span}, method="GET")
            )
            if value not in seen:
                closest = difflib.get_close_matches(value, seen[:MAX_NAMES], 1, 0.6)
                on = f" on {selector.metric}" if selector.metric else ""
                hint = f" (closest seen: {label}={closest[0]!r})" if closest else ""
                return f"no series has {label}={value!r}{on}{hint}"
        return f"selector {selector.text} matches no series"

    def names(self) -> list[str]:
        """Every metric name Prometheus has, asked once per run."""
        if self._names is None:
            self._names = _strings(self._ask("/api/v1/label/__name__/values", {}, method="GET"))[
                :MAX_NAMES
            ]
        return self._names


def _unknown_metric(metric: str, names: list[str]) -> str:
    closest = difflib.get_close_matches(metric, names, 1, 0.6)
    hint = f" (closest existing metric: {closest[0]})" if closest else ""
    return f"metric {metric} has no series in Prometheus{hint}"


def _strings(data: Any) -> list[str]:
    if not isinstance(data, list) or not all(isinstance(v, str) for v in data):
        raise Unavailable("not a Prometheus label-values answer")
    return data
