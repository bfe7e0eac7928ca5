"""`gate scorecard`: the fleet's four files written into one directory, and its options' errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import GitRepo


def test_writes_the_four_files_and_names_them(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    out_dir = tmp_path / "card"
    code, out, _ = gate_cli(
        "scorecard",
        "--repo",
        example.path,
        "--rev",
        "main",
        "--offline",
        "--no-trend",
        "--as-of",
        "2026-11-22",
        "--output-dir",
        str(out_dir),
    )
    assert code == 0
    assert sorted(p.name for p in out_dir.iterdir()) == [
        "scorecard.html",
        "scorecard.json",
        "scorecard.md",
        "services.csv",
    ]
    assert (
        out.strip()
        == f"scorecard: {out_dir / 'scorecard.html'} (also scorecard.md, scorecard.json, services.csv)"
    )
    assert (
        len(json.loads((out_dir / "scorecard.json").read_text(encoding="utf-8"))["services"]) == 7
    )


def test_a_since_after_the_scorecards_date_is_a_usage_error(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    code, _, err = gate_cli(
        "scorecard",
        "--repo",
        example.path,
        "--since",
        "2027-01-01",
        "--as-of",
        "2026-11-22",
        "--output-dir",
        str(tmp_path / "card"),
    )
    assert code == 2 and "--since" in err and "after the scorecard's date 2026-11-22" in err
    assert not (tmp_path / "card").exists()


def test_an_output_dir_that_is_a_file_is_exit_2_naming_it(
    example: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    blocker = tmp_path / "card"
    blocker.write_text("mine\n")
    code, _, err = gate_cli(
        "scorecard",
        "--repo",
        example.path,
        "--rev",
        "main",
        "--offline",
        "--no-trend",
        "--as-of",
        "2026-11-22",
        "--output-dir",
        str(blocker),
    )
    assert (
        code == 2
        and "cannot write the scorecard" in err
        and str(blocker) in err
        and len(err.splitlines()) == 1
    )
    assert blocker.read_text() == "mine\n"


def test_with_no_options_it_scores_the_checked_out_branch_of_a_fresh_adoption(
    repo: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    """A clone whose origin/HEAD has no gate yet: the branch the user adopted gate on is scored,
    and the adoption clock starts when .gate.yaml arrived, not at the repository's first commit."""
    repo.write("README.md", "old project\n")
    repo.commit("the first commit, years ago")
    repo.git("update-ref", "refs/remotes/origin/HEAD", "HEAD")
    repo.branch("adopt-gate")
    repo.write(".gate.yaml", "version: 1\n")
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 2\nowners: {team: a}\n",
    )
    repo.git("add", "-A")
    repo.git(
        "commit",
        "-q",
        "-m",
        "adopt gate",
        env_overrides={"GIT_AUTHOR_DATE": "2026-11-20T12:00:00+00:00"},
    )
    out_dir = tmp_path / "card"
    code, _, err = gate_cli(
        "scorecard",
        "--repo",
        repo.path,
        "--offline",
        "--no-trend",
        "--as-of",
        "2026-11-24",
        "--output-dir",
        str(out_dir),
    )
    card = json.loads((out_dir / "scorecard.json").read_text(encoding="utf-8"))
    assert code == 0 and "warning" not in err
    assert card["revision"]["name"] == "adopt-gate"
    assert [s["name"] for s in card["services"]] == ["svc"]
    assert card["adoption"]["months"] == 0 and card["adoption"]["start"] == "2026-11-20"


def test_zero_services_is_a_warning_naming_the_revision(
    repo: GitRepo, gate_cli: Any, tmp_path: Path
) -> None:
    repo.write("README.md", "no services yet\n")
    repo.commit("first")
    code, _, err = gate_cli(
        "scorecard",
        "--repo",
        repo.path,
        "--offline",
        "--no-trend",
        "--output-dir",
        str(tmp_path / "card"),
    )
    assert code == 0 and "warning: no services at main (" in err and "--rev" in err
