"""Audit the batches loaded since the last audit: SQL quarantine, counts, GX cross-check.

Order of evaluation, per file of the audited batches (the same order staging resolves in):
1. row rules (one scan of the raw table, conditions generated from the suite);
2. among records no quarantine rule caught: identical copies (deduplicated), then copies of
   one id with other content (all but the staging winner quarantined), then set rules such
   as a goal assigned twice;
3. fixes and flags are counted on the records that remain (the loaded ones).

Invariant, per file of every batch: records_read = records_loaded + records_quarantined
+ duplicates_removed.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from expectations import SUITES, Severity, Suite
from expectations import sql as suite_sql

from ..warehouse import connect, ensure_layout

log = logging.getLogger("crmwh")

DEFAULT_THRESHOLD = 0.20
DEFAULT_MIN_RECORDS = 10


def quarantine_threshold() -> float:
    """Share of a file's records that may be quarantined before its batch is refused
    (`CRMWH_QUARANTINE_THRESHOLD`, a fraction, default 0.20)."""
    return float(os.environ.get("CRMWH_QUARANTINE_THRESHOLD") or DEFAULT_THRESHOLD)


def threshold_min_records() -> int:
    """Files with fewer records are not held to the threshold (one bad record in a file
    of five is not a broken export): `CRMWH_QUARANTINE_MIN_RECORDS`, default 10."""
    return int(os.environ.get("CRMWH_QUARANTINE_MIN_RECORDS") or DEFAULT_MIN_RECORDS)


@dataclass
class FileResult:
    batch_date: str
    source_file: str
    records_read: int
    records_loaded: int
    records_quarantined: int
    duplicates_removed: int
    records_fixed: int
    records_flagged: int


@dataclass
class RuleResult:
    source_file: str
    rule: str
    severity: str
    column: str | None
    expectation: str | None
    records_checked: int
    failures_sql: int
    failures_gx: int | None
    outcome: (
        str  # passed | quarantined | flagged | fixed | deduplicated | refused | mismatch | error
    )
    details: str | None = None


@dataclass
class AuditResult:
    run_id: str
    batches: list[str] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)
    blocking: list[str] = field(default_factory=list)  # reasons the batches are refused
    samples: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    seconds_sql: float = 0.0
    seconds_gx: float = 0.0
    seconds_total: float = 0.0
    report: Path | None = None
    threshold: float = DEFAULT_THRESHOLD

    @property
    def passed(self) -> bool:
        return not self.blocking

    def file_totals(self) -> dict[str, dict[str, int]]:
        totals: dict[str, dict[str, int]] = {}
        for f in self.files:
            t = totals.setdefault(f.source_file, dict.fromkeys(_COUNTS, 0))
            for name in _COUNTS:
                t[name] += getattr(f, name)
        return totals


_COUNTS = (
    "records_read",
    "records_loaded",
    "records_quarantined",
    "duplicates_removed",
    "records_fixed",
    "records_flagged",
)
_OUTCOME = {
    Severity.QUARANTINE: "quarantined",
    Severity.FLAG: "flagged",
    Severity.FIX: "fixed",
    Severity.DEDUPE: "deduplicated",
    Severity.REFUSE: "refused",
}


def _pending_batches(con) -> list[tuple[dt.date, str]]:
    return con.execute(
        """
        select b.batch_date, b.fingerprint
        from audit.batch_loads as b
        where not exists (
            select 1 from audit.batch_audits as a
            where a.batch_date = b.batch_date and a.fingerprint = b.fingerprint
        )
        order by b.batch_date
        """
    ).fetchall()


def _rule_table(con) -> None:
    rows = []
    for suite in SUITES.values():
        for ordinal, (_rule, outcome) in enumerate(suite.outcomes()):
            rows.append((suite.path, outcome.name, str(outcome.severity), outcome.reason, ordinal))
        for ordinal, rule in enumerate(suite.set_rules, start=10_000):
            rows.append((suite.path, rule.name, str(rule.severity), rule.reason, ordinal))
    con.execute(
        "create or replace temp table audit_rules "
        "(source_file varchar, finding varchar, severity varchar, reason varchar, ordinal int)"
    )
    con.executemany("insert into audit_rules values (?, ?, ?, ?, ?)", rows)


def _run_sql(con, suites: list[Suite]) -> dict[tuple[str, str], int]:
    """Fill temp table audit_found; return the raw per-outcome counts of the row rules
    (before set rules and exclusions: what GX must agree with)."""
    con.execute(
        "create or replace temp table audit_found (batch_date date, source_file varchar, "
        "record_number bigint, finding varchar, severity varchar)"
    )
    for suite in suites:
        con.execute(
            f"""
            insert into audit_found
            select f.batch_date, '{suite.path}', f.record_number, f.finding, rules.severity
            from ({suite_sql.row_findings(suite)}) as f
            inner join audit_rules as rules
                on rules.source_file = '{suite.path}' and rules.finding = f.finding
            """
        )
    counts = dict(
        ((file, finding), n)
        for file, finding, n in con.execute(
            "select source_file, finding, count(*) from audit_found group by all"
        ).fetchall()
    )
    # Records out of the running: quarantined, or removed as identical copies.
    con.execute(
        "create or replace temp table audit_excluded as "
        "select distinct batch_date, source_file, record_number from audit_found "
        "where severity = 'quarantine'"
    )
    for suite in suites:
        for rule in suite.set_rules:
            con.execute(
                f"""
                create or replace temp table audit_set as
                select f.batch_date, f.record_number, f.finding
                from ({suite_sql.set_findings(suite, rule, "audit_excluded")}) as f
                """
            )
            con.execute(
                f"insert into audit_found select batch_date, '{suite.path}', record_number, "
                f"finding, '{rule.severity}' from audit_set"
            )
            con.execute(
                f"insert into audit_excluded select batch_date, '{suite.path}', record_number "
                "from audit_set"
            )
    # Fixes and flags only count on the records that are loaded.
    con.execute(
        """
        delete from audit_found as f
        where f.severity in ('fix', 'flag')
            and exists (
                select 1 from audit_excluded as x
                where x.batch_date = f.batch_date and x.source_file = f.source_file
                    and x.record_number = f.record_number
            )
        """
    )
    return counts


def _write_quarantine(con, suites: list[Suite]) -> None:
    for suite in suites:
        con.execute(
            f"""
            insert into audit.quarantine
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
            inner join raw.{_table(suite)} as r
                on r._batch_date = f.batch_date and r._record_number = f.record_number
            where f.source_file = '{suite.path}' and f.severity = 'quarantine'
            group by all
            """
        )
    con.execute(
        "insert into audit.findings select batch_date, source_file, record_number, finding, "
        "severity from audit_found"
    )


def _table(suite: Suite) -> str:
    from ..contract import BY_PATH

    return BY_PATH[suite.path].table


def _update_file_loads(con) -> None:
    con.execute(
        """
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
                count(distinct case when f.severity = 'quarantine' then f.record_number end)
                    as quarantined,
                count(distinct case when f.severity = 'dedupe' then f.record_number end)
                    as duplicates,
                count(distinct case when f.severity = 'fix' then f.record_number end) as fixed,
                count(distinct case when f.severity = 'flag' then f.record_number end) as flagged
            from audit_batches as b
            inner join audit.file_loads as files on files.batch_date = b.batch_date
            left join audit_found as f
                on f.batch_date = b.batch_date and f.source_file = files.source_file
            group by all
        ) as c
        where fl.batch_date = c.batch_date and fl.source_file = c.source_file
        """
    )


def _frame(con, suite: Suite):
    """The audited records of one file as a pandas frame, through Arrow (DuckDB's .df() is
    slow and memory-hungry), record number as the index."""
    columns = ", ".join(f'"{c}"' for c in suite.columns)
    table = con.execute(
        f"select {columns}, _record_number from raw.{_table(suite)} "
        "where _batch_date in (select batch_date from audit_batches) "
        "order by _batch_date, _record_number"
    ).to_arrow_table()
    return table.combine_chunks().to_pandas().set_index("_record_number")


def _compare(
    suites: list[Suite],
    sql_counts: dict[tuple[str, str], int],
    gx_results: dict[str, list],
    checked: dict[str, int],
) -> list[RuleResult]:
    results = []
    for suite in suites:
        by_rule = {r.rule: r for r in gx_results.get(suite.path, [])}
        for rule in suite.rules:
            failures = sum(sql_counts.get((suite.path, o.name), 0) for o in rule.outcomes)
            severity = (
                sorted(rule.severities)[0]
                if len(rule.outcomes) == 1
                else "/".join(str(o.severity) for o in rule.outcomes)
            )
            gx = by_rule.get(rule.name)
            gx_failures = None
            outcome, details = "passed", None
            if failures:
                outcome = "/".join(
                    _OUTCOME[o.severity]
                    for o in rule.outcomes
                    if sql_counts.get((suite.path, o.name), 0)
                )
                details = (
                    ", ".join(
                        f"{o.name}: {sql_counts.get((suite.path, o.name), 0)}"
                        for o in rule.outcomes
                        if len(rule.outcomes) > 1
                    )
                    or None
                )
            if rule.gx is not None and gx_results:
                if gx is None:
                    outcome, details = "error", "GX returned no result for this rule"
                elif gx.error:
                    outcome, details = "error", f"GX engine error: {gx.error}"
                else:
                    if gx.unexpected_count is None:  # table-level expectation
                        gx_failures = 0 if gx.success else 1
                    else:
                        gx_failures = int(gx.unexpected_count)
                    if gx_failures != failures:
                        outcome = "mismatch"
                        details = f"SQL found {failures}, GX found {gx_failures}"
            results.append(
                RuleResult(
                    source_file=suite.path,
                    rule=rule.name,
                    severity=str(severity),
                    column=rule.column,
                    expectation=rule.gx[0] if rule.gx else "sql",
                    records_checked=checked.get(suite.path, 0),
                    failures_sql=failures,
                    failures_gx=gx_failures,
                    outcome=outcome,
                    details=details,
                )
            )
        for rule in suite.set_rules:
            failures = sql_counts.get((suite.path, rule.name), 0)
            results.append(
                RuleResult(
                    source_file=suite.path,
                    rule=rule.name,
                    severity=str(rule.severity),
                    column=None,
                    expectation="sql",
                    records_checked=checked.get(suite.path, 0),
                    failures_sql=failures,
                    failures_gx=None,
                    outcome=_OUTCOME[rule.severity] if failures else "passed",
                )
            )
    return results


def _samples(con, result: AuditResult, per_rule: int = 5) -> None:
    rows = con.execute(
        f"""
        select source_file, rule, batch_date, record_number, reason, record
        from (
            select q.*, row_number() over (
                partition by q.source_file, q.rule order by q.batch_date, q.record_number
            ) as n
            from audit.quarantine as q
            where q.batch_date in (select batch_date from audit_batches)
        )
        where n <= {per_rule}
        order by all
        """
    ).fetchall()
    for file, rule, day, number, reason, record in rows:
        result.samples.setdefault((file, rule), []).append(
            {"batch": str(day), "record_number": number, "reason": reason, "record": record}
        )
    for suite in SUITES.values():
        rows = con.execute(
            f"""
            select f.finding, f.batch_date, f.record_number, rules.reason,
                {suite_sql.record_json(suite)}
            from (
                select *, row_number() over (
                    partition by finding order by batch_date, record_number
                ) as n
                from audit_found
                where source_file = '{suite.path}' and severity in ('fix', 'flag', 'dedupe')
            ) as f
            inner join raw.{_table(suite)} as r
                on r._batch_date = f.batch_date and r._record_number = f.record_number
            inner join audit_rules as rules
                on rules.source_file = '{suite.path}' and rules.finding = f.finding
            where f.n <= {per_rule}
            order by all
            """
        ).fetchall()
        for finding, day, number, reason, record in rows:
            result.samples.setdefault((suite.path, finding), []).append(
                {"batch": str(day), "record_number": number, "reason": reason, "record": record}
            )


def _rollback(con, batches: list[dt.date]) -> None:
    """Take refused batches back out: the next run reads them again (and refuses them
    again until they are fixed), and staging never sees them."""
    from ..contract import FILES

    for day in batches:
        for spec in FILES:
            con.execute(f"delete from raw.{spec.table} where _batch_date = ?", [day])
        for table in ("file_loads", "quarantine", "findings", "batch_loads"):
            con.execute(f"delete from audit.{table} where batch_date = ?", [day])


def run_audit(
    warehouse: Path,
    *,
    threshold: float | None = None,
    min_records: int | None = None,
    with_gx: bool = True,
    report_dir: Path | None = None,
) -> AuditResult:
    """Audit every loaded batch not audited yet (new or reloaded). Writes audit.quarantine,
    audit.findings, the counts of audit.file_loads, audit.check_results and the HTML
    report; on a refusal rolls the audited batches back out of the warehouse."""
    started = time.monotonic()
    threshold = quarantine_threshold() if threshold is None else threshold
    min_records = threshold_min_records() if min_records is None else min_records
    run_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]
    result = AuditResult(run_id=run_id, threshold=threshold)
    con = connect(warehouse)
    try:
        ensure_layout(con)
        pending = _pending_batches(con)
        if not pending:
            return result
        days = [day for day, _ in pending]
        result.batches = [str(day) for day in days]
        con.execute("begin transaction")
        con.execute("create or replace temp table audit_batches (batch_date date)")
        con.executemany("insert into audit_batches values (?)", [[d] for d in days])
        for table in ("quarantine", "findings"):
            con.execute(
                f"delete from audit.{table} "
                "where batch_date in (select batch_date from audit_batches)"
            )
        present = {
            file
            for (file,) in con.execute(
                "select distinct source_file from audit.file_loads "
                "where batch_date in (select batch_date from audit_batches)"
            ).fetchall()
        }
        suites = [s for path, s in SUITES.items() if path in present]
        _rule_table(con)
        sql_started = time.monotonic()
        sql_counts = _run_sql(con, suites)
        set_counts = con.execute(
            "select source_file, finding, count(*) from audit_found "
            "where severity = 'dedupe' or finding in (select finding from audit_rules "
            "where ordinal >= 10000) group by all"
        ).fetchall()
        for file, finding, n in set_counts:
            sql_counts[(file, finding)] = n
        _write_quarantine(con, suites)
        _update_file_loads(con)
        result.seconds_sql = time.monotonic() - sql_started
        checked = dict(
            con.execute(
                "select source_file, sum(records_read) from audit.file_loads "
                "where batch_date in (select batch_date from audit_batches) group by all"
            ).fetchall()
        )
        gx_results: dict[str, list] = {}
        if with_gx:
            gx_started = time.monotonic()
            from .gx import new_context, validate

            context = new_context()
            for suite in suites:
                gx_results[suite.path] = validate(suite, _frame(con, suite), context)
            result.seconds_gx = time.monotonic() - gx_started
        result.rules = _compare(suites, sql_counts, gx_results, checked)
        for row in con.execute(
            f"select strftime(batch_date, '%Y-%m-%d'), source_file, "
            f"{', '.join(_COUNTS)} from audit.file_loads "
            "where batch_date in (select batch_date from audit_batches) order by all"
        ).fetchall():
            result.files.append(FileResult(*row))
        _decide(result, threshold, min_records)
        _samples(con, result)
        checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        con.executemany(
            "insert into audit.check_results values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                [
                    run_id,
                    checked_at,
                    ",".join(result.batches),
                    r.source_file,
                    r.rule,
                    r.severity,
                    r.column,
                    r.expectation,
                    r.records_checked,
                    r.failures_sql,
                    r.failures_gx,
                    r.outcome,
                    r.details,
                ]
                for r in result.rules
            ],
        )
        if result.passed:
            con.executemany(
                "insert into audit.batch_audits values (?, ?, ?, ?)",
                [[day, fingerprint, run_id, checked_at] for day, fingerprint in pending],
            )
        else:
            _rollback(con, days)
        con.execute("commit")
    except BaseException:
        try:
            con.execute("rollback")
        except Exception:  # noqa: BLE001 - no transaction open
            pass
        raise
    finally:
        con.close()  # dbt needs the write lock next
    result.seconds_total = time.monotonic() - started
    from .report import write_report

    result.report = write_report(result, report_dir or warehouse.parent / "audit_reports")
    return result


def _decide(result: AuditResult, threshold: float, min_records: int) -> None:
    for r in result.rules:
        if r.outcome == "mismatch":
            result.blocking.append(
                f"{r.source_file}: rule {r.rule}: the SQL audit and GX disagree ({r.details})"
            )
        elif r.outcome == "error":
            result.blocking.append(f"{r.source_file}: rule {r.rule}: {r.details}")
        elif r.severity == Severity.REFUSE and r.failures_sql:
            result.blocking.append(f"{r.source_file}: refused by rule {r.rule}")
    for f in result.files:
        if f.records_read >= min_records and f.records_quarantined > threshold * f.records_read:
            result.blocking.append(
                f"batch {f.batch_date}, {f.source_file}: {f.records_quarantined} of "
                f"{f.records_read} records quarantined "
                f"({f.records_quarantined / f.records_read:.0%}, threshold {threshold:.0%})"
            )
