"""The benchmarks run on a tiny repository, so they cannot rot. No timing is asserted here."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_check_speed_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "check_speed.py"), "--sizes", "small", "--runs", "1", "--workdir", str(tmp_path)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for row in ("gate check, 3 services changed, cold cache", "gate check, 3 services changed, warm cache", "gate validate, every service",
                "gate --version", "gate check --staged --offline, one manifest"):
        assert row in result.stdout


def test_risk_history_benchmark_runs(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    synth.generate(tmp_path / "repo", services=10, commits=120, authors=5, seed=2)
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "risk_history.py"), str(tmp_path / "repo"), "--runs", "1", "--pydriller-commits", "30"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "raw git log --numstat (floor)" in result.stdout and "ratio to floor" in result.stdout


def test_synthetic_monorepo_is_deterministic(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    for name in ("a", "b"):
        synth.generate(tmp_path / name, services=5, commits=60, authors=3, seed=9)
    heads = {subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path / n, capture_output=True, text=True).stdout for n in ("a", "b")}
    assert len(heads) == 1
    count = subprocess.run(["git", "rev-list", "--count", "HEAD"], cwd=tmp_path / "a", capture_output=True, text=True).stdout.strip()
    assert count == "60"


def test_scorecard_benchmark_runs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "scorecard_speed.py"), "--services", "10", "--commits", "200", "--runs", "1",
                             "--workdir", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    for row in ("gate validate --rev main (anchor)", "gate scorecard, one revision (--no-trend)", "gate scorecard, with a 12-month trend", "scorecard.html"):
        assert row in result.stdout
