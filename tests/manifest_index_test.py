"""The manifest index's cached path always agrees with its slow path.

Random small trees and random changes between them are built as real commits (one `git
fast-import`); each commit is then asked in a random order, so answers come from a listing, from
the nearest kept commit plus a diff, from a base snapshot plus a diff, and from kept files, and
every answer must equal the slow path's (a listing of that tree, every source file parsed).
"""

from __future__ import annotations

import shutil
import tempfile
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gate import yaml as gate_yaml
from gate.errors import FatalError
from gate.git import Repo, fast_import
from gate.manifest_index import ManifestIndex, _plain_values, claims_of, may_claim
from gate.service import Service
from gate.snapshot import Snapshot

DIRECTORIES = ("", "a/", "a/b/", "c/", "docs/")
NAMES = ("service.yaml", "catalog-info.yaml")
MANIFEST = "apiVersion: gate/v1\nkind: Service\nname: s{n}\ntier: 1\nowners: {{team: t}}\n"
# Texts that claim or do not claim paths outside their directory, spelled the ways YAML allows.
EXTRAS = (
    "",
    "paths: [libs/**]\n",
    "runbook: docs/runbook.md   # relative; /path = repository root\n",
    "runbook: /docs/runbook.md\n",
    "runbook: ../docs/runbook.md\n",
    'runbook: "\\x2e\\x2e/docs/r.md"\n',
    "runbook: !!str /docs/r.md\n",
    "runbook: //docs/r.md\n",
    "runbook: # below\n  /docs/r.md\n",
    "rollback: {plan: /ops/plan.md}\n",
    "x: &r /docs/r.md\nrunbook: *r\n",
    "runbook: https://wiki.example.com/r\n",
    "slos: [{openslo: ../slo/a.yaml}]\n",
    "paths: [",  # not YAML
)
ENTITY = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: e{n}\n{annotations}spec:\n"
    "  type: service\n  lifecycle: production\n  owner: group:t\n"
)
ANNOTATIONS = (
    "",
    "  annotations:\n    gate.dev/tier: '1'\n    gate.dev/runbook: ../docs/r.md\n",
    "  annotations:\n    gate.dev/paths: 'libs/**'\n",
    "  links:\n    - url: /docs/r.md\n      title: Runbook\n",
)

source = st.tuples(
    st.sampled_from(DIRECTORIES),
    st.sampled_from(NAMES),
    st.integers(0, len(EXTRAS) - 1),
    st.integers(0, 3),
)
tree = st.dictionaries(
    st.tuples(st.sampled_from(DIRECTORIES), st.sampled_from(NAMES)),
    st.tuples(st.integers(0, len(EXTRAS) - 1), st.integers(0, 3)),
    max_size=6,
)


def _text(directory: str, name: str, extra: int, annotation: int) -> bytes:
    n = len(directory) * 10 + extra
    if name == "service.yaml":
        return (MANIFEST.format(n=n) + EXTRAS[extra]).encode()
    return ENTITY.format(n=n, annotations=ANNOTATIONS[annotation]).encode()


def _stream(trees: list[dict[tuple[str, str], tuple[int, int]]]) -> bytes:
    out = []
    for i, files in enumerate(trees):
        out.append(
            f"commit refs/heads/c{i}\nmark :{i + 1}\ncommitter t <t@localhost> {i} +0000\ndata 0\n".encode()
        )
        if i:
            out.append(f"from :{i}\n".encode())
        out.append(b"deleteall\n")
        for (directory, name), (extra, annotation) in sorted(files.items()):
            content = _text(directory, name, extra, annotation)
            out.append(
                f"M 100644 inline {directory}{name}\ndata {len(content)}\n".encode()
                + content
                + b"\n"
            )
        out.append(f"M 100644 inline src/code.py\ndata {i + 2}\n{'x' * (i + 1)}\n\n".encode())
        out.append(b"\n")
    return b"".join(out)


def _agree(index: ManifestIndex, slow: ManifestIndex, snapshot: Snapshot, plain: Snapshot) -> None:
    assert index.entries(snapshot) == slow.entries_slow(plain)
    assert sorted(index.claims(snapshot)) == sorted(slow.claims_slow(plain))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees=st.lists(tree, min_size=2, max_size=4), order=st.randoms(use_true_random=False))
