"""Risk inside `gate check`: the report section, per-tier thresholds, the rollback requirement, freezes."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from conftest import TODAY, GitRepo
from testing.typed import present

from gate import check
from gate.errors import FatalError
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator
from gate.risk.features import FEATURES
from gate.risk.model import DEFAULT_MODEL, Model
from gate.risk.score import WORDS, reasons
from gate.verdict import Verdict


def risky(example: GitRepo) -> None:
    example.write("services/checkout/migrations/0002.sql", "ALTER TABLE orders ADD COLUMN x INT;\n")
    example.write("services/checkout/requirements.txt", "stripe==12\n")
    example.write(
        "services/checkout/src/pricing.py",
        "".join(
            f"def rule_{i}(t):\n    if t > {i}:\n        return t * {i}\n    return t\n\n"
            for i in range(300)
        ),
    )
    example.write(
        "services/checkout/src/discounts.py",
        "".join(f"def off_{i}(t):\n    return t - {i} if t > {i} else t\n\n" for i in range(300)),
    )
    example.commit("pricing rewrite")


def with_config(example: GitRepo, extra: str) -> None:
    example.git("checkout", "-q", "main")
    example.write(".gate.yaml", example.read(".gate.yaml") + extra)
    example.commit("config")
    example.git("checkout", "-q", "-B", "change", "main")


def judge(example: GitRepo) -> Verdict:
    return check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)


def test_risk_section_in_json_and_text(example: GitRepo) -> None:
    risky(example)
    v = judge(example)
    risk = present(v.services[0].risk)
    assert risk.level in ("high", "critical") and risk.score >= 60
    assert (
        "touches 1 schema migration(s)" in risk.factors
        and "adds 2,402 lines (1,239 of new code)" in risk.factors
    )  # one reason for the size
    assert not any(
        f.startswith(("adds 1,802 lines of code", "edits large files")) for f in risk.factors
    )  # small files: no such reason
    assert risk.features["migrations"] == 1 and risk.features["dependencies"] == 1
    doc = json.loads(renderer("json")(v))
    assert list(validator("report").iter_errors(doc)) == []
    assert f"risk    {risk.score}/100 {risk.level} (percentile among " in renderer("text")(v)
    assert [f.rule for f in v.services[0].findings] == ["risk-high"]


def test_small_change_is_low_with_no_reasons(example: GitRepo) -> None:
    example.write(
        "services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n"
    )
    example.commit()
    risk = present(judge(example).services[0].risk)
    assert risk.level == "low" and risk.score < 30
    assert all("first change" in f for f in risk.factors)


@pytest.mark.parametrize(
    "thresholds, verdict",
    [("{1: {warn: 1}}", "warn"), ("{1: {warn: 1, block: 2}}", "block"), ("{1: {}}", "pass")],
)
def test_thresholds_per_tier(example: GitRepo, thresholds: str, verdict: str) -> None:
    with_config(example, f"risk:\n  thresholds: {thresholds}\n")
    example.write(
        "services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n"
    )
    example.commit()
    assert judge(example).verdict == verdict


def test_high_risk_needs_a_recent_rollback_drill(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.replace(
        "services/checkout/service.yaml",
        "{kind: rollback, date: 2026-10-25",
        "{kind: rollback, date: 2025-01-01",
    )
    example.commit("stale drill")
    example.git("checkout", "-q", "-B", "change", "main")
    risky(example)
    v = judge(example)
    rules = {f.rule: f for f in v.services[0].findings}
    assert v.verdict == "block" and "risk-rollback-untested" in rules
    assert (
        "whose rollback was last tested 2025-01-01; it needs a drill within 90 days"
        in rules["risk-rollback-untested"].message
    )
    # The change records a fresh drill itself: no resilience reviewer approved it, so main's record judges.
    example.replace(
        "services/checkout/service.yaml",
        "{kind: rollback, date: 2025-01-01",
        "{kind: rollback, date: 2026-11-20",
    )
    example.commit("drilled, says the change")
    rules = {f.rule: f for f in judge(example).services[0].findings}
    message = rules["risk-rollback-untested"].message
    assert (
        "last tested 2025-01-01" in message
        and "rollback drill of 2026-11-20 (pass) does not count" in message
    )


def test_freeze_window(example: GitRepo) -> None:
    example.write(
        "services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n"
    )
    example.commit()
    before = present(judge(example).services[0].risk).score
    with_config(
        example, "risk:\n  freeze: [{start: 2026-11-20, end: 2026-11-30, reason: Black Friday}]\n"
    )
    example.write(
        "services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n"
    )
    example.commit()
    risk = present(judge(example).services[0].risk)
    assert risk.score > before and "made inside the change freeze 'Black Friday'" in risk.factors


def test_model_comes_from_the_base_revision(example: GitRepo) -> None:
    with_config(example, "risk:\n  model: .gate/risk-model.json\n")
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.write(
        ".gate/risk-model.json",
        json.dumps({"schema": "gate.risk-model/v1", "weights": {"la": -100}, "intercept": -50}),
    )
    example.commit()
    with pytest.raises(FatalError, match="risk model not found in the base revision"):
        judge(example)


def test_calibrated_model_is_used(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(
        ".gate/risk-model.json",
        json.dumps(
            {
                "schema": "gate.risk-model/v1",
                "weights": {"la": 0.0},
                "intercept": 5.0,
                "meta": {"name": "calibrated"},
            }
        ),
    )
    example.commit("model")
    with_config(example, "risk:\n  model: .gate/risk-model.json\n")
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.commit()
    risk = present(judge(example).services[0].risk)
    assert risk.model == "calibrated" and risk.score == 99


def test_risk_can_be_switched_off(example: GitRepo) -> None:
    with_config(example, "risk:\n  enabled: false\n")
    risky(example)
    v = judge(example)
    assert v.services[0].risk is None and v.verdict == "pass"


def test_gate_risk_command(example: GitRepo, gate_cli: Any) -> None:
    risky(example)
    code, out, _ = gate_cli("risk", "--repo", example.path, "--base", "main")
    assert (
        code == 0
        and out.startswith("checkout (tier 1): ")
        and "touches 1 schema migration(s)" in out
    )
    code, out, _ = gate_cli("risk", "--repo", example.path, "--base", "main", "--format", "json")
    assert json.loads(out)["services"][0]["service"] == "checkout"


def test_staged_change_is_scored(example: GitRepo) -> None:
    example.write("services/checkout/migrations/0003.sql", "DROP TABLE carts;\n")
    example.git("add", "-A")
    v = check.run(Repo(example.path), staged=True, today=TODAY)
    assert present(v.services[0].risk).features["migrations"] == 1


def test_staged_lines_are_read_by_the_risk_score(example: GitRepo) -> None:
    """The hook's score reads the staged text: three comment lines are no code and no decision
    (unread lines would each count as both)."""
    example.write("services/checkout/src/notes.py", "# one\n# two: if and while\n# three\n")
    example.git("add", "-A")
    features = present(
        check.run(Repo(example.path), staged=True, today=TODAY).services[0].risk
    ).features
    assert (features["la"], features["added_code"], features["decisions"]) == (3, 0, 0)


def test_history_without_line_counts_scores_exactly_as_with_them(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gate check` mines history with --name-status (no content diffs): the features must not move."""
    from gate.risk import history, score

    manifest = "apiVersion: gate/v1\nkind: Service\nname: {0}\ntier: 1\nowners: {{team: t}}\n"
    repo.write("services/a/service.yaml", manifest.format("a"))
    repo.write("services/b/service.yaml", manifest.format("b"))
    authors = ["ada@example.com", "bob@example.com", "cy@example.com"]
    for i in range(30):
        author = authors[i % 3]
        repo.write(
            f"services/{'ab'[i % 2]}/src/m{i % 4}.py",
            "".join(f"x{j} = {i}\n" for j in range(i * 3)),
        )
        if i == 12:
            repo.git("mv", "services/a/src/m0.py", "services/a/src/renamed.py")
        date = f"2026-10-{1 + i % 28:02d}T12:00:00+00:00"
        repo.git("add", "-A")
        repo.git(
            "commit",
            "-q",
            "-m",
            "fix crash" if i % 7 == 0 else f"change {i}",
            env_overrides={
                "GIT_AUTHOR_EMAIL": author,
                "GIT_AUTHOR_DATE": date,
                "GIT_COMMITTER_DATE": date,
            },
        )
    repo.branch("change")
    repo.write("services/a/src/renamed.py", "y = 1\n")
    repo.write("services/a/src/m1.py", "z = 2\n" * 40)
    repo.write("services/b/src/m3.py", "w = 3\n")
    repo.git("add", "-A")
    repo.git(
        "commit", "-q", "-m", "the change", env_overrides={"GIT_AUTHOR_EMAIL": "ada@example.com"}
    )

    def features() -> dict[str, Any]:
        v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
        return {s.name: present(s.risk).features for s in v.services}

    fast = features()
    assert fast["a"]["exp"] > 0 and fast["a"]["ndev"] > 0 and fast["b"]["nuc"] > 0
    full_stream = history.stream
    monkeypatch.setattr(
        score, "stream", lambda *a, **k: full_stream(*a, **{**k, "lines": True, "renames": True})
    )
    import shutil

    shutil.rmtree(repo.root / ".git" / "gate")
    assert features() == fast


