"""The benchmarks run on a tiny repository, so they cannot rot. No timing is asserted here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_speed_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "check_speed.py"),
            "--sizes",
            "small",
            "--runs",
            "1",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    for row in (
        "gate check, 3 services changed, cold cache",
        "gate check, 3 services changed, warm cache",
        "gate validate, every service",
        "gate --version",
        "gate check --staged --offline, one manifest",
    ):
        assert row in result.stdout


def test_risk_history_benchmark_runs(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    synth.generate(tmp_path / "repo", services=10, commits=120, authors=5, seed=2)
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "risk_history.py"),
            str(tmp_path / "repo"),
            "--runs",
            "1",
            "--pydriller-commits",
            "30",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "raw git log --numstat (floor)" in result.stdout and "ratio to floor" in result.stdout


def test_synthetic_monorepo_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    for name in ("a", "b"):
        synth.generate(tmp_path / name, services=5, commits=60, authors=3, seed=9)
    heads = {
        subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=tmp_path / n, capture_output=True, text=True
        ).stdout
        for n in ("a", "b")
    }
    assert len(heads) == 1
    count = subprocess.run(
        ["git", "rev-list", "--count", "HEAD"], cwd=tmp_path / "a", capture_output=True, text=True
    ).stdout.strip()
    assert count == "60"


def test_risk_quality_harness_runs_and_scores_as_the_check_does(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import risk_quality
    import synth

    from gate.git import Repo
    from gate.risk.score import RiskScorer
    from gate.settings import RiskSettings

    repos = tmp_path / "repos"
    rows = [
        "commit_id,project,buggy,fix,year,author_date,la,ld,nf,nd,ns,ent,ndev,age,nuc,aexp,arexp,asexp"
    ]
    links = ["fix_hash,fix_date,bug_hash,bug_date,project"]
    for project, seed in (("zookeeper", 3), ("activemq", 4)):
        synth.generate(repos / project, services=5, commits=90, authors=4, seed=seed)
        log = subprocess.run(
            ["git", "log", "--no-merges", "--format=%H %at", "HEAD"],
            cwd=repos / project,
            capture_output=True,
            text=True,
        ).stdout.split("\n")
        for i, line in enumerate(entry for entry in log[:60] if entry):
            sha, when = line.split()
            rows.append(
                f"{sha},apache/{project},{i % 4 == 0},False,2019,{when},1,0,1,1,1,0,1,0,1,1,1,1"
            )
            if i % 4 == 0:
                links.append(f"{'0' * 40},{int(when) + 86400},{sha},{when},{project.upper()}")
        rows.append(
            f"{'f' * 40},apache/kafka,True,False,2019,1,1,0,1,1,1,0,1,0,1,1,1,1"
        )  # a held-out project: never read
    rows.append(
        f"{'e' * 40},apache/camel,True,False,2019,1,1,0,1,1,1,0,1,0,1,1,1,1"
    )  # no repository for it here
    (tmp_path / "data.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "commit_links_ZOOKEEPER.csv").write_text(
        "\n".join(link for link in links if "ZOOKEEPER" in link or link.startswith("fix_hash"))
        + "\n"
    )
    (tmp_path / "commit_links_AMQ.csv").write_text(
        "\n".join(
            link.replace("ACTIVEMQ", "AMQ")
            for link in links
            if "ACTIVEMQ" in link or link.startswith("fix_hash")
        )
        + "\n"
    )
    command = [
        sys.executable,
        str(ROOT / "bench" / "risk_quality.py"),
        "--dataset",
        str(tmp_path / "data.csv"),
        "--repos",
        str(repos),
        "--links",
        str(tmp_path),
        "--cache",
        str(tmp_path / "cache"),
        "--train-links",
        "0",
        "--json",
        str(tmp_path / "t.json"),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert (
        "| zookeeper | 60 | 15 (25%) |" in result.stdout
        and "| activemq | 60 |" in result.stdout
        and "kafka" not in result.stdout
    )
    assert "Mean margin of the leave-one-project-out default over lines added" in result.stdout
    assert "Not mined (no repository here), labelled commits: camel (1)." in result.stdout
    refused = subprocess.run(
        command + ["--projects", "zookeeper,kafka"], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 2 and "not a harness project: kafka" in refused.stderr

    # the harness's features, recomputed from what it kept, are the check's own
    from gate.snapshot import Snapshot

    repo = Repo(str(repos / "zookeeper"))
    sha = rows[5].split(",")[0]
    base = Snapshot(repo, sha + "^")
    head = Snapshot(repo, sha)
    from gate.risk.features import day_of

    # judged as a check run on the day of the commit (the harness's rule)
    scorer = RiskScorer(
        RiskSettings(), base, head, day_of(int(repo.run("log", "-1", "--format=%ct", sha)))
    )
    paths = tuple(f.path for f in scorer.files())
    assert {
        k: round(v, 4) for k, v in risk_quality.features(risk_quality.mine(repo, sha)).items()
    } == scorer.score(paths, 2)["features"]


def test_scorecard_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "scorecard_speed.py"),
            "--services",
            "10",
            "--commits",
            "200",
            "--runs",
            "1",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    for row in (
        "gate validate --rev main (anchor)",
        "gate scorecard, one revision (--no-trend)",
        "gate scorecard, with a 12-month trend",
        "scorecard.html",
    ):
        assert row in result.stdout


def test_backstage_variant_is_judged_from_its_entities(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    from gate import check
    from gate.git import Repo

    synth.generate(tmp_path / "repo", services=4, commits=20, authors=2, seed=3, backstage=True)
    verdict = check.validate(Repo(str(tmp_path / "repo")))
    assert len(verdict.services) == 4
    for service in verdict.services:
        assert service.manifest.endswith("/service.yaml")
        rules = {f.rule for f in service.findings}
        assert not rules & {
            "catalog-entity",
            "owners-team",
            "owners-oncall",
            "telemetry-declared",
            "codeowners",
        }, (service.name, rules)


FIGURE = re.compile(r"\d[\d,]*(?:\.\d+)?(?: ?(?:ms|s|MB|x))(?![\w.])")


def test_the_docs_quote_the_latest_benchmark_figures() -> None:
    """Every performance figure the README and docs give beside a pointer to the benchmarks is one
    bench/README.md's latest table holds, so the two cannot drift apart."""
    bench = (ROOT / "bench" / "README.md").read_text(encoding="utf-8")
    latest = bench.split("## Latest figures", 1)[1].split("\n## ", 1)[0]
    quoted = []
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]:
        for paragraph in doc.read_text(encoding="utf-8").split("\n\n"):
            if "bench/README.md" in paragraph or "bench/risk_history.py" in paragraph:
                quoted += [(doc.name, figure) for figure in FIGURE.findall(paragraph)]
    assert len(quoted) >= 3, quoted  # the hook, the history and the scorecard figures at least
    stale = [(name, figure) for name, figure in quoted if figure not in latest]
    assert not stale, f"figures not in bench/README.md's latest table: {stale}"


