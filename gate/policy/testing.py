"""`gate test [PACK...]`: run every rule's examples and find rules that protect nothing.

Each example is a manifest (and files) committed to a throwaway git repository - one
`git fast-import` builds them all - and judged by the real engine, exactly as `gate check`
would judge a service at the repository root. Findings:

- mismatch: an example's outcome (fires / quiet, message) is not the one it expects;
- never-fires: the rule is off for every tier, its `check.schema` accepts every manifest, or a
  `when:` glob matches no path in the repository (all of them: the rule can never run);
- no-examples: the rule has no example, or none that shows it firing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from typing import Any

from gate import globs
from gate import yaml as gate_yaml
from gate.catalog import load_service
from gate.errors import FatalError
from gate.git import EMPTY, Entry, Repo, fast_import
from gate.incidents import Place
from gate.incidents.book import Book
from gate.incidents.exempt import UnderReview
from gate.incidents.record import incidents_of
from gate.policy.engine import evaluate
from gate.policy.kinds import CheckContext
from gate.policy.rules import Example, Rule
from gate.resources import data_dir, errors_for, fragment_errors, schema
from gate.settings import IncidentSettings
from gate.snapshot import Snapshot

BASELINE = {"apiVersion": "gate/v1", "kind": "Service", "name": "example"}
MANIFEST = "service.yaml"


@dataclass(frozen=True)
class Outcome:
    rule: str
    example: str
    passed: bool
    detail: str
    source: str = ""
    line: int | None = None


@dataclass(frozen=True)
class Flag:
    rule: str
    kind: str  # never-fires | no-examples
    detail: str
    line: int | None = None


@dataclass
class PackResult:
    label: str
    rules: list[Rule]
    outcomes: list[Outcome] = field(default_factory=list)
    flags: list[Flag] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.flags) or any(not o.passed for o in self.outcomes)


# -- building the examples ----------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: mappings merge, null deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def default_tier(rule: Rule) -> int:
    return min(rule.severities) if rule.severities else 0


def tree_of(rule: Rule, example: Example, side: dict[str, Any] | None) -> dict[str, bytes] | None:
    """The files of one side of an example (None: the side does not exist)."""
    if side is None:
        return None
    tier = example.data.get("tier", default_tier(rule))
    manifest = side.get("manifest", {})
    files = {path: text.encode("utf-8") for path, text in side.get("files", {}).items()}
    for path in files:
        parts = path.split("/")
        if (
            path.startswith("/")
            or any(p in ("", ".", "..", ".git") for p in parts)
            or "\n" in path
            or "\0" in path
        ):
            raise FatalError(
                f"rule {rule.id}, example {example.name!r}: {path!r} is not a plain relative path inside the repository",
                example.source,
                example.line,
            )
    at = _manifest_at(example)
    if isinstance(manifest, str):
        files[at] = manifest.encode("utf-8")
    else:
        data = merge_patch({**BASELINE, "tier": tier}, manifest)
        files[at] = json.dumps(data, indent=1, sort_keys=False).encode("utf-8")  # JSON is YAML
    return files


def _manifest_at(example: Example) -> str:
    """Where the example's service.yaml sits (`dir:`, for rules about paths relative to it)."""
    where = str(example.data.get("dir", "")).strip("/")
    if ".." in where.split("/"):
        raise FatalError(
            f"example {example.name!r}: dir {where!r} leaves the repository",
            example.source,
            example.line,
        )
    return f"{where}/{MANIFEST}" if where else MANIFEST


