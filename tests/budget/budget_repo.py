"""A repository whose services' SLOs point at the generated Prometheus series."""

from __future__ import annotations

from conftest import GitRepo

QUERIES = """\
    indicator:
      prometheus:
        good: sum(rate(http_requests_total{{service="{name}",code!~"5.."}}[{{{{window}}}}]))
        total: sum(rate(http_requests_total{{service="{name}"}}[{{{{window}}}}]))
"""


def manifest(name: str, tier: int = 1, objective: float = 99.9, window: str = "28d") -> str:
    return (
        f"apiVersion: gate/v1\nkind: Service\nname: {name}\ntier: {tier}\nowners: {{team: t}}\n"
        f"slos:\n  - name: {name}-availability\n    sli: availability\n    objective: {objective}\n    window: {window}\n"
        + QUERIES.format(name=name)
    )


def build(
    repo: GitRepo, url: str, budgets_extra: str = "", tiers: dict[str, int] | None = None
) -> None:
    repo.write(
        ".gate.yaml",
        f"version: 1\npacks: [policies/empty.yaml]\nbudgets:\n  prometheus: {{url: '{url}', timeout: 3, retries: 0}}\n{budgets_extra}",
    )
    repo.write(
        "policies/empty.yaml", "apiVersion: gate/v1\nkind: PolicyPack\nname: empty\nrules: []\n"
    )
    for name in ("healthy", "burning", "exhausted", "idle"):
        repo.write(f"services/{name}/service.yaml", manifest(name, (tiers or {}).get(name, 1)))
        repo.write(f"services/{name}/src/app.py", "x = 0\n")
        repo.write(f"services/{name}/docs/runbook.md", "# runbook\n")
    repo.commit("services")
    repo.branch("change")