def test_deploy_speed_benchmark_runs(tmp_path: Path) -> None:
    source = tmp_path / "boutique"
    (source / "kubernetes-manifests").mkdir(parents=True)
    for name in ("frontend", "cartservice"):
        (source / "kubernetes-manifests" / f"{name}.yaml").write_text(
            f"apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: {name}}}\nspec:\n  template: {{}}\n"
        )
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "deploy_speed.py"),
            "--source",
            str(source),
            "--runs",
            "1",
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "deploy checks on:" in result.stdout and "deploy checks off:" in result.stdout
    assert "CPU on/off" in result.stdout


def test_risk_scale_and_risk_cases_benchmarks_run(tmp_path: Path) -> None:
    """Both risk benchmarks on a tiny monorepo of microservices-demo's layout: five services under
    src/, their manifests in kubernetes-manifests/, 40 commits of history."""
    source = tmp_path / "shop"
    names = ("pay", "checkout", "front", "cart", "catalog")
    for name in names:
        (source / "src" / name).mkdir(parents=True)
        (source / "kubernetes-manifests").mkdir(exist_ok=True)
        (source / "kubernetes-manifests" / f"{name}.yaml").write_text(
            f"kind: Deployment\nname: {name}\n"
        )
    env = {"GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@example.com"}  # fmt: skip
    subprocess.run(["git", "init", "-q", "-b", "main", str(source)], check=True)
    for i in range(40):
        main_file = source / "src" / names[i % 5] / "main.go"
        old = main_file.read_text() if main_file.exists() else ""
        main_file.write_text(old + "".join(f"x{i}_{k} := f({k})\n" for k in range(1 + i % 9)))
        subprocess.run(["git", "add", "-A"], cwd=source, check=True, env=env)
        subprocess.run(["git", "commit", "-q", "-m", f"c{i}"], cwd=source, check=True, env=env)
    scale = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "risk_scale.py"), str(source), "--ahead", "5"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert scale.returncode == 0, scale.stderr
    assert "| shop | 35 | 5 |" in scale.stdout
    cases = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "risk_cases.py"), str(source),
         "--services", ",".join(names), "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert cases.returncode == 0, cases.stderr
    rows = [
        line
        for line in cases.stdout.splitlines()
        if line.startswith(("| wide", "| comment", "| split"))
    ]
    assert {row.split(" | ")[0] for row in rows} == {"| wide", "| comment", "| split"}
    assert len([row for row in rows if row.startswith("| wide")]) == 5
    big = source / "src" / "pay" / "main.go"
    big.write_text(big.read_text() + "".join(f"y{k} := g({k}, {k + 1})\n" for k in range(120)))
    subprocess.run(["git", "commit", "-q", "-am", "grow pay"], cwd=source, check=True, env=env)
    big.rename(source / "src" / "cart" / "pay.go")  # a pure move
    subprocess.run(["git", "add", "-A"], cwd=source, check=True, env=env)
    subprocess.run(["git", "commit", "-q", "-m", "move pay"], cwd=source, check=True, env=env)
    moved = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "risk_cases.py"), str(source), "--refactors", "30"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    row = next(line for line in moved.stdout.splitlines() if "| move pay |" in line)
    assert row.split(" | ")[4] == "0"  # moved lines are no new code


def test_claims_speed_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "claims_speed.py"),
            "--services",
            "5",
            "--workdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert "5 services, globs:" in result.stdout and "CPU globs/none" in result.stdout
