"""Every report gate writes, for the demo's scenarios and a 20-service synthetic repository,
byte-identical to the stored expected reports in tests/golden/.

The house may be rebuilt under these commands; what users read must not move. When a change
means to alter a report, regenerate and review the diff:

    GATE_REGENERATE_GOLDEN=1 python -m pytest tests/golden_reports_test.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import GIT_ENV

from gate import demo
from gate.git import command

GOLDEN = Path(__file__).parent / "golden"
TODAY = dt.date(2026, 11, 24)
FORMATS = ("text", "json", "markdown", "sarif", "junit", "github", "gitlab")
REGENERATE = os.environ.get("GATE_REGENERATE_GOLDEN") == "1"
sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))


def _run(args: list[str], out_dir: Path, stem: str, repo: Path) -> dict[str, str]:
    """One gate command: its stdout, exit code and every file it wrote, the repository path masked."""
    result = subprocess.run(
        [sys.executable, "-m", "gate.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=repo,
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")},
            "GATE_CACHE": "off",
        },
    )
    reports = {
        f"{stem}.stdout": result.stdout,
        f"{stem}.stderr": result.stderr,
        f"{stem}.exit": f"{result.returncode}\n",
    }
    for file in sorted(out_dir.glob(f"{stem}.*")):
        reports[file.name] = file.read_text(encoding="utf-8")
        file.unlink()
    return {
        name: text.replace(str(repo), "<repo>").replace(str(out_dir), "<out>")
        for name, text in reports.items()
    }


def _check_formats(stem: str, out_dir: Path) -> list[str]:
    return [arg for name in FORMATS for arg in ("--format", f"{name}={out_dir}/{stem}.{name}")]


def _scorecard(repo: Path, rev: str, out_dir: Path, stem: str) -> dict[str, str]:
    target = out_dir / f"{stem}-scorecard"
    reports = _run(
        [
            "scorecard",
            "--repo",
            ".",
            "--rev",
            rev,
            "--offline",
            "--months",
            "6",
            "--as-of",
            TODAY.isoformat(),
            "--output-dir",
            str(target),
        ],
        out_dir,
        stem + ".scorecard",
        repo,
    )
    for file in sorted(target.iterdir()):
        reports[f"{stem}.scorecard.{file.name}"] = file.read_text(encoding="utf-8").replace(
            str(repo), "<repo>"
        )
    return reports


def _demo_reports(root: Path, out_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in GIT_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(
        demo,
        "_ENV",
        {
            **demo._ENV,
            "GIT_AUTHOR_DATE": GIT_ENV["GIT_AUTHOR_DATE"],
            "GIT_COMMITTER_DATE": GIT_ENV["GIT_COMMITTER_DATE"],
        },
    )
    root.mkdir()
    demo.build(root, TODAY, history=True, baseline=True)
    env = {**os.environ, **demo._ENV}
    repo, today = str(root), TODAY.isoformat()
    reports: dict[str, str] = {}
    for scenario in demo.SCENARIOS:
        command(repo, "checkout", "--quiet", "-b", scenario.branch, "main", env=env)
        scenario.edit(root)
        command(repo, "add", "--all", env=env)
        if command(repo, "status", "--porcelain", "--untracked-files=no").strip():
            command(repo, "commit", "--quiet", "-m", scenario.title, env=env)
        stem = f"demo.{scenario.branch}"
        reports.update(
            _run(
                [
                    "check",
                    "--repo",
                    ".",
                    "--base",
                    "main",
                    "--head",
                    scenario.branch,
                    "--as-of",
                    today,
                    *_check_formats(stem + ".check", out_dir),
                ],
                out_dir,
                stem + ".check",
                root,
            )
        )
        reports.update(
            _run(
                [
                    "risk",
                    "--repo",
                    ".",
                    "--base",
                    "main",
                    "--head",
                    scenario.branch,
                    "--format",
                    "json",
                    "--as-of",
                    today,
                ],
                out_dir,
                stem + ".risk",
                root,
            )
        )
        command(repo, "checkout", "--quiet", "main", env=env)
    reports.update(
        _run(
            [
                "validate",
                "--repo",
                ".",
                "--rev",
                "main",
                "--as-of",
                today,
                *_check_formats("demo.validate", out_dir),
            ],
            out_dir,
            "demo.validate",
            root,
        )
    )
    reports.update(
        _run(["budget", "--repo", ".", "--rev", "main", "--offline"], out_dir, "demo.budget", root)
    )
    reports.update(
        _run(
            ["budget", "--repo", ".", "--rev", "main", "--format", "json"],
            out_dir,
            "demo.budget-json",
            root,
        )
    )
    reports.update(
        _run(
            [
                "exception",
                "list",
                "--repo",
                ".",
                "--base",
                "main",
                "--as-of",
                today,
                "--format",
                "json",
            ],
            out_dir,
            "demo.exceptions",
            root,
        )
    )
    reports.update(_scorecard(root, "main", out_dir, "demo"))
    return reports


def _synthetic_reports(root: Path, out_dir: Path) -> dict[str, str]:
    import synth

    synth.generate(root, services=20, commits=300, authors=12, seed=7)
    today = TODAY.isoformat()
    reports: dict[str, str] = {}
    for back in (1, 3, 12):
        stem = f"synthetic.last-{back}"
        reports.update(
            _run(
                [
                    "check",
                    "--repo",
                    ".",
                    "--base",
                    f"main~{back}",
                    "--head",
                    "main",
                    "--as-of",
                    today,
                    *_check_formats(stem + ".check", out_dir),
                ],
                out_dir,
                stem + ".check",
                root,
            )
        )
        reports.update(
            _run(
                [
                    "risk",
                    "--repo",
                    ".",
                    "--base",
                    f"main~{back}",
                    "--head",
                    "main",
                    "--format",
                    "json",
                    "--as-of",
                    today,
                ],
                out_dir,
                stem + ".risk",
                root,
            )
        )
    _damage(root)
    reports.update(
        _run(
            [
                "check",
                "--repo",
                ".",
                "--base",
                "main",
                "--head",
                "damage",
                "--as-of",
                today,
                *_check_formats("synthetic.damage.check", out_dir),
            ],
            out_dir,
            "synthetic.damage.check",
            root,
        )
    )
    reports.update(
        _run(
            [
                "validate",
                "--repo",
                ".",
                "--rev",
                "damage",
                "--as-of",
                today,
                *_check_formats("synthetic.validate", out_dir),
            ],
            out_dir,
            "synthetic.validate",
            root,
        )
    )
    reports.update(_scorecard(root, "main", out_dir, "synthetic"))
    return reports


def _damage(root: Path) -> None:
    """A branch that breaks what production needs: a runbook gone, a tier lowered, a manifest made
    invalid, an unowned script, and a new service with a bare manifest."""
    env = {**os.environ, **GIT_ENV}
    repo = str(root)
    command(repo, "checkout", "--quiet", "-b", "damage", "main", env=env)
    (root / "services/svc-00003/docs/runbook.md").unlink()
    manifest = root / "services/svc-00008/service.yaml"
    manifest.write_text(
        manifest.read_text(encoding="utf-8")
        .replace("tier: 1", "tier: 3")
        .replace("tier: 0", "tier: 3"),
        encoding="utf-8",
    )
    broken = root / "services/svc-00005/service.yaml"
    broken.write_text(broken.read_text(encoding="utf-8") + "owners: [nobody\n", encoding="utf-8")
    (root / "tools").mkdir()
    (root / "tools/deploy.sh").write_text("echo deploy\n", encoding="utf-8")
    (root / "services/svc-new/src").mkdir(parents=True)
    (root / "services/svc-new/service.yaml").write_text(
        "apiVersion: gate/v1\nkind: Service\nname: svc-new\ntier: 1\nowners: {team: team-00}\n",
        encoding="utf-8",
    )
    (root / "services/svc-new/src/app.py").write_text("print('hi')\n", encoding="utf-8")
    command(repo, "add", "--all", env=env)
    command(repo, "commit", "--quiet", "-m", "Damage what production needs", env=env)
    command(repo, "checkout", "--quiet", "main", env=env)


def _compare(reports: dict[str, str], folder: Path) -> None:
    if REGENERATE and folder.is_relative_to(GOLDEN):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for name, text in reports.items():
            (folder / name).write_text(text, encoding="utf-8")
        return
    stored = {file.name for file in folder.iterdir()} if folder.is_dir() else set()
    assert stored == set(reports), (
        f"reports written differ from {folder}: missing {sorted(stored - set(reports))}, new {sorted(set(reports) - stored)}"
    )
    changed = [
        name
        for name, text in sorted(reports.items())
        if (folder / name).read_text(encoding="utf-8") != text
    ]
    assert not changed, (
        f"reports differ from the stored ones in {folder}: {changed} (GATE_REGENERATE_GOLDEN=1 rewrites them; review the diff)"
    )


def test_demo_reports_are_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _compare(_demo_reports(tmp_path / "demo", out, monkeypatch), GOLDEN / "demo")


def test_synthetic_reports_are_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    _compare(_synthetic_reports(tmp_path / "synthetic", out), GOLDEN / "synthetic")


def test_a_changed_report_is_caught(tmp_path: Path) -> None:
    """The comparison itself can fail: one byte changed in one report is named."""
    folder = tmp_path / "golden"
    folder.mkdir()
    (folder / "a.json").write_text(json.dumps({"verdict": "pass"}), encoding="utf-8")
    with pytest.raises(AssertionError, match=r"\['a.json'\]"):
        _compare({"a.json": json.dumps({"verdict": "block"})}, folder)
    with pytest.raises(AssertionError, match="missing"):
        _compare({}, folder)
