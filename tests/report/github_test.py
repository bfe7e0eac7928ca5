"""gate.report.github: workflow-command annotations, escaped and limited."""

from __future__ import annotations

from conftest import TODAY, GitRepo

from gate import check
from gate.git import Repo
from gate.report import renderer
from gate.verdict import Verdict


def test_github_annotations_escape_and_limit(blocked: Verdict) -> None:
    out = renderer("github")(blocked)
    assert (
        "::error file=services/search/docs/runbook.md,line=1,title=runbook-sections (search)::"
        in out
    )
    assert (
        "::warning file=scripts/release.sh,title=unowned-change::scripts/release.sh belongs to no service%0AFix: "
        in out
    )
    assert "EXC-BUDGET" not in out  # waived findings are not annotated


def test_annotation_limits(example: GitRepo) -> None:
    for i in range(25):
        example.write(f"scripts/tool{i:02}.sh", "x\n")
    example.commit()
    out = renderer("github")(
        check.run(Repo(example.path), base="main", head="HEAD", today=TODAY)
    ).splitlines()
    assert len([line for line in out if line.startswith("::warning")]) == 10
    assert (
        out[-1]
        == "::notice title=gate::15 more finding(s) not annotated (GitHub shows about 10 per kind); see the job summary"
    )


def test_annotation_escaping() -> None:
    from gate.report.github import annotation
    from gate.verdict import Finding

    f = Finding("r", "t", "error", "50% done\nnext, line", "a,b:c.md", 3, "fix it")
    # a line break inside a value is shown, not obeyed; the one before `Fix:` is the annotation's own
    assert (
        annotation(f, "svc")
        == "::error file=a%2Cb%3Ac.md,line=3,title=r (svc)::50%25 done\\nnext, line%0AFix: fix it"
    )
