"""Schema results remembered across runs, keyed by the exact schema and document."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import GIT_ENV, GitRepo

from gate import resources

GOOD = {"apiVersion": "gate/v1", "kind": "Service", "name": "a", "tier": 1, "owners": {"team": "t"}}


@pytest.fixture
def memo(tmp_path: Path) -> Any:
    resources.remember_in(str(tmp_path / "cache"))
    yield _shard(tmp_path / "cache", GOOD)  # the file that holds GOOD's result
    resources.remember_in(None)


def _shard(folder: Path, document: Any) -> Path:
    digest = resources._digest(f"schema:service:{resources._schema_key('service')}", document)
    return folder / "schema-results" / f"{digest[:2]}.json"


def _later_run(memo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    resources.save_memo()
    resources.remember_in(None)
    resources.remember_in(str(memo.parent.parent))

    def refuse(*args: Any) -> Any:
        raise AssertionError(f"jsonschema was asked again: {args}")

    monkeypatch.setattr(resources, "validator", refuse)
    monkeypatch.setattr(resources, "_fragment_validator", refuse)
    monkeypatch.setattr(
        resources, "_valid", lambda name: refuse
    )  # the fast predicate (gate.validity) counts as asking


def test_a_document_is_not_validated_twice(memo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {**GOOD, "tier": 9}
    assert resources.errors_for("service", GOOD) == []
    first = resources.errors_for("service", bad)
    assert first == [(("tier",), "tier: 9 must be at most 3")]
    assert resources.fragment_errors({"required": ["x"]}, GOOD) != []
    _later_run(memo, monkeypatch)
    assert (
        resources.errors_for("service", dict(reversed(list(GOOD.items())))) == []
    )  # key order does not matter
    assert (
        resources.errors_for("service", bad) == first
    )  # the same errors, lines and all, without jsonschema
    assert resources.fragment_errors({"required": ["x"]}, GOOD) != []


def test_any_difference_in_the_document_is_validated_afresh(
    memo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert resources.errors_for("service", GOOD) == []
    _later_run(memo, monkeypatch)
    for changed in ({**GOOD, "tier": "1"}, {**GOOD, "tier": 1.0}, {**GOOD, "extra": None}):
        with pytest.raises(AssertionError, match="asked again"):
            resources.errors_for("service", changed)


def test_remembered_results_belong_to_their_schema(memo: Path) -> None:
    assert resources.errors_for("service", GOOD) == []
    assert resources.errors_for("config", GOOD) != []
    assert resources.fragment_errors({"type": "object", "required": ["x"]}, GOOD) != []
    assert resources.fragment_errors({"type": "object"}, GOOD) == []


def test_a_corrupt_memo_is_ignored_and_rewritten(memo: Path) -> None:
    memo.parent.mkdir(parents=True)
    for junk in ("{not json", '{"a": 1}', '{"a": [[1]]}', "[1, 2, null]", ""):
        memo.write_text(junk)
        resources.remember_in(None)
        resources.remember_in(str(memo.parent.parent))
        assert resources.errors_for("service", {**GOOD, "tier": 7}) != []
        assert resources.errors_for("service", GOOD) == []
        resources.save_memo()
        assert isinstance(json.loads(memo.read_text()), dict)


def test_results_are_sharded_and_read_only_when_asked(memo: Path) -> None:
    documents = [{**GOOD, "name": f"svc-{i}"} for i in range(600)]
    for document in documents:
        assert resources.errors_for("service", document) == []
    resources.save_memo()
    shards = list(memo.parent.iterdir())
    assert 200 < len(shards) <= 256 and all(
        len(json.loads(s.read_text())) <= resources._Memo.KEEP for s in shards
    )
    resources.remember_in(None)
    resources.remember_in(str(memo.parent.parent))
    assert resources.errors_for("service", documents[7]) == []
    assert len(resources._memo.shards) == 1, "one lookup reads one shard"


def test_a_warm_check_never_imports_jsonschema(example: GitRepo) -> None:
    """The point of remembering: a second run on the same change skips jsonschema entirely."""
    example.write(
        "services/cart/src/cart.py", example.read("services/cart/src/cart.py") + "\n# a change\n"
    )
    example.commit("touch cart")
    env = {**os.environ, **GIT_ENV}
    command = [
        sys.executable,
        "-X",
        "importtime",
        "-c",
        "from gate.cli import main; main()",
        "check",
        "--base",
        "main",
        "--format",
        "json",
    ]
    first = subprocess.run(command, cwd=example.root, env=env, capture_output=True, text=True)
    second = subprocess.run(command, cwd=example.root, env=env, capture_output=True, text=True)
    assert first.returncode in (0, 1) and second.returncode == first.returncode
    assert "| jsonschema" in first.stderr, "the first run validates, so it must load jsonschema"
    assert report_has_a_schema_finding(first.stdout), "a failing schema rule is remembered too"
    assert "| jsonschema" not in second.stderr
    report = json.loads(first.stdout)
    assert [s["name"] for s in report["services"]] == ["cart"]
    assert report["services"] == json.loads(second.stdout)["services"]


def report_has_a_schema_finding(text: str) -> bool:
    return any(
        f["rule"] == "dependencies-declared"
        for s in json.loads(text)["services"]
        for f in s["findings"]
    )


def test_a_cold_check_of_valid_documents_never_imports_jsonschema(tmp_path: Path) -> None:
    """In CI every run is cold (caches off): the config, the policy pack, its rules' schemas and
    valid manifests are answered by gate.validity, so jsonschema is imported only to word an error."""
    root = tmp_path / "repo"
    synth = Path(__file__).resolve().parent.parent / "bench" / "synth.py"
    subprocess.run(
        [
            sys.executable,
            str(synth),
            str(root),
            "--services",
            "3",
            "--commits",
            "12",
            "--seed",
            "4",
        ],
        check=True,
    )
    manifest = root / "services" / "svc-00001" / "service.yaml"
    manifest.write_text(manifest.read_text().replace("[sre-oncall]", "[sre-oncall, sre-2]", 1))
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    script = (
        "import sys\nfrom gate.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit as e:\n"
        "    print(e.code, 'jsonschema' in sys.modules)\n"
    )
    env = {**os.environ, **GIT_ENV, "CI": "true", "GATE_CACHE": ""}
    for args in (["check", "--staged", "--offline"], ["validate"]):
        done = subprocess.run(
            [sys.executable, "-c", script, *args], cwd=root, env=env, capture_output=True, text=True
        )
        assert done.stdout.splitlines()[-1] == "0 False", (args, done.stdout, done.stderr)


def test_a_misspelt_field_gets_a_did_you_mean() -> None:
    """`teir: 1` was reported as a missing tier and an unknown field, with no hint."""
    errors = resources.schema_errors(
        resources.validator("service"),
        {
            "apiVersion": "gate/v1",
            "kind": "Service",
            "name": "x",
            "teir": 1,
            "owners": {"team": "a"},
        },
    )
    assert [message for _, message in errors] == [
        "(top level): missing required field tier; 'teir' is there: did you mean 'tier'?",
        "teir: unknown field; did you mean 'tier'?",
    ]
