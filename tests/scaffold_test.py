"""gate.scaffold: the files `gate init` writes, never over the user's, and what counts as still the template."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import GitRepo

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.resources import errors_for
from gate.scaffold import RUNBOOK, init, is_template, next_steps, relative_root


def test_init_writes_three_files_relative_to_the_repository(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    written = init(str(repo.root / "services" / "orders"), None, 1, "orders")
    assert sorted(written) == [
        str(Path("services/orders/docs/rollback.md")),
        str(Path("services/orders/docs/runbook.md")),
        str(Path("services/orders/service.yaml")),
    ]
    manifest = repo.read("services/orders/service.yaml")
    assert "name: orders" in manifest and "tier: 1" in manifest and "99.9" in manifest
    assert relative_root(str(repo.root / "services" / "orders")) == "services/orders/"


def test_init_never_overwrites_and_writes_nothing_then(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    repo.write("svc/docs/rollback.md", "mine\n")
    with pytest.raises(FatalError, match="never overwrites"):
        init(str(repo.root / "svc"), "svc", 2, "team")
    assert (
        repo.read("svc/docs/rollback.md") == "mine\n"
        and not (repo.root / "svc" / "service.yaml").exists()
    )


def test_a_bad_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FatalError, match="lower-case label"):
        init(str(tmp_path / "svc"), "Bad Name", 1, "t")


def test_the_template_is_recognised_and_real_content_is_not() -> None:
    lines = RUNBOOK.format(name="x", tier=1, team="t", objective=99.9, root="").splitlines()
    assert is_template(lines) and not is_template(
        lines + ["Page the on-call via PagerDuty service X."]
    )
    assert not is_template(["# Heading only"])


def test_next_steps_follow_the_tier() -> None:
    tier3 = "\n".join(next_steps("svc/", "t", 3, "acme"))
    tier0 = "\n".join(next_steps("svc/", "t", 0, None))
    assert "rollback.md" not in tier3 and "/svc/ @acme/t" in tier3 and "<org>" not in tier3
    assert "resilience.drills" in tier0 and "a failover too" in tier0
    assert "@<org>/t" in tier0 and "set github_org" in tier0
    assert "failover" not in "\n".join(next_steps("svc/", "t", 1, None))


def test_tiers_0_and_1_get_a_resilience_block_that_validates(
    repo: GitRepo, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.root)
    for tier, rto, rpo, headroom in (
        (0, "1h", "15m", 30),
        (1, "4h", "1h", 20),
        (2, None, None, None),
    ):
        init(str(repo.root / "services" / f"s{tier}"), None, tier, "t")
        data = gate_yaml.load(repo.read(f"services/s{tier}/service.yaml").encode(), "x").data
        assert errors_for("service", data) == []
        block = data.get("resilience")
        if rto is None:
            assert block is None
        else:
            assert block == {
                "rto": rto,
                "rpo": rpo,
                "stateful": False,
                "capacity": {"headroom_percent": headroom},
                "drills": [],
            }
