"""Rules the gate itself raises, outside any pack; `gate explain` documents them like the rest."""

from __future__ import annotations

from gate.verdict import Finding, RuleInfo, as_severity

# The one definition of reliability material: what a spent budget lets through. `gate explain
# error-budget` states it here, and gate.budget.exempt.reliability_only decides by it.
RELIABILITY_MATERIAL = (
    "Reliability material is decided by what a file holds, not by its name or glob: prose (Markdown, "
    "reStructuredText, AsciiDoc) and the formats the gate parses, SLO documents (OpenSLO, Sloth) and "
    "Prometheus rule files that load as such; `budgets.exempt.reliability_paths` may add images "
    "(diagrams), never code. Whatever production reads at run time (code, configuration, flag "
    "files, a feature-flag rollback plan included), tests, the manifest, symlinks and executables "
    "are changes"
)

# Rules the gate itself raises, outside any pack (documented by `gate explain` like the rest).
BUILTIN_RULES = {
    r.id: r
    for r in (
        RuleInfo(
            "pack-pin-changed",
            "Change moves a shared policy pack's pin",
            "A shared pack is pinned in .gate.yaml by commit and sha256. Moving, adding or removing a pin changes the rules "
            "every later change is judged by; this change is still judged by the base revision's pin, and gate never fetches "
            "a pin the change itself proposes.",
            "Have the platform team review the new pack revision (its diff and `gate test` result) before this merges.",
        ),
        RuleInfo(
            "unowned-change",
            "Changed file belongs to no service",
            "Every production file should belong to a service with owners, so a change has someone accountable. "
            "Severity is `unowned` in .gate.yaml (default warning); `unowned_ignore` lists files that need no owner.",
            "Move the file under a service directory, claim it with `paths:` in a service.yaml, or add it to `unowned_ignore` in .gate.yaml.",
        ),
        RuleInfo(
            "gate-config-changed",
            "Change edits the gate's own configuration",
            "The gate reads .gate.yaml and policy packs from the base revision, so a change cannot loosen the rules that judge it. "
            "The edit takes effect after it merges; reviewers should look at it closely.",
            "Have the platform team / release managers (CODEOWNERS of .gate.yaml and policies/) review this change.",
        ),
        RuleInfo(
            "error-budget",
            "Service's error budget is exhausted",
            "When a service has spent its error budget over the SLO window, feature changes wait; verified reverts, "
            "P0 and security fixes, and changes to reliability material only go through. Per tier this blocks or only "
            f"warns (budgets.on_exhausted in .gate.yaml). {RELIABILITY_MATERIAL}.",
            "Wait until the budget recovers, ship a revert or reliability-only change, have an approver label the pull "
            "request as a P0/security fix, or get a recorded error-budget exception approved by {approvers}.",
        ),
        RuleInfo(
            "error-budget-burn",
            "Service is burning its error budget fast right now",
            "A multi-window burn-rate page condition holds: the error ratio over both its long and short window is above "
            "factor x (1 - objective), as Sloth's generated rules compare it. Windows are Sloth AlertWindows specs "
            "(budgets.alert_windows, per tier budgets.alert_windows_by_tier); the default is the SRE workbook's: 14.4x over 1h "
            "and 5m, 6x over 6h and 30m for 30 days (2% and 5% of the budget; other periods keep the percentages). "
            "A change now adds risk to an ongoing incident (budgets.on_fast_burn).",
            "Deploy after the incident is mitigated, or make this change the mitigation.",
        ),
        RuleInfo(
            "error-budget-unavailable",
            "Error budget could not be measured",
            "The budget source was down, slow, refused the query or returned garbage. Per tier the gate then blocks (fail closed) "
            "or warns (fail open): budgets.on_unavailable; tier 0-1 fail closed by default, and the exit code is 3 (undecided) "
            "when nothing else blocks.",
            "Check the source named in the message (URL, query, file) and re-run; or set budgets.on_unavailable for this tier.",
        ),
        RuleInfo(
            "incidents-unavailable",
            "Incidents could not be read",
            "The incident source (incidents.source in .gate.yaml: an export file, GitHub issues, PagerDuty or Opsgenie) was "
            "down, slow, refused, or answered something that is not incidents, so postmortem-overdue and actions-overdue "
            "cannot judge the service. Per tier the gate then blocks (fail closed) or warns (fail open): "
            "incidents.on_unavailable; tier 0-1 fail closed by default, and the exit code is 3 (undecided) when nothing "
            "else blocks.",
            "Check the source named in the message (file, URL, token variable) and re-run; or set incidents.on_unavailable "
            "for this tier.",
        ),
        RuleInfo(
            "error-budget-no-data",
            "SLO has no data",
            "No traffic, or a query that matches nothing, is not '100% good': the budget cannot be judged. "
            "Severity per tier is budgets.on_no_data (warning for tier 0-1 by default).",
            "Check that the SLO's queries match real series (service label, metric name), or that the service has traffic.",
        ),
        RuleInfo(
            "error-budget-unmeasurable",
            "SLO is valid but its error budget cannot be measured",
            "The SLO definition is valid (inline, OpenSLO v1 or Sloth) but uses something gate cannot measure: a metric source "
            "other than Prometheus, an SLI or DataSource the manifest's files do not hold, a thresholdMetric without Timeslices, "
            "a Sloth plugin, an OpenSLO v1alpha/v2alpha document. The budget gate is off for it, so the gate says so, with the "
            "reason. Severity per tier is budgets.on_unmeasurable (warning for tier 0-1, info for 2-3 by default).",
            "Do what the reason says (e.g. add the file holding the SLI to the manifest's slos, write the query for Prometheus, "
            "use budgetingMethod Timeslices), or export the budget to the file/http source; see `gate budget`.",
        ),
        RuleInfo(
            "exceptions-ledger-invalid",
            "Change breaks the exception ledger",
            "The ledger this change leaves behind does not parse or breaks schemas/exceptions.schema.json; "
            "the base revision's ledger is used instead.",
            "Fix the file and line in the message; `gate exception add` writes valid entries.",
        ),
        RuleInfo(
            "gate-files-owned",
            "The gate's own files have CODEOWNERS",
            "Exceptions in the base revision are trusted because they were reviewed when they merged. That holds only if "
            "CODEOWNERS gives .gate.yaml, the policy packs and the exception ledger to release managers / the platform team, "
            "and branch protection requires code-owner review. `gate validate` warns about a gate file with no owner; "
            "`gate check` judges a change that takes the owners of a gate file away or hands it to anyone else "
            "(error when the repository has a tier 0-1 service: the gate's files judge every service).",
            "Add CODEOWNERS lines such as `/.gate.yaml @org/platform`, `/policies/ @org/platform`, `/exceptions.yaml @org/release-managers`.",
        ),
        RuleInfo(
            "risk-high",
            "Change risk is high for the service's tier",
            "The change's risk score (0-100) from its diff and the repository's history (size, spread, churn, developers, "
            "author experience, migrations, infrastructure, config, dependencies, auth paths, recent failures, freezes) "
            "is over the tier's threshold (risk.thresholds in .gate.yaml).",
            "Split the change, add tests, ship it behind a feature flag or canary, or get a recorded risk exception approved by {approvers}.",
        ),
        RuleInfo(
            "risk-threshold",
            "Change risk is over the tier's threshold",
            "The change's risk score is over the tier's warn or block threshold (risk.thresholds in .gate.yaml) although its "
            "level is low or medium: the threshold is stricter than the level bands. A high or critical level is `risk-high`.",
            "Split the change, add tests, ship it behind a feature flag or canary, or get a recorded risk exception approved by {approvers}.",
        ),
        RuleInfo(
            "risk-rollback-untested",
            "A high-risk change needs a recently tested rollback",
            "Time to mitigate a bad deploy is minutes only when the rollback works: a high or critical risk change to a "
            "tier 0-1 service needs rollback.last_tested within risk.rollback_tested_days (default 90).",
            "Run a rollback drill and record its date in rollback.last_tested, or lower the change's risk.",
        ),
        RuleInfo(
            "manifest-removed",
            "service.yaml deleted while the service's files remain",
            "Deleting a manifest but keeping the code would let the code escape every readiness rule.",
            "Delete the whole service directory, or keep its service.yaml.",
        ),
        RuleInfo(
            "service-identity",
            "Service moved, renamed, split, swallowed or named like another",
            "A service is known by its identity in the base branch (its manifest, followed through git's rename "
            "detection), never by the name a change declares: a move or rename keeps its base tier, SLO definitions "
            "and exceptions, and a new manifest inside or around an existing service cannot take its files away. "
            "Each of these is flagged so that reviewers see it; a duplicate name is an error.",
            "Keep a service's name and directory stable, or have its owners and the release managers review the move; "
            "give every service a unique name.",
        ),
        RuleInfo(
            "slo-definition-changed",
            "Change edits the definition of an SLO that measures an error budget",
            "Error budgets are measured with the SLO definitions of the base branch. A change to a query, objective, "
            "window or SLO document (or deleting one) takes effect after it merges and needs review: it could point the "
            "budget at other series or loosen it.",
            "Have an SLO reviewer for the service's tier ({slo_reviewers}) approve the pull request's head commit: "
            "the check then passes the SLO change. Keep SLO changes in pull requests of their own so that review is about them.",
        ),
        RuleInfo(
            "sli-query-measures-nothing",
            "An SLI query the change writes measures nothing in Prometheus",
            "Each SLO a change adds or edits is tried against the configured Prometheus (budgets.prometheus, from the "
            "base branch): a metric with no series (with the closest existing name), a label value no series has, a total "
            "that is zero over the window, or a query Prometheus rejects would give an SLO that measures nothing, forever. "
            "Advisory (a warning): it never feeds the error budget. When the queries cannot be tried (offline, staged, "
            "Prometheus down or slow) the gate says so in a note (info).",
            "Fix the metric name or label value to one Prometheus has (see the closest one named), or make the query one "
            "Prometheus accepts; `gate budget` shows what the SLO measures once it merges.",
        ),
        RuleInfo(
            "exception-unapproved",
            "Change adds an exception that is not verified as approved",
            "An exception added or edited by the change applies only with an APPROVED review of the current head commit "
            "by its approver; until then it is an error on the change itself, so an unapproved waiver can never merge "
            "and be used by the next pull request.",
            "Ask the approver named in `approved_by` to approve this pull request's current head commit, or remove the entry.",
        ),
        RuleInfo(
            "baseline-unapproved",
            "Change adds to the baseline without a verified approval",
            "gate-baseline.yaml records the findings a repository had when it adopted gate; they are reported as info. "
            "It is read from the base branch's tip: a pull request may remove entries, but an entry it adds (or a count "
            "it raises) applies only with an APPROVED review of the head commit by someone who may approve exceptions "
            "for that rule at the service's tier. Until then it is an error, so new debt cannot be recorded as old.",
            "Fix the finding instead, remove the added entry, or ask the exception approvers for the service's tier (exceptions.approvers in .gate.yaml) to approve this pull request's head commit.",
        ),
        RuleInfo(
            "baseline-invalid",
            "Change breaks the baseline file",
            "The gate-baseline.yaml this change leaves behind does not parse or breaks schemas/baseline.schema.json; "
            "the base branch's copy is what counts meanwhile.",
            "Regenerate it with `gate baseline` (or `gate baseline --prune`), or fix the line named.",
        ),
    )
}


def builtin_finding(
    rule_id: str, severity: str, message: str, file: str | None, line: int | None = None
) -> Finding:
    rule = BUILTIN_RULES[rule_id]
    return Finding(
        rule.id, rule.title, as_severity(severity), message, file, line, rule.remediation
    )
