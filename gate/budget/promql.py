"""PromQL as users write it, turned into gate's window templates (`{{window}}`).

Accepted: gate's own `{{window}}`, Sloth's `{{.window}}`; queries with fixed ranges
(`rate(x[5m])`: every range becomes the window); and plain selectors of counters
(`sum(http_requests_total{code="200"})`: each selector becomes `increase(sel[window])`) or of
gauges (`sum_over_time(sel[window])`). A small tokenizer finds selectors; it runs in time linear
in the query and never evaluates anything.
"""

from __future__ import annotations

import re
from typing import NamedTuple

WINDOW = "{{window}}"
# {{window}}, {{ window }}, {{.window}}, {{ .window }}: gate's and Sloth's placeholders
_PLACEHOLDER = re.compile(r"\{\{\s*\.?window\s*\}\}")
_TOKEN = re.compile(
    r"""(?P<space>\s+)|(?P<comment>\#[^\n]*)|(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)"""
    r"""|(?P<range>\[[^\]\[]*\])|(?P<ident>[A-Za-z_:][A-Za-z0-9_:]*)|(?P<number>[0-9][0-9A-Za-z.]*|\.[0-9]+)"""
    r"""|(?P<other>.)""",
    re.S,
)
_AGGREGATIONS = {
    "sum",
    "min",
    "max",
    "avg",
    "group",
    "stddev",
    "stdvar",
    "count",
    "count_values",
    "bottomk",
    "topk",
    "quantile",
    "limitk",
    "limit_ratio",
}
_LABEL_LISTS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
_KEYWORDS = {"bool", "and", "or", "unless", "offset", "atan2", "inf", "nan"}


class Rewritten(NamedTuple):
    template: str | None  # with {{window}}; None when the query cannot be windowed
    how: str  # template | ranges | counter | gauge
    reason: str | None = None


def has_placeholder(query: str) -> bool:
    return _PLACEHOLDER.search(query) is not None


def window_template(query: str, counter: bool | None) -> Rewritten:
    """The query as a `{{window}}` template; `counter` False wraps gauges in sum_over_time."""
    if has_placeholder(query):
        return Rewritten(_PLACEHOLDER.sub(WINDOW, query), "template")
    tokens = _tokens(query)
    if tokens is None:
        return Rewritten(None, "", "the query has an unterminated string or label matcher")
    ranges = [t for t in tokens if t[0] == "range"]
    if ranges:
        if any(":" in text for _, text, _, _ in ranges):
            return Rewritten(
                None, "", "the query has a subquery ([range:step]); write its range as {{window}}"
            )
        out, last = [], 0
        for _, _text, start, end in ranges:
            out += [query[last:start], f"[{WINDOW}]"]
            last = end
        return Rewritten("".join(out) + query[last:], "ranges")
    selectors = _selectors(tokens)
    if not selectors:
        return Rewritten(None, "", "the query selects no series")
    fn = "sum_over_time" if counter is False else "increase"
    out, last = [], 0
    for start, end in selectors:
        out += [query[last:start], f"{fn}({query[start:end]}[{WINDOW}])"]
        last = end
    return Rewritten("".join(out) + query[last:], "gauge" if counter is False else "counter")


class Selector(NamedTuple):
    text: str
    metric: str | None
    equal: tuple[
        tuple[str, str], ...
    ]  # label="value" matchers (the ones a value can be missing for)


_MATCHER = re.compile(
    r"""\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*,?"""
)


def selectors(query: str) -> list[Selector]:
    """The instant-vector selectors of a PromQL query, each with its metric name and its equality
    matchers; none when the query cannot be tokenized."""
    tokens = _tokens(query)
    found = []
    for start, end in _selectors(tokens or []):
        text = query[start:end]
        name, _, rest = text.partition("{")
        metric, equal = name.strip() or None, []
        for label, op, quoted in _MATCHER.findall(rest.rstrip("}")):
            value = _unquote(quoted)
            if label == "__name__" and op == "=":
                metric = value
            elif op == "=":
                equal.append((label, value))
        found.append(Selector(text, metric, tuple(equal)))
    return found


_DURATION_PART = re.compile(r"([0-9]+)(ms|[smhdwy])")
_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def ranges(query: str) -> list[int]:
    """The range of every range selector or subquery (`[5m]`, `[1h30m]`, `[30d:5m]`), in seconds."""
    found = []
    for kind, text, _, _ in _tokens(query) or []:
        if kind != "range":
            continue
        span = text[1:-1].split(":")[0].strip()
        parts = _DURATION_PART.findall(span)
        if parts and "".join(n + u for n, u in parts) == span:
            found.append(int(sum(int(n) * _SECONDS[u] for n, u in parts)))
    return found


def _unquote(quoted: str) -> str:
    body = quoted[1:-1]
    if quoted[0] == "`":
        return body
    return re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), body)


def _tokens(query: str) -> list[tuple[str, str, int, int]] | None:
    tokens = []
    pos = 0
    while pos < len(query):
        if query[pos] == "{":  # a label matcher: skip to its closing brace, strings inside included
            end = _matcher_end(query, pos)
            if end is None:
                return None
            tokens.append(("matcher", query[pos:end], pos, end))
            pos = end
            continue
        m = _TOKEN.match(query, pos)
        assert m is not None and m.lastgroup is not None
        kind = m.lastgroup
        if kind == "other" and query[pos] in "\"'`":
            return None  # an unterminated string
        if kind not in ("space", "comment"):
            tokens.append((kind, m.group(), m.start(), m.end()))
        pos = m.end()
    return tokens


def _matcher_end(query: str, start: int) -> int | None:
    pos = start + 1
    while pos < len(query):
        c = query[pos]
        if c == "}":
            return pos + 1
        if c in "\"'`":
            m = _TOKEN.match(query, pos)
            if m is None or m.lastgroup != "string":
                return None
            pos = m.end()
            continue
        pos += 1
    return None


def _selectors(tokens: list[tuple[str, str, int, int]]) -> list[tuple[int, int]]:
    """(start, end) of each instant-vector selector: a metric name and/or a {matcher}."""
    found = []
    i = 0
    while i < len(tokens):
        kind, text, start, end = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if kind == "ident":
            if text in _LABEL_LISTS:  # `group_left` may stand without its label list
                i = _skip_parens(tokens, i + 1) if nxt is not None and nxt[1] == "(" else i + 1
                continue
            if (
                (nxt is not None and nxt[1] == "(")
                or text in _AGGREGATIONS
                or text.lower() in _KEYWORDS
            ):
                i += 1
                continue
            if nxt is not None and nxt[0] == "matcher":
                found.append((start, nxt[3]))
                i += 2
                continue
            found.append((start, end))
        elif kind == "matcher":
            found.append((start, end))
        i += 1
    return found


def _skip_parens(tokens: list[tuple[str, str, int, int]], i: int) -> int:
    depth = 0
    while i < len(tokens):
        if tokens[i][1] == "(":
            depth += 1
        elif tokens[i][1] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return i
