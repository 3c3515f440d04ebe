"""The audit of a batch, decided inside the loader's transaction (see lib/loading.py).

A batch is accepted or refused as a whole: the loader replaces the batch's records in raw,
the audit evaluates every rule on them and decides, and the transaction commits only when
the batch passes. A refused batch therefore leaves raw, the audit tables, the marts and
the publication exactly as they were (an earlier accepted version of the batch included),
and other batches of the same refresh are decided on their own.

Order of evaluation, per file of the audited batch (the same order staging resolves in):
1. row rules (one scan of the raw table, conditions generated from the suite);
2. among records no quarantine rule caught: identical copies (deduplicated), then copies of
   one id with other content (all but the staging winner quarantined), then set rules such
   as a goal assigned twice;
3. fixes and flags are counted on the records that remain (the loaded ones).

Rules that read another file (an fx rate, a deal, a charge: `Suite.references`) are decided
again for every later accepted batch of their file when a batch of the file they read is
accepted, so that the outcome depends on the set of batches, never on their arrival order.

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
from enum import StrEnum
from pathlib import Path

from expectations import SUITES, Severity, Suite
from expectations import sql as suite_sql

log = logging.getLogger("crmwh")

DEFAULT_THRESHOLD = 0.20
DEFAULT_MIN_RECORDS = 10
DEFAULT_PLAUSIBLE_SINCE = "1970-01-01"
DEFAULT_PLAUSIBLE_YEARS_AHEAD = 10


def quarantine_threshold() -> float:
    """Share of a file's records that may be quarantined before its batch is refused
    (`CRMWH_QUARANTINE_THRESHOLD`, a fraction, default 0.20)."""
    return float(os.environ.get("CRMWH_QUARANTINE_THRESHOLD") or DEFAULT_THRESHOLD)


def threshold_min_records() -> int:
    """Files with fewer records are not held to the threshold (one bad record in a file
    of five is not a broken export): `CRMWH_QUARANTINE_MIN_RECORDS`, default 10."""
    return int(os.environ.get("CRMWH_QUARANTINE_MIN_RECORDS") or DEFAULT_MIN_RECORDS)


def plausible_window() -> tuple[dt.date, int]:
    """Dates before `CRMWH_PLAUSIBLE_SINCE` (default 1970-01-01) or more than
    `CRMWH_PLAUSIBLE_YEARS_AHEAD` (default 10) years after the batch's export date are
    placeholders, not dates: their records are quarantined."""
    since = os.environ.get("CRMWH_PLAUSIBLE_SINCE") or DEFAULT_PLAUSIBLE_SINCE
    years = os.environ.get("CRMWH_PLAUSIBLE_YEARS_AHEAD") or DEFAULT_PLAUSIBLE_YEARS_AHEAD
    try:
        return dt.date.fromisoformat(since), int(years)
    except ValueError:
        raise ValueError(
            f"CRMWH_PLAUSIBLE_SINCE={since!r} / CRMWH_PLAUSIBLE_YEARS_AHEAD={years!r}: "
            "expected a date YYYY-MM-DD and a whole number of years"
        ) from None


class Outcome(StrEnum):
    """What the audit concluded about one rule on one batch's file."""

    PASSED = "passed"
    QUARANTINED = "quarantined"
    FLAGGED = "flagged"
    FIXED = "fixed"
    DEDUPLICATED = "deduplicated"
    REFUSED = "refused"
    MISMATCH = "mismatch"  # the SQL audit and GX disagree: the batch is refused
    ERROR = "error"  # GX could not evaluate the rule: the batch is refused


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
    outcome: str  # an Outcome, or several joined by "/" for a rule with several outcomes
    details: str | None = None
    batch: str = ""


@dataclass
class Redecision:
    """A file of an accepted batch decided again because a file it reads changed."""

    batch: str
    source_file: str
    quarantined_before: int
    quarantined_after: int
    flagged_before: int
    flagged_after: int


@dataclass
class AuditResult:
    run_id: str
    batches: list[str] = field(default_factory=list)  # audited in this run
    refused: dict[str, list[str]] = field(default_factory=dict)  # batch -> reasons
    files: list[FileResult] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)
    redecided: list[Redecision] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)  # names outside the contract
    samples: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    seconds_sql: float = 0.0
    seconds_gx: float = 0.0
    seconds_total: float = 0.0
    report: Path | None = None
    threshold: float = DEFAULT_THRESHOLD

    @property
    def blocking(self) -> list[str]:
        return [reason for reasons in self.refused.values() for reason in reasons]

    @property
    def passed(self) -> bool:
        return not self.refused

    def file_totals(self) -> dict[str, dict[str, int]]:
        """Counts per file over the accepted batches of this run."""
        totals: dict[str, dict[str, int]] = {}
        for f in self.files:
            if f.batch_date in self.refused:
                continue
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
    Severity.QUARANTINE: Outcome.QUARANTINED,
    Severity.FLAG: Outcome.FLAGGED,
    Severity.FIX: Outcome.FIXED,
    Severity.DEDUPE: Outcome.DEDUPLICATED,
    Severity.REFUSE: Outcome.REFUSED,
}


