"""Findings -> the audit tables: audit.quarantine (the raw record and why), audit.findings
(every finding on a loaded or quarantined record) and the counts of audit.file_loads.

Invariant, per file of every batch: records_read = records_loaded + records_quarantined
+ duplicates_removed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from expectations import Severity, Suite
from expectations import sql as suite_sql

from ..warehouse import connect
from .results import COUNTS, FileResult


def write_decisions(con, suites: list[Suite]) -> None:
    """Insert the quarantined records of the audited files (temp table `audit_found`) into
    audit.quarantine, one row per record with its first rule and every reason, and every
    finding into audit.findings."""
    for suite in suites:
        con.execute(
            f"""
            insert into audit.quarantine
                (batch_date, source_file, record_number, record, rule, reason)
            select
                r._batch_date,
                '{suite.path}',
                r._record_number,
                {suite_sql.record_json(suite)},
                arg_min(f.finding, rules.ordinal),
                string_agg(rules.reason, '; ' order by rules.ordinal)
            from audit_found as f
            inner join audit_rules as rules
                on rules.source_file = f.source_file and rules.finding = f.finding
            inner join {suite_sql.raw_table(suite)} as r
                on r._batch_date = f.batch_date and r._record_number = f.record_number
            where f.source_file = '{suite.path}' and f.severity = '{Severity.QUARANTINE}'
            group by all
            """
        )
    con.execute(
        "insert into audit.findings (batch_date, source_file, record_number, rule, severity) "
        "select batch_date, source_file, record_number, finding, severity from audit_found"
    )


def update_counts(con) -> None:
    """Set the counts of audit.file_loads for the audited files (temp table
    `audit_targets`) from their findings."""
    con.execute(
        f"""
        update audit.file_loads as fl
        set
            records_quarantined = coalesce(c.quarantined, 0),
            duplicates_removed = coalesce(c.duplicates, 0),
            records_fixed = coalesce(c.fixed, 0),
            records_flagged = coalesce(c.flagged, 0),
            records_loaded = fl.records_read - coalesce(c.quarantined, 0)
                - coalesce(c.duplicates, 0)
        from (
            select
                b.batch_date,
                files.source_file,
                count(distinct case when f.severity = '{Severity.QUARANTINE}'
                    then f.record_number end) as quarantined,
                count(distinct case when f.severity = '{Severity.DEDUPE}'
                    then f.record_number end) as duplicates,
                count(distinct case when f.severity = '{Severity.FIX}'
                    then f.record_number end) as fixed,
                count(distinct case when f.severity = '{Severity.FLAG}'
                    then f.record_number end) as flagged
            from audit_targets as b
            inner join audit.file_loads as files
                on files.batch_date = b.batch_date and files.source_file = b.source_file
            left join audit_found as f
                on f.batch_date = b.batch_date and f.source_file = files.source_file
            group by all
        ) as c
        where fl.batch_date = c.batch_date and fl.source_file = c.source_file
        """
    )


def mark_loaded(con, at: dt.datetime) -> None:
    """What was decided again counts as loaded now: incremental models that watch
    audit.file_loads.loaded_at (fct_pipeline_snapshot) recompute what it touches."""
    con.execute(
        "update audit.file_loads as fl set loaded_at = ? from audit_targets as t "
        "where fl.batch_date = t.batch_date and fl.source_file = t.source_file",
        [at],
    )


def batch_files(con, day: dt.date) -> list[str]:
    """The files of batch `day`, as written to audit.file_loads."""
    return [
        f
        for (f,) in con.execute(
            "select source_file from audit.file_loads where batch_date = ? order by 1", [day]
        ).fetchall()
    ]


def file_results(con, batches: list) -> list[FileResult]:
    """The rows of audit.file_loads of `batches` (dates), by batch and file."""
    if not batches:
        return []
    return [
        FileResult(*row)
        for row in con.execute(
            f"select strftime(batch_date, '%Y-%m-%d'), source_file, {', '.join(COUNTS)} "
            "from audit.file_loads where list_contains(?, batch_date) order by all",
            [list(batches)],
        ).fetchall()
    ]


def counts_by_target(con, targets) -> dict[tuple, tuple[int, int]]:
    """(batch_date, source_file) -> (records_quarantined, records_flagged) for `targets`."""
    rows = con.execute(
        "select batch_date, source_file, records_quarantined, records_flagged from audit.file_loads"
    ).fetchall()
    counts = {(d, f): (q, fl) for d, f, q, fl in rows}
    return {t: counts.get(tuple(t), (0, 0)) for t in targets}


def read_file_results(warehouse: Path, batches: list[str]) -> list[FileResult]:
    """The committed rows of audit.file_loads of `batches` (YYYY-MM-DD), read-only; none
    when the warehouse does not exist."""
    if not batches or not warehouse.exists():
        return []
    con = connect(warehouse, read_only=True)
    try:
        return file_results(con, [dt.date.fromisoformat(b) for b in batches])
    finally:
        con.close()