def _fast_import_stream(
    trees: list[tuple[dict[str, bytes] | None, dict[str, bytes]]], messages: list[str]
) -> bytes:
    out: list[bytes] = []
    mark = 0
    for index, (base, head) in enumerate(trees):
        parent = None
        for side, tree in (("base", base), ("head", head)):
            if tree is None:
                continue
            mark += 1
            message = messages[index].encode("utf-8") if side == "head" else b""
            out.append(
                f"commit refs/heads/example-{index}-{side}\nmark :{mark}\ncommitter gate <gate@localhost> 0 +0000\ndata {len(message)}\n".encode()
                + message
                + b"\n"
            )
            if parent:
                out.append(f"from :{parent}\n".encode())
            out.append(b"deleteall\n")
            for path, content in sorted(tree.items()):
                out.append(
                    f"M 100644 inline {path}\ndata {len(content)}\n".encode() + content + b"\n"
                )
            out.append(b"\n")
            parent = mark
    return b"".join(out)


# -- running them -------------------------------------------------------------------------------


def run_examples(rules: list[Rule], today: dt.date) -> list[Outcome]:
    cases = [(rule, example) for rule in rules for example in rule.examples]
    if not cases:
        return []
    trees = []
    for rule, example in cases:
        tree = tree_of(rule, example, example.data)
        assert tree is not None
        trees.append((tree_of(rule, example, example.data.get("base")), tree))
    folder = tempfile.mkdtemp(prefix="gate-test-")
    try:
        messages = [str(example.data.get("commit_message", "")) for _, example in cases]
        refs = fast_import(folder, _fast_import_stream(trees, messages))
        repo = Repo(folder)
        outcomes = []
        for index, (rule, example) in enumerate(cases):
            base_tree, head_tree = trees[index]
            base = _snapshot(Snapshot(repo, refs.get(f"example-{index}-base", EMPTY)), base_tree)
            head = _snapshot(Snapshot(repo, refs[f"example-{index}-head"]), head_tree)
            changed = example.data.get("changed") or sorted(
                p for p in head_tree if (base_tree or {}).get(p) != head_tree[p]
            )
            # An example without a `base` describes a merged manifest: its claims are the trusted record.
            trusted = head if "base" not in example.data else None
            ctx = CheckContext(
                head=head, base=base, today=_as_of(rule, example, today), trusted=trusted
            )
            if "incidents" in example.data:
                try:
                    ctx.incidents = _incidents(rule, example, repo, base, head)
                except FatalError as e:
                    outcomes.append(
                        Outcome(
                            rule.id,
                            example.name,
                            False,
                            f"error: {e}",
                            example.source,
                            example.line,
                        )
                    )
                    continue
                ctx.touched = {_manifest_at(example): list(changed)}
            outcomes.append(_run_one(rule, example, ctx, tuple(changed)))
        repo.objects.close()
        return outcomes
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _incidents(rule: Rule, example: Example, repo: Repo, base: Snapshot, head: Snapshot) -> Book:
    """The example's incidents (a gate.incidents/v1 document), read as a check reads its source's."""
    document = example.data["incidents"]
    errors = errors_for("incidents", document)
    try:
        if errors:
            raise ValueError(errors[0][1])
        incidents = incidents_of(document)
    except ValueError as e:
        raise FatalError(
            f"rule {rule.id}, example {example.name!r}: incidents: {e}",
            example.source,
            example.line,
        ) from None
    change = UnderReview(repo, base.rev, head.rev, base.rev, repo.changes(base.rev, head.rev))
    return Book(
        IncidentSettings(),
        Place(repo.root, lambda path: False),
        change=change,
        head=head,
        incidents=incidents,
        before=base,
    )


def _as_of(rule: Rule, example: Example, today: dt.date) -> dt.date:
    """The example's date (`as_of`), else today."""
    try:
        return dt.date.fromisoformat(example.data["as_of"]) if "as_of" in example.data else today
    except ValueError:
        raise FatalError(
            f"rule {rule.id}, example {example.name!r}: as_of {example.data['as_of']!r} is not a date",
            example.source,
            example.line,
        ) from None


