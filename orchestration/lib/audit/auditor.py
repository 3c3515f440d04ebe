"""The audit of a batch, decided inside the loader's transaction (see lib/loading.py).

A batch is accepted or refused as a whole: the loader replaces the batch's records in raw,
the audit evaluates every rule on them and decides, and the transaction commits only when
the batch passes. A refused batch therefore leaves raw, the audit tables, the marts and
the publication exactly as they were (an earlier accepted version of the batch included),
and other batches of the same refresh are decided on their own.

One batch: `evaluate` (rules -> findings), `quarantine` (findings -> audit.quarantine,
audit.findings, the counts of audit.file_loads), `gx` (Great Expectations on the same
records), `compare` (SQL against GX, per rule), `decide` (accept or refuse), `samples`
(for the report).

Rules that read another file (an fx rate, a deal, a charge: `Suite.references`) are decided
again for every later accepted batch of their file when a batch of the file they read is
accepted, so that the outcome depends on the set of batches, never on their arrival order.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from pathlib import Path

from expectations import SUITES

from ..errors import BatchRefused, Refusal
from . import quarantine
from .compare import compare
from .decide import decide, quarantine_threshold, threshold_min_records
from .evaluate import evaluate, plausible_window, prepare
from .results import AuditResult, Redecision
from .samples import collect_samples

log = logging.getLogger("crmwh")


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
        self.result = AuditResult(
            run_id=run_id or new_run_id(), threshold=self.threshold, min_records=self.min_records
        )
        self._gx = None
        self._started = time.monotonic()

    # -- one batch ---------------------------------------------------------------------

    def audit_batch(self, con, day: dt.date) -> list[Refusal]:
        """Audit every file of batch `day` (already written to raw and audit.file_loads in
        the open transaction). Returns its refusals (none: accept it)."""
        name = str(day)
        sql_started = time.monotonic()
        suites = prepare(con, [(day, f) for f in quarantine.batch_files(con, day)], self.window)
        findings = evaluate(con, suites)
        quarantine.write_decisions(con, suites)
        quarantine.update_counts(con)
        self.result.seconds_sql += time.monotonic() - sql_started
        gx_results = None
        if self.with_gx and suites:
            gx_started = time.monotonic()
            if self._gx is None:
                from .gx import GxValidator

                self._gx = GxValidator()
            gx_results = {suite.path: self._gx.validate(con, suite) for suite in suites}
            self.result.seconds_gx += time.monotonic() - gx_started
        files = quarantine.file_results(con, [day])
        checked = {f.source_file: f.records_read for f in files}
        rules = compare(suites, findings, gx_results, checked)
        for r in rules:
            r.batch = name
        refusals = decide(name, rules, files, self.threshold, self.min_records)
        self.result.batches.append(name)
        self.result.rules += rules
        self.result.files += files
        self.result.refusals += refusals
        for key, rows in collect_samples(con, suites).items():
            self.result.samples.setdefault(key, []).extend(rows)
        return refusals

    def refuse(self, batch: str, error: BatchRefused) -> Refusal:
        """A batch refused before its records were read (a file breaks the contract)."""
        if batch not in self.result.batches:
            self.result.batches.append(batch)
        refusal = Refusal.of_contract(batch, error)
        self.result.refusals.append(refusal)
        return refusal

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
        before = quarantine.counts_by_target(con, targets)
        sql_started = time.monotonic()
        suites = prepare(con, targets, self.window)
        evaluate(con, suites, with_records=False)
        quarantine.write_decisions(con, suites)
        quarantine.update_counts(con)
        quarantine.mark_loaded(con, dt.datetime.now(dt.UTC).replace(tzinfo=None))
        self.result.seconds_sql += time.monotonic() - sql_started
        after = quarantine.counts_by_target(con, targets)
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
