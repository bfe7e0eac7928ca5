"""Measure gate's SLO readers against upstream example material; print docs/openslo-conformance.md's table.

    python scripts/openslo_conformance.py UPSTREAM [--prometheus URL] > table.md

UPSTREAM holds checkouts named OpenSLO+OpenSLO, OpenSLO+oslo, OpenSLO+go-sdk and slok+sloth (the
specification, its validator, its Go SDK and Sloth). Nothing of them is copied into this
repository: the files are read where they are, into a throwaway git repository in a temporary
folder, one service per file. With --prometheus every query gate builds is sent to that server's
/api/v1/query, so PromQL that Prometheus would refuse shows up as such.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile
from typing import Any

PATTERNS = (
    "OpenSLO+OpenSLO/examples/**/*.yaml",
    "OpenSLO+oslo/test/inputs/**/*.yaml",
    "OpenSLO+oslo/internal/files/testdata/**/*.y*ml",
    "OpenSLO+go-sdk/pkg/openslo/*/examples/*.yaml",
    "OpenSLO+go-sdk/pkg/openslosdk/test_data/**/*.yaml",
    "slok+sloth/examples/*.y*ml",
    "slok+sloth/examples/windows/*.y*ml",
    "slok+sloth/test/integration/**/*.y*ml",
)
# What the upstream tools say where they record it: oslo's expected outputs (test/outputs/validate)
# and bats expectations, the Go SDK's tests (reference_inliner_test.go, decode tests), Sloth's
# integration tests (validate/good, validate/bad).
UPSTREAM_SAYS = {
    "OpenSLO+oslo/test/inputs/validate/v1.yaml": "oslo: invalid: SLO objectives[0].op forbidden for a ratioMetric; Service 'example service' not RFC 1123 (and, in its container, America/New_York unknown)",
    "OpenSLO+oslo/test/inputs/validate/v1alpha.yaml": "oslo: invalid name 'my-rad service' (v1alpha)",
    "OpenSLO+oslo/test/inputs/validate/v2alpha.yaml": "oslo: invalid name 'example service' (v2alpha)",
    "OpenSLO+oslo/test/inputs/validate/invalid-apiversion.yaml": "oslo: unsupported openslo.Version: foo",
    "OpenSLO+oslo/test/inputs/validate/unknown-field.yaml": 'oslo: unknown field "markdown"',
    "OpenSLO+oslo/test/inputs/validate/mix/1.yaml": "oslo: invalid name (v1alpha)",
    "OpenSLO+oslo/test/inputs/validate/mix/2.yaml": "oslo: invalid name 'example service'",
    "OpenSLO+oslo/test/inputs/validate/mix/3.yaml": "oslo: invalid name (v2alpha)",
    "OpenSLO+oslo/test/inputs/validate/recursive/1.yaml": "oslo: invalid name 'example service'",
    "OpenSLO+oslo/test/inputs/validate/recursive/nested/2.yaml": "oslo: invalid name (v2alpha)",
    "OpenSLO+oslo/test/inputs/validate/recursive/nested/nested2/nested3/3.yaml": "oslo: invalid name (v2alpha)",
    "OpenSLO+go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo_invalid_sli.yaml": "SDK: valid; inlining fails: SLI 'no-sli' does not exist",
    "OpenSLO+go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo_invalid_target.yaml": "SDK: valid; inlining fails: AlertNotificationTarget does not exist",
    "OpenSLO+go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_slo_invalid_policy.yaml": "SDK: valid; inlining fails: AlertPolicy does not exist",
    "OpenSLO+go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_alert_policies_invalid_target.yaml": "SDK: valid; inlining fails: AlertNotificationTarget does not exist",
    "OpenSLO+go-sdk/pkg/openslosdk/test_data/inline/inputs/v1_alert_policies_invalid_condition.yaml": "SDK: valid; inlining fails: AlertCondition does not exist",
}
SLOTH_GOOD, SLOTH_BAD = "/validate/good/", "/validate/bad/"
TARGET_SLO = """\
apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}}}
spec:
  service: conformance
  indicatorRef: {sli}
  timeWindow: [{{duration: 28d, isRolling: true}}]
  budgetingMethod: {method}
  objectives: [{{target: 0.99{extra}}}]
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("upstream")
    parser.add_argument("--prometheus")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
    from gate.budget import openslo, sloth
    from gate.budget.prometheus import queries
    from gate.budget.slo import slos_of
    from gate.catalog import load_service
    from gate.git import Repo
    from gate.snapshot import Snapshot

    files = sorted(
        {f for p in PATTERNS for f in glob.glob(os.path.join(args.upstream, p), recursive=True)}
    )
    work = tempfile.mkdtemp(prefix="gate-conformance-")
    try:
        rows = []
        for i, path in enumerate(files):
            rel = os.path.relpath(path, args.upstream)
            raw = open(path, "rb").read()
            kind = sloth.recognise(raw) + (
                "-alpha" if b"v1alpha" in raw or b"v2alpha" in raw else ""
            )
            dest = os.path.join(work, "up", rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy(path, dest)
            names = [f"up/{rel}"]
            if kind.startswith(
                "openslo"
            ):  # SLIs alone: measured through an SLO that references each
                objs, _ = openslo.objects(raw, f"up/{rel}")
                slis = (
                    [o for o in objs if o.kind == "SLI"]
                    if not any(o.kind == "SLO" for o in objs)
                    else []
                )
                for j, sli in enumerate(slis):
                    spec = sli.data.get("spec") or {}
                    threshold = isinstance(spec, dict) and "thresholdMetric" in spec
                    extra = (
                        ", op: lt, value: 1, timeSliceTarget: 0.9, timeSliceWindow: 5m"
                        if threshold
                        else ""
                    )
                    target = os.path.join(work, f"probe{i}", f"slo{j}.yaml")
                    os.makedirs(os.path.dirname(target), exist_ok=True)
                    with open(target, "w") as f:
                        f.write(
                            TARGET_SLO.format(
                                name=f"probe-{sli.name}"[:63].rstrip("-"),
                                sli=sli.name,
                                method="Timeslices" if threshold else "Occurrences",
                                extra=extra,
                            )
                        )
                    names.append(f"probe{i}/slo{j}.yaml")
            os.makedirs(os.path.join(work, f"svc{i}"))
            with open(os.path.join(work, f"svc{i}", "service.yaml"), "w") as f:
                f.write(
                    f"apiVersion: gate/v1\nkind: Service\nname: s{i}\ntier: 1\nslos:\n"
                    + "".join(f"  - openslo: {n}\n" for n in names[1:] + names[:1])
                )
            rows.append((rel, kind))
        subprocess.run(
            "git init -q && git add -A && git -c user.name=c -c user.email=c@c commit -qm c",
            shell=True,
            cwd=work,
            check=True,
        )
        repo = Repo(work)
        snapshot = Snapshot(repo, repo.resolve("HEAD"))
        totals: dict[str, int] = {}
        print("| upstream file | gate | what gate says | upstream says |")
        print("|---|---|---|---|")
        for i, (rel, kind) in enumerate(rows):
            service = load_service(snapshot, f"svc{i}/service.yaml")
            found, problems = slos_of(service, snapshot)
            slos = [s for s in found if not s.unmeasurable]
            invalid = [p.message for p in problems if not p.unsupported]
            unmeasurable = [p.message for p in problems if p.unsupported] + [
                s.unmeasurable for s in found if s.unmeasurable
            ]
            verdict, words = _verdict(rel, kind, slos, invalid, unmeasurable)
            if args.prometheus and slos:
                refused = _refused(args.prometheus, [q for s in slos for q in queries(s, s.window)])
                if refused:
                    verdict, words = "PromQL refused", refused
            totals[verdict] = totals.get(verdict, 0) + 1
            says = UPSTREAM_SAYS.get(rel, _sloth_says(rel))
            print(f"| `{rel}` | {verdict} | {_cell(words)} | {_cell(says)} |")
        print()
        print(
            "Totals: "
            + ", ".join(f"{k} {v}" for k, v in sorted(totals.items()))
            + f" ({len(rows)} files)"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


def _verdict(
    rel: str, kind: str, slos: list[Any], invalid: list[str], unmeasurable: list[str]
) -> tuple[str, str]:
    if (
        "/_gen/" in rel
        or "/windows/" in rel
        or rel.endswith("prometheus-operator-crd.yaml")
        or "/discover/" in rel
    ):
        what = (
            "Sloth's generated Prometheus rules"
            if "/_gen/" in rel
            else "a Sloth AlertWindows spec (gate reads it as budgets.alert_windows)"
            if "/windows/" in rel
            else "a CRD definition"
            if "crd" in rel
            else "oslo's file-discovery input (not an OpenSLO object)"
        )
        return "not an SLO spec", what
    if slos:
        names = ", ".join(sorted({s.name.split("/")[0].replace("probe-", "SLI ") for s in slos}))
        rest = "; ".join(invalid + unmeasurable)
        probe = all(s.origin.startswith("probe") for s in slos)
        return ("measured (SLIs)" if probe else "measured"), f"{len(slos)} SLO(s): {names}" + (
            f"; also: {rest}" if rest else ""
        )
    if invalid:
        return "rejected", "; ".join(dict.fromkeys(invalid))
    if unmeasurable:
        return "unmeasurable", "; ".join(dict.fromkeys(unmeasurable))
    if "alpha" in kind:
        return "read, no SLO", "v1alpha/v2alpha objects other than SLO: nothing to measure, ignored"
    return "read, no SLO", "objects other than SLO (resolved when an SLO references them)"


def _sloth_says(rel: str) -> str:
    if SLOTH_GOOD in rel:
        return "Sloth: valid"
    if SLOTH_BAD in rel:
        return "Sloth: invalid"
    return ""


def _refused(url: str, promql: list[str]) -> str:
    import requests

    for query in promql:
        body = requests.post(f"{url}/api/v1/query", data={"query": query}, timeout=10).json()
        if body.get("status") != "success":
            return f"{body.get('error')}: {query}"
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


if __name__ == "__main__":
    sys.exit(main())
