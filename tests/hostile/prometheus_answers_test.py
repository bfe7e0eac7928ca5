"""Fuzzing the Prometheus budget source over a real socket: hostile values, shapes, sizes and timings.

Whatever the server answers, and at whatever pace, measuring a tier-0 SLO ends within its deadline
in a measurement from valid numbers, "no data" from an answer that says no traffic, or a source
fault that fails closed (an error finding) — never an internal error, never a poisoned value read as
"no data".
"""

from __future__ import annotations

import json
import math
import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from testing.hostile_http import HostileServer, Script, drip, http_response

from gate.budget.records import SLO
from gate.budget.status import findings_for, measure
from gate.settings import BudgetSettings

TIMEOUT = 0.3  # each attempt's whole deadline is twice this
SLO_ = SLO(
    service="payments",
    name="payments-availability",
    objective=0.9995,
    window=28 * 86400,
    window_text="28d",
    budgeting="occurrences",
    source="prometheus",
    good='sum(rate(http_requests_total{service="payments",code!~"5.."}[{{window}}]))',
    total='sum(rate(http_requests_total{service="payments"}[{{window}}]))',
    origin="services/payments/service.yaml",
    line=6,
)

values = st.sampled_from(
    ["NaN", "+Inf", "-Inf", "1e400", "-1", "1e300", "0", "1", "0.95", "abc", "", "0x10", "1_000"]
) | st.floats(allow_nan=True, allow_infinity=True).map(repr)


def _vector(value: Any, series: int = 1) -> Any:
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"i": str(i)}, "value": [1, value]} for i in range(series)],
        },
    }


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
bodies = st.one_of(
    st.builds(lambda g, t: (g, t), values, values).map(lambda gt: ("pair", gt)),
    st.tuples(values, st.integers(0, 3)).map(lambda vs: ("doc", _vector(*vs))),
    st.sampled_from(
        [
            {"status": "success", "data": {"resultType": "scalar", "result": [1, "NaN"]}},
            {"status": "success", "data": {"resultType": "matrix", "result": []}},
            {"status": "success", "data": {"resultType": "string", "result": [1, "x"]}},
            {"status": "success", "data": None},
            {"status": "success"},
            {"status": "error", "errorType": "bad_data", "error": "::set-output name=x::y"},
            {"status": "success", "data": {"resultType": "vector", "result": [{"value": "x"}]}},
            {"status": "success", "data": {"resultType": "vector", "result": [[1, "1"]]}},
        ]
    ).map(lambda doc: ("doc", doc)),
    json_values.map(lambda doc: ("doc", doc)),
    st.sampled_from(
        [
            b"[" * 200_000 + b"]" * 200_000,
            b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
            b"not json",
            b"",
            b"\xff\xfe\x00",
            b"x" * (6 * 1024 * 1024),
        ]
    ).map(lambda raw: ("raw", raw)),
)
statuses = st.sampled_from(
    ["200 OK", "200 OK", "200 OK", "400 Bad Request", "422 X", "500 X", "302 Found"]
)
timings = st.sampled_from(
    ["at once", "at once", "at once", "late", "drip headers", "drip body", "hang"]
)


def _answer(body: tuple[str, Any], status: str, timing: str) -> Any:
    def answer(query: str) -> Script:
        kind, what = body
        if kind == "pair":
            good, total = what
            raw = json.dumps(_vector(good if 'code!~"5.."' in query else total)).encode()
        elif kind == "doc":
            raw = json.dumps(what).encode()
        else:
            raw = what
        whole = http_response(raw, status)
        split = whole.index(b"\r\n\r\n") + 4
        if timing == "late":
            return [(TIMEOUT * 3, whole)]
        if timing == "drip headers":
            return drip(whole[:split], TIMEOUT / 3)
        if timing == "drip body":
            return [(0, whole[:split]), *drip(whole[split:], TIMEOUT / 3)]
        if timing == "hang":
            return [(0, whole[: split - 2]), (60, b"")]
        return [(0, whole)]

    return answer


def _measurement(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and 0 <= value <= 2**53


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=bodies, status=statuses, timing=timings)
def test_any_answer_at_any_pace_is_a_measurement_no_data_or_a_fault_that_fails_closed(
    body: tuple[str, Any], status: str, timing: str
) -> None:
    with HostileServer(_answer(body, status, timing)) as server:
        budgets = BudgetSettings.parse(
            {"prometheus": {"url": server.url, "timeout": TIMEOUT, "retries": 0}}
        )
        started = time.monotonic()
        measured = measure(SLO_, budgets, offline=False, tier=0)
        elapsed = time.monotonic() - started
    assert elapsed < 20 * TIMEOUT, (
        elapsed,
        timing,
    )  # one deadline per query, never the drip's pace
    findings = findings_for([measured], 0, budgets, None, SLO_.origin or "")
    if measured.state == "unavailable":
        assert [f.severity for f in findings if f.rule == "error-budget-unavailable"] == ["error"]
        return
    # Anything else came from a well-formed answer on time, of values that are measurements.
    assert timing not in ("late", "hang") and status[:3] in ("200", "400", "422")  # PromQL's own
    kind, what = body
    if measured.state == "no-data":  # no series, or no traffic (a zero total)
        if kind == "pair":
            assert float(what[1]) == 0, what
        else:
            result = what["data"]["result"]
            assert result == [] or float(result[0]["value"][1]) == 0, what
        return
    served = what if kind == "pair" else [str(r["value"][1]) for r in what["data"]["result"]]
    assert kind != "raw" and served and all(_measurement(v) for v in served), (measured.state, what)
