"""Risk inside `gate check`: the report section, per-tier thresholds, the rollback requirement, freezes."""
from __future__ import annotations

import json
from typing import Any

import pytest

from gate import check
from gate.errors import FatalError
from gate.git import Repo
from gate.report import renderer
from gate.resources import validator
from gate.verdict import Verdict

from conftest import TODAY, GitRepo


def risky(example: GitRepo) -> None:
    example.write("services/checkout/migrations/0002.sql", "ALTER TABLE orders ADD COLUMN x INT;\n")
    example.write("services/checkout/requirements.txt", "stripe==12\n")
    example.write("services/checkout/src/pricing.py", "".join(f"def rule_{i}(t):\n    return t * {i}\n\n" for i in range(150)))
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
    risk = v.services[0].risk
    assert risk["level"] in ("high", "critical") and risk["score"] >= 60
    assert "touches 1 schema migration(s)" in risk["factors"] and any(f.startswith("adds 45") for f in risk["factors"])
    assert risk["features"]["migrations"] == 1 and risk["features"]["dependencies"] == 1
    doc = json.loads(renderer("json")(v))
    assert list(validator("report").iter_errors(doc)) == []
    assert f"risk    {risk['score']}/100 {risk['level']}: " in renderer("text")(v)
    assert [f.rule for f in v.services[0].findings] == ["risk-high"]


def test_small_change_is_low_with_no_reasons(example: GitRepo) -> None:
    example.write("services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n")
    example.commit()
    risk = judge(example).services[0].risk
    assert risk["level"] == "low" and risk["score"] < 30
    assert all("first change" in f for f in risk["factors"])


@pytest.mark.parametrize("thresholds, verdict", [("{1: {warn: 1}}", "warn"), ("{1: {warn: 1, block: 2}}", "block"), ("{1: {}}", "pass")])
def test_thresholds_per_tier(example: GitRepo, thresholds: str, verdict: str) -> None:
    with_config(example, f"risk:\n  thresholds: {thresholds}\n")
    example.write("services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n")
    example.commit()
    assert judge(example).verdict == verdict


def test_high_risk_needs_a_recent_rollback_drill(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.replace("services/checkout/service.yaml", "last_tested: ", "last_tested: 2025-01-01  # was ")
    example.commit("stale drill")
    example.git("checkout", "-q", "-B", "change", "main")
    risky(example)
    v = judge(example)
    rules = {f.rule: f for f in v.services[0].findings}
    assert v.verdict == "block" and "risk-rollback-untested" in rules
    assert "whose rollback was last tested 2025-01-01; it needs a drill within 90 days" in rules["risk-rollback-untested"].message


def test_freeze_window(example: GitRepo) -> None:
    example.write("services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n")
    example.commit()
    before = judge(example).services[0].risk["score"]
    with_config(example, "risk:\n  freeze: [{start: 2026-11-20, end: 2026-11-30, reason: Black Friday}]\n")
    example.write("services/checkout/src/app.py", example.read("services/checkout/src/app.py") + "\nX = 1\n")
    example.commit()
    risk = judge(example).services[0].risk
    assert risk["score"] > before and "made inside the change freeze 'Black Friday'" in risk["factors"]


def test_model_comes_from_the_base_revision(example: GitRepo) -> None:
    with_config(example, "risk:\n  model: .gate/risk-model.json\n")
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.write(".gate/risk-model.json", json.dumps({"schema": "gate.risk-model/v1", "weights": {"la": -100}, "intercept": -50}))
    example.commit()
    with pytest.raises(FatalError, match="risk model not found in the base revision"):
        judge(example)


def test_calibrated_model_is_used(example: GitRepo) -> None:
    example.git("checkout", "-q", "main")
    example.write(".gate/risk-model.json", json.dumps({"schema": "gate.risk-model/v1", "weights": {"la": 0.0}, "intercept": 5.0, "meta": {"name": "calibrated"}}))
    example.commit("model")
    with_config(example, "risk:\n  model: .gate/risk-model.json\n")
    example.write("services/checkout/src/app.py", "x = 1\n")
    example.commit()
    risk = judge(example).services[0].risk
    assert risk["model"] == "calibrated" and risk["score"] == 99


def test_risk_can_be_switched_off(example: GitRepo) -> None:
    with_config(example, "risk:\n  enabled: false\n")
    risky(example)
    v = judge(example)
    assert v.services[0].risk is None and v.verdict == "pass"


def test_gate_risk_command(example: GitRepo, gate_cli: Any) -> None:
    risky(example)
    code, out, _ = gate_cli("risk", "--repo", example.path, "--base", "main")
    assert code == 0 and out.startswith("checkout (tier 1): ") and "touches 1 schema migration(s)" in out
    code, out, _ = gate_cli("risk", "--repo", example.path, "--base", "main", "--format", "json")
    assert json.loads(out)["services"][0]["service"] == "checkout"


def test_staged_change_is_scored(example: GitRepo) -> None:
    example.write("services/checkout/migrations/0003.sql", "DROP TABLE carts;\n")
    example.git("add", "-A")
    v = check.run(Repo(example.path), staged=True, today=TODAY)
    assert v.services[0].risk["features"]["migrations"] == 1
