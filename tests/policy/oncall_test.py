"""`oncall_exists` against local stand-ins speaking PagerDuty's and Opsgenie's REST shapes, and an
exported status file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import GitRepo
from testing.prometheus import free_port

PACK = """\
apiVersion: gate/v1
kind: PolicyPack
name: oncall
rules:
  - id: oncall-exists
    title: The on-call rotation exists
    severity: {0: error, 1: error}
    check: {kind: oncall_exists}
    remediation: Create the rotation, or name the one that pages for this service.
"""


def build(repo: GitRepo, oncall: str, tier: int = 1, rotation: str = "payments-primary") -> None:
    repo.write(
        ".gate.yaml",
        f"packs: [policies/oncall.yaml]\nunowned: off\ntelemetry:\n  oncall: {oncall}\n",
    )
    repo.write("policies/oncall.yaml", PACK)
    repo.write(
        "services/pay/service.yaml",
        f"apiVersion: gate/v1\nkind: Service\nname: pay\ntier: {tier}\n"
        f"owners: {{team: payments, oncall: {rotation}}}\n",
    )
    repo.commit("base")
    repo.branch("change")
    repo.write("services/pay/app.py", "x = 1\n")
    repo.commit("change")


def messages(gate_cli: Any, repo: GitRepo, *extra: str) -> list[str]:
    code, out, err = gate_cli(
        "check", "--repo", repo.path, "--base", "main", "--format", "json", *extra
    )
    assert code in (0, 1), err
    return [f["message"] for s in json.loads(out)["services"] for f in s["findings"]]


def pagerduty(httpserver: Any, users: int, rules: int) -> None:
    auth = {"Authorization": "Token token=pd-secret"}
    httpserver.expect_request(
        "/schedules",
        query_string={"query": "payments-primary", "limit": "100", "offset": "0"},
        headers=auth,
    ).respond_with_json(
        {
            "schedules": [
                {"id": "PX1", "name": "payments-secondary"},
                {"id": "P9S", "name": "payments-primary"},
            ],
            "limit": 100,
            "offset": 0,
            "more": False,
        }
    )
    layer_users = [{"user": {"id": f"PU{i}", "type": "user_reference"}} for i in range(users)]
    httpserver.expect_request("/schedules/P9S", headers=auth).respond_with_json(
        {
            "schedule": {
                "id": "P9S",
                "name": "payments-primary",
                "schedule_layers": [
                    {"id": "L1", "users": layer_users},
                    {"id": "L2", "users": layer_users[:1]},
                ],
                "escalation_policies": [{"id": "PEP", "type": "escalation_policy_reference"}],
            }
        }
    )
    httpserver.expect_request("/escalation_policies/PEP", headers=auth).respond_with_json(
        {
            "escalation_policy": {
                "id": "PEP",
                "escalation_rules": [
                    {
                        "escalation_delay_in_minutes": 30,
                        "targets": [{"id": "P9S", "type": "schedule_reference"}],
                    }
                ]
                * rules,
            }
        }
    )


@pytest.mark.parametrize(
    ("tier", "users", "rules", "expected"),
    [
        (1, 2, 2, []),
        (
            0,
            2,
            2,
            [
                "on-call rotation 'payments-primary' has 2 people in pagerduty; tier 0 needs at least 3"
            ],
        ),
        (
            1,
            3,
            1,
            [
                "on-call rotation 'payments-primary' has 1 escalation level(s) in pagerduty; at least 2 are needed"
            ],
        ),
    ],
)
def test_pagerduty_schedule_people_and_escalation_levels(
    gate_cli: Any,
    repo: GitRepo,
    httpserver: Any,
    monkeypatch: Any,
    tier: int,
    users: int,
    rules: int,
    expected: list[str],
) -> None:
    monkeypatch.setenv("PD_TOKEN", "pd-secret")
    pagerduty(httpserver, users, rules)
    build(
        repo, f"{{source: pagerduty, url: '{httpserver.url_for('')}', token_env: PD_TOKEN}}", tier
    )
    assert messages(gate_cli, repo) == expected


def test_a_rotation_pagerduty_does_not_have(
    gate_cli: Any, repo: GitRepo, httpserver: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PD_TOKEN", "pd-secret")
    pagerduty(httpserver, 3, 2)
    httpserver.expect_request("/schedules").respond_with_json({"schedules": [], "more": False})
    build(
        repo,
        f"{{source: pagerduty, url: '{httpserver.url_for('')}', token_env: PD_TOKEN}}",
        rotation="payments-primry",
    )
    assert messages(gate_cli, repo) == [
        "on-call rotation 'payments-primry' does not exist in pagerduty"
    ]


def test_opsgenie_schedule_and_the_escalation_that_notifies_it(
    gate_cli: Any, repo: GitRepo, httpserver: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("OG_KEY", "og-secret")
    auth = {"Authorization": "GenieKey og-secret"}
    httpserver.expect_request(
        "/v2/schedules/payments-primary", query_string="identifierType=name", headers=auth
    ).respond_with_json(
        {
            "data": {
                "id": "d875-sched",
                "name": "payments-primary",
                "enabled": True,
                "rotations": [
                    {
                        "name": "weekly",
                        "participants": [
                            {"type": "user", "username": "ana@example.com"},
                            {"type": "user", "username": "bo@example.com"},
                        ],
                    },
                    {
                        "name": "weekend",
                        "participants": [
                            {"type": "team", "name": "payments"},
                            {"type": "user", "username": "ana@example.com"},
                        ],
                    },
                ],
            },
            "took": 0.01,
            "requestId": "r1",
        }
    )
    rule = {"condition": "if-not-acked", "notifyType": "default", "delay": {"timeAmount": 0}}
    httpserver.expect_request("/v2/escalations", headers=auth).respond_with_json(
        {
            "data": [
                {
                    "id": "e1",
                    "name": "other",
                    "rules": [{**rule, "recipient": {"type": "team", "name": "x"}}] * 3,
                },
                {
                    "id": "e2",
                    "name": "payments-escalation",
                    "rules": [
                        {
                            **rule,
                            "recipient": {
                                "type": "schedule",
                                "id": "d875-sched",
                                "name": "payments-primary",
                            },
                        },
                        {
                            **rule,
                            "delay": {"timeAmount": 10},
                            "recipient": {"type": "user", "username": "lead@example.com"},
                        },
                    ],
                },
            ]
        }
    )
    build(repo, f"{{source: opsgenie, url: '{httpserver.url_for('')}', token_env: OG_KEY}}", tier=1)
    assert messages(gate_cli, repo) == []
    repo.git("checkout", "-q", "main")
    repo.write(
        "services/pay/service.yaml",
        repo.read("services/pay/service.yaml").replace("tier: 1", "tier: 0"),
    )
    repo.commit("tier 0")
    repo.git("checkout", "-q", "change")
    repo.git("merge", "-q", "main")
    assert messages(gate_cli, repo) == [
        "on-call rotation 'payments-primary' has 2 people in opsgenie; tier 0 needs at least 3"
    ]


def test_offline_runs_ask_nobody_and_a_down_tool_is_asked_once(
    gate_cli: Any, repo: GitRepo, httpserver: Any, monkeypatch: Any
) -> None:
    monkeypatch.setenv("PD_TOKEN", "pd-secret")
    build(
        repo,
        f"{{source: pagerduty, url: 'http://127.0.0.1:{free_port()}', token_env: PD_TOKEN, timeout: 1}}",
    )
    assert messages(gate_cli, repo, "--offline") == []
    (message,) = messages(gate_cli, repo)
    assert message.startswith("on-call rotation 'payments-primary' could not be checked: ")
    assert "connection refused" in message and "pd-secret" not in message


def test_an_exported_status_file_outside_the_repository(
    gate_cli: Any, repo: GitRepo, tmp_path: Path
) -> None:
    status = tmp_path / "oncall.json"
    status.write_text(
        json.dumps(
            {
                "schema": "gate.oncall-status/v1",
                "rotations": {"payments-primary": {"people": ["a", "b"], "escalation_levels": 1}},
            }
        )
    )
    build(repo, f"{{source: file, status_file: '{status}'}}", tier=0)
    assert messages(gate_cli, repo, "--offline") == [
        "on-call rotation 'payments-primary' has 1 escalation level(s) in the on-call status file; at least 2 are needed",
        "on-call rotation 'payments-primary' has 2 people in the on-call status file; tier 0 needs at least 3",
    ]


def test_a_status_file_the_change_commits_is_never_trusted(gate_cli: Any, repo: GitRepo) -> None:
    build(repo, "{source: file, status_file: ops/oncall.json}", tier=1)
    repo.write(
        "ops/oncall.json",
        json.dumps(
            {
                "schema": "gate.oncall-status/v1",
                "rotations": {"payments-primary": {"people": 9, "escalation_levels": 9}},
            }
        ),
    )
    repo.commit("the change writes its own rotation")
    (message,) = messages(gate_cli, repo, "--offline")
    assert message == (
        "on-call rotation 'payments-primary' could not be checked: "
        "the on-call status file ops/oncall.json is committed to the repository"
    )
