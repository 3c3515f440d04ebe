"""The DuckDB warehouse file: its layout (schemas raw and audit) and connections."""

from __future__ import annotations

from pathlib import Path

import duckdb

from . import settings
from .contract import FILES

AUDIT_DDL = (
    """create table if not exists audit.file_loads (
        batch_date date not null,
        source_file varchar not null,
        records_read bigint not null,
        records_loaded bigint not null,
        records_quarantined bigint not null,
        duplicates_removed bigint not null,
        records_fixed bigint not null,
        records_flagged bigint not null,
        cards_redacted bigint not null,
        sha256 varchar not null,
        loaded_at timestamp not null,
        primary key (batch_date, source_file)
    )""",
    """create table if not exists audit.quarantine (
        batch_date date not null,
        source_file varchar not null,
        record_number bigint not null,
        record varchar,
        rule varchar not null,
        reason varchar not null
    )""",
    """create table if not exists audit.check_results (
        run_id varchar not null,
        checked_at timestamp not null,
        batches varchar not null,
        source_file varchar not null,
        rule varchar not null,
        severity varchar not null,
        column_name varchar,
        expectation varchar,
        records_checked bigint not null,
        failures_sql bigint not null,
        failures_gx bigint,
        outcome varchar not null,
        details varchar
    )""",
    """create table if not exists audit.findings (
        batch_date date not null,
        source_file varchar not null,
        record_number bigint not null,
        rule varchar not null,
        severity varchar not null
    )""",
    # One row per good build of the dbt models: what they were built from (lib/build_state.py).
    """create table if not exists audit.marts_builds (
        build_id varchar primary key,
        run_id varchar not null,
        finished_at timestamp not null,
        state varchar not null
    )""",
    """create table if not exists audit.batch_loads (
        batch_date date primary key,
        fingerprint varchar not null,
        files integer not null,
        loaded_at timestamp not null
    )""",
)


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only, config=settings.duckdb_config())


def ensure_layout(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw and audit schemas and tables when missing (idempotent)."""
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists audit")
    for ddl in AUDIT_DDL:
        con.execute(ddl)
    # Audits are decided inside the transaction that accepts a batch: no separate record
    # of audited versions (warehouses of earlier versions had one).
    con.execute("drop table if exists audit.batch_audits")
    for spec in FILES:
        columns = ", ".join(f'"{c}" varchar' for c in spec.columns)
        con.execute(
            f"create table if not exists raw.{spec.table} ({columns}, "
            "_batch_date date not null, _source_file varchar not null, "
            "_record_number bigint not null)"
        )


def loaded_fingerprints(path: Path) -> dict[str, str]:
    """Batch date -> fingerprint of the accepted version; read-only, so a refused run changes
    nothing."""
    if not path.exists():
        return {}
    con = connect(path, read_only=True)
    try:
        exists = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = 'batch_loads'"
        ).fetchall()[0][0]
        if not exists:
            return {}
        rows = con.execute(
            "select strftime(batch_date, '%Y-%m-%d'), fingerprint from audit.batch_loads"
        ).fetchall()
        return dict(rows)
    finally:
        con.close()
