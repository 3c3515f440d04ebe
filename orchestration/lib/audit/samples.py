"""Sample records for the report: the first few records of each finding of the audited
files, with the raw record and the reason."""

from __future__ import annotations

from expectations import Severity, Suite
from expectations import sql as suite_sql

PER_RULE = 5


def collect_samples(
    con, suites: list[Suite], per_rule: int = PER_RULE
) -> dict[tuple[str, str], list[dict]]:
    """(file, finding) -> up to `per_rule` records of the audited files (temp tables
    `audit_targets`, `audit_found`): quarantined ones from audit.quarantine, fixed, flagged
    and deduplicated ones from the raw table."""
    samples: dict[tuple[str, str], list[dict]] = {}
    rows = con.execute(
        f"""
        select source_file, rule, batch_date, record_number, reason, record
        from (
            select q.*, row_number() over (
                partition by q.source_file, q.rule order by q.batch_date, q.record_number
            ) as n
            from audit.quarantine as q
            where exists (
                select 1 from audit_targets as t
                where t.batch_date = q.batch_date and t.source_file = q.source_file
            )
        )
        where n <= {per_rule}
        order by all
        """
    ).fetchall()
    for file, rule, day, number, reason, record in rows:
        samples.setdefault((file, rule), []).append(
            {"batch": str(day), "record_number": number, "reason": reason, "record": record}
        )
    kept = ", ".join(f"'{s}'" for s in (Severity.FIX, Severity.FLAG, Severity.DEDUPE))
    for suite in suites:
        rows = con.execute(
            f"""
            select f.finding, f.batch_date, f.record_number, rules.reason,
                {suite_sql.record_json(suite)}
            from (
                select *, row_number() over (
                    partition by finding order by batch_date, record_number
                ) as n
                from audit_found
                where source_file = '{suite.path}' and severity in ({kept})
            ) as f
            inner join {suite_sql.raw_table(suite)} as r
                on r._batch_date = f.batch_date and r._record_number = f.record_number
            inner join audit_rules as rules
                on rules.source_file = '{suite.path}' and rules.finding = f.finding
            where f.n <= {per_rule}
            order by all
            """
        ).fetchall()
        for finding, day, number, reason, record in rows:
            samples.setdefault((suite.path, finding), []).append(
                {"batch": str(day), "record_number": number, "reason": reason, "record": record}
            )
    return samples