def test_the_cached_path_agrees_with_the_slow_path(trees: list[dict[Any, Any]], order: Any) -> None:
    folder = tempfile.mkdtemp(prefix="gate-index-")
    try:
        refs = fast_import(folder, _stream(trees))
        commits = [refs[f"c{i}"] for i in range(len(trees))]
        slow = ManifestIndex(Repo(folder))  # nothing kept: its slow path only
        asked = list(range(len(commits)))
        order.shuffle(asked)
        for _run in range(2):  # a first run fills the kept answers; the second reads them
            repo = Repo(folder)
            index = ManifestIndex.of(repo)
            for i in asked:
                _agree(index, slow, Snapshot(repo, commits[i]), Snapshot(slow.repo, commits[i]))
                if i:  # the same tree declared as its parent plus the diff
                    base = Snapshot(repo, commits[i - 1])
                    derived = Snapshot(repo, commits[i]).after(
                        base, repo.changes(commits[i - 1], commits[i])
                    )
                    index.prepare(derived)
                    _agree(index, slow, derived, Snapshot(slow.repo, commits[i]))
            repo.objects.close()
        slow.repo.objects.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@given(
    directory=st.sampled_from(DIRECTORIES[1:]),
    key=st.sampled_from(("runbook: ", "rollback: {plan: ", "x: [", "# c\nrunbook:", "")),
    text=st.text(alphabet=" :/.#\"'\\!&*-[]{},|>?abrunbook\n", max_size=50),
)
@example(
    directory="a/", key="", text="rollback: {x: ' #', plan: /y}"
)  # a "#" in quotes is no comment
@example(directory="a/", key="runbook: ", text='"\\x2e\\x2e/y"')  # an escape spells ..
@example(
    directory="a/", key="runbook: ", text="# a comment\n  /y"
)  # the value starts on the next line
@settings(max_examples=300, deadline=None)
def test_the_pre_filter_never_hides_a_claim(directory: str, key: str, text: str) -> None:
    """Skipping the YAML parse is only an optimisation: what it skips claims nothing."""
    raw = (key + text).encode()
    if not may_claim(raw, directory):  # only the conditional root readings, found without a parse
        manifest = directory + "service.yaml"
        assert claims_of(raw, directory, manifest, prefilter=False) == claims_of(
            raw, directory, manifest
        )


def test_the_pre_filter_skips_the_everyday_manifest() -> None:
    """The pre-filter is what keeps a cold check fast: the scaffold's own manifest is never parsed."""
    from gate.scaffold import manifest

    raw = manifest("a", 1, "t").encode()
    assert not may_claim(raw, "services/a/")
    assert may_claim(raw + b"paths: [x]\n", "services/a/") and may_claim(raw, "")


def test_settings_arriving_after_a_listing_redo_it() -> None:
    """A listing started under the default settings (before the configuration was read) is not reused
    once the trusted settings name other source files."""
    from gate.backstage import Settings

    folder = tempfile.mkdtemp(prefix="gate-index-")
    try:
        refs = fast_import(
            folder, _stream([{("a/", "service.yaml"): (0, 0), ("c/", "other.yaml"): (0, 0)}])
        )
        repo = Repo(folder)
        index = ManifestIndex.of(repo)
        snapshot = Snapshot(repo, refs["c0"])
        index.prepare(snapshot)
        assert sorted(index.entries(snapshot)) == ["a/service.yaml"]
        index.configure(Settings(files=("other.yaml",)))
        assert sorted(index.entries(snapshot)) == ["a/service.yaml", "c/other.yaml"]
        assert sorted(index.entries(snapshot)) == sorted(
            index.entries_slow(Snapshot(repo, refs["c0"]))
        )
        repo.objects.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_pre_filter_ends_a_comment_at_every_yaml_line_break() -> None:
    for end in ("\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"):
        raw = f"# see the handbook{end}runbook: /ops/runbook.md{end}".encode()
        assert may_claim(raw, "services/a/"), repr(end)
        assert claims_of(raw, "services/a/", "services/a/service.yaml", prefilter=False) == (
            "ops/runbook.md",
        ), repr(end)
    assert not may_claim(b"name: a\n# see /ops/runbook.md\n", "services/a/")


@given(
    key=st.sampled_from(
        (
            "runbook: ",
            "rollback: {plan: ",
            "rollback:\n  plan: ",
            "slos: [{openslo: ",
            "slos:\n- sloth: ",
        )
    ),
    text=st.text(alphabet=" :/.#\"'\\-[]{},|>abrunbook\n", max_size=40),
)
@example(key="runbook: ", text="'a b' # c")
@example(key="runbook: ", text="\n  a")  # the value on the next line
@settings(max_examples=300, deadline=None)
def test_reading_document_paths_line_by_line_misses_none(key: str, text: str) -> None:
    """The conditional root readings are found without a parse: every path the parsed manifest
    names is among the values found line by line (or the text is parsed instead)."""
    raw = (key + text).encode()
    values = _plain_values(raw)
    try:
        data = gate_yaml.load(raw, "a/service.yaml").data
    except FatalError:
        return
    if values is None or not isinstance(data, dict):
        return
    named = [v for _, v in Service("", "a/", "a/service.yaml", 0, data, None).named_paths()]
    assert set(named) <= set(values)
