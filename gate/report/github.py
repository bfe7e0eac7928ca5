"""GitHub workflow commands: annotations on the diff, most important first, within GitHub's limits."""

from __future__ import annotations

from gate.report.escape import text
from gate.verdict import SEVERITIES, Finding, Verdict

COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
PER_KIND = 10  # GitHub shows about 10 annotations of each kind per step (50 per job)


def _data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(value: str) -> str:
    return _data(text(value)).replace(":", "%3A").replace(",", "%2C")


def annotation(f: Finding, service: str | None) -> str:
    props = []
    if f.file:
        props.append(f"file={_property(f.file)}")
        if f.line:
            props.append(f"line={f.line}")
    title = f"{f.rule}" + (f" ({service})" if service else "")
    props.append(f"title={_property(title)}")
    return f"::{COMMAND[f.severity]} {','.join(props)}::{_data(text(f.message) + chr(10) + 'Fix: ' + text(f.remediation))}"


def render(v: Verdict) -> str:
    pairs = [(f, s.name) for s in v.services for f in s.findings if not f.waiver] + [
        (f, None) for f in v.findings if not f.waiver
    ]
    lines = []
    dropped = 0
    for severity in reversed(SEVERITIES):
        mine = sorted(
            (p for p in pairs if p[0].severity == severity), key=lambda p: p[0].sort_key()
        )
        lines += [annotation(f, s) for f, s in mine[:PER_KIND]]
        dropped += max(0, len(mine) - PER_KIND)
    if v.undecided_reason:
        lines.insert(0, f"::error title=gate UNDECIDED::{_data(v.undecided_reason)}")
    if dropped:
        lines.append(
            f"::notice title=gate::{dropped} more finding(s) not annotated (GitHub shows about {PER_KIND} per kind); see the job summary"
        )
    return "\n".join(lines) + ("\n" if lines else "")
