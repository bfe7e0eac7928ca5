"""The trust boundary for incidents, from the attacker's side: a pull request cannot close, hide or
rewrite the incidents that hold it back.

Each test is one hostile pull request against a service whose corrective actions are long overdue
(tier 0 auth, as the demo's incident tracker exported it; tier 1 checkout, whose overdue actions the
test exports), and fails if the trick turns the verdict into a pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.git import Repo
from gate.report import renderer
from gate.verdict import Verdict

INCIDENTS_FILE = "  file: {path: incidents.json}\n"  # the last line of the example's incidents:
TARGETS = {
    0: ("auth", "services/auth/src/tokens.py", "AUTH-101"),
    1: ("checkout", "services/checkout/src/app.py", "CHK-7"),
}


def judge(repo: GitRepo, base: str = "main", head: str = "HEAD") -> Verdict:
    return check.run(Repo(repo.path), base=base, head=head, today=TODAY)


def overdue_rules(verdict: Verdict, service: str) -> list[str]:
    return [
        f.rule
        for s in verdict.services
        if s.name == service
        for f in s.findings
        if f.severity == "error"
    ]


def export_checkout_incident(repo: GitRepo) -> None:
    """The tracker's export (untracked, outside the change) gives checkout two overdue actions."""
    doc = json.loads(repo.read("incidents.json"))
    doc["incidents"].append(
        {
            "id": "INC-2026-040",
            "services": ["checkout"],
            "severity": "sev2",
            "started": "2026-09-01T10:00:00Z",
            "resolved": "2026-09-01T11:00:00Z",
            "postmortem": {"published": "2026-09-03"},
            "actions": [
                {"id": "CHK-7", "owner": "lee", "due": "2026-10-01", "state": "open"},
                {"id": "CHK-8", "owner": "lee", "due": "2026-10-02", "state": "open"},
            ],
        }
    )
    repo.write("incidents.json", json.dumps(doc))


def feature(repo: GitRepo, code: str, n: int = 1) -> None:
    repo.write(code, repo.read(code) + f"\n\ndef new_feature_{n}():\n    return {n}\n")


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def target(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str, str]:
    name, code, action = TARGETS[request.param]
    export_checkout_incident(example)
    feature(example, code)
    example.commit("feature")
    verdict = judge(example)
    assert verdict.verdict == "block" and "actions-overdue" in overdue_rules(verdict, name), (
        "precondition: the plain feature change blocks on the overdue actions"
    )
    example.git("reset", "-q", "--hard", "HEAD~1")
    return example, name, code, action


def test_an_incident_file_added_in_the_pull_request_is_not_trusted(
    target: tuple[GitRepo, str, str, str],
) -> None:
    repo, name, code, _ = target
    doc = json.loads(repo.read("incidents.json"))
    for incident in doc["incidents"]:
        for action in incident.get("actions", ()):
            action.update(state="closed", closed="2026-10-01")
    repo.write("incidents.json", json.dumps(doc))
    repo.git("add", "-f", "incidents.json")  # .gitignore'd, so committed on purpose
    feature(repo, code)
    repo.commit("feature, with every action closed in our own copy")
    verdict = judge(repo)
    assert verdict.verdict == "block"
    assert "incidents-unavailable" in overdue_rules(verdict, name)
    assert "incidents.json is committed to the repository" in "".join(
        f.message for f in verdict.all_findings()
    )


@pytest.mark.parametrize("spelling", ["Incidents.json", "INCIDENTS.JSON"])
def test_an_incident_file_committed_in_another_letter_case_is_not_trusted(
    example: GitRepo, spelling: str
) -> None:
    """On a case-insensitive checkout the committed file is the one the configured path opens."""
    repo = example
    repo.write(spelling, repo.read("incidents.json"))
    feature(repo, TARGETS[0][1])
    repo.commit("feature and an export of our own")
    assert "incidents-unavailable" in overdue_rules(judge(repo), "auth")


def test_the_head_cannot_switch_the_source_off_or_loosen_the_limits(
    target: tuple[GitRepo, str, str, str],
) -> None:
    repo, name, code, _ = target
    config = repo.read(".gate.yaml")
    for edited in (
        config.replace(
            "  source: file\n  file: {path: incidents.json}\n", "  closing_actions: true\n"
        ),
        config.replace(
            INCIDENTS_FILE, INCIDENTS_FILE + "  action_overdue_days: {0: 999, 1: 999}\n"
        ),
        config.replace("{path: incidents.json}", "{path: /dev/null}"),
    ):
        assert edited != config  # the edit took
        repo.git("checkout", "-q", "-B", "change", "main")
        repo.write(".gate.yaml", edited)
        feature(repo, code)
        repo.commit("feature, judged by our own settings")
        assert "actions-overdue" in overdue_rules(judge(repo), name)


