"""The fitted default model, the label reader, the leakage rule, monotonicity and the calibration fallback."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from testing.typed import present

from gate.errors import FatalError
from gate.risk import labels
from gate.risk.calibrate import (
    DEFAULT_FEATURES,
    Sample,
    as_of,
    calibrate,
    evaluate,
    fit_default,
    relabel,
    select,
    split,
)
from gate.risk.model import ANTITONE, DEFAULT_MODEL, MONOTONE, Model, auc, fit

DAY = 86400
T0 = 1_600_000_000
ROOT = Path(__file__).resolve().parents[2]


def sample(i: int, la: float, failed: int, known: int | None = None, **more: float) -> Sample:
    t = T0 + i * DAY
    return Sample(
        f"{i:040x}",
        t,
        {"la": la, "added_code": la, **more},
        failed,
        (known if known is not None else t + 5 * DAY) if failed else 0,
    )


# -- the label reader -----------------------------------------------------------------------------

SHAS = ["a" * 40, "ab" + "c" * 38, "abd" + "0" * 37, "1234567" + "8" * 33]


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "labels.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_label_file_reads_prefixes_dates_and_booleans(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "commit,failed,known\n"
        + "a" * 40
        + ",1,2024-03-01\nabcccccc,no,\n1234567,TRUE,1700000000\n\n",
    )
    got = labels.read_file(path, SHAS)
    assert got == {"a" * 40: (1, 1709251200), "ab" + "c" * 38: (0, None), SHAS[3]: (1, 1700000000)}


def test_label_file_without_known_column(tmp_path: Path) -> None:
    assert labels.read_file(write(tmp_path, "failed,commit\n0,abd0000\n"), SHAS) == {
        SHAS[2]: (0, None)
    }


@pytest.mark.parametrize(
    "text, error",
    [
        (
            "sha,bad\nx,1\n",
            r"labels.csv:1: labels need a header with the columns commit and failed",
        ),
        (
            "commit,failed\nabcccccc,maybe\n",
            r"labels.csv:2: failed must be 1/0, true/false or yes/no, not 'maybe'",
        ),
        (
            "commit,failed\nfffffff,1\n",
            r"labels.csv:2: commit fffffff is not in the history being labelled",
        ),
        ("commit,failed\nab,1\n", r"labels.csv:2: not a commit id: 'ab'"),
        ("commit,failed\naaaaaaa,1\nzz,0\n", r"labels.csv:3: not a commit id"),
        (
            "commit,failed,known\naaaaaaa,1,yesterday\n",
            r"labels.csv:2: known must be an ISO date or unix seconds",
        ),
        ("commit,failed\naaaaaaa\n", r"labels.csv:2: expected 2 columns, found 1"),
    ],
)
def test_bad_label_files_name_file_and_line(tmp_path: Path, text: str, error: str) -> None:
    with pytest.raises(FatalError, match=error):
        labels.read_file(write(tmp_path, text), SHAS)


def test_ambiguous_prefix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="commit abc is ambiguous|not a commit id"):
        labels.read_file(write(tmp_path, "commit,failed\nabc,1\n"), SHAS)
    with pytest.raises(FatalError, match="ambiguous"):
        labels.read_file(
            write(tmp_path, "commit,failed\n1234567,1\n"), SHAS + ["1234567" + "9" * 33]
        )
    with pytest.raises(FatalError, match="cannot read labels"):
        labels.read_file(str(tmp_path / "nope.csv"), SHAS)


def test_relabel_unlisted_good_or_skipped() -> None:
    rows = [sample(i, 10, 1) for i in range(3)]
    given = {rows[0].sha: (1, None), rows[1].sha: (0, None)}
    good = relabel(rows, given)
    assert [s.failed for s in good] == [1, 0, 0]
    assert good[0].known == rows[0].time + 90 * DAY  # no date given: known 90 days after the change
    assert [s.sha for s in relabel(rows, given, "skip")] == [rows[0].sha, rows[1].sha]


# -- the leakage rule ------------------------------------------------------------------------------


def test_a_failure_fixed_after_the_cutoff_is_not_a_training_label() -> None:
    early = sample(0, 10, 1, known=T0 + 5 * DAY)
    late = sample(1, 10, 1, known=T0 + 400 * DAY)
    assert [s.failed for s in as_of([early, late], T0 + 100 * DAY)] == [1, 0]
    rows = [
        sample(i, 10, 1 if i % 2 else 0, known=T0 + 1000 * DAY) for i in range(400)
    ]  # every fix lands late
    train, test = split(rows, test_share=0.3, train_days=3650, settle_days=0)
    assert not any(s.failed for s in train)  # nothing was known at the cutoff
    assert any(s.failed for s in test)  # the test side is judged on what is known now
    assert evaluate(rows, 0.3, 3650)["error"]  # so nothing can be fitted, rather than a leaky fit


def test_leaked_labels_cannot_lift_the_fit() -> None:
    """A hostile history: in training, big changes fail but only come to light after the cutoff;
    the labels known in time say small changes fail. The fit must see only the latter."""
    rng = random.Random(5)
    rows = []
    for i in range(600):
        la = rng.choice([5, 500])
        failed = int(rng.random() < 0.5)
        known = T0 + (10_000 if la == 500 else i + 1) * DAY
        rows.append(sample(i, la, failed if la == 500 else int(rng.random() < 0.2), known))
    train, _ = split(rows, 0.3, 3650, settle_days=0)
    big = [s.failed for s in train if s.features["la"] == 500]
    assert sum(big) == 0 and sum(s.failed for s in train) > 0


# -- fitting and monotonicity ----------------------------------------------------------------------


def test_fit_never_weights_lines_negatively() -> None:
    rng = random.Random(1)
    rows = [{"added_code": rng.expovariate(0.02), "nuc": rng.randint(0, 30)} for _ in range(800)]
    y = [
        int(rng.random() < (0.6 if r["added_code"] < 20 else 0.1) * (1 + r["nuc"] / 30) / 2)
        for r in rows
    ]  # smaller fails more
    free = fit(rows, y, ["added_code", "nuc"], monotone=())
    assert free.weights["added_code"] < 0  # the data alone would make more lines look safer
    model = fit(rows, y, ["added_code", "nuc"])
    assert "added_code" not in model.weights and model.weights["nuc"] > 0


@pytest.mark.parametrize("name", MONOTONE)
def test_default_model_never_lowers_risk_for_more_lines(name: str) -> None:
    rng = random.Random(hash(name) % 1000)
    assert DEFAULT_MODEL.weights.get(name, 0.0) >= 0
    for _ in range(200):
        base: dict[str, float] = {
            n: rng.choice([0, 1, 3, 10, 100, 2000]) for n in DEFAULT_MODEL.weights
        }
        more = dict(base, **{name: base.get(name, 0) + rng.choice([1, 10, 500])})
        assert DEFAULT_MODEL.score(more) >= DEFAULT_MODEL.score(base)


def test_fit_never_rewards_a_newcomer() -> None:
    """The author's identity is the pull request's claim: experience may lower risk, never raise it,
    whatever the data say (here the experienced authors' changes fail more)."""
    rng = random.Random(8)
    rows = [{"la": rng.expovariate(0.02), "exp": rng.randint(0, 300)} for _ in range(800)]
    y = [int(rng.random() < 0.1 + r["exp"] / 500) for r in rows]
    assert fit(rows, y, ["la", "exp"], antitone=()).weights["exp"] > 0
    assert "exp" not in fit(rows, y, ["la", "exp"]).weights


@pytest.mark.parametrize("name", ANTITONE)
def test_default_model_never_scores_a_newcomer_lower(name: str) -> None:
    assert DEFAULT_MODEL.weights.get(name, 0.0) <= 0
    base = {n: 10.0 for n in DEFAULT_MODEL.weights}
    assert DEFAULT_MODEL.score(dict(base, **{name: 0.0})) >= DEFAULT_MODEL.score(base)


def test_shipped_default_model_is_fitted_with_provenance() -> None:
    meta = DEFAULT_MODEL.meta
    assert meta["trained"] and meta["name"] == "default" and "ApacheJIT" in meta["data"]
    assert set(meta["leave_one_project_out"]) and not {"kafka", "zeppelin", "mesos"} & set(
        meta["projects"]
    )
    assert set(DEFAULT_FEATURES) >= set(meta["features"])


def test_fit_default_learns_from_samples() -> None:
    rng = random.Random(2)
    rows = [
        sample(i, rng.expovariate(0.01), 0, nuc=rng.randint(0, 50), lt=rng.randint(0, 5000))
        for i in range(1000)
    ]
    rows = [
        Sample(s.sha, s.time, s.features, int(rng.random() < s.features["la"] / 400), s.time + DAY)
        for s in rows
    ]
    model = fit_default(rows)
    assert model.weights["added_code"] > 0 and model.meta["samples"] == 1000
    assert present(auc([model.score(s.features) for s in rows], [s.failed for s in rows])) > 0.7


# -- the fallback ------------------------------------------------------------------------------------


def test_calibration_keeps_the_default_when_it_cannot_beat_it() -> None:
    """Training labels are noise; the newest slice follows lines added, as the default does."""
    rng = random.Random(4)
    rows = []
    for i in range(900):
        la = rng.expovariate(0.01)
        failed = int(rng.random() < 0.3) if i < 600 else int(la > 120)
        rows.append(sample(i, la, failed, noise=rng.random()))
    default = Model({"la": 1.0}, 0.0, meta={"name": "default"})
    model, result = calibrate(rows, train_days=3650, default=default, now=T0 + 2000 * DAY)
    assert model is None
    assert result["beats_default_by"] <= 0 and result["auc_default_model"] > 0.85


def test_calibration_is_kept_when_it_beats_the_default() -> None:
    rng = random.Random(6)
    rows = []
    for i in range(900):
        nuc = rng.randint(0, 40)  # the files' history predicts failures; size does not
        rows.append(sample(i, rng.expovariate(0.01), int(rng.random() < nuc / 40), nuc=nuc))
    default = Model({"la": 1.0}, 0.0, meta={"name": "default"})
    model, result = calibrate(rows, train_days=3650, default=default, now=T0 + 2000 * DAY)
    assert model is not None and result["beats_default_by"] > 0.1
    assert model.meta["validation"]["auc_model"] == result["auc_model"]


def test_select_uses_only_labels_known_at_its_own_cut() -> None:
    rows = [sample(i, 10 + (i % 2) * 100, i % 2, known=T0 + 10_000 * DAY) for i in range(400)]
    _, chosen = select(rows)
    assert chosen["validation_auc"] is None  # no label was known when the validation slice began
