"""The risk score on three changes a reviewer knows the answer to, made on a real monorepo's history.

    python bench/risk_cases.py REPO [--services a,b,c,d,e] [--workdir /tmp/gate-risk-cases]
    python bench/risk_cases.py REPO --refactors 1000

REPO is a clone or bare mirror of a monorepo with one directory per service under `src/` and
Kubernetes manifests in `kubernetes-manifests/<service>.yaml` (GoogleCloudPlatform/
microservices-demo's layout), brought here for measurement only, never committed. A shared clone
adopts gate on its newest commit (a service.yaml for five services, tiers 0, 0, 1, 1, 1, each
claiming its deploy manifest), then three branches are checked with `gate check` as CI runs it
(caches off, so the scale is drawn from the repository's own recent changes):

- `wide`: about 900 lines across the five services, new code and deploy manifests;
- `comment`: one comment line in one service;
- `split`: the largest source file of the five split into four files, no line changed.

It prints, per case and service, the score, level, probability and whether the risk thresholds
fired (a `risk-high` finding). What a reviewer expects: `wide` warns or blocks at tier 0,
`comment` is low, `split` is not above medium.

`--refactors N` looks at real refactors instead: among the repository's newest N non-merge
commits, those that moved 100 lines or more (deleted in one place, added in another: file splits,
moves, renames), at least half as many as they added, each placed on the scale drawn at the
repository's tip as `gate check` would place it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gate.git import Repo  # noqa: E402
from gate.risk.model import DEFAULT_MODEL, level  # noqa: E402
from gate.risk.scale import Scale, bounded_window, probabilities  # noqa: E402
from gate.settings import RiskSettings  # noqa: E402

TIERS = (0, 0, 1, 1, 1)
PATHS = ("src", "kubernetes-manifests")
SOURCE = (".go", ".py", ".js", ".cs", ".java", ".ts")


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com"}
    env |= {"GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True, env=env
    ).stdout


def adopt(work: Path, services: list[str]) -> None:
    for name, tier in zip(services, TIERS, strict=True):
        manifest = (
            f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\n"
            f"owners: {{team: shop, oncall: shop-primary}}\n"
            f"paths: [/kubernetes-manifests/{name}.yaml]\n"
        )
        (work / "src" / name / "service.yaml").write_text(manifest)
    commit(work, "Adopt gate: five services")


def on(work: Path, branch: str) -> None:
    """Check `branch` out (created at main when new): only PATHS are in the work tree."""
    if branch != "main":
        git(work, "update-ref", f"refs/heads/{branch}", "refs/heads/main")
    git(work, "symbolic-ref", "HEAD", f"refs/heads/{branch}")
    git(work, "reset", "-q")
    git(work, "clean", "-fdq", "--", *[p for p in PATHS if (work / p).exists()])
    git(work, "checkout", "HEAD", "--", *[p for p in PATHS if git(work, "ls-tree", "HEAD", p)])


def commit(work: Path, message: str) -> None:
    """Commit PATHS as they are (a partial clone's missing blobs elsewhere stay as they were)."""
    git(work, "add", "--", *[p for p in PATHS if (work / p).exists()])
    tree = git(work, "write-tree", "--missing-ok").strip()
    head = git(work, "commit-tree", tree, "-p", "HEAD", "-m", message).strip()
    git(work, "update-ref", "HEAD", head)


def feature_code(n: int, name: str) -> str:
    return "".join(
        f"func {name}Rule{i}(order Order, limit int) (Order, error) {{\n"
        f"\tif order.Total > limit && !order.Retry {{\n"
        f'\t\treturn order, fmt.Errorf("{name} {i}")\n\t}}\n'
        f"\tfor _, item := range order.Items {{\n\t\titem.Price = item.Price * {i} / 100\n\t}}\n"
        f"\treturn order, nil\n}}\n\n"
        for i in range(n)
    )


def wide(work: Path, services: list[str]) -> None:
    for name in services:
        (work / "src" / name / "risk_case_rules.go").write_text(feature_code(17, name))
        deploy = work / "kubernetes-manifests" / f"{name}.yaml"
        if not deploy.exists():  # a layout with its manifests elsewhere: code only
            (work / "src" / name / "risk_case_rules_2.go").write_text(feature_code(1, name))
            continue
        deploy.write_text(
            deploy.read_text() + "---\n# canary\napiVersion: v1\nkind: ConfigMap\n"
            f"metadata:\n  name: {name}-canary\ndata:\n  weight: '10'\n"
        )


def comment(work: Path, services: list[str]) -> None:
    path = largest(work, services[0])
    mark = "#" if path.suffix == ".py" else "//"
    path.write_text(path.read_text() + f"{mark} retries are bounded by the caller\n")


def split(work: Path, services: list[str]) -> None:
    path = max((largest(work, name) for name in services), key=lambda p: p.stat().st_size)
    lines = path.read_text().splitlines(keepends=True)
    quarter = len(lines) // 4
    for k in range(4):
        chunk = lines[k * quarter : (k + 1) * quarter if k < 3 else len(lines)]
        target = path if k == 0 else path.with_name(f"{path.stem}_part{k}{path.suffix}")
        target.write_text("".join(chunk))


def largest(work: Path, name: str) -> Path:
    files = [
        p
        for p in (work / "src" / name).rglob("*")
        if p.suffix in SOURCE and p.is_file() and "test" not in p.name.lower()
    ]
    return max(files, key=lambda p: p.stat().st_size)


def check(work: Path, branch: str) -> dict[str, object]:
    env = {**os.environ, "GATE_CACHE": "off"}
    command = [sys.executable, "-c", "from gate.cli import main; main()", "check"]
    run = subprocess.run(
        [*command, "--base", "main", "--head", branch, "--format", "json"],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
    )
    report: dict[str, object] = json.loads(run.stdout)
    return report


def refactors(path: str, newest: int) -> None:
    repo = Repo(path)
    days = RiskSettings().history_days
    window = bounded_window(repo, "HEAD", days)
    drawn, _ = probabilities(repo, "HEAD", DEFAULT_MODEL, days, window=window)
    scale = Scale(tuple(sorted(drawn.values())), "repository", window)
    featured: dict[str, dict[str, float]] = {}
    points, _ = probabilities(repo, "HEAD", DEFAULT_MODEL, days, newest, window, featured)
    print("| commit | subject | lines added | moved | new code (lines of tokens) | score | level |")
    print("|---|---|---|---|---|---|---|")
    for sha, f in featured.items():
        if f["moved"] >= 100 and f["moved"] >= f["la"] / 2:
            score = scale.percentile(points[sha])
            subject = repo.run("log", "-1", "--format=%s", sha).decode().strip()[:60]
            print(
                f"| {sha[:10]} | {subject} | {f['la']:.0f} | {f['moved']:.0f} | "
                f"{f['added_code']:.0f} | {score:.0f} | {level(score)} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("repo")
    parser.add_argument(
        "--services",
        default="paymentservice,checkoutservice,frontend,cartservice,productcatalogservice",
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/gate-risk-cases"))
    parser.add_argument("--refactors", type=int, metavar="N")
    args = parser.parse_args()
    if args.refactors:
        refactors(args.repo, args.refactors)
        return
    services = args.services.split(",")
    work = args.workdir / Path(args.repo.rstrip("/").removesuffix("/repo")).name
    shutil.rmtree(work, ignore_errors=True)
    # a mirror may be a partial clone (blobs missing): only the tree's src/ and manifests are read
    subprocess.run(
        ["git", "clone", "-q", "--shared", "--no-checkout", args.repo, str(work)], check=True
    )
    git(work, "update-ref", "refs/heads/main", "HEAD")
    on(work, "main")
    adopt(work, services)
    print("| case | lines added | service | tier | score | level | probability | thresholds |")
    print("|---|---|---|---|---|---|---|---|")
    for case, make in (("wide", wide), ("comment", comment), ("split", split)):
        on(work, case)
        make(work, services)
        commit(work, f"risk case: {case}")
        report = check(work, case)
        for service in report["services"]:  # type: ignore[attr-defined]
            risk = service.get("risk") or {}
            fired = [f["severity"] for f in service["findings"] if f["rule"] == "risk-high"]
            print(
                f"| {case} | {risk.get('features', {}).get('la', 0):.0f} | {service['name']} | "
                f"{service['tier']} | {risk.get('score')} | {risk.get('level')} | "
                f"{risk.get('probability')}% | {', '.join(fired) or 'none'} |"
            )


if __name__ == "__main__":
    main()
