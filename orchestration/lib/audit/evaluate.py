"""Rules -> findings: the SQL generated from the suites, run on the audited files.

Order of evaluation, per file of the audited batches (the same order staging resolves in):
1. row rules (one scan of the raw table, conditions generated from the suite);
2. among records no quarantine rule caught: identical copies (deduplicated), then copies of
   one id with other content (all but the staging winner quarantined), then set rules such
   as a goal assigned twice;
3. fixes and flags count only on the records that remain (the loaded ones).

Everything lives in temporary tables of the connection: `audit_targets(batch_date,
source_file)` the files being decided, `audit_window` the plausible window, `audit_rules`
every finding of every suite with its severity, reason and ordinal, `audit_found` the
findings.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field

from expectations import SUITES, Severity, Suite
from expectations import sql as suite_sql

from .results import Record
from .tables import clear_decisions

DEFAULT_PLAUSIBLE_SINCE = "1970-01-01"
DEFAULT_PLAUSIBLE_YEARS_AHEAD = 10
SET_RULE_ORDINALS = 10_000  # set rules come after every row rule of their suite


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


@dataclass
class Findings:
    """What the SQL audit found on the audited files. `rows` are the records each row-rule
    outcome found, before set rules and exclusions: what GX must find too. `sets` count the
    records each set rule caught."""

    rows: dict[tuple[str, str], set[Record]] = field(default_factory=dict)
    sets: dict[tuple[str, str], int] = field(default_factory=dict)

    def records(self, file: str, finding: str) -> set[Record]:
        return self.rows.get((file, finding), set())

    def count(self, file: str, finding: str) -> int:
        if (file, finding) in self.sets:
            return self.sets[(file, finding)]
        return len(self.rows.get((file, finding), ()))


def prepare(con, targets: list[tuple[dt.date, str]], window: tuple[dt.date, int]) -> list[Suite]:
    """Set up the temporary tables for deciding `targets` (batch date, file) and clear what
    was decided about them before; return the suites of their files."""
    con.execute("create or replace temp table audit_targets (batch_date date, source_file varchar)")
    if targets:
        con.executemany(
            "insert into audit_targets (batch_date, source_file) values (?, ?)",
            [list(t) for t in targets],
        )
    since, years = window
    con.execute(
        "create or replace temp table audit_window as "
        "select cast(? as date) as since, cast(? as integer) as years_ahead",
        [since, years],
    )
    clear_decisions(con)
    _rule_table(con)
    present = {f for _, f in targets}
    return [s for path, s in SUITES.items() if path in present]


def _rule_table(con) -> None:
    rows = []
    for suite in SUITES.values():
        for ordinal, (_rule, outcome) in enumerate(suite.outcomes()):
            rows.append((suite.path, outcome.name, str(outcome.severity), outcome.reason, ordinal))
        for ordinal, rule in enumerate(suite.set_rules, start=SET_RULE_ORDINALS):
            rows.append((suite.path, rule.name, str(rule.severity), rule.reason, ordinal))
    con.execute(
        "create or replace temp table audit_rules "
        "(source_file varchar, finding varchar, severity varchar, reason varchar, ordinal int)"
    )
    con.executemany(
        "insert into audit_rules (source_file, finding, severity, reason, ordinal) "
        "values (?, ?, ?, ?, ?)",
        rows,
    )


def evaluate(con, suites: list[Suite], *, with_records: bool = True) -> Findings:
    """Fill temp table `audit_found(batch_date, source_file, record_number, finding,
    severity)` with the findings on the records that are loaded or quarantined; return the
    row rules' records (when `with_records`) and the set rules' counts."""
    findings = Findings()
    con.execute(
        "create or replace temp table audit_found (batch_date date, source_file varchar, "
        "record_number bigint, finding varchar, severity varchar)"
    )
    for suite in suites:
        con.execute(
            f"""
            insert into audit_found (batch_date, source_file, record_number, finding, severity)
            select f.batch_date, '{suite.path}', f.record_number, f.finding, rules.severity
            from ({suite_sql.row_findings(suite)}) as f
            inner join audit_rules as rules
                on rules.source_file = '{suite.path}' and rules.finding = f.finding
            """
        )
    if with_records:
        for file, finding, day, number in con.execute(
            "select source_file, finding, strftime(batch_date, '%Y-%m-%d'), record_number "
            "from audit_found"
        ).fetchall():
            findings.rows.setdefault((file, finding), set()).add((day, number))
    # Records out of the running: quarantined, or removed as identical copies.
    con.execute(
        "create or replace temp table audit_excluded as "
        "select distinct batch_date, source_file, record_number from audit_found "
        f"where severity = '{Severity.QUARANTINE}'"
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
                "insert into audit_found (batch_date, source_file, record_number, finding, "
                f"severity) select batch_date, '{suite.path}', record_number, finding, "
                f"'{rule.severity}' from audit_set"
            )
            con.execute(
                "insert into audit_excluded (batch_date, source_file, record_number) "
                f"select batch_date, '{suite.path}', record_number from audit_set"
            )
            findings.sets[(suite.path, rule.name)] = con.execute(
                "select count(*) from audit_set"
            ).fetchone()[0]
    # Fixes and flags only count on the records that are loaded.
    con.execute(
        f"""
        delete from audit_found as f
        where f.severity in ('{Severity.FIX}', '{Severity.FLAG}')
            and exists (
                select 1 from audit_excluded as x
                where x.batch_date = f.batch_date and x.source_file = f.source_file
                    and x.record_number = f.record_number
            )
        """
    )
    return findings
