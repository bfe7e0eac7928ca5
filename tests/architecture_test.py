"""The house's rules, checked on the code: short functions, one door for git and one for YAML,
no object's attributes written from outside it, no import circle between modules.

Each rule has a list of today's exceptions (file -> count, or function -> lines). The list may
only shrink: a new exception fails, and so does one that no longer exists (remove it from the list).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "gate"
MAX_LINES = 60

# Functions longer than MAX_LINES, with their length today: each one is a job to split.
# Measured on ruff-formatted code (100 columns); each entry is to be split where it says two things.
LONG_FUNCTIONS: dict[str, int] = {
    "gate/budget/openslo.py:_objective_slo": 62,
    "gate/budget/openslo.py:_window": 61,
    "gate/budget/openslo.py:objects": 68,
    "gate/budget/slo.py:_inline": 72,
    "gate/budget/sloth.py:_spec": 98,
    "gate/budget/status.py:findings_for": 94,
    "gate/catalog.py:_with_entity": 116,
    "gate/policy/kinds.py:file_exists": 62,
    "gate/policy/kinds.py:slo_sane": 67,
    "gate/risk/features.py:features": 69,
    "gate/risk/labels.py:read_file": 88,
    "gate/scorecard/collect.py:build": 66,
    "gate/scorecard/collect.py:trend": 75,
    "gate/scorecard/history.py:mine": 70,
}

# Per rule: a pattern over source lines, the one module allowed to match it, and today's others.
DOORS: dict[str, tuple[str, str, dict[str, int]]] = {
    "subprocess outside the git layer": (
        r"^\s*(import subprocess|from subprocess import)",
        "gate/git.py",
        # the one renderer runner (kubectl kustomize, helm template): named programs only, no network,
        # bounded in time and output (gate/deploy/render.py's docstring)
        {"gate/deploy/render.py": 1},
    ),
    "a git command spelled outside the git layer": (
        r"\.(run|stream)\(\s*\"[a-z-]+\"",
        "gate/git.py",
        {},
    ),
    "PyYAML outside the YAML door": (r"^\s*(import yaml|from yaml import)", "gate/yaml.py", {}),
    # a file is replaced whole or not at all, in one place (temporary beside it, exclusive, renamed)
    "a file replaced outside the atomic door": (r"\bos\.(replace|rename)\(", "gate/atomic.py", {}),
    # every command's text passes gate.report.escape.stdout on its way out (options.say); the CLI's
    # error line and the Actions publisher write their own escaped lines and annotations
    "terminal output outside the output door": (
        r"\bclick\.(echo|secho)\(|^\s*print\(",
        "gate/commands/options.py",
        {"gate/cli.py": 2, "gate/workflow.py": 5},
    ),
    "another object's __dict__": (r"\b(?!self\b)\w+\.__dict__", "", {}),
    # `.gate.yaml` sections are read once, into the typed records of gate/settings.py (defaults there); everyone
    # else reads fields. collect.py's two are its measured budgets (manifest -> state, state -> count), not settings.
    "settings read as a dict": (
        r"\b(settings|budgets|exempt|adoption|risk|exceptions|scorecard)(\.get\(|\[\")",
        "gate/settings.py",
        {"gate/scorecard/collect.py": 2},
    ),
}

# Per rule over gate/ and tests/ alike: a pattern over source lines, and today's exceptions.
# A type checker's silence needs its error code and a reason: `# type: ignore[code]  # why`.
EVERYWHERE: dict[str, tuple[str, dict[str, int]]] = {
    "type: ignore without a reason": (r"#\s*type:\s*ignore(?!\[[\w, -]+\]\s*#\s*\S)", {}),
}


# Circles of imports between gate's modules, each as its sorted module names. Every import counts,
# one inside a function or under TYPE_CHECKING too: a circle of any kind means two modules cannot be
# understood (or moved) one without the other; a Protocol or a shared record breaks it.
IMPORT_CIRCLES: list[tuple[str, ...]] = []

# Imports that run up a layer of ARCHITECTURE.md's table, each with why it still does (may only shrink).
# Every import counts here: module-level, inside a function, and under TYPE_CHECKING.
UP_IMPORTS: dict[tuple[str, str], str] = {}


def layer_table() -> tuple[list[str], dict[str, str]]:
    """ARCHITECTURE.md's layers, lowest first, and each module's (`policy/` a package, `baseline/`
    (model, apply) two of its modules) as the table names them."""
    order: list[str] = []
    table: dict[str, str] = {}
    for line in (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8").splitlines():
        row = re.match(r"\| (\w+) \| (.*?) \| .* \|$", line)
        if not row or row.group(1) == "layer":
            continue
        layer, cell = row.groups()
        assert layer not in order, f"ARCHITECTURE.md names the layer {layer!r} twice"
        order.append(layer)
        for package, members in re.findall(r"`(\w+)/` \(([^)]*)\)", cell):
            table.update({f"{package}/{m.strip()}": layer for m in members.split(",")})
            cell = cell.replace(f"`{package}/` ({members})", "")
        for name in re.findall(r"`([^`]+)`", cell):
            assert name.rstrip("/") not in table, f"{name} is in two layers"
            table[name.rstrip("/")] = layer
    return order, table


def layer_of(module: str, order: list[str], table: dict[str, str]) -> str | None:
    parts = module.split(".")[1:]
    for n in range(len(parts), 0, -1):
        if "/".join(parts[:n]) in table:
            return table["/".join(parts[:n])]
    below = [layer for key, layer in table.items() if key.startswith("/".join(parts) + "/")]
    return min(below, key=order.index) if below and parts else None


def _imports(path: Path) -> list[tuple[str, int]]:
    """Every gate module a file imports, wherever the import stands, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("gate"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += [(n, node.lineno) for n in names] + [(node.module, node.lineno)]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("gate")]
    return found


