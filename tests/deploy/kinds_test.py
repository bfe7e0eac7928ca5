from __future__ import annotations

import subprocess
import sys

from gate.deploy import rules
from gate.deploy.kinds import KINDS
from gate.policy.kinds import KINDS as REGISTRY
from gate.resources import metaschema_errors


def test_every_deploy_kind_is_registered_with_a_valid_schema_and_a_function() -> None:
    for name, (fn, params, summary) in KINDS.items():
        assert callable(getattr(rules, fn)), name
        assert metaschema_errors(params) == [], name
        assert REGISTRY[name].params is params and REGISTRY[name].summary == summary


def test_listing_the_kinds_imports_no_rule_code() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, gate.policy.kinds; print(sorted(m for m in sys.modules if m.startswith('gate.deploy')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "['gate.deploy', 'gate.deploy.kinds', 'gate.deploy.objects']"