def new_run_id() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


class Auditor:
    """Audits the batches of one refresh, one at a time, on the loader's connection and
    inside its transaction; collects the run's results for the report and the checks."""

    def __init__(
        self,
        *,
        run_id: str | None = None,
        threshold: float | None = None,
        min_records: int | None = None,
        with_gx: bool = True,
    ) -> None:
        self.threshold = quarantine_threshold() if threshold is None else threshold
        self.min_records = threshold_min_records() if min_records is None else min_records
        self.window = plausible_window()
        self.with_gx = with_gx
        self.result = AuditResult(run_id=run_id or new_run_id(), threshold=self.threshold)
        self._gx_context = None
        self._started = time.monotonic()

    # -- one batch ---------------------------------------------------------------------

    def audit_batch(self, con, day: dt.date) -> list[str]:
        """Audit every file of batch `day` (already written to raw and audit.file_loads in
        the open transaction). Returns the reasons to refuse it (empty: accept)."""
        name = str(day)
        files = [
            f
            for (f,) in con.execute(
                "select source_file from audit.file_loads where batch_date = ? order by 1",
                [day],
            ).fetchall()
        ]
        suites = self._prepare(con, [(day, f) for f in files])
        sql_counts = self._evaluate(con, suites)
        gx_results: dict[str, list] = {}
        if self.with_gx and suites:
            gx_started = time.monotonic()
            from .gx import new_context, validate

            if self._gx_context is None:
                self._gx_context = new_context()
            for suite in suites:
                gx_results[suite.path] = validate(suite, _frame(con, suite), self._gx_context)
            self.result.seconds_gx += time.monotonic() - gx_started
        checked = dict(
            con.execute(
                "select source_file, records_read from audit.file_loads where batch_date = ?",
                [day],
            ).fetchall()
        )
        rules = _compare(suites, sql_counts, gx_results, checked)
        for r in rules:
            r.batch = name
        files_result = [
            FileResult(*row)
            for row in con.execute(
                f"select strftime(batch_date, '%Y-%m-%d'), source_file, {', '.join(_COUNTS)} "
                "from audit.file_loads where batch_date = ? order by all",
                [day],
            ).fetchall()
        ]
        blocking = _decide(rules, files_result, self.threshold, self.min_records)
        self.result.batches.append(name)
        self.result.rules += rules
        self.result.files += files_result
        if blocking:
            self.result.refused[name] = [f"batch {name}: {b}" for b in blocking]
        _samples(con, self.result, suites)
        return blocking

    def refuse(self, batch: str, reason: str) -> None:
        """A batch refused before its records were read (a file breaks the contract)."""
        if batch not in self.result.batches:
            self.result.batches.append(batch)
        self.result.refused.setdefault(batch, []).append(reason)

    # -- decided again -------------------------------------------------------------------

    def redecide_dependents(self, con, day: dt.date, tables: set[str]) -> None:
        """Decide again the files of later accepted batches whose rules read one of
        `tables` (written for batch `day` in this transaction)."""
        dependent = [path for path, suite in SUITES.items() if suite.references & tables]
        if not dependent:
            return
        targets = con.execute(
            "select batch_date, source_file from audit.file_loads "
            "where batch_date > ? and list_contains(?, source_file) order by all",
            [day, dependent],
        ).fetchall()
        if not targets:
            return
        before = _counts_by_target(con, targets)
        suites = self._prepare(con, targets)
        self._evaluate(con, suites)
        # What was decided again counts as loaded now: incremental models that watch
        # audit.file_loads.loaded_at (fct_pipeline_snapshot) recompute what it touches.
        con.execute(
            "update audit.file_loads as fl set loaded_at = ? from audit_targets as t "
            "where fl.batch_date = t.batch_date and fl.source_file = t.source_file",
            [dt.datetime.now(dt.UTC).replace(tzinfo=None)],
        )
        after = _counts_by_target(con, targets)
        for target in targets:
            if before[target] != after[target]:
                self.result.redecided.append(
                    Redecision(
                        str(target[0]),
                        target[1],
                        before[target][0],
                        after[target][0],
                        before[target][1],
                        after[target][1],
                    )
                )

    # -- shared steps ----------------------------------------------------------------------

    def _prepare(self, con, targets: list[tuple[dt.date, str]]) -> list[Suite]:
        con.execute(
            "create or replace temp table audit_targets (batch_date date, source_file varchar)"
        )
        if targets:
            con.executemany("insert into audit_targets values (?, ?)", [list(t) for t in targets])
        since, years = self.window
        con.execute(
            "create or replace temp table audit_window as "
            "select cast(? as date) as since, cast(? as integer) as years_ahead",
            [since, years],
        )
        for table in ("quarantine", "findings"):
            con.execute(
                f"delete from audit.{table} as q where exists (select 1 from audit_targets as t "
                "where t.batch_date = q.batch_date and t.source_file = q.source_file)"
            )
        _rule_table(con)
        present = {f for _, f in targets}
        return [s for path, s in SUITES.items() if path in present]

    def _evaluate(self, con, suites: list[Suite]) -> dict[tuple[str, str], int]:
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
        self.result.seconds_sql += time.monotonic() - sql_started
        return sql_counts

    # -- the run's record ------------------------------------------------------------------

    def record(self, con) -> None:
        """Insert this run's rule results into audit.check_results (on the connection's
        current transaction)."""
        checked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        rows = [
            [
                self.result.run_id,
                checked_at,
                r.batch,
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
            for r in self.result.rules
        ]
        if rows:
            con.executemany(
                "insert into audit.check_results (run_id, checked_at, batches, source_file, "
                "rule, severity, column_name, expectation, records_checked, failures_sql, "
                "failures_gx, outcome, details) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def finish(self, report_dir: Path | None) -> AuditResult:
        """Close the run: timing and, when anything was audited, the HTML report."""
        self.result.seconds_total = time.monotonic() - self._started
        if report_dir is not None and (self.result.batches or self.result.unknown_names):
            from .report import write_report

            self.result.report = write_report(self.result, report_dir)
        return self.result


def _counts_by_target(con, targets) -> dict[tuple, tuple[int, int]]:
    rows = con.execute(
        "select batch_date, source_file, records_quarantined, records_flagged from audit.file_loads"
    ).fetchall()
    counts = {(d, f): (q, fl) for d, f, q, fl in rows}
    return {t: counts.get(tuple(t), (0, 0)) for t in targets}


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


def _frame(con, suite: Suite):
    """The audited records of one file as a pandas frame, through Arrow (DuckDB's .df() is
    slow and memory-hungry), record number as the index."""
    columns = ", ".join(f'"{c}"' for c in suite.columns)
    table = con.sql(
        f"select {columns}, _record_number from raw.{_table(suite)} "
        f"where {suite_sql.audited_batches(suite, alias=_table(suite))} "
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
            outcome, details = Outcome.PASSED, None
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
                    outcome, details = Outcome.ERROR, "GX returned no result for this rule"
                elif gx.error:
                    outcome, details = Outcome.ERROR, f"GX engine error: {gx.error}"
                else:
                    if gx.unexpected_count is None:  # table-level expectation
                        gx_failures = 0 if gx.success else 1
                    else:
                        gx_failures = int(gx.unexpected_count)
                    if gx_failures != failures:
                        outcome = Outcome.MISMATCH
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
                    outcome=_OUTCOME[rule.severity] if failures else Outcome.PASSED,
                )
            )
    return results


def _samples(con, result: AuditResult, suites: list[Suite], per_rule: int = 5) -> None:
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
        result.samples.setdefault((file, rule), []).append(
            {"batch": str(day), "record_number": number, "reason": reason, "record": record}
        )
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


def _decide(
    rules: list[RuleResult], files: list[FileResult], threshold: float, min_records: int
) -> list[str]:
    """The reasons to refuse a batch: a refuse-severity failure, SQL and GX disagreeing, a GX
    engine error, or a file's quarantine rate over the threshold."""
    blocking = []
    for r in rules:
        if r.outcome == Outcome.MISMATCH:
            blocking.append(
                f"{r.source_file}: rule {r.rule}: the SQL audit and GX disagree ({r.details})"
            )
        elif r.outcome == Outcome.ERROR:
            blocking.append(f"{r.source_file}: rule {r.rule}: {r.details}")
        elif r.severity == Severity.REFUSE and r.failures_sql:
            blocking.append(f"{r.source_file}: refused by rule {r.rule}")
    for f in files:
        if f.records_read >= min_records and f.records_quarantined > threshold * f.records_read:
            blocking.append(
                f"{f.source_file}: {f.records_quarantined} of "
                f"{f.records_read} records quarantined "
                f"({f.records_quarantined / f.records_read:.0%}, threshold {threshold:.0%})"
            )
    return blocking