def imports_up() -> tuple[dict[tuple[str, str], int], list[str]]:
    """(importer, imported) -> line for each import that runs up a layer; and modules no row names."""
    order, table = layer_table()
    up: dict[tuple[str, str], int] = {}
    unplaced = []
    for path in _modules():
        if "examples" in path.parts:
            continue
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        own = layer_of(module, order, table)
        if own is None:
            unplaced += [] if module == "gate" else [module]
            continue
        for name, line in _imports(path):
            target = layer_of(name, order, table)
            if target is not None and order.index(target) > order.index(own):
                up.setdefault((module, _module_of(name)), line)
    return up, unplaced


def _module_of(name: str) -> str:
    """`gate.a.b.Thing` -> `gate.a.b` when gate/a/b.py (or a package) exists."""
    while name.count(".") > 1 and not (
        (ROOT / (name.replace(".", "/") + ".py")).exists()
        or (ROOT / name.replace(".", "/")).is_dir()
    ):
        name = name.rpartition(".")[0]
    return name


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_LINES:
                    found[f"{_name(path)}:{node.name}"] = length
    return found


def door_breaches(pattern: str, door: str, paths: list[Path] | None = None) -> dict[str, int]:
    regex = re.compile(pattern)
    found: dict[str, int] = {}
    for path in _modules() if paths is None else paths:
        if _name(path) == door:
            continue
        count = sum(
            1 for line in path.read_text(encoding="utf-8").splitlines() if regex.search(line)
        )
        if count:
            found[_name(path)] = count
    return found


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports that run when the module is imported: at the top, or in a top-level if/try, never under TYPE_CHECKING."""
    found: list[ast.Import | ast.ImportFrom] = []
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        elif isinstance(node, ast.If):
            pending += ([] if _is_type_checking(node.test) else node.body) + node.orelse
        elif isinstance(node, ast.Try):
            pending += (
                node.body
                + node.orelse
                + node.finalbody
                + [s for h in node.handlers for s in h.body]
            )
    return found


def import_graph(root: Path, package: str, every: bool = False) -> dict[str, set[str]]:
    """module -> the modules of `package` it imports at module level (`from p import m` names
    submodule m); with `every`, wherever the import stands (in a function, under TYPE_CHECKING)."""
    paths = {
        _module_name(p, root): p
        for p in sorted((root / package).rglob("*.py"))
        if "__pycache__" not in p.parts
    }
    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        nodes = (
            [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
            if every
            else _module_level_imports(tree)
        )
        for node in nodes:
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
                continue
            base = node.module or ""
            if node.level:  # relative: from the module's own package upwards
                here = name.split(".") if is_package else name.split(".")[:-1]
                base = ".".join(here[: len(here) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                targets.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base)
        graph[name] = {t for t in targets if t in paths and t != name}
    return graph


def import_circles(graph: dict[str, set[str]]) -> list[tuple[str, ...]]:
    """The strongly connected groups of two modules or more (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(tuple(sorted(group)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def test_every_import_stays_in_its_layer_or_below() -> None:
    up, unplaced = imports_up()
    assert not unplaced, f"modules ARCHITECTURE.md's layer table does not name: {unplaced}"
    new = {k: v for k, v in up.items() if k not in UP_IMPORTS}
    assert not new, f"imports that run up a layer (importer, imported) -> line: {new}"
    stale = [k for k in UP_IMPORTS if k not in up]
    assert not stale, f"no longer up a layer: remove these entries from UP_IMPORTS: {stale}"


def test_the_layer_rule_can_fail() -> None:
    order, table = layer_table()
    assert layer_of("gate.report.markdown", order, table) == "faces"
    assert layer_of("gate.baseline.record", order, table) == "judgement"
    assert layer_of("gate.baseline.model", order, table) == "domains"
    assert order.index("faces") > order.index("records")  # so verdict -> report would be caught


def test_no_new_import_circle() -> None:
    found = import_circles(import_graph(ROOT, "gate", every=True))
    new = [c for c in found if c not in IMPORT_CIRCLES]
    assert not new, (
        f"modules that import each other (move the shared record or Protocol to a module both import): {new}"
    )
    stale = [c for c in IMPORT_CIRCLES if c not in found]
    assert not stale, f"no longer a circle: remove these entries from IMPORT_CIRCLES: {stale}"


def test_no_function_grows_past_the_limit() -> None:
    found = long_functions()
    new = {
        name: lines for name, lines in found.items() if lines > LONG_FUNCTIONS.get(name, MAX_LINES)
    }
    assert not new, f"functions over {MAX_LINES} lines (split them): {new}"
    stale = {name: lines for name, lines in LONG_FUNCTIONS.items() if found.get(name, 0) < lines}
    assert not stale, (
        f"shorter or gone now: lower or remove their entries in LONG_FUNCTIONS: {stale} (today: "
        f"{ {name: found.get(name) for name in stale} })"
    )


@pytest.mark.parametrize("rule", sorted(DOORS))
def test_one_door(rule: str) -> None:
    pattern, door, allowed = DOORS[rule]
    found = door_breaches(pattern, door)
    new = {path: count for path, count in found.items() if count > allowed.get(path, 0)}
    assert not new, f"{rule}: {new}"
    stale = {
        path: found.get(path, 0) for path, count in allowed.items() if found.get(path, 0) < count
    }
    assert not stale, f"{rule}: fewer now, lower or remove these entries: {stale}"


@pytest.mark.parametrize("rule", sorted(EVERYWHERE))
def test_everywhere(rule: str) -> None:
    pattern, allowed = EVERYWHERE[rule]
    sources = sorted(
        p
        for tree in (PACKAGE, ROOT / "tests")
        for p in tree.rglob("*.py")
        if "__pycache__" not in p.parts
    )
    found = door_breaches(pattern, "", sources)
    new = {path: count for path, count in found.items() if count > allowed.get(path, 0)}
    assert not new, f"{rule}: {new}"
    stale = {
        path: found.get(path, 0) for path, count in allowed.items() if found.get(path, 0) < count
    }
    assert not stale, f"{rule}: fewer now, lower or remove these entries: {stale}"


def test_a_type_ignore_needs_its_code_and_a_reason() -> None:
    pattern = re.compile(EVERYWHERE["type: ignore without a reason"][0])
    ignore = "# type: " + "ignore"  # spelled in two parts, so this file's own lines carry none
    for bare in (
        f"x = f()  {ignore}",
        f"x = f()  {ignore}[attr-defined]",
        f"x = f()  {ignore}[arg-type, misc]  #",
        f"x = f()  {ignore.replace(' ', '')}[misc]",
        f"x = f()  {ignore}  # no code given",
    ):
        assert pattern.search(bare), bare
    for justified in (
        f"x = f()  {ignore}[attr-defined]  # a module built at run time",
        f"class A(B):  {ignore}[type-arg, unused-ignore]  # generic in newer releases only",
    ):
        assert not pattern.search(justified), justified


def test_the_rules_can_fail(tmp_path: Path) -> None:
    """The scanners find what they look for."""
    source = (
        "import subprocess\n\ndef f(snapshot):\n    snapshot.__dict__['x'] = 1\n"
        + "    pass\n" * 70
    )
    tree = ast.parse(source)
    lengths = [
        (n.end_lineno or 0) - n.lineno + 1 for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
    ]
    assert lengths == [72]
    assert re.search(DOORS["subprocess outside the git layer"][0], source.splitlines()[0])
    assert re.search(
        DOORS["a git command spelled outside the git layer"][0],
        '    process = repo.stream("log", "-z")',
    )
    assert re.search(DOORS["another object's __dict__"][0], source.splitlines()[3])
    assert not re.search(DOORS["another object's __dict__"][0], "        self.__dict__['x'] = 1")
    for read in (
        '    days = int(self.settings.get("history_days", 365))',
        '    table = config.exceptions.get("max_days", {})',
        '        exempt = budgets["exempt"]',
        '    mode = exempt.get("reverts", True)',
    ):
        assert re.search(DOORS["settings read as a dict"][0], read), read
    assert not re.search(
        DOORS["settings read as a dict"][0], "    days = self.settings.history_days"
    )


def test_the_circle_rule_can_fail(tmp_path: Path) -> None:
    """A circle through a plain, a `from p import m` and a relative import is found; lazy and TYPE_CHECKING ones are not."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("import pkg.b\n")
    (package / "b.py").write_text("from pkg.sub import c\n")
    (package / "sub" / "c.py").write_text(
        "try:\n    from ..a import thing\nexcept ImportError:\n    pass\n"
    )
    (package / "lazy.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg import late\n"
    )
    (package / "late.py").write_text("def f():\n    from pkg import lazy\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.sub.c"] == {"pkg.a"}
    assert import_circles(graph) == [("pkg.a", "pkg.b", "pkg.sub.c")]
    (package / "lazy.py").write_text("from pkg import late\n")
    (package / "late.py").write_text("from pkg import lazy\n")
    assert ("pkg.late", "pkg.lazy") in import_circles(import_graph(tmp_path, "pkg"))


# -- imports at the top ---------------------------------------------------------------------------
# A module's imports stand at its top, where a reader looks for what it depends on. An import inside a
# function is allowed for a measured-heavy module only, which `gate --help` and most commands never
# need: the ones named in HEAVY, and the modules the registries import on first use (budget sources,
# reporters, plug-ins). Today's other in-function imports, per file: the list may only shrink.
HEAVY: tuple[str, ...] = ("jsonschema", "requests", "jinja2", "gate.policy.plugins")
INNER_IMPORTS: dict[str, int] = {
    "gate/budget/exempt.py": 1,
    "gate/budget/http.py": 1,
    "gate/budget/openslo.py": 3,
    "gate/budget/policy.py": 7,
    "gate/budget/records.py": 2,
    "gate/budget/slo.py": 1,
    "gate/budget/status.py": 2,
    "gate/check.py": 5,
    "gate/cli.py": 1,
    "gate/commands/baseline.py": 1,  # its domain, loaded when it runs (tests/commands/startup_test.py)
    "gate/commands/budget.py": 7,
    "gate/commands/check.py": 4,
    "gate/commands/demo.py": 10,
    "gate/commands/exception.py": 5,
    "gate/commands/explain.py": 15,
    "gate/commands/graph.py": 2,
    "gate/commands/init.py": 2,
    "gate/commands/options.py": 4,
    "gate/commands/risk.py": 9,
    "gate/commands/scorecard.py": 2,
    "gate/commands/test.py": 5,
    "gate/commands/validate.py": 2,
    "gate/errors.py": 1,
    "gate/git.py": 3,
    "gate/policy/kinds.py": 2,
    "gate/policy/plugins.py": 3,
    "gate/policy/rules.py": 1,
    "gate/policy/shared.py": 3,
    "gate/resources.py": 1,
    "gate/risk/labels.py": 3,
    "gate/risk/model.py": 1,
    "gate/risk/score.py": 3,
    "gate/scorecard/collect.py": 4,
    "gate/scorecard/page.py": 1,
    "gate/settings.py": 1,
    "gate/waivers/apply.py": 1,
    "gate/waivers/audit.py": 2,
    "gate/waivers/trust.py": 2,
    "tests/architecture_doc_test.py": 1,
    "tests/architecture_test.py": 2,
    "tests/backstage_test.py": 2,
    "tests/bench_test.py": 12,
    "tests/budget/guide_test.py": 1,
    "tests/budget/http_test.py": 2,
    "tests/budget/math_test.py": 2,
    "tests/budget/package_test.py": 1,
    "tests/budget/policy_test.py": 4,
    "tests/budget/prometheus_test.py": 1,
    "tests/budget/sources_test.py": 1,
    "tests/cache_test.py": 6,
    "tests/catalog_test.py": 3,
    "tests/check_test.py": 7,
    "tests/cli_test.py": 3,
    "tests/codeowners_test.py": 8,
    "tests/commands/startup_test.py": 2,
    "tests/conftest.py": 2,
    "tests/dependencies_test.py": 2,
    "tests/first_hour_test.py": 25,
    "tests/git_test.py": 2,
    "tests/golden_reports_test.py": 1,
    "tests/hostile/fuzz_test.py": 5,
    "tests/hostile/hostile_strings.py": 2,
    "tests/hostile/limits_test.py": 1,
    "tests/hostile/outputs_test.py": 4,
    "tests/httpclient_test.py": 1,
    "tests/manifest_index_test.py": 2,
    "tests/markdown_test.py": 1,
    "tests/policy/alerts_test.py": 1,
    "tests/policy/kind_test.py": 1,
    "tests/policy/shared_test.py": 1,
    "tests/report/github_test.py": 1,
    "tests/report/json_report_test.py": 1,
    "tests/risk/calibrate_test.py": 2,
    "tests/risk/score_test.py": 6,
    "tests/scorecard/collect_test.py": 1,
    "tests/scorecard/history_test.py": 1,
    "tests/settings_test.py": 7,
    "tests/snapshot_test.py": 1,
    "tests/testing/repo.py": 1,
    "tests/trust_boundary_paging_test.py": 1,
    "tests/waivers/state_test.py": 6,
    "tests/walkthrough_test.py": 1,
    "tests/workflow_test.py": 1,
}


def _heavy() -> tuple[str, ...]:
    from gate.budget import SOURCES  # the registries name the modules they import on first use
    from gate.report import REPORTERS

    return HEAVY + tuple(s.module for s in SOURCES.values()) + tuple(REPORTERS.values())


def _imported(node: ast.Import | ast.ImportFrom) -> list[str]:
    """The modules an import may name: `from a import b` names a.b (a submodule) or a."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = ("." * node.level) + (node.module or "")
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def inner_imports(source: str, heavy: tuple[str, ...]) -> int:
    """Import statements inside a function, other than of a heavy module (or a module inside one)."""
    count = 0
    pending: list[tuple[ast.AST, bool]] = [(ast.parse(source), False)]
    while pending:
        node, inside = pending.pop()
        if inside and isinstance(node, (ast.Import, ast.ImportFrom)):
            names = _imported(node)
            count += not any(n == h or n.startswith(h + ".") for n in names for h in heavy)
        inside = inside or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        pending += [(child, inside) for child in ast.iter_child_nodes(node)]
    return count


def _sources() -> list[Path]:
    return sorted(
        p
        for tree in (PACKAGE, ROOT / "tests")
        for p in tree.rglob("*.py")
        if "__pycache__" not in p.parts and "examples" not in p.relative_to(ROOT).parts[1:2]
    )


def test_imports_stand_at_the_top() -> None:
    heavy = _heavy()
    found = {
        _name(p): n
        for p in _sources()
        if (n := inner_imports(p.read_text(encoding="utf-8"), heavy))
    }
    new = {path: n for path, n in found.items() if n > INNER_IMPORTS.get(path, 0)}
    assert not new, (
        f"imports inside functions (move them to the top of the module; only {', '.join(HEAVY)}, "
        f"budget sources and reporters may wait for their first use): {new}"
    )
    stale = {
        path: found.get(path, 0) for path, n in INNER_IMPORTS.items() if found.get(path, 0) < n
    }
    assert not stale, f"fewer imports inside functions now: lower or remove these entries: {stale}"


def test_the_import_rule_can_fail() -> None:
    source = (
        "import os\n\ndef f():\n    import json\n    from jsonschema import Draft7Validator\n"
        "    def g():\n        from gate import report, yaml\n        import requests.adapters\n"
        "    from gate.report import markdown\n"
    )
    assert inner_imports(source, _heavy()) == 2  # json, and gate.yaml with gate.report
    assert inner_imports(source, ()) == 5


# -- tests mirror the package ---------------------------------------------------------------------
# gate/X/Y.py is tested in tests/X/Y_test.py (gate/Z.py in tests/Z_test.py); a package whose
# __init__.py holds code (a function or a class) in tests/X/package_test.py. gate/examples/ is data.
# Modules without their own test file today: the list may only shrink. These four arrived with
# the import-circle split (code moved out of modules that are tested; their tests still live there).
MISSING_MIRRORS: set[str] = set()


def mirror_of(path: Path) -> Path | None:
    """The test file that must exist for a module, or None when the module needs none."""
    rel = path.relative_to(PACKAGE)
    if rel.parts[0] == "examples":
        return None
    if path.name == "__init__.py":
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if not any(
            isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) for n in tree.body
        ):
            return None
        return ROOT / "tests" / rel.parent / "package_test.py"
    return ROOT / "tests" / rel.parent / f"{path.stem}_test.py"


def unmirrored() -> set[str]:
    missing = set()
    for path in _modules():
        test = mirror_of(path)
        if test is not None and not (
            test.exists() and re.search(r"^def test_", test.read_text(encoding="utf-8"), re.M)
        ):
            missing.add(_name(path))
    return missing


def test_every_module_has_its_mirrored_test_file() -> None:
    missing = unmirrored()
    new = sorted(missing - MISSING_MIRRORS)
    assert not new, f"modules without their test file (tests/X/Y_test.py for gate/X/Y.py): {new}"
    stale = sorted(MISSING_MIRRORS - missing)
    assert not stale, f"these have their test file now: remove them from MISSING_MIRRORS: {stale}"


def test_the_mirror_rule_can_fail() -> None:
    assert mirror_of(PACKAGE / "risk" / "history.py") == ROOT / "tests" / "risk" / "history_test.py"
    assert (
        mirror_of(PACKAGE / "report" / "__init__.py")
        == ROOT / "tests" / "report" / "package_test.py"
    )
    assert mirror_of(PACKAGE / "risk" / "__init__.py") is None  # a docstring only
    assert mirror_of(PACKAGE / "examples" / "plugins" / "x.py") is None
    assert mirror_of(PACKAGE / "not_a_module_yet.py") == ROOT / "tests" / "not_a_module_yet_test.py"
