"""`gate check` on a repository laid out like Online Boutique, deploy checks on, paired with off.

    python bench/deploy_speed.py --source DIR [--runs 7] [--workdir /tmp/gate-bench]

DIR holds the boutique's `kubernetes-manifests/` (one YAML file per service), and optionally its
`kustomize/`: a checkout or an export of GoogleCloudPlatform/microservices-demo (never committed
here). The script writes a repository with a gate manifest per service under `src/<service>/`
(tiers 0-3, a canary-abort claim on checkoutservice), commits it on `main`, and a change that
lowers cartservice's replicas and edits frontend's code; then runs `gate check --base main --head
change --format json`, cold caches, alternating the two configurations run by run:

- on: the default pack;
- off: the same pack with every deploy-* rule `off` in .gate.yaml.

A third pair names `kustomize/base` in every manifest (rendered by `kubectl kustomize` when it is
on PATH) when DIR has it. Reported: median whole-process wall time and CPU (user + system, git and
kubectl included) per configuration, and the ratio on/off per pair (min-median-max).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GATE = [sys.executable, "-c", "from gate.cli import main; main()"]
TIERS = {
    "frontend": 0,
    "checkoutservice": 0,
    "paymentservice": 0,
    "cartservice": 1,
    "currencyservice": 1,
    "productcatalogservice": 1,
    "shippingservice": 1,
    "emailservice": 2,
    "recommendationservice": 2,
    "adservice": 2,
    "loadgenerator": 3,
}
DEPLOY_RULES = (
    "deploy-objects-valid deploy-render deploy-replicas deploy-disruption-budget deploy-probes "
    "deploy-resources deploy-zone-spread deploy-image-pinned deploy-grace-period deploy-strategy "
    "deploy-analysis-slis deploy-telemetry-name deploy-drift"
).split()
ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=ENV, check=True, capture_output=True)


def build(source: Path, root: Path, kustomize: bool, deploy_off: bool) -> Path:
    """The repository: the source's deploy directories, a manifest per service, main and change."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for name in ("kubernetes-manifests", "kustomize"):
        if (source / name).is_dir():
            shutil.copytree(source / name, root / name, ignore=shutil.ignore_patterns("*.png"))
    services = [n for n in TIERS if (root / "kubernetes-manifests" / f"{n}.yaml").is_file()]
    for name in services:
        folder = root / "src" / name
        folder.mkdir(parents=True)
        strategy = "canary-abort" if name == "checkoutservice" else "redeploy-previous"
        deploy = "deploy: {kustomize: /kustomize/base}\n" if kustomize else ""
        (folder / "service.yaml").write_text(
            f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {TIERS[name]}\n"
            f"owners: {{team: shop}}\nrollback: {{strategy: {strategy}, automated: true}}\n"
            f"telemetry: {{service_name: {name}}}\n{deploy}"
        )
        (folder / "main.go").write_text("package main\n")
    if deploy_off:
        (root / ".gate.yaml").write_text(
            "version: 1\nrules:\n" + "".join(f"  {r}: off\n" for r in DEPLOY_RULES)
        )
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "boutique")
    git(root, "checkout", "-q", "-b", "change")
    cart = root / "kubernetes-manifests" / "cartservice.yaml"
    if cart.is_file():
        cart.write_text(cart.read_text().replace("spec:\n", "spec:\n  replicas: 1\n", 1))
    (root / "src" / services[0] / "main.go").write_text("package main\n\nfunc f() {}\n")
    git(root, "commit", "-q", "-am", "change")
    return root


def run(root: Path) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds of the process tree, exit code) of one cold check."""
    shutil.rmtree(Path(root, ".git", "gate"), ignore_errors=True)
    command = [*GATE, "check", "--base", "main", "--head", "change", "--format", "json"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"gate check failed in {root} (exit {code})")
    return wall, usage.ru_utime + usage.ru_stime, code


def pair(label: str, on: Path, off: Path, runs: int) -> None:
    rows: dict[str, list[tuple[float, float, int]]] = {"on": [], "off": []}
    for _ in range(runs):
        rows["on"].append(run(on))
        rows["off"].append(run(off))
    ratios = sorted(a[1] / b[1] for a, b in zip(rows["on"], rows["off"], strict=True) if b[1])
    for side, found in rows.items():
        wall = statistics.median(r[0] for r in found)
        cpu = statistics.median(r[1] for r in found)
        print(
            f"{label}, deploy checks {side}: wall {wall:.3f} s, CPU {cpu:.3f} s, exit {found[0][2]}"
        )
    if ratios:
        low, mid, high = ratios[0], statistics.median(ratios), ratios[-1]
        print(
            f"{label}: CPU on/off {low:.2f}-{mid:.2f}-{high:.2f} (min-median-max of {len(ratios)} pairs)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gate-bench"))
    args = parser.parse_args()
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "gate"],
        cwd=Path(__file__).parent.parent,
        check=False,
    )
    base = args.workdir / "boutique"
    layout_on = build(args.source, base / "layout-on", False, False)
    layout_off = build(args.source, base / "layout-off", False, True)
    pair("check, kubernetes-manifests/ found by name", layout_on, layout_off, args.runs)
    if (args.source / "kustomize" / "base").is_dir():
        kubectl = (
            "kubectl on PATH" if shutil.which("kubectl") else "no kubectl: resources as written"
        )
        k_on = build(args.source, base / "kustomize-on", True, False)
        k_off = build(args.source, base / "kustomize-off", True, True)
        pair(f"check, deploy.kustomize named ({kubectl})", k_on, k_off, args.runs)


if __name__ == "__main__":
    main()
