"""The tables a batch writes, in one place: its records in raw, what the audit decided about
them and its load records. The loader takes a batch out with `delete_batch` before writing
its new version; the audit clears its decisions with `clear_decisions` before deciding
files again. A refused batch is taken out by rolling back the transaction that wrote it.

audit.check_results is not a table of a batch: it keeps the history of every run.
"""

from __future__ import annotations

from ..contract import FILES

# raw.<table>: the batch's records, keyed by _batch_date (and _source_file).
RAW_TABLES = tuple(f"raw.{spec.table}" for spec in FILES)
# What the audit decided about each (batch, file): keyed by batch_date and source_file.
DECISION_TABLES = ("audit.quarantine", "audit.findings")
# The batch's load records: one row per (batch, file), one row per batch.
LOAD_TABLES = ("audit.file_loads", "audit.batch_loads")
BATCH_TABLES = RAW_TABLES + DECISION_TABLES + LOAD_TABLES


def delete_batch(con, day) -> None:
    """Take every record of batch `day` out of every table a batch writes."""
    for table in RAW_TABLES:
        con.execute(f"delete from {table} where _batch_date = ?", [day])
    for table in DECISION_TABLES + LOAD_TABLES:
        con.execute(f"delete from {table} where batch_date = ?", [day])


def clear_decisions(con, targets: str = "audit_targets") -> None:
    """Take out what the audit decided about the (batch_date, source_file) pairs of table
    `targets`, before it decides them again."""
    for table in DECISION_TABLES:
        con.execute(
            f"delete from {table} as d where exists (select 1 from {targets} as t "
            "where t.batch_date = d.batch_date and t.source_file = d.source_file)"
        )
