"""gate.config: `.gate.yaml`, read from the base revision, defaults applied."""

from __future__ import annotations

import os
from typing import Any

import pytest
from conftest import GitRepo

from gate.config import DEFAULT_UNOWNED_IGNORE, Config, parse, unowned_ignore
from gate.errors import FatalError


def test_an_empty_file_is_every_default() -> None:
    config = parse(b"", ".gate.yaml")
    assert config.found and config.packs == ("default",) and config.unowned == "warning"
    assert (
        config.unowned_ignore == DEFAULT_UNOWNED_IGNORE and config.ledger_path == "exceptions.yaml"
    )
    assert Config().found is False and Config().files() == (".gate.yaml",)


def test_yaml_1_1_off_means_off_where_a_severity_is_meant() -> None:
    config = parse(
        b"unowned: off\nrules:\n  runbook-sections: off\n  slo-defined: {severity: off}\n",
        ".gate.yaml",
    )
    assert config.unowned == "off"
    assert config.rules == {"runbook-sections": "off", "slo-defined": {"severity": "off"}}


def test_unowned_ignore_adds_to_and_drops_from_the_defaults() -> None:
    patterns = unowned_ignore(["!CODEOWNERS", "scripts/**", "README*"])
    assert (
        "CODEOWNERS" not in patterns
        and patterns[-1] == "scripts/**"
        and patterns.count("README*") == 1
    )


def test_files_are_the_config_and_the_repository_packs() -> None:
    config = parse(b"packs: [default, builtin:strict, policies/team.yaml]\n", "conf/.gate.yaml")
    assert config.files() == ("conf/.gate.yaml", "policies/team.yaml")


def test_an_invalid_config_names_file_and_line() -> None:
    with pytest.raises(FatalError) as info:
        parse(b"packs: [default]\nunowned: sometimes\n", ".gate.yaml")
    assert str(info.value).startswith(".gate.yaml:2: ")


def test_a_symlinked_config_is_refused_not_followed(repo: GitRepo, gate_cli: Any) -> None:
    """A link in the base revision could point the gate at any file of the runner."""
    repo.write(
        "svc/service.yaml",
        "apiVersion: gate/v1\nkind: Service\nname: svc\ntier: 3\nowners: {team: t}\n",
    )
    os.symlink("/etc/hostname", repo.root / ".gate.yaml")
    repo.commit("base")
    repo.branch("change")
    repo.write("svc/x.py", "x = 1\n")
    repo.commit("change")
    code, _, err = gate_cli("check", "--repo", repo.path, "--base", "main", "--head", "HEAD")
    assert (
        code == 2
        and ".gate.yaml: gate config must be a regular file, not a symlink" in err
        and "Traceback" not in err
    )
