"""The documentation site (mkdocs.yml, docs/) builds with `mkdocs build --strict`; its generated
pages match the schemas and `gate explain`; README's examples are the docs' own, word for word."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import require

from gate.resources import data_dir

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import docs_reference  # noqa: E402  (scripts/ is not a package)


def _fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    """A broken link, a missing page or a page left out of the nav fails the build."""
    require("mkdocs")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    assert (tmp_path / "site" / "reference" / "rules" / "index.html").exists()


def test_the_generated_pages_are_up_to_date() -> None:
    for name, page in docs_reference.PAGES.items():
        assert (ROOT / name).read_text(encoding="utf-8") == page(), (
            f"{name} is out of date: run `python scripts/docs_reference.py`"
        )


def test_the_rules_page_says_what_gate_explain_says(gate_cli: Any, tmp_path: Path) -> None:
    """Each rule's block is the real command's output, for every rule `gate explain` lists."""
    page = (ROOT / "docs" / "reference" / "rules.md").read_text(encoding="utf-8")
    blocks = dict(re.findall(r"^## (\S+)\n\n```text\n(.*?)```", page, re.S | re.M))
    code, listing, _ = gate_cli("explain", "--repo", str(tmp_path))
    listed = re.findall(r"^  (\S+) ", listing.split("\n\ncheck kinds", 1)[0], re.M)
    assert code == 0 and sorted(blocks) == sorted(listed) and len(listed) > 30
    for rule_id, block in blocks.items():
        code, out, _ = gate_cli("explain", rule_id, "--repo", str(tmp_path))
        assert code == 0 and block == out.rstrip("\n") + "\n", rule_id


def _keys(node: Any, path: str = "") -> set[str]:
    """Every property path of a schema node, as the reference writes it (`a.b[].c`)."""
    if not isinstance(node, dict):
        return set()
    inner = node.get("items") if node.get("type") == "array" else node
    if not isinstance(inner, dict):
        return set()
    prefix = f"{path}[]." if inner is not node else (f"{path}." if path else "")
    found = set()
    for key, child in inner.get("properties", {}).items():
        found |= {prefix + key} | _keys(child, prefix + key)
    return found


def test_the_configuration_reference_names_every_key_of_every_schema() -> None:
    page = (ROOT / "docs" / "reference" / "configuration.md").read_text(encoding="utf-8")
    schemas = sorted(p.name for p in data_dir("schemas").glob("*.schema.json"))
    assert schemas == sorted(f"{name}.schema.json" for name in docs_reference.SCHEMAS)
    for name in schemas:
        schema = json.loads((data_dir("schemas") / name).read_text(encoding="utf-8"))
        assert f"`schemas/{name}`" in page
        documented = set(re.findall(r"^\| `([^`]+)`", page, re.M))
        for definition in {**schema.get("definitions", {}), **schema.get("$defs", {})}.values():
            assert _keys(definition) <= documented, name
        assert _keys(schema) <= documented, name


def test_the_readme_examples_are_the_docs_own() -> None:
    """README shows three ways to use gate; each block is the one its page documents (and tests)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    docs = ROOT / "docs"
    pages = {
        "## Use it on your repository": ("getting-started.md", "sh"),
        "## In GitHub Actions": ("github-action.md", "yaml"),
        "## As a pre-commit hook": ("pre-commit.md", "yaml"),
    }
    for heading, (page, language) in pages.items():
        section = readme.split(heading + "\n", 1)[1].split("\n## ", 1)[0]
        first = _fenced(section, language)[0]
        assert first in _fenced((docs / page).read_text(encoding="utf-8"), language), page


def test_the_readme_stays_short_and_keeps_its_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 200
    setup = _fenced(readme, "sh")[0].splitlines()
    assert [line.split("#")[0].strip() for line in setup] == [
        "pip install . && gate demo",
        "bash scripts/test.sh",
    ]


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "docs").glob("*.md")))
def test_every_page_is_in_the_nav(page: str) -> None:
    assert f": {page}\n" in (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), page