def _run_one(rule: Rule, example: Example, ctx: CheckContext, changed: tuple[str, ...]) -> Outcome:
    """One example judged by the real engine; an error in it is its outcome, not the run's."""
    try:
        service = load_service(ctx.head, _manifest_at(example))
        if service is None:
            raise FatalError(
                f"rule {rule.id}, example {example.name!r}: the example has no {MANIFEST}",
                example.source,
                example.line,
            )
        findings = evaluate([rule], service, ctx, changed)
    except FatalError as e:
        return Outcome(rule.id, example.name, False, f"error: {e}", example.source, example.line)
    want = example.data.get("severity")
    wrong = [f.severity for f in findings if want and f.severity != want]
    if wrong:
        why = f"it fired as {wrong[0]}, not {want} (as of {ctx.today})"
        return Outcome(rule.id, example.name, False, why, example.source, example.line)
    return _judge(rule, example, [f.message for f in findings])


def _snapshot(snapshot: Any, tree: dict[str, bytes] | None) -> Any:
    """The snapshot with its file list known from the example itself (git's own blob ids, worked
    out here), so judging an example asks git only for contents, through one process."""
    snapshot.listing = {
        path: Entry("100644", hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest())
        for path, content in (tree or {}).items()
    }
    return snapshot


def _judge(rule: Rule, example: Example, messages: list[str]) -> Outcome:
    want = example.message
    if example.expect == "quiet":
        if messages:
            return Outcome(
                rule.id,
                example.name,
                False,
                f"expected quiet, but it fired: {messages[0]}",
                example.source,
                example.line,
            )
        return Outcome(rule.id, example.name, True, "quiet", example.source, example.line)
    if not messages:
        what = f" with {want!r}" if want else ""
        return Outcome(
            rule.id,
            example.name,
            False,
            f"expected it to fire{what}, but it was quiet",
            example.source,
            example.line,
        )
    if want and not any(want in m for m in messages):
        return Outcome(
            rule.id,
            example.name,
            False,
            f"it fired, but no message contains {want!r} (got: {messages[0]})",
            example.source,
            example.line,
        )
    return Outcome(
        rule.id, example.name, True, f"fires: {messages[0]}", example.source, example.line
    )


# -- rules that protect nothing -----------------------------------------------------------------

_ANNOTATIONS = {
    "$schema",
    "$id",
    "$comment",
    "$anchor",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "format",
    "contentEncoding",
    "contentMediaType",
    "contentSchema",
}
_ASSERTIONS = {
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "not",
    "contains",
    "$ref",
    "$dynamicRef",
}
_ALL_OF = {
    "properties",
    "patternProperties",
    "additionalProperties",
    "items",
    "prefixItems",
    "allOf",
    "dependentSchemas",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "then",
    "else",
    "if",
    "anyOf",
    "oneOf",
}


