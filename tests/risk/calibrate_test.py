"""Calibration and evaluation on a synthetic history where bigger changes fail more often."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from testing.typed import present

from gate.git import Repo
from gate.risk.calibrate import dataset, evaluate, incidents_at, split
from gate.risk.features import day_of
from gate.risk.model import DEFAULT_MODEL, auc, fit, load
from gate.risk.score import RiskScorer
from gate.settings import RiskSettings
from gate.snapshot import Snapshot

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import risk_quality  # noqa: E402
import synth  # noqa: E402


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synthetic") / "repo"
    synth.generate(root, services=30, commits=1500, authors=20, seed=7)
    return root


def test_dataset_labels_and_cache(synthetic: Path) -> None:
    repo = Repo(str(synthetic))
    samples = dataset(repo)
    assert len(samples) == 1500  # every non-merge commit, the initial import included
    failed = sum(s.failed for s in samples)
    assert 50 < failed < 600
    cache = list((synthetic / ".git" / "gate" / "risk-dataset").glob("*.json"))
    assert len(cache) == 1
    assert dataset(repo) == samples  # from the cache, keyed by the head commit


def test_evaluate_time_ordered_split(synthetic: Path) -> None:
    samples = dataset(Repo(str(synthetic)))
    train, test = split(samples, test_share=0.3, train_days=3650, settle_days=5)
    assert max(s.time for s in train) <= min(s.time for s in test)
    result = evaluate(samples, test_share=0.3, train_days=3650)
    assert result["auc_lines_added"] > 0.6  # the synthetic history really has signal
    assert result["auc_model"] >= result["auc_lines_added"] - 0.05
    assert set(result) >= {
        "auc_model",
        "auc_default_model",
        "auc_lines_added",
        "beats_baseline_by",
        "model",
    }


def test_fit_recovers_a_known_signal() -> None:
    import random

    rng = random.Random(3)
    rows = [{"la": rng.expovariate(0.02), "nf": rng.randint(1, 10)} for _ in range(1500)]
    labels = [int(rng.random() < min(0.95, r["la"] / 400 + r["nf"] / 40)) for r in rows]
    model = fit(rows, labels, ["la", "nf"])
    assert model.weights["la"] > 0 and model.weights["nf"] > 0
    assert present(auc([model.score(r) for r in rows], labels)) > 0.65


def test_auc_ties_and_degenerate() -> None:
    assert auc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert auc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5
    assert auc([1, 2], [1, 1]) is None


def test_calibrate_command_writes_a_model_the_gate_can_load(
    synthetic: Path, gate_cli: Any, tmp_path: Path
) -> None:
    out = tmp_path / "model.json"
    code, text, _ = gate_cli(
        "risk", "calibrate", "--repo", str(synthetic), "--output", str(out), "--train-days", "3650"
    )
    assert code == 0 and "wrote" in text
    model = load(out.read_bytes(), str(out))
    assert model.meta["trained"] and model.weights
    code, text, _ = gate_cli(
        "risk", "evaluate", "--repo", str(synthetic), "--format", "json", "--train-days", "3650"
    )
    assert code == 0 and json.loads(text)["auc_lines_added"] > 0.6


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"{", "not JSON"),
        (b'{"schema": "x"}', "not a risk model"),
        (b'{"schema": "gate.risk-model/v1", "weights": {"bogus": 1}}', "unknown features: bogus"),
    ],
)
def test_bad_model_files(raw: bytes, words: str) -> None:
    from gate.errors import FatalError

    with pytest.raises(FatalError, match=words):
        load(raw, "m.json")


def test_default_model_is_monotone_in_size() -> None:
    small = {"la": 5, "nf": 1}
    big = {"la": 500, "nf": 12, "migrations": 2}
    assert DEFAULT_MODEL.score(big) > DEFAULT_MODEL.score(small)


def _labels_file(tmp_path: Path, rows: list[tuple[str, int, int]]) -> str:
    path = tmp_path / "incidents.csv"
    path.write_text(
        "commit,failed,known\n"
        + "".join(f"{sha[:10]},{failed},{known}\n" for sha, failed, known in rows)
    )
    return str(path)


def test_external_labels_replace_szz(synthetic: Path, gate_cli: Any, tmp_path: Path) -> None:
    samples = dataset(Repo(str(synthetic)), szz=False)
    assert not any(s.failed for s in samples)  # unlabelled: no blame was run
    # the changes to the most-changed files "failed": a signal the default weighs only lightly
    small = sorted(samples, key=lambda s: -s.features["nuc"])[: len(samples) // 5]
    path = _labels_file(tmp_path, [(s.sha, 1, s.time + 86400) for s in small])
    code, text, _ = gate_cli(
        "risk",
        "evaluate",
        "--repo",
        str(synthetic),
        "--format",
        "json",
        "--train-days",
        "3650",
        "--labels",
        path,
    )
    result = json.loads(text)
    assert (
        code == 0 and result["test_failed"] > 20 and result["auc_model"] > 0.9
    )  # these labels, not SZZ's
    out = tmp_path / "model.json"
    code, text, _ = gate_cli(
        "risk",
        "calibrate",
        "--repo",
        str(synthetic),
        "--output",
        str(out),
        "--train-days",
        "3650",
        "--labels",
        path,
    )
    assert code == 0 and "wrote" in text and "beats the default by +" in text
    assert load(out.read_bytes(), str(out)).meta["validation"]["auc_model"] > 0.9


def test_calibrate_keeps_the_default_and_writes_nothing_when_it_cannot_validate(
    synthetic: Path, gate_cli: Any, tmp_path: Path
) -> None:
    first = dataset(Repo(str(synthetic)), szz=False)[0]
    path = _labels_file(tmp_path, [(first.sha, 1, first.time)])
    out = tmp_path / "model.json"
    code, text, _ = gate_cli(
        "risk", "calibrate", "--repo", str(synthetic), "--output", str(out), "--labels", path
    )
    assert (
        code == 0
        and text.startswith("kept the default model: cannot validate")
        and not out.exists()
    )


def test_bad_labels_file_is_one_line_exit_2(synthetic: Path, gate_cli: Any, tmp_path: Path) -> None:
    path = tmp_path / "incidents.csv"
    path.write_text("commit,failed\n0123456789,1\n")
    code, out, err = gate_cli("risk", "evaluate", "--repo", str(synthetic), "--labels", str(path))
    assert code == 2 and f"{path}:2: commit 0123456789 is not in the history being labelled" in err
    assert "Traceback" not in err and path.read_text() == "commit,failed\n0123456789,1\n"


def test_labels_may_name_a_merge_commit(repo: Any, gate_cli: Any, tmp_path: Path) -> None:
    repo.write("a.txt", "a\n")
    repo.commit("a")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("b.txt", "b\n")
    repo.commit("b")
    repo.git("checkout", "-q", "main")
    repo.write("c.txt", "c\n")
    repo.commit("c")
    repo.git("merge", "-q", "--no-ff", "-m", "merge side", "side")
    merge = repo.git("rev-parse", "HEAD")
    path = _labels_file(tmp_path, [(merge, 1, 1)])
    code, text, err = gate_cli("risk", "evaluate", "--repo", str(repo.path), "--labels", path)
    assert (
        code == 0 and "cannot evaluate" in text
    )  # accepted (merges are not scored), not "not in the history"


def _forge_cached_datasets(git_dir: Path) -> int:
    """What code from the pull request, run in an earlier CI step, could write: every cached
    dataset's changes marked as failed."""
    forged = 0
    for path in (git_dir / "gate").rglob("*.json"):
        doc = json.loads(path.read_text())
        if isinstance(doc, dict) and "samples" in doc:
            doc["samples"] = [{**s, "failed": 1, "known": s["time"]} for s in doc["samples"]]
            path.write_text(json.dumps(doc))
            forged += 1
    return forged


