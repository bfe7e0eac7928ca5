"""`gate test`: policy packs run against their examples, reported as text or JUnit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from conftest import GitRepo
from policy.testing_test import PACK, write_pack
from testing.typed import present


def test_junit_report(gate_cli: Any, tmp_path: Path) -> None:
    out_file = tmp_path / "gate-test.xml"
    code, _, _ = gate_cli(
        "test",
        write_pack(tmp_path),
        "--repo",
        str(tmp_path),
        "--format",
        "junit",
        "--output",
        str(out_file),
    )
    assert code == 1
    root = ET.fromstring(out_file.read_text(encoding="utf-8"))
    (suite,) = root.findall("testsuite")
    failures = {
        (c.get("classname"), c.get("name")): present(c.find("failure")).get("type")
        for c in suite.iter("testcase")
        if c.find("failure") is not None
    }
    label = str(tmp_path / "payments.yaml")
    assert failures == {
        (f"{label}.pci-scope", "wrong on purpose"): "mismatch",
        (f"{label}.typo-rule", "should fire"): "mismatch",
        (f"{label}.typo-rule", "can fire"): "never-fires",
        (f"{label}.migrations-reviewed", "has examples"): "no-examples",
    }
    assert suite.get("failures") == "4" and suite.get("tests") == str(4 + 3 * 2)
    (note,) = suite.iter("property")
    assert "is not a git repository: when: globs are not checked" in str(note.get("value"))


def test_no_arguments_tests_the_configured_packs(gate_cli: Any, repo: GitRepo) -> None:
    repo.write(".gate.yaml", "version: 1\npacks: [policies/payments.yaml]\n")
    repo.write("policies/payments.yaml", PACK)
    repo.commit()
    code, out, _ = gate_cli("test", "--repo", repo.path)
    assert code == 1 and out.startswith("policies/payments.yaml\n") and "(built-in)" not in out
