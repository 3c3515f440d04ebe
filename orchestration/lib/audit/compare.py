"""SQL against GX: one result per rule of each audited file, with the outcome the findings
give; where a rule has a GX expectation, GX must find exactly the records the SQL audit
found (null handling and regex dialects differ between engines). A disagreement names
the records only one engine found."""

from __future__ import annotations

from expectations import Suite

from .evaluate import Findings
from .gx import GxRuleResult
from .results import Record, RuleOutcome, RuleResult

NAMED_RECORDS = 5  # records named per side in a disagreement's message


def compare(
    suites: list[Suite],
    findings: Findings,
    gx_results: dict[str, list[GxRuleResult]] | None,
    checked: dict[str, int],
) -> list[RuleResult]:
    """`gx_results` (file -> GX's results) is None when GX did not run."""
    results = []
    for suite in suites:
        by_rule = {r.rule: r for r in (gx_results or {}).get(suite.path, [])}
        for rule in suite.rules:
            counts = {o.name: findings.count(suite.path, o.name) for o in rule.outcomes}
            failures = sum(counts.values())
            outcomes = (RuleOutcome.PASSED,)
            details = None
            if failures:
                outcomes = tuple(
                    RuleOutcome.of(o.severity) for o in rule.outcomes if counts[o.name]
                )
                if len(rule.outcomes) > 1:
                    details = ", ".join(f"{o.name}: {counts[o.name]}" for o in rule.outcomes)
            gx_failures = None
            if rule.gx is not None and gx_results is not None:
                gx = by_rule.get(rule.name)
                if gx is None:
                    outcomes, details = (RuleOutcome.ERROR,), "GX returned no result for this rule"
                elif gx.error:
                    outcomes, details = (RuleOutcome.ERROR,), f"GX engine error: {gx.error}"
                else:
                    sql_records: set[Record] = set()
                    for o in rule.outcomes:
                        sql_records |= findings.records(suite.path, o.name)
                    gx_failures, disagreement = _disagreement(gx, failures, sql_records)
                    if disagreement:
                        outcomes, details = (RuleOutcome.MISMATCH,), disagreement
            results.append(
                RuleResult(
                    source_file=suite.path,
                    rule=rule.name,
                    severities=tuple(o.severity for o in rule.outcomes),
                    column=rule.column,
                    expectation=rule.gx.type if rule.gx else "sql",
                    records_checked=checked.get(suite.path, 0),
                    failures_sql=failures,
                    failures_gx=gx_failures,
                    outcomes=outcomes,
                    details=details,
                )
            )
        for rule in suite.set_rules:
            failures = findings.count(suite.path, rule.name)
            results.append(
                RuleResult(
                    source_file=suite.path,
                    rule=rule.name,
                    severities=(rule.severity,),
                    column=None,
                    expectation="sql",
                    records_checked=checked.get(suite.path, 0),
                    failures_sql=failures,
                    failures_gx=None,
                    outcomes=(RuleOutcome.of(rule.severity),)
                    if failures
                    else (RuleOutcome.PASSED,),
                )
            )
    return results


def _disagreement(
    gx: GxRuleResult, failures: int, sql_records: set[Record]
) -> tuple[int, str | None]:
    """GX's failure count, and what SQL and GX disagree on (None: they agree)."""
    if gx.unexpected_count is None:  # table-level expectation: passed or not
        gx_failures = 0 if gx.success else 1
        if gx_failures == failures:
            return gx_failures, None
        return gx_failures, f"SQL found {failures}, GX found {gx_failures}"
    gx_failures = int(gx.unexpected_count)
    gx_records = gx.records or frozenset()
    if gx_failures == failures and gx_records == sql_records:
        return gx_failures, None
    parts = [f"SQL found {failures}, GX found {gx_failures}"]
    only_sql, only_gx = sorted(sql_records - gx_records), sorted(gx_records - sql_records)
    if only_sql:
        parts.append(f"only SQL: {_named(only_sql)}")
    if only_gx:
        parts.append(f"only GX: {_named(only_gx)}")
    return gx_failures, "; ".join(parts)


def _named(records: list[Record]) -> str:
    """`2026-11-20 #12, 2026-11-20 #15 and 3 more` (batch, record number)."""
    named = ", ".join(f"{day} #{number}" for day, number in records[:NAMED_RECORDS])
    more = len(records) - NAMED_RECORDS
    return named + (f" and {more} more" if more > 0 else "")