def test_the_dataset_cache_obeys_the_one_off_switch(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("svc/app.py", "x = 1\n")
    repo.commit("add app")
    repo.write("svc/app.py", "x = 2\n")
    bad = repo.commit("change app")
    repo.git("revert", "--no-edit", bad)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.setenv("GATE_CACHE", "on")
    honest = dataset(Repo(repo.path))
    assert [s.failed for s in honest] == [0, 1, 0]
    assert _forge_cached_datasets(Path(repo.path) / ".git") == 1
    assert all(s.failed for s in dataset(Repo(repo.path)))  # a trusted machine reads its own cache
    monkeypatch.delenv("GATE_CACHE")
    monkeypatch.setenv("CI", "true")
    assert dataset(Repo(repo.path)) == honest  # in CI the planted cache is not read
    monkeypatch.delenv("CI")
    monkeypatch.setenv("GATE_CACHE", "off")
    assert dataset(Repo(repo.path)) == honest
    shutil.rmtree(Path(repo.path) / ".git" / "gate")
    dataset(Repo(repo.path))
    assert not (Path(repo.path) / ".git" / "gate").exists()  # and nothing is written


def test_a_broken_dataset_cache_is_rebuilt_not_a_traceback(
    repo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo.write("a.py", "x = 1\n")
    repo.commit("add a")
    monkeypatch.setenv("GATE_CACHE", "on")
    honest = dataset(Repo(repo.path))
    for junk in (
        "{not json",
        '{"version": 3, "samples": [{"sha": 1}]}',
        '{"version": 3, "samples": 5}',
        "[]",
    ):
        for path in (Path(repo.path) / ".git" / "gate").rglob("*.json"):
            path.write_text(junk)
        assert dataset(Repo(repo.path)) == honest, junk


# -- one feature computation -----------------------------------------------------------------------


def _history_with_every_kind_of_change(repo: Any) -> None:
    """Authors, a rename, a file split into two (moved lines), comments, imports, a fix, a
    dependency manifest and a file deleted, over a year and a half (past the 365-day window)."""
    t0 = 1_700_006_399  # 23:59:59 UTC: the check judges a change at the end of its day

    def at(days: int, author: str, message: str) -> None:
        env = {
            "GIT_AUTHOR_NAME": author,
            "GIT_AUTHOR_EMAIL": f"{author}@example.com",
            "GIT_COMMITTER_NAME": author,
            "GIT_COMMITTER_EMAIL": f"{author}@example.com",
            "GIT_AUTHOR_DATE": f"@{t0 + days * 86400} +0000",
            "GIT_COMMITTER_DATE": f"@{t0 + days * 86400} +0000",
        }
        repo.git("add", "-A")
        repo.git("commit", "-q", "-m", message, env_overrides=env)

    body = "".join(
        f"def f{i}(x):\n    if x > {i}:\n        return x\n    return {i}\n" for i in range(30)
    )
    repo.write("svc/a/core.py", "import os\n# the core\n" + body)
    repo.write("svc/a/requirements.txt", "requests==2\n")
    at(0, "alice", "start")
    repo.write("svc/a/core.py", repo.read("svc/a/core.py") + "X = 1\n")
    at(200, "bob", "more")
    repo.write("svc/a/core.py", repo.read("svc/a/core.py").replace("X = 1", "X = 2"))
    at(420, "alice", "Fix crash in core")
    repo.git("mv", "svc/a/core.py", "svc/a/main.py")
    at(430, "carol", "rename")
    lines = repo.read("svc/a/main.py").split("\n")
    repo.write("svc/a/main.py", "\n".join(lines[:60]) + "\n")
    repo.write("svc/b/part.py", "import sys\n" + "\n".join(lines[60:]))
    at(440, "carol", "split the core")
    repo.write("svc/b/part.py", repo.read("svc/b/part.py") + "y = 1; z = [y for y in range(3)]\n")
    repo.write("svc/a/requirements.txt", "requests==3\nurllib3\n")
    (repo.root / "svc" / "a" / "main.py").unlink()
    at(450, "bob", "drop main")


def test_check_calibrate_and_the_harness_compute_the_same_features(repo: Any) -> None:
    """Every commit of a real history, as `gate check` scores it (parent as base), as `gate risk
    calibrate` and `evaluate` see it (one pass over the history), and as the quality harness does."""
    _history_with_every_kind_of_change(repo)
    r = Repo(repo.path)
    samples = {s.sha: s for s in dataset(r, szz=False)}
    shas = repo.git("rev-list", "--reverse", "HEAD").split()
    assert set(samples) == set(shas)
    for sha in shas[1:]:
        base, head = Snapshot(r, sha + "^"), Snapshot(r, sha)
        today = day_of(int(repo.git("log", "-1", "--format=%ct", sha)))
        scorer = RiskScorer(RiskSettings(), base, head, today)
        checked = scorer.score(tuple(f.path for f in scorer.files()), 2)["features"]
        calibrated = {k: round(v, 4) for k, v in samples[sha].features.items()}
        harness = risk_quality.features(risk_quality.mine(r, sha))
        assert calibrated == checked, sha
        assert {k: round(v, 4) for k, v in harness.items()} == checked, sha
    split_commit = samples[shas[4]].features
    assert split_commit["moved"] >= 60 and split_commit["added_code"] <= 1  # the split moved code


def test_incidents_join_the_labels_git_gives(repo: Any, tmp_path: Path) -> None:
    """A change an incident names as its cause is a failure calibration learns from, known when the
    incident was resolved; the export comes from the revision's .gate.yaml (incidents.source)."""
    repo.write("a.py", "a = 1\n")
    repo.commit("a")
    repo.write("b.py", "b = 1\n")
    blamed = repo.commit("b")
    export = tmp_path / "incidents.json"
    repo.write(
        ".gate.yaml", f"version: 1\nincidents:\n  source: file\n  file: {{path: '{export}'}}\n"
    )
    repo.commit("incidents are exported")
    plain = dataset(Repo(repo.path))
    assert not any(s.failed for s in plain)
    incident = {
        "id": "INC-1",
        "services": ["b"],
        "severity": "sev2",
        "started": "2026-11-02T10:00:00Z",
        "resolved": "2026-11-02T11:00:00Z",
        "caused_by": {"commits": [blamed[:10]]},
    }
    export.write_text(json.dumps({"schema": "gate.incidents/v1", "incidents": [incident]}))
    found, note = incidents_at(Repo(repo.path), "HEAD")
    assert note is None and [i.id for i in found] == ["INC-1"]
    labelled = {s.sha: s for s in dataset(Repo(repo.path), incidents=found)}  # not the cached one
    assert (
        labelled[blamed].failed == 1 and labelled[blamed].known == 1793617200
    )  # 2026-11-02 11:00 UTC
    export.write_text("{broken")
    found, note = incidents_at(Repo(repo.path), "HEAD")
    assert found == () and "incidents not read" in str(note)


def test_calibration_counts_the_history_window_the_check_counts(repo: Any) -> None:
    """`gate risk calibrate` features each past change with the `risk.history_days` the check reads
    (at the revision calibrated), so the default is judged on the check's own numbers."""
    repo.write(".gate.yaml", "version: 1\nrisk:\n  history_days: 20\n")
    for i in range(6):
        repo.write("svc/app.py", f"x = {i}\n" * (i + 1))
        when = f"@{1_700_000_000 + i * 10 * 86400} +0000"
        repo.git("add", "-A")
        repo.git(
            "commit",
            "-q",
            "-m",
            f"c{i}",
            env_overrides={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        )
    r = Repo(repo.path)
    configured = [s.features for s in dataset(r, szz=False)]
    assert configured == [s.features for s in dataset(r, szz=False, window_days=20)]
    assert configured != [s.features for s in dataset(r, szz=False, window_days=365)]