def test_naming_an_action_without_changing_anything_lifts_nothing_for_another_change(
    target: tuple[GitRepo, str, str, str],
) -> None:
    repo, name, code, action = target
    repo.commit(f"Closes {action}")  # empty: changes nothing
    feature(repo, code)
    repo.commit("the feature the block is for")
    assert "actions-overdue" in overdue_rules(judge(repo), name)
    # ... nor once that empty commit is on main and the feature comes as the next change
    repo.git("checkout", "-q", "main")
    repo.commit(f"Closes {action}")
    repo.git("checkout", "-q", "-B", "change", "main")
    feature(repo, code, 2)
    repo.commit("the next change")
    assert "actions-overdue" in overdue_rules(judge(repo), name)


def test_a_closing_commit_does_not_carry_a_feature_commit_through(
    target: tuple[GitRepo, str, str, str],
) -> None:
    repo, name, code, action = target
    repo.write(code, repo.read(code) + "\n\nRETRY_LIMIT = 3\n")
    repo.commit(f"Closes {action}: cap retries")
    feature(repo, code)
    repo.commit("and a feature while we are here")
    assert "actions-overdue" in overdue_rules(judge(repo), name)


def test_renaming_or_lowering_the_service_escapes_no_incident(
    target: tuple[GitRepo, str, str, str],
) -> None:
    repo, name, code, _ = target
    manifest = f"services/{name}/service.yaml"
    repo.replace(manifest, f"name: {name}\n", f"name: {name}-v2\n")
    text = repo.read(manifest)
    repo.write(manifest, text.replace("tier: 0\n", "tier: 3\n").replace("tier: 1\n", "tier: 3\n"))
    feature(repo, code)
    repo.commit("a new name, a lower tier")
    verdict = judge(repo)
    assert verdict.verdict == "block"
    assert any(
        f.rule == "actions-overdue" and f.severity == "error"
        for s in verdict.services
        for f in s.findings
    )


def test_the_commit_date_is_not_the_clock(target: tuple[GitRepo, str, str, str]) -> None:
    repo, name, code, _ = target
    feature(repo, code)
    repo.git("add", "-A")
    early = {
        "GIT_AUTHOR_DATE": "2026-09-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-09-01T00:00:00Z",
    }
    repo.git("commit", "-q", "-m", "dated before anything was due", env_overrides=early)
    assert "actions-overdue" in overdue_rules(judge(repo), name)


@pytest.mark.parametrize(("applier", "lifted"), [("dana", False), ("rita", True)])
def test_a_label_the_author_applies_to_the_pull_request_lifts_nothing(
    target: tuple[GitRepo, str, str, str],
    httpserver: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    applier: str,
    lifted: bool,
) -> None:
    """The author's own label counts for nothing; an allowed approver's, with an approval of this
    head commit, is the control that shows the label is read at all."""
    repo, name, code, _ = target
    repo.git("checkout", "-q", "main")
    config = repo.read(".gate.yaml")
    repo.write(
        ".gate.yaml",
        config.replace(
            INCIDENTS_FILE, INCIDENTS_FILE + "  exempt: {labels: {incident-fix: [rita]}}\n"
        ),
    )
    repo.commit("release managers may label an incident fix")
    repo.git("checkout", "-q", "-B", "change", "main")
    feature(repo, code)
    head = repo.commit("feature")
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps(
            {
                "repository": {"full_name": "acme/shop"},
                "pull_request": {
                    "number": 7,
                    "user": {"login": "dana"},
                    "head": {"sha": head},
                    "labels": [{"name": "incident-fix"}],
                },
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    monkeypatch.setenv("GITHUB_API_URL", httpserver.url_for("").rstrip("/"))
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_test_token")
    labeled = [{"event": "labeled", "label": {"name": "incident-fix"}, "actor": {"login": applier}}]
    httpserver.expect_request("/repos/acme/shop/issues/7/events").respond_with_json(labeled)
    reviews = [{"user": {"login": applier}, "state": "APPROVED", "commit_id": head}]
    httpserver.expect_request("/repos/acme/shop/pulls/7/reviews").respond_with_json(reviews)
    assert ("actions-overdue" in overdue_rules(judge(repo), name)) is not lifted


def test_hostile_values_in_the_export_are_inert_in_every_report(example: GitRepo) -> None:
    doc = json.loads(example.read("incidents.json"))
    auth = doc["incidents"][0]
    auth["title"] = "\x1b[2J<script>alert(1)</script>\n::error file=x::pwned | `rm -rf`"
    auth["actions"][1]["owner"] = "\x07@everyone ]]></x> \u202e"
    auth["actions"][1]["title"] = "A" * 5000
    example.write("incidents.json", json.dumps(doc))
    feature(example, TARGETS[0][1])
    example.commit("feature")
    verdict = judge(example)
    assert verdict.verdict == "block"
    for name in ("text", "markdown", "github", "sarif", "junit", "json", "gitlab"):
        out = renderer(name)(verdict)
        assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out, name
        assert "<script>" not in out, name
        assert not any(line.startswith("::error file=x") for line in out.splitlines()), name
        assert "A" * 100 not in out, name  # a title is cut to a line's worth
