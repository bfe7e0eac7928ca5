"""The score its author cannot bend: adding to a change never lowers it, reshaping the same code
leaves it where it was (the property the risk model is fitted and shipped under)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gate.risk.features import DAY, Change, HistoryIndex, change_features
from gate.risk.history import Commit, FileChange
from gate.risk.model import ANTITONE, DEFAULT_MODEL, MONOTONE, Model
from gate.risk.patch import Patch
from gate.risk.scale import reference

T0 = 1_750_000_000
PATHS = (
    "svc/app.py",
    "svc/db.py",
    "svc/requirements.txt",
    "svc/migrations/0001.sql",
    "lib/util.py",
    "deploy/values.yaml",
    "auth/token.py",
    "infra/main.tf",
)
STATEMENT = st.sampled_from(
    (
        "x = compute(a, b)",
        "if total > limit and not retry: raise Busy()",
        "for item in items: send(item)",
        "return {'id': ident, 'ok': True}",
        "while q: q.pop()",
        "result.append(value * 2)",
        "import json",
        "from os import path",
    )
)


def history_index(seed: list[tuple[int, int, int]]) -> HistoryIndex:
    index = HistoryIndex(365 * DAY)
    for n, (path, author, days) in enumerate(seed):
        index.add(
            Commit(
                f"{n:040x}",
                (),
                f"dev{author}@example.com",
                T0 - days * DAY,
                "fix crash" if n % 3 == 0 else "change",
                (FileChange(PATHS[path], 5, 1),),
            )
        )
    return index


@st.composite
def changes(draw: st.DrawFn) -> tuple[HistoryIndex, dict[str, list[str]], dict[str, int]]:
    seed = draw(
        st.lists(
            st.tuples(st.integers(0, len(PATHS) - 1), st.integers(0, 4), st.integers(1, 400)),
            max_size=30,
        )
    )
    files = draw(
        st.dictionaries(
            st.sampled_from(PATHS), st.lists(STATEMENT, min_size=1, max_size=40), min_size=1
        )
    )
    before = {p: draw(st.integers(0, 3000)) for p in PATHS}
    return history_index(seed), files, before


def score(
    index: HistoryIndex, files: dict[str, list[str]], before: dict[str, int], tier: int = 1
) -> float:
    change = Change(
        "dev1@example.com",
        T0,
        tuple(FileChange(p, len(lines), 0) for p, lines in files.items()),
        tier=tier,
    )
    patch = Patch({p: "\n".join(lines) for p, lines in files.items()}, {})
    return DEFAULT_MODEL.score(change_features(index, change, before, patch))


@settings(max_examples=150, deadline=None)
@given(changes(), st.sampled_from(PATHS), STATEMENT)
def test_adding_to_a_change_never_lowers_its_score(
    case: tuple[HistoryIndex, dict[str, list[str]], dict[str, int]], path: str, line: str
) -> None:
    """One more line, one more file (a dependency manifest, another directory, a big file with
    a long history): the score never goes down."""
    index, files, before = case
    more = {**files, path: [*files.get(path, []), line]}
    assert score(index, more, before) >= score(index, files, before) - 1e-9


@settings(max_examples=150, deadline=None)
@given(changes())
def test_reshaping_the_same_code_moves_the_score_at_most_two_points(
    case: tuple[HistoryIndex, dict[str, list[str]], dict[str, int]],
) -> None:
    """On the score people read (the percentile, here on the model's reference scale): joining
    statements on one line (with "; "), indentation and blank lines leave it within two points;
    an `import x;` prefix (skipped once as "not code") is more code, never less."""
    index, files, before = case
    scale = reference(DEFAULT_MODEL)
    assert scale is not None

    def percentile(shaped: dict[str, list[str]]) -> float:
        return scale.percentile(score(index, shaped, before, tier=2))

    honest = percentile(files)
    joined = {p: ["; ".join(lines)] for p, lines in files.items()}
    spaced = {p: [f"    {line}  " for line in lines] + ["", "   "] for p, lines in files.items()}
    assert abs(percentile(spaced) - honest) <= 2.0
    assert abs(percentile(joined) - honest) <= 2.0
    prefixed = {
        p: [f"import os; {line}" if i == 0 else line for i, line in enumerate(lines)]
        for p, lines in files.items()
    }
    assert percentile(prefixed) >= honest
    assert score(index, prefixed, before) >= score(index, files, before)


def test_the_shipped_model_weighs_every_feature_its_author_controls_one_way() -> None:
    """Every weighted feature is held to a sign (MONOTONE never below zero, ANTITONE never above)
    or is a fact the author does not control (tier, freeze)."""
    for name, weight in DEFAULT_MODEL.weights.items():
        if name in MONOTONE:
            assert weight >= 0, name
        elif name in ANTITONE:
            assert weight <= 0, name
        else:
            assert name in ("tier", "freeze"), name


@pytest.mark.parametrize("name", ["dependencies", "nf", "lt", "ndev", "ns"])
def test_a_negative_weight_on_what_the_author_controls_would_fail_the_property(name: str) -> None:
    """The property test can fail: a model that credits one more dependency manifest (or file,
    big file, developer, directory) lowers the score of a change that adds one."""
    bent = Model(
        {**DEFAULT_MODEL.weights, name: -3.0},
        DEFAULT_MODEL.intercept,
        DEFAULT_MODEL.means,
        DEFAULT_MODEL.scales,
    )
    index = history_index([(0, 2, 10), (2, 3, 20), (5, 4, 30), (7, 0, 40)])
    change = {"svc/app.py": ["x = compute(a, b)"] * 200}
    more = {
        **change,
        "deploy/values.yaml": ["x = 1"],
        "svc/requirements.txt": ["requests"],
        "infra/main.tf": ["a = b"],
        "auth/token.py": ["t = 1"],
    }
    before = dict.fromkeys(PATHS, 2000)

    def scored(model: Model, files: dict[str, list[str]]) -> float:
        c = Change(
            "dev1@example.com", T0, tuple(FileChange(p, len(v), 0) for p, v in files.items())
        )
        patch = Patch({p: "\n".join(v) for p, v in files.items()}, {})
        return model.score(change_features(index, c, before, patch))

    assert scored(bent, more) < scored(bent, change)
    assert scored(DEFAULT_MODEL, more) >= scored(DEFAULT_MODEL, change)
