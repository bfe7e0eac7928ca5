"""A synthetic monorepo, deterministic from a seed: services with manifests, runbooks and
CODEOWNERS, and a history of commits by many authors with realistic churn, fixes and reverts.

Written with one `git fast-import` process, so 100,000 commits take seconds, not hours. Bigger
and more spread-out changes are more often followed by a fix of their lines, so a risk model has
something real to find.

    python bench/synth.py DIR --services 2000 --commits 20000 --authors 200 --seed 1
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
from pathlib import Path

from gate.scaffold import ROLLBACK, RUNBOOK, TEMPLATE_LINES
from gate.scaffold import manifest as scaffold_manifest

END = 1_793_000_000  # 2026-10-25: histories end in the recent past, as real ones do
MEAN_GAP = 3 * 3600


def written(template: str, name: str) -> str:
    """A scaffolded document as a team leaves it: each placeholder line replaced by its own words."""
    return "".join(
        f"{name}: {line.strip().lower()}\n" if line.strip() in TEMPLATE_LINES else line
        for line in template.splitlines(keepends=True)
    )


def manifest(name: str, tier: int, team: str, objective: float) -> str:
    """`gate init`'s manifest, completed as a ready service's is: rollback drilled, dashboard and
    burn-rate alert named (the scaffold leaves those for the team)."""
    text = scaffold_manifest(name, tier, team, objective)
    drills = ("rollback", "gameday", "loadtest") + (("failover",) if tier == 0 else ())
    text = text.replace(
        "  drills: []",
        "  drills:\n"
        + "".join(
            f"    - {{kind: {k}, date: 2026-11-01, result: pass, evidence: https://drills.example.com/{name}/{k}}}\n"
            for k in drills
        )
        + "   ",
    )
    text = re.sub(
        r"dashboards: \[\].*", f"dashboards: [https://grafana.example.com/d/{name}]", text
    )
    return re.sub(r"alerts: \[\].*", f"alerts: [{name}-burn]", text)


def entity(name: str, team: str) -> str:
    """A Backstage Component entity, as a team with a catalog describes a service."""
    return (
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  description: synthetic {name}\n"
        f"  annotations:\n    pagerduty.com/service-id: P{name.upper().replace('-', '')}\n    backstage.io/techdocs-ref: dir:.\n"
        f"    gate.dev/escalation: sre-oncall\n  links:\n    - url: https://grafana.example.com/d/{name}\n      title: Dashboard\n"
        f"      icon: dashboard\nspec:\n  type: service\n  lifecycle: production\n  owner: group:default/{team}\n  system: synthetic\n"
    )


def extension(text: str) -> str:
    """A manifest without what the entity gives (owners, dashboards): the service.yaml beside it."""
    text = re.sub(r"owners:\n(  .*\n)+", "", text)
    return re.sub(r"  dashboards: .*\n", "", text)


def service_name(i: int) -> str:
    return f"svc-{i:05d}"


class Importer:
    def __init__(self, root: Path) -> None:
        subprocess.run(["git", "init", "-q", "--initial-branch=main", str(root)], check=True)
        self.process = subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.marks = 0

    def _write(self, data: bytes) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(data)

    def commit(self, author: str, when: int, message: str, files: dict[str, str | None]) -> int:
        self.marks += 1
        ident = f"{author} <{author}@example.com> {when} +0000".encode()
        body = message.encode()
        out = [
            b"commit refs/heads/main\n",
            b"mark :%d\n" % self.marks,
            b"author " + ident + b"\n",
            b"committer " + ident + b"\n",
            b"data %d\n" % len(body),
            body,
            b"\n",
        ]
        if self.marks > 1:
            out.append(b"from :%d\n" % (self.marks - 1))
        for path, content in files.items():
            if content is None:
                out.append(b"D " + path.encode() + b"\n")
            else:
                data = content.encode()
                out += [
                    b"M 100644 inline " + path.encode() + b"\n",
                    b"data %d\n" % len(data),
                    data,
                    b"\n",
                ]
        self._write(b"".join(out) + b"\n")
        return self.marks

    def sha(self, mark: int) -> str:
        self._write(b"get-mark :%d\n" % mark)
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.flush()
        return self.process.stdout.readline().decode().strip()

    def close(self) -> None:
        self._write(b"done\n")
        assert self.process.stdin is not None
        self.process.stdin.close()
        if self.process.wait() != 0:
            raise RuntimeError("git fast-import failed")


def depends_on(i: int, tiers: list[int], rng: random.Random, most: int) -> str:
    """Service i's `dependencies:` line: up to `most` of the 200 services before it (a DAG), at a
    tier at least as critical as its own, except one dependency in twenty (a tier inversion)."""
    window = range(max(0, i - 200), i)
    critical = [j for j in window if tiers[j] <= tiers[i]]
    picked: set[int] = set()
    for _ in range(rng.randint(0, most) if window else 0):
        pool = critical if critical and rng.random() >= 0.05 else list(window)
        picked.add(rng.choice(pool))
    return f"dependencies: [{', '.join(service_name(j) for j in sorted(picked))}]"


def generate(
    root: Path,
    services: int,
    commits: int,
    authors: int = 50,
    seed: int = 1,
    files_per_service: int = 4,
    backstage: bool = False,
    dependencies: int = 0,
) -> None:
    """With `backstage`, each service is a Backstage entity (catalog-info.yaml) extended by a
    service.yaml; with `dependencies`, each service hard-depends on up to that many others (see
    depends_on)."""
    rng = random.Random(seed)
    linker = random.Random(seed + 1)  # its own stream: the fleet without dependencies is unchanged
    tiers: list[int] = []
    root.mkdir(parents=True, exist_ok=True)
    importer = Importer(root)
    people = [f"dev{i:03d}" for i in range(authors)]
    teams = [f"team-{i:02d}" for i in range(max(1, services // 20))]
    contents: dict[str, list[str]] = {}
    initial: dict[str, str | None] = {}
    owners = ["# synthetic monorepo", "* @acme/platform"]
    for i in range(services):
        name, team = service_name(i), teams[i % len(teams)]
        tier = rng.choice((0, 1, 1, 2, 2, 2, 3))
        tiers.append(tier)
        objective = {0: 99.95, 1: 99.9, 2: 99.5, 3: 99.0}[tier]
        base = f"services/{name}"
        text = manifest(name, tier, team, objective)
        if dependencies:
            text = text.replace("dependencies: []", depends_on(i, tiers, linker, dependencies), 1)
        initial[f"{base}/service.yaml"] = text
        if backstage:
            initial[f"{base}/service.yaml"] = extension(text)
            initial[f"{base}/catalog-info.yaml"] = entity(name, team)
        initial[f"{base}/docs/runbook.md"] = written(RUNBOOK.format(name=name), name)
        initial[f"{base}/docs/rollback.md"] = written(ROLLBACK.format(name=name), name)
        for j in range(files_per_service):
            lines = [
                f"def f{j}_{k}():  # {name}\n    return {k}\n" for k in range(rng.randint(5, 40))
            ]
            contents[f"{base}/src/mod{j}.py"] = lines
            initial[f"{base}/src/mod{j}.py"] = "".join(lines)
        owners.append(f"/{base}/ @acme/{team}")
    initial[".github/CODEOWNERS"] = "\n".join(owners) + "\n"
    initial[".gate.yaml"] = "version: 1\npacks: [default]\n"
    initial["README.md"] = "# synthetic monorepo\n"
    when = END - commits * MEAN_GAP
    importer.commit("platform", when, "initial import", initial)
    history: list[
        tuple[int, dict[str, list[str]], dict[str, list[str]]]
    ] = []  # mark, before, after
    pending_fixes: list[tuple[int, str, int]] = []  # due commit index, path, line index
    by_service: dict[int, list[str]] = {}
    for path in sorted(contents):
        by_service.setdefault(int(path.split("/")[1].split("-")[1]), []).append(path)
    for n in range(1, commits):
        when += rng.randint(60, 2 * MEAN_GAP - 60)
        author = rng.choice(people[: max(1, int(len(people) * rng.random()) + 1)])
        if pending_fixes and pending_fixes[0][0] <= n:
            _, path, line = pending_fixes.pop(0)
            before = {path: list(contents[path])}
            lines = contents[path]
            if lines:
                lines[min(line, len(lines) - 1)] = f"    return 0  # fixed in {n}\n"
            mark = importer.commit(
                author, when, f"Fix crash in {path.split('/')[1]}", {path: "".join(lines)}
            )
            history.append((mark, before, {path: list(lines)}))
            continue
        if n > 10 and rng.random() < 0.01 and history:
            mark, before, _ = history[-rng.randint(1, min(5, len(history)))]
            files = {p: "".join(lines) for p, lines in before.items()}
            for p, lines in before.items():
                contents[p] = list(lines)
            sha = importer.sha(mark)
            importer.commit(author, when, f"Revert a change\n\nThis reverts commit {sha}.\n", files)
            continue
        service = (
            rng.randrange(services) if rng.random() < 0.8 else rng.randrange(max(1, services // 10))
        )
        spread = 1 if rng.random() < 0.7 else rng.randint(2, 4)
        chosen = {
            p
            for s in sorted({service, *[rng.randrange(services) for _ in range(spread - 1)]})
            for p in by_service[s]
            if rng.random() < 0.6
        } or {f"services/{service_name(service)}/src/mod0.py"}
        size = int(rng.paretovariate(1.3) * 3)
        before, after, files = {}, {}, {}
        for path in sorted(chosen):
            lines = contents[path]
            before[path] = list(lines)
            for _ in range(size):
                position = rng.randint(0, len(lines))
                lines.insert(position, f"    x = {rng.randint(0, 10**6)}  # {author}\n")
            for _ in range(rng.randint(0, size // 2)):
                if len(lines) > 3:
                    lines.pop(rng.randrange(len(lines)))
            after[path] = list(lines)
            files[path] = "".join(lines)
        mark = importer.commit(author, when, f"Change {service_name(service)}", files)
        history.append((mark, before, after))
        history = history[-50:]
        risk = min(0.9, 0.03 + 0.004 * size * len(chosen))
        if rng.random() < risk:
            path = rng.choice(sorted(chosen))
            pending_fixes.append(
                (n + rng.randint(2, 40), path, rng.randrange(max(1, len(contents[path]))))
            )
            pending_fixes.sort()
    importer.close()
    # fast-import's pack deltas each object against its *older* version, so reading today's tree
    # walks deltas back through history (ls-tree -r touched 500 MB of a 100,000-commit pack).
    # A clone's pack is built the other way round; recompute the deltas as a server would.
    subprocess.run(
        ["git", "repack", "-a", "-d", "-f", "-q", "--depth=50", "--window=10"], cwd=root, check=True
    )
    subprocess.run(["git", "checkout", "-q", "main"], cwd=root, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--services", type=int, default=100)
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--authors", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if args.dir.exists() and any(args.dir.iterdir()):
        parser.error(f"{args.dir} exists and is not empty")
    generate(args.dir, args.services, args.commits, args.authors, args.seed)


if __name__ == "__main__":
    main()
