"""Deploy objects, from the attacker's side: weakening what a tier-0 or tier-1 service deploys is a
change to that service, even when its Kubernetes objects live outside its directory.

The objects sit in the repository-level `kubernetes-manifests/` (found by the service's name) or
in a file the base manifest names under `deploy.paths`; the pull request touches only them (or
also rewrites the manifest to point elsewhere). Each test fails if the weakened objects pass.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from conftest import TODAY, GitRepo

from gate import check
from gate.git import Repo
from gate.verdict import Verdict

# payments (tier 0) claims blue-green with automated rollback; checkout (tier 1) claims revert.
ROLLOUT = """\
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: {name}}}
spec:
  replicas: 3
  strategy:
    blueGreen:
      activeService: {name}
      prePromotionAnalysis: {{templates: [{{templateName: {name}-success}}]}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      topologySpreadConstraints: [{{maxSkew: 1, topologyKey: topology.kubernetes.io/zone}}]
      containers:
        - name: server
          image: registry.example.com/{name}:v2.3.1
          readinessProbe: {{httpGet: {{path: /ready, port: 8080}}}}
          livenessProbe: {{httpGet: {{path: /live, port: 8080}}}}
          resources: {{requests: {{cpu: 200m, memory: 256Mi}}, limits: {{memory: 512Mi}}}}
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {{name: {name}-success}}
spec:
  metrics:
    - name: errors
      failureCondition: result[0] > 0.01
      provider: {{prometheus: {{query: 'sum(rate(http_requests_total{{service="{name}",code=~"5.."}}[5m]))'}}}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: {name}}}
spec: {{maxUnavailable: 1, selector: {{matchLabels: {{app: {name}}}}}}}
"""

TARGETS = {0: "payments", 1: "checkout"}
DEPLOY_RULES = {
    "deploy-replicas",
    "deploy-probes",
    "deploy-disruption-budget",
    "deploy-strategy",
    "deploy-drift",
}


def judge(repo: GitRepo) -> Verdict:
    return check.run(Repo(repo.path), base="main", head="HEAD", today=TODAY)


def errors(v: Verdict, service: str) -> set[str]:
    return {
        f.rule
        for s in v.services
        if s.name == service
        for f in s.findings
        if f.severity == "error" and f.rule.startswith("deploy-")
    }


@pytest.fixture(params=[0, 1], ids=["tier0", "tier1"])
def deployed(request: pytest.FixtureRequest, example: GitRepo) -> tuple[GitRepo, str, str]:
    """The example with the target's objects committed on main in kubernetes-manifests/."""
    name = TARGETS[request.param]
    path = f"kubernetes-manifests/{name}.yaml"
    example.git("checkout", "-q", "main")
    example.write(path, ROLLOUT.format(name=name))
    example.commit("deploy objects")
    example.git("checkout", "-q", "-B", "change")
    example.write(
        path,
        example.read(path).replace("image: ", "imagePullPolicy: IfNotPresent\n          image: "),
    )
    example.commit("harmless")
    quiet = judge(example)
    assert name in {s.name for s in quiet.services}, "the file is the service's"
    assert not errors(quiet, name), "precondition: the objects as committed pass"
    example.git("reset", "-q", "--hard", "main")
    return example, name, path


@pytest.mark.parametrize(
    "weaken, expected",
    [
        (lambda t: t.replace("replicas: 3", "replicas: 1"), {"deploy-replicas", "deploy-drift"}),
        (
            lambda t: t.replace(
                "          readinessProbe: {httpGet: {path: /ready, port: 8080}}\n", ""
            ),
            {"deploy-probes", "deploy-drift"},
        ),
        (
            lambda t: t.split("---\napiVersion: policy/v1")[0],
            {"deploy-disruption-budget", "deploy-drift"},
        ),
    ],
    ids=["fewer-replicas", "no-readiness-probe", "no-pdb"],
)
def test_weakening_objects_outside_the_service_directory_is_judged_as_the_service(
    deployed: tuple[GitRepo, str, str], weaken: Callable[[str], str], expected: set[str]
) -> None:
    repo, name, path = deployed
    repo.write(path, weaken(repo.read(path)))
    repo.commit("tidy manifests")
    v = judge(repo)
    assert v.verdict == "block"
    assert expected <= errors(v, name)


def test_switching_the_rollout_to_a_deployment_is_judged_as_the_service(
    deployed: tuple[GitRepo, str, str],
) -> None:
    repo, name, path = deployed
    text = repo.read(path).replace(
        "apiVersion: argoproj.io/v1alpha1\nkind: Rollout",
        "apiVersion: apps/v1\nkind: Deployment",
        1,
    )
    repo.write(
        path,
        text.replace(
            "    blueGreen:\n      activeService: "
            + name
            + "\n      prePromotionAnalysis: {templates: [{templateName: "
            + name
            + "-success}]}\n",
            "    type: RollingUpdate\n",
        ),
    )
    repo.commit("simplify rollout")
    v = judge(repo)
    assert v.verdict == "block"
    found = errors(v, name)
    assert "deploy-drift" in found
    if name == "payments":  # blue-green claimed: a plain Deployment cannot carry it out
        assert "deploy-strategy" in found


def test_pointing_the_manifest_at_a_decoy_keeps_judging_the_objects_the_tip_names(
    example: GitRepo,
) -> None:
    """deploy.paths is read at the base too: the head cannot point the rules at a decoy."""
    manifest = "services/payments/service.yaml"
    example.git("checkout", "-q", "main")
    example.write("platform/payments.yaml", ROLLOUT.format(name="payments"))
    example.write(manifest, example.read(manifest) + "deploy: {paths: [/platform/payments.yaml]}\n")
    example.commit("deploy objects")
    example.git("checkout", "-q", "-B", "change")
    example.write("platform/decoy.yaml", ROLLOUT.format(name="payments"))
    example.replace(manifest, "/platform/payments.yaml", "/platform/decoy.yaml")
    example.replace("platform/payments.yaml", "replicas: 3", "replicas: 1")
    example.commit("move deploy objects")
    v = judge(example)
    assert v.verdict == "block"
    assert {"deploy-replicas", "deploy-drift"} <= errors(v, "payments")


def test_a_file_the_base_manifest_names_is_the_service_s_even_when_only_it_changes(
    example: GitRepo,
) -> None:
    manifest = "services/payments/service.yaml"
    example.git("checkout", "-q", "main")
    example.write("platform/payments.yaml", ROLLOUT.format(name="payments"))
    example.write(manifest, example.read(manifest) + "deploy: {paths: [/platform/payments.yaml]}\n")
    example.commit("deploy objects")
    example.git("checkout", "-q", "-B", "change")
    example.replace("platform/payments.yaml", "replicas: 3", "replicas: 2")
    example.commit("fewer replicas")
    v = judge(example)
    assert "payments" in {s.name for s in v.services}
    assert v.verdict == "block"
    assert errors(v, "payments") == {"deploy-drift"}