def test_a_wide_change_asks_git_by_directory_and_scores_the_same(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of pathspecs cost git minutes; past WIDE_CHANGE the history is asked by directory
    and filtered, and on a linear history the features must not move."""
    import shutil

    from gate.risk import history

    manifest = "apiVersion: gate/v1\nkind: Service\nname: {0}\ntier: 1\nowners: {{team: t}}\n"
    for name in ("a", "b"):
        repo.write(f"services/{name}/service.yaml", manifest.format(name))
    repo.write("libs/shared.py", "s = 0\n")
    authors = ["ada@example.com", "bob@example.com"]
    for i in range(24):
        repo.write(
            f"services/{'ab'[i % 2]}/src/m{i % 5}.py",
            "".join(f"v{j} = {i}\n" for j in range(i + 3)),
        )
        repo.write(
            f"services/{'ab'[i % 2]}/src/other{i % 3}.py", f"o = {i}\n"
        )  # history of files the change does not touch
        if i == 9:
            repo.git(
                "mv", "services/a/src/m4.py", "services/a/src/moved.py"
            )  # both sides touched by the change
        if i == 15:
            repo.git(
                "mv", "services/b/src/m1.py", "services/b/src/elsewhere.py"
            )  # only the old side touched
        date = f"2026-10-{1 + i:02d}T12:00:00+00:00"
        repo.git("add", "-A")
        repo.git(
            "commit",
            "-q",
            "-m",
            f"change {i}",
            env_overrides={
                "GIT_AUTHOR_EMAIL": authors[i % 2],
                "GIT_AUTHOR_DATE": date,
                "GIT_COMMITTER_DATE": date,
            },
        )
    repo.branch("change")
    for path in (
        "services/a/src/m0.py",
        "services/a/src/m4.py",
        "services/a/src/moved.py",
        "services/b/src/m1.py",
        "services/b/src/m3.py",
        "libs/shared.py",
    ):
        repo.write(path, "changed = 1\n")
    repo.git("add", "-A")
    repo.git(
        "commit", "-q", "-m", "the change", env_overrides={"GIT_AUTHOR_EMAIL": "ada@example.com"}
    )

    def features() -> dict[str, Any]:
        shutil.rmtree(repo.root / ".git" / "gate", ignore_errors=True)
        v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
        return {s.name: present(s.risk).features for s in v.services}

    narrow = features()
    assert narrow["a"]["nuc"] > 0 and narrow["b"]["ndev"] > 0
    monkeypatch.setattr(history, "WIDE_CHANGE", 0)
    assert features() == narrow


def test_more_lines_never_lower_the_score(example: GitRepo) -> None:
    """End to end through the check: the same change with more lines scores at least as high."""
    scores = []
    for n in (1, 10, 60, 400, 3000):
        example.git("checkout", "-q", "-B", f"size-{n}", "main")
        example.write(
            "services/checkout/src/rules.py",
            "".join(f"if t > {i}:\n    t = t - 1\n" for i in range(n // 2)) + "x = 1\n" * (n % 2),
        )
        example.commit(f"{n} lines")
        risk = present(judge(example).services[0].risk)
        assert risk.features["la"] == n
        scores.append(risk.score)
    assert scores == sorted(scores) and scores[-1] > scores[0]


def test_added_lines_are_read_whatever_the_users_diff_settings_and_path_names(
    example: GitRepo,
) -> None:
    example.write('services/checkout/src/tab\there "q" é.py', "if x:\n    y = 1\n# a comment\n\n")
    example.write("services/checkout/src/sp ace.py", "while y:\n    y -= 1\n")
    example.commit("odd names")
    plain = present(judge(example).services[0].risk).features
    # 13 tokens of code: 2 lines' worth (TOKENS_PER_LINE), the comment and blank line not counted
    assert (plain["la"], plain["added_code"], plain["decisions"]) == (6, 2, 2)
    for key, value in (
        ("diff.noprefix", "true"),
        ("diff.mnemonicPrefix", "true"),
        ("core.quotepath", "true"),
        ("color.diff", "always"),
    ):
        example.git("config", key, value)
    import shutil

    shutil.rmtree(example.root / ".git" / "gate", ignore_errors=True)
    assert present(judge(example).services[0].risk).features == plain


def test_padding_a_change_past_the_diff_limit_never_lowers_its_score(
    example: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gate.risk import score as risk_score

    example.write(
        "services/checkout/src/rules.py", "".join(f"if t > {i}:\n    t -= 1\n" for i in range(40))
    )
    example.commit("rules")
    honest = present(judge(example).services[0].risk)
    example.write(
        "services/checkout/src/a_padding.py", "# padding\n" * 400
    )  # read first: the diff lists files by name
    example.commit("pad")
    monkeypatch.setattr(risk_score, "ADDED_LIMIT", 3000)
    padded = present(judge(example).services[0].risk)
    assert padded.features["decisions"] >= honest.features["decisions"] == 40
    assert padded.features["added_code"] >= honest.features["added_code"]
    assert padded.score >= honest.score


# -- time is the trusted side's ------------------------------------------------------------------


def _dated(example: GitRepo, when: str, message: str) -> None:
    example.git("add", "-A")
    example.git(
        "commit",
        "-q",
        "-m",
        message,
        env_overrides={"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when},
    )


def _history(example: GitRepo) -> None:
    """Two weeks of edits to checkout's code on main."""
    example.git("checkout", "-q", "main")
    for day in range(1, 15):
        example.write(
            "services/checkout/src/app.py",
            example.read("services/checkout/src/app.py") + f"V{day} = {day}\n",
        )
        _dated(
            example, f"2026-11-{day:02d}T12:00:00+00:00", "fix crash" if day % 4 == 0 else "tweak"
        )


def _change(example: GitRepo, when: str) -> Any:
    example.git("checkout", "-q", "-B", f"change-{when[:4]}", "main")
    example.write(
        "services/checkout/src/app.py",
        example.read("services/checkout/src/app.py") + "if x:\n    y = 1\n" * 40,
    )
    _dated(example, when, "feature")
    return present(judge(example).services[0].risk)


@pytest.mark.parametrize("when", ["2031-11-20T12:00:00+00:00", "2021-11-20T12:00:00+00:00"])
def test_dating_the_change_in_the_future_or_the_past_cannot_lower_its_score(
    example: GitRepo, when: str
) -> None:
    """The head's author and committer dates are the author's to write; the history window is
    held between the base commit's time and the end of the check's own day."""
    _history(example)
    honest = _change(example, "2026-11-20T12:00:00+00:00")
    dated = _change(example, when)
    for name in ("nuc", "ndev", "file_fixes", "recent_failures", "exp", "lt"):
        assert dated.features[name] == honest.features[name], name
    assert honest.features["nuc"] >= 14 and dated.score >= honest.score - 1


def test_staged_mode_counts_todays_commits(example: GitRepo) -> None:
    """The pre-commit hook judges at the end of the check's day: the author's commits made earlier
    that day are history (they were left out when the staged change was dated at midnight)."""
    example.git("config", "user.name", "Ada Author")
    example.git("config", "user.email", "ada@example.com")
    for hour in (9, 10, 11):
        example.write(
            "services/checkout/src/app.py",
            example.read("services/checkout/src/app.py") + f"H{hour} = 1\n",
        )
        _dated(example, f"{TODAY.isoformat()}T{hour:02d}:00:00+00:00", "today")
    example.write(
        "services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "Z = 1\n"
    )
    example.git("add", "-A")
    risk = present(check.run(Repo(example.path), staged=True, today=TODAY).services[0].risk)
    assert risk.features["nuc"] >= 3 and risk.features["exp"] >= 3


# -- reasons that are true --------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(WORDS))
def test_a_reason_is_shown_only_when_the_models_weight_points_that_way(name: str) -> None:
    """Each reason's feature, at a value far from a typical change: named when its weight raises
    the score at that value, never when the weight points the other way or is absent."""
    features = {n: 0.0 for n in FEATURES}
    features.update(la=1000.0, added_code=900.0, decisions=50.0, moved=3.0)
    value = 40.0 if name not in ("rel_churn", "test_ratio", "entropy", "fix", "freeze") else 1.0
    high = dict(features, **{name: value})
    means = {name: 0.5 if value == 1.0 else math.log1p(5.0)}
    scales = {name: 0.1 if value == 1.0 else 1.0}
    for sign in (1.0, -1.0):
        model = Model({name: sign * 2.0}, 3.0, means, scales)
        shown = reasons(model, high if sign > 0 else dict(high, **{name: 0.0}))
        said = WORDS[name](high if sign > 0 else dict(high, **{name: 0.0}))
        assert said in shown, (name, sign)  # up at a high value, or up at a low one (ANTITONE)
        against = reasons(model, dict(high, **{name: 0.0}) if sign > 0 else high)
        assert WORDS[name](dict(high, **{name: 0.0})) not in against
        assert WORDS[name](high) not in against
    other = "nuc" if name != "nuc" else "nf"
    unweighted = Model({other: 1.0}, 3.0, {other: 0.0}, {other: 1.0})
    assert WORDS[name](high) not in reasons(unweighted, dict(high, **{other: 100.0}))


def test_experience_reasons_follow_the_shipped_model() -> None:
    """ "The author's first change ..." is said only when the model in use weighs experience
    (ANTITONE, never above zero) and this author's count is below the typical change's."""
    features = {n: 0.0 for n in FEATURES}
    features.update(la=3000.0, added_code=3000.0, decisions=400.0, nf=20.0)
    said = reasons(DEFAULT_MODEL, features)
    for name in ("exp", "sexp", "age", "test_ratio"):
        if DEFAULT_MODEL.weights.get(name, 0.0) == 0.0:
            assert WORDS[name](features) not in said, name


# -- what the scale says about typical changes ------------------------------------------------------


def _feature_code(n: int, name: str) -> str:
    return "".join(
        f"def {name}_{i}(order, limit):\n"
        f"    if order.total > limit and not order.retry:\n"
        f"        raise ValueError('{name} {i}')\n"
        f"    for item in order.items:\n"
        f"        item.price = item.price * {i} // 100\n"
        f"    return order\n\n"
        for i in range(n)
    )


def test_a_big_change_across_services_warns_or_blocks_at_tier_0(example: GitRepo) -> None:
    """About 900 lines across five tier-0/1 services, deploy manifests included: the riskiest
    changes, so the tier-0 service's thresholds fire."""
    for service in ("payments", "checkout", "search", "cart", "notifications"):
        example.write(f"services/{service}/src/feature.py", _feature_code(25, service))
        example.write(f"services/{service}/deploy/values.yaml", "replicas: 3\nimage: v2\n")
    example.commit("five services at once")
    v = judge(example)
    payments = next(s for s in v.services if s.name == "payments")
    risk = present(payments.risk)
    assert payments.tier == 0 and risk.score >= 90 and risk.level in ("high", "critical")
    assert any(f.rule in ("risk-high", "risk-threshold") for f in payments.findings)


def test_a_comment_stays_low(example: GitRepo) -> None:
    path = "services/payments/src/charge.py"
    example.write(path, example.read(path) + "# a comment about retries\n")
    example.commit("comment")
    risk = present(next(s for s in judge(example).services if s.name == "payments").risk)
    assert risk.level == "low" and risk.features["added_code"] == 0


def test_a_pure_file_split_is_not_above_medium(example: GitRepo) -> None:
    """One big file split into four with no behaviour change: moved lines are not new code."""
    example.git("checkout", "-q", "main")
    path = "services/payments/src/charge.py"
    body = _feature_code(110, "rule")
    example.write(path, body)
    example.commit("one big module")
    example.git("checkout", "-q", "-B", "split", "main")
    parts = body.split("\n\n")
    quarter = len(parts) // 4
    for k in range(4):
        chunk = parts[k * quarter : (k + 1) * quarter if k < 3 else len(parts)]
        target = path if k == 0 else f"services/payments/src/charge_{k}.py"
        example.write(target, "import decimal\n\n" + "\n\n".join(chunk) + "\n")
    example.commit("split charge.py into four modules")
    risk = present(judge(example).services[0].risk)
    assert risk.features["la"] > 500 and risk.features["moved"] > 450
    assert risk.level in ("low", "medium") and risk.features["added_code"] <= 5
