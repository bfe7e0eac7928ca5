"""The pack sections of the documentation (docs/packs.md) are runnable: writing, testing and sharing run verbatim; the check
kind's code and entry point run as `pip install` would leave them (without the slow build)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from testing.typed import present

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "docs" / "packs.md").read_text(encoding="utf-8")


def blocks(heading: str) -> list[str]:
    start = README.index(f"## {heading}\n")
    end = README.find("\n## ", start + 1)
    return re.findall(r"```sh\n(.*?)```", README[start : end if end > 0 else None], re.S)


def run(script: str, cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_write_test_share_sections_run_verbatim(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "GATE_PACK_CACHE": str(tmp_path / "cache"),
    }
    out = run(blocks("Writing a pack")[0], tmp_path, env)
    assert "fires ('PCI in scope'): says nothing" in out
    out = run(blocks("Testing a pack")[0], tmp_path, env)
    assert "  ok   pci-scope  2/2 examples" in out and "exit 1: never-fires" in out
    assert (tmp_path / "payments-repo" / "gate-test.xml").read_text().startswith("<?xml")
    out = run(blocks("Sharing a pack")[0], tmp_path, env)
    assert "platform-policies.git@" in out and "  ok   pci-scope  2/2 examples" in out


def test_writing_a_kind_section(tmp_path: Path) -> None:
    script = blocks("Writing a check kind")[0]
    module = present(re.search(r"<<'PY'\n(.*?)\nPY\n", script, re.S)).group(1)
    pyproject = present(re.search(r"<<'TOML'\n(.*?)\nTOML\n", script, re.S)).group(1)
    entry = re.search(
        r'\[project.entry-points."gate.check_kinds"\]\n(\w+) = "([\w.:]+)"', pyproject
    )
    assert entry is not None
    site = tmp_path / "site"
    (site / "gate_kind_described").mkdir(parents=True)
    (site / "gate_kind_described" / "__init__.py").write_text(module)
    info = site / "gate_kind_described-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: gate-kind-described\nVersion: 1.0\n"
    )
    (info / "entry_points.txt").write_text(
        f"[gate.check_kinds]\n{entry.group(1)} = {entry.group(2)}\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", "from gate.cli import main; main()", "explain", "--kinds"],
        env={**os.environ, "PYTHONPATH": str(site)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    expected = present(re.search(r"# (described .*)$", script, re.M)).group(1)
    assert done.returncode == 0 and f"  {expected}" in done.stdout, done.stdout + done.stderr