def schema_accepts_everything(schema: Any, unknown: list[str]) -> bool:
    """True when a JSON Schema can reject nothing (conservative: False whenever unsure).
    Keywords JSON Schema does not know are ignored by validators: collected in `unknown`."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict):
        return False
    trivial = True
    for key, value in schema.items():
        if key in _ANNOTATIONS:
            continue
        if key in _ASSERTIONS:
            if key == "required" and value == []:
                continue
            trivial = False
        elif key in ("properties", "patternProperties", "dependentSchemas"):
            if isinstance(value, dict) and not all(
                schema_accepts_everything(v, unknown) for v in value.values()
            ):
                trivial = False
        elif key in ("allOf", "prefixItems"):
            if isinstance(value, list) and not all(
                schema_accepts_everything(v, unknown) for v in value
            ):
                trivial = False
        elif key == "anyOf":
            if isinstance(value, list) and not any(
                schema_accepts_everything(v, unknown) for v in list(value)
            ):
                trivial = False
        elif key in (
            "additionalProperties",
            "items",
            "propertyNames",
            "unevaluatedItems",
            "unevaluatedProperties",
            "then",
            "else",
        ):
            if not schema_accepts_everything(value, unknown):
                trivial = False
        elif key in ("if",):
            continue
        elif key in _ALL_OF:
            trivial = False  # oneOf and friends: assume it can reject
        else:
            unknown.append(key)
    return trivial


def never_fires(rule: Rule, files: list[str] | None) -> list[Flag]:
    flags = []
    if not rule.severities:
        flags.append(Flag(rule.id, "never-fires", "its severity is off for every tier", rule.line))
    if rule.kind == "schema":
        unknown: list[str] = []
        if schema_accepts_everything(rule.check["schema"], unknown):
            why = (
                f" (JSON Schema ignores the unknown keyword(s) {', '.join(sorted(set(unknown)))})"
                if unknown
                else ""
            )
            flags.append(
                Flag(rule.id, "never-fires", f"check.schema accepts every manifest{why}", rule.line)
            )
    if rule.when and files is not None:
        dead = [
            g
            for g in rule.when
            if not any(
                globs.matches(g, p) or any(globs.matches(g, s) for s in _suffixes(p)) for p in files
            )
        ]
        if dead and len(dead) == len(rule.when):
            flags.append(
                Flag(
                    rule.id,
                    "never-fires",
                    f"no path in the repository matches its when: glob(s) {', '.join(dead)}",
                    rule.line,
                )
            )
        elif dead:
            flags.append(
                Flag(
                    rule.id,
                    "never-fires",
                    f"when: glob(s) {', '.join(dead)} match no path in the repository",
                    rule.line,
                )
            )
    return flags


def _suffixes(path: str) -> list[str]:
    """The path relative to each directory above it: `when:` globs may be relative to a service root."""
    parts = path.split("/")
    return ["/".join(parts[i:]) for i in range(1, len(parts))]


def coverage(rule: Rule) -> list[Flag]:
    if not rule.examples:
        return [
            Flag(
                rule.id,
                "no-examples",
                "has no examples: nothing shows it fires on the bad case and stays quiet on the good one",
                rule.line,
            )
        ]
    if rule.severities and not any(e.expect == "fires" for e in rule.examples):
        return [Flag(rule.id, "no-examples", "has no example that fires", rule.line)]
    return []


def test_pack(label: str, rules: list[Rule], files: list[str] | None, today: dt.date) -> PackResult:
    result = PackResult(label, rules)
    result.outcomes = run_examples(rules, today)
    for rule in rules:
        result.flags += never_fires(rule, files) + coverage(rule)
    return result


# -- reports ------------------------------------------------------------------------------------


def render_text(results: list[PackResult], notes: list[str]) -> str:
    lines = [f"note: {n}" for n in notes]
    totals = {"examples": 0, "failed": 0, "never": 0, "missing": 0, "rules": 0}
    for result in results:
        lines.append(result.label)
        for rule in result.rules:
            totals["rules"] += 1
            mine = [o for o in result.outcomes if o.rule == rule.id]
            flags = [f for f in result.flags if f.rule == rule.id]
            bad = [o for o in mine if not o.passed]
            totals["examples"] += len(mine)
            totals["failed"] += len(bad)
            totals["never"] += sum(1 for f in flags if f.kind == "never-fires")
            totals["missing"] += sum(1 for f in flags if f.kind == "no-examples")
            status = "FAIL" if bad or flags else "ok"
            lines.append(f"  {status:<5}{rule.id}  {len(mine) - len(bad)}/{len(mine)} examples")
            for o in bad:
                where = f"{o.source}:{o.line}: " if o.line else ""
                lines.append(f"         mismatch: {where}example {o.example!r}: {o.detail}")
            for f in flags:
                lines.append(f"         {f.kind}: {f.detail}")
    lines.append(
        f"{totals['rules']} rules, {totals['examples']} examples: {totals['examples'] - totals['failed']} passed, {totals['failed']} failed; "
        f"{totals['never']} never-fires, {totals['missing']} without examples"
    )
    return "\n".join(lines) + "\n"


def render_junit(results: list[PackResult], notes: list[str]) -> str:
    suites = ET.Element("testsuites", name="gate test")
    for result in results:
        suite = ET.SubElement(suites, "testsuite", name=result.label)
        if notes:
            properties = ET.SubElement(suite, "properties")
            for note in notes:
                ET.SubElement(properties, "property", name="note", value=note)
        count = failures = 0
        for rule in result.rules:
            for o in (o for o in result.outcomes if o.rule == rule.id):
                count += 1
                case = ET.SubElement(
                    suite, "testcase", classname=f"{result.label}.{rule.id}", name=o.example
                )
                if not o.passed:
                    failures += 1
                    ET.SubElement(
                        case, "failure", type="mismatch", message=o.detail[:500]
                    ).text = o.detail
            for kind, name in (("never-fires", "can fire"), ("no-examples", "has examples")):
                count += 1
                case = ET.SubElement(
                    suite, "testcase", classname=f"{result.label}.{rule.id}", name=name
                )
                flags = [f for f in result.flags if f.rule == rule.id and f.kind == kind]
                if flags:
                    failures += 1
                    ET.SubElement(
                        case, "failure", type=kind, message=flags[0].detail[:500]
                    ).text = "\n".join(f.detail for f in flags)
        suite.set("tests", str(count))
        suite.set("failures", str(failures))
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


# -- examples kept beside a pack -----------------------------------------------------------------


def examples_path(pack: str) -> str | None:
    """`policies/x.yaml` keeps its examples in `policies/x.examples.yaml` (like OPA's x_test.rego)."""
    for suffix in (".yaml", ".yml"):
        if pack.endswith(suffix) and not pack.endswith(".examples" + suffix):
            return pack[: -len(suffix)] + ".examples" + suffix
    return None


def _examples_schema() -> dict[str, Any]:
    defs = schema("policy-pack")["$defs"]
    return {
        "$defs": defs,
        "type": "object",
        "required": ["apiVersion", "kind", "examples"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": "gate/v1"},
            "kind": {"const": "PolicyExamples"},
            "pack": {"type": "string"},
            "examples": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"$ref": "#/$defs/example"}},
            },
        },
    }


