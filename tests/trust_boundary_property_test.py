"""Property: whatever a change does to a tier 0-1 service's directories and manifests, the code it
touches is judged at least at that service's tier at the base tip, and its spent budget still blocks.

Each example is a small real git repository: `a` (tier 0) and `b` (tier 1), both with spent error
budgets (an operator's status file outside the repository), and `c` (tier 3). The head moves the
target's directory (to a new name, into `c`, into an unowned or a top-level directory, or folds
its files into `c`), keeps, deletes, renames or re-tiers its manifest, may add a tier-3 manifest
inside it or above it, may pad every file so git sees no rename, and edits the target's code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from conftest import TODAY, GitRepo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gate import check
from gate.git import Repo

WINDOWS = ("28d", "30d", "5m", "30m", "1h", "2h", "6h", "1d", "3d")
TIERS = {"a": 0, "b": 1, "c": 3}


def manifest(name: str, tier: int) -> str:
    return (
        f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\nowners: {{team: t-{name}}}\n"
        f"slos:\n  - name: {name}-availability\n    sli: availability\n    objective: 99.9\n    window: 28d\n"
        "runbook: docs/runbook.md\n"
    )


def base_files() -> dict[str, str]:
    files = {
        ".gate.yaml": "version: 1\nunowned: warning\nbudgets:\n  source: file\n  file: {path: __STATUS__}\n"
    }
    for name, tier in TIERS.items():
        files[f"services/{name}/service.yaml"] = manifest(name, tier)
        files[f"services/{name}/src/main.py"] = "".join(
            f"def {name}_{i}():\n    return {i}\n\n\n" for i in range(8)
        )
        files[f"services/{name}/docs/runbook.md"] = (
            f"# {name}\n\n## Alerts\n\n## Dashboards\n\n## Escalation\n\n## Rollback\n"
        )
    return files


def status(path: Path) -> None:
    slos = []
    for name, tier in TIERS.items():
        ratio = 0.95 if tier <= 1 else 0.99999  # a and b: budget spent
        windows = {w: {"good": round(10_000 * ratio), "total": 10_000} for w in WINDOWS}
        slos.append({"service": name, "slo": f"{name}-availability", "windows": windows})
    path.write_text(json.dumps({"schema": "gate.budget-status/v1", "slos": slos}))


PAD = "".join(
    f"# padding {i}: enough new lines that git's rename detection no longer pairs the move\n"
    for i in range(60)
)


@st.composite
def attacks(draw: Any) -> dict[str, Any]:
    return {
        "target": draw(st.sampled_from(["a", "b"])),
        "destination": draw(
            st.sampled_from(
                ["same", "services/{t}2", "services/c/{t}", "libs/{t}", "{t}", "fold-into-c"]
            )
        ),
        "manifest": draw(
            st.sampled_from(["keep", "delete", "tier3", "rename", "tier3-rename", "name-of-c"])
        ),
        "split": draw(st.booleans()),  # a tier-3 manifest inside the target's src/
        "swallow": draw(st.booleans()),  # a tier-3 manifest at services/
        "pad": draw(st.booleans()),  # no rename git can detect
    }


def head_files(base: dict[str, str], attack: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The head's tree, and where the target's code is now."""
    t = attack["target"]
    root = f"services/{t}/"
    files = {p: text for p, text in base.items() if not p.startswith(root)}
    mine = {p[len(root) :]: text for p, text in base.items() if p.startswith(root)}
    fold = attack["destination"] == "fold-into-c"
    where = (
        "services/c/"
        if fold
        else (root if attack["destination"] == "same" else attack["destination"].format(t=t) + "/")
    )
    text = mine.pop("service.yaml")
    tier = TIERS[t]
    if attack["manifest"] in ("tier3", "tier3-rename"):
        text = text.replace(f"tier: {tier}\n", "tier: 3\n")
    if attack["manifest"] in ("rename", "tier3-rename"):
        text = text.replace(f"name: {t}\n", f"name: {t}-next\n")
    if attack["manifest"] == "name-of-c":
        text = text.replace(f"name: {t}\n", "name: c\n")
    if attack["manifest"] != "delete" and not fold:
        mine["service.yaml"] = text
    prefix = f"{t}-" if fold else ""
    code = f"{where}src/{prefix}main.py"
    for rel, content in mine.items():
        new = f"{where}{rel}" if rel == "service.yaml" else f"{where}{posix_join(rel, prefix)}"
        files[new] = PAD + content if attack["pad"] else content
    files[code] += "\n\ndef new_feature():\n    return 1\n"
    if attack["split"]:
        files[f"{where}src/service.yaml"] = manifest("sidecar", 3)
    if attack["swallow"]:
        files["services/service.yaml"] = manifest("everything", 3)
    return files, code


def posix_join(rel: str, prefix: str) -> str:
    directory, _, name = rel.rpartition("/")
    return f"{directory}/{prefix}{name}" if directory else prefix + name


def build(root: Path, statusfile: Path, files: dict[str, str]) -> GitRepo:
    root.mkdir()
    repo = GitRepo(root)
    repo.git("init", "-q", "--initial-branch=main")
    for path, text in files.items():
        repo.write(path, text.replace("__STATUS__", str(statusfile)))
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "change")
    return repo


@settings(
    max_examples=int(os.environ.get("GATE_ATTACK_EXAMPLES", "12")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(attack=attacks())
def test_no_move_rename_or_split_sheds_the_tier_or_the_budget(
    tmp_path_factory: Any, attack: dict[str, Any]
) -> None:
    tmp = tmp_path_factory.mktemp("attack")
    statusfile = tmp / "status.json"
    status(statusfile)
    base = base_files()
    repo = build(tmp / "repo", statusfile, base)
    files, code = head_files(base, attack)
    repo.git("rm", "-q", "-r", "--", "services")
    for path, text in files.items():
        if path != ".gate.yaml":
            repo.write(path, text)
    repo.commit("the attack")
    v = check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)
    tier = TIERS[attack["target"]]
    old_code = f"services/{attack['target']}/src/main.py"
    judged = [r for r in v.services if code in r.changed_files or old_code in r.changed_files]
    assert v.verdict == "block", attack
    assert any(
        r.tier <= tier
        and any(
            f.rule == "error-budget" and f.severity == "error" and not f.waiver for f in r.findings
        )
        for r in judged
    ), (attack, [(r.name, r.tier, r.status, [f.rule for f in r.findings]) for r in judged])
