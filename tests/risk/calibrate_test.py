"""Calibration and evaluation on a synthetic history where bigger changes fail more often."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from gate.git import Repo
from gate.risk.calibrate import dataset, evaluate, split
from gate.risk.model import DEFAULT_MODEL, auc, fit, load

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
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
    cache = list((synthetic / ".git" / "gate").glob("risk-dataset-*.json"))
    assert len(cache) == 1
    assert dataset(repo) == samples  # from the cache, keyed by the head commit


def test_evaluate_time_ordered_split(synthetic: Path) -> None:
    samples = dataset(Repo(str(synthetic)))
    train, test = split(samples, test_share=0.3, train_days=3650, settle_days=5)
    assert max(s.time for s in train) <= min(s.time for s in test)
    result = evaluate(samples, test_share=0.3, train_days=3650)
    assert result["auc_lines_added"] > 0.6  # the synthetic history really has signal
    assert result["auc_model"] >= result["auc_lines_added"] - 0.05
    assert set(result) >= {"auc_model", "auc_default_model", "auc_lines_added", "beats_baseline_by", "model"}


def test_fit_recovers_a_known_signal() -> None:
    import random

    rng = random.Random(3)
    rows = [{"la": rng.expovariate(0.02), "nf": rng.randint(1, 10)} for _ in range(1500)]
    labels = [int(rng.random() < min(0.95, r["la"] / 400 + r["nf"] / 40)) for r in rows]
    model = fit(rows, labels, ["la", "nf"])
    assert model.weights["la"] > 0 and model.weights["nf"] > 0
    assert auc([model.score(r) for r in rows], labels) > 0.65


def test_auc_ties_and_degenerate() -> None:
    assert auc([1, 2, 3, 4], [0, 0, 1, 1]) == 1.0
    assert auc([1, 1, 1, 1], [0, 1, 0, 1]) == 0.5
    assert auc([1, 2], [1, 1]) is None


def test_calibrate_command_writes_a_model_the_gate_can_load(synthetic: Path, gate_cli: Any, tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    code, text, _ = gate_cli("risk", "calibrate", "--repo", str(synthetic), "--output", str(out), "--train-days", "3650")
    assert code == 0 and "wrote" in text
    model = load(out.read_bytes(), str(out))
    assert model.meta["trained"] and model.weights
    code, text, _ = gate_cli("risk", "evaluate", "--repo", str(synthetic), "--format", "json", "--train-days", "3650")
    assert code == 0 and json.loads(text)["auc_lines_added"] > 0.6


@pytest.mark.parametrize("raw, words", [(b"{", "not JSON"), (b'{"schema": "x"}', "not a risk model"),
                                        (b'{"schema": "gate.risk-model/v1", "weights": {"bogus": 1}}', "unknown features: bogus")])
def test_bad_model_files(raw: bytes, words: str) -> None:
    from gate.errors import FatalError

    with pytest.raises(FatalError, match=words):
        load(raw, "m.json")


def test_default_model_is_monotone_in_size() -> None:
    small = {"la": 5, "nf": 1}
    big = {"la": 500, "nf": 12, "migrations": 2}
    assert DEFAULT_MODEL.score(big) > DEFAULT_MODEL.score(small)
