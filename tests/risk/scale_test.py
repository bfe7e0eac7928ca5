"""The percentile scale: drawn from the repository's own recent changes at the trusted tip, cached,
and ranking a change exactly as the check features it."""

from __future__ import annotations

import pytest
from conftest import GitRepo

from gate.git import Repo
from gate.risk import scale
from gate.risk.features import change_features, day_of
from gate.risk.model import DEFAULT_MODEL, Model
from gate.risk.scale import (
    MIN_CHANGES,
    Scale,
    bounded_window,
    draw,
    neutral,
    probabilities,
    reference,
    scale_for,
)
from gate.risk.score import RiskScorer
from gate.settings import RiskSettings
from gate.snapshot import Snapshot

T0 = 1_700_006_399  # 23:59:59 UTC


def commits(repo: GitRepo, n: int) -> None:
    for i in range(n):
        when = f"@{T0 + i * 86400} +0000"
        repo.write(
            f"svc/f{i % 5}.py",
            (repo.read(f"svc/f{i % 5}.py") if i >= 5 else "") + "if a:\n    b = 1\n" * (1 + i % 7),
        )
        repo.git("add", "-A")
        repo.git(
            "commit",
            "-q",
            "-m",
            f"change {i}",
            env_overrides={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
        )


def test_percentile_counts_ties_half() -> None:
    scale = Scale((1.0, 2.0, 2.0, 3.0), "repository")
    assert (scale.percentile(0.5), scale.percentile(2.0), scale.percentile(9.0)) == (
        0.0,
        50.0,
        100.0,
    )


def test_the_scale_ranks_a_change_as_the_check_features_it(repo: GitRepo) -> None:
    commits(repo, 40)
    r = Repo(repo.path)
    tip = repo.git("rev-parse", "HEAD")
    points = draw(r, tip, DEFAULT_MODEL, 365)
    assert len(points) == 40
    # the tip commit, judged by the check with its parent as base on the day it was made
    base, head = Snapshot(r, tip + "^"), Snapshot(r, tip)
    scorer = RiskScorer(RiskSettings(), base, head, day_of(T0 + 39 * 86400), trusted=base)
    scored = scorer.score(tuple(f.path for f in scorer.files()), 2)
    assert round(neutral(DEFAULT_MODEL, scored["features"]), 6) in points


def test_drawn_once_per_tip_and_reused_by_a_later_tip(repo: GitRepo) -> None:
    commits(repo, MIN_CHANGES + 5)
    r = Repo(repo.path)
    tip = repo.git("rev-parse", "HEAD")
    scale = scale_for(r, tip, DEFAULT_MODEL, 365)
    assert (
        scale is not None and scale.source == "repository" and len(scale.points) == MIN_CHANGES + 5
    )
    stored = list((repo.root / ".git" / "gate" / "risk-scale").glob("*"))
    assert len(stored) == 1
    commits(repo, 1)  # a new tip a commit ahead: the ancestor's scale is reused, nothing drawn
    later = scale_for(r, repo.git("rev-parse", "HEAD"), DEFAULT_MODEL, 365)
    assert later == scale and len(list((repo.root / ".git" / "gate" / "risk-scale").glob("*"))) == 1
    other = Model({"nf": 1.0}, 0.0, meta={"name": "other"})  # another model: drawn again
    assert scale_for(r, tip, other, 365) != scale


def test_a_young_repository_is_placed_on_the_models_reference_scale(repo: GitRepo) -> None:
    commits(repo, 3)
    scale = scale_for(Repo(repo.path), repo.git("rev-parse", "HEAD"), DEFAULT_MODEL, 365)
    assert scale == reference(DEFAULT_MODEL) and scale is not None and scale.source == "reference"
    assert reference(Model({"nf": 1.0}, 0.0)) is None  # a model without one: its probability


def test_a_damaged_history_falls_back_to_the_reference_scale(repo: GitRepo) -> None:
    commits(repo, MIN_CHANGES + 2)
    old_tree = repo.git("rev-parse", "HEAD~20^{tree}")
    loose = repo.root / ".git" / "objects" / old_tree[:2] / old_tree[2:]
    loose.unlink()
    scale = scale_for(Repo(repo.path), repo.git("rev-parse", "HEAD"), DEFAULT_MODEL, 365)
    assert scale == reference(DEFAULT_MODEL)
    assert not list((repo.root / ".git" / "gate" / "risk-scale").glob("*"))  # nothing cached


def test_a_busy_repository_is_drawn_from_WALK_commits_and_ranked_with_their_window(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where caches are off the scale is drawn on every run: it reads at most WALK commits, so a
    busy repository's scale features its changes with the history that fits (here 10 days), and
    the check ranks its own change with that same window: like is compared with like."""
    commits(repo, 40)  # one a day
    monkeypatch.setattr(scale, "WALK", 20)
    r = Repo(repo.path)
    tip = repo.git("rev-parse", "HEAD")
    assert bounded_window(r, tip, 365, recent=10) == 10 * 86400  # the 10 newest, 10 days before
    assert bounded_window(r, tip, 5, recent=10) is None  # the whole window fits
    points, window = probabilities(r, tip, DEFAULT_MODEL, 365, recent=10)
    assert window == 10 * 86400 and len(points) == 10
    base, head = Snapshot(r, tip + "^"), Snapshot(r, tip)
    scorer = RiskScorer(RiskSettings(), base, head, day_of(T0 + 39 * 86400), trusted=base)
    features = scorer.features()
    narrow = Scale(tuple(sorted(points.values())), "repository", window)
    assert round(scorer._ranked(features, narrow), 6) == points[tip]
    assert narrow.describe(12.0) == (
        "percentile among this repository's 10 recent changes, their files' history over 10 days;"
        " model probability 12%"
    )  # the report says the ranking counted a shorter history
    # the full window counts more of the files' history: the narrowing is real
    assert scorer._narrow is not None and scorer._patch is not None
    change, lines_before = scorer._narrow
    narrowed = change_features(scorer.index(), change, lines_before, scorer._patch, window)
    assert features["nuc"] > narrowed["nuc"]


def test_a_cached_scale_is_reused_only_with_the_window_asked_for(repo: GitRepo) -> None:
    commits(repo, MIN_CHANGES + 5)
    r = Repo(repo.path)
    tip = repo.git("rev-parse", "HEAD")
    full = scale_for(r, tip, DEFAULT_MODEL, 365)
    assert full is not None and full.window is None  # 35 commits: the whole window fits
    narrow = scale_for(r, tip, DEFAULT_MODEL, 365, window=3 * 86400)
    assert narrow is not None and narrow.window == 3 * 86400 and narrow.points != full.points