def with_examples(rules: list[Rule], raw: bytes, path: str, only_known: bool = False) -> list[Rule]:
    """The rules with the examples of a PolicyExamples file added to their own."""
    doc = gate_yaml.load(raw, path)
    if not isinstance(doc.data, dict):
        raise FatalError("policy examples must be a mapping", path, 1)
    errors = fragment_errors(_examples_schema(), doc.data)
    if errors:
        where, message = errors[0]
        raise FatalError(f"invalid policy examples: {message}", path, doc.line(*where))
    by_id = {r.id: r for r in rules}
    for rule_id in doc.data["examples"]:
        if rule_id not in by_id and not only_known:
            raise FatalError(
                f"examples for rule {rule_id!r}, which the pack does not define",
                path,
                doc.line("examples", rule_id),
            )
    out = []
    for rule in rules:
        extra = tuple(
            Example(e["name"], e["expect"], e, path, doc.line("examples", rule.id, j))
            for j, e in enumerate(doc.data["examples"].get(rule.id, ()))
        )
        out.append(replace(rule, examples=rule.examples + extra) if extra else rule)
    return out


def builtin_examples(rules: list[Rule], label: str) -> list[Rule]:
    """A built-in pack's rules with the examples shipped beside it."""
    name = label.rsplit("/", 1)[-1]
    found = examples_path(str(data_dir("policies") / name))
    if found and os.path.isfile(found):
        with open(found, "rb") as f:
            return with_examples(
                rules,
                f.read(),
                f"(built-in) policies/{os.path.basename(found)}",
                only_known=len(rules) == 1,
            )
    return rules
