"""The lake: the warehouse's raw and audit tables as Parquet, where Spark reads them.

With `CRMWH_ENGINE=spark` the loader and the audit work as always, on the DuckDB warehouse
file (a batch is one day of exports: deciding it needs no cluster), and dbt builds the
models on Spark. Between the two, `export_lake` writes the sources of the dbt project as
Parquet, one folder per table, which dbt registers in Spark's catalog before every run
(`register_lake_sources`, dbt_project/macros/engine.sql):

    <lake>/raw/<table>/<batch date>.parquet     one file per loaded batch of the file
    <lake>/raw/<table>/schema.parquet           no rows: the table's columns, also when empty
    <lake>/audit/<table>/data.parquet           the whole (small) audit table
    <lake>/_lake.json                           what each raw file was written from

A raw file is written again only when its batch's load changed (`audit.file_loads`: the
file's SHA-256 and load time), so a daily refresh exports the day's batch, not the history;
a batch no longer loaded loses its file. Every file is written under a hidden name (which
Spark skips) and renamed into place. After the build, `import_marts` copies Spark's marts
back into the warehouse file's schema `marts`, in one transaction, so that the publication,
the dashboard and the build bookkeeping read the same tables whatever the engine.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .contract import FILES
from .publish import SCHEMA as MARTS
from .warehouse import connect

MANIFEST = "_lake.json"
SCHEMA_FILE = "schema.parquet"
AUDIT_FILE = "data.parquet"


@dataclass
class LakeExport:
    """What one export wrote: raw files written and removed, audit tables written."""

    raw_written: list[str] = field(default_factory=list)
    raw_removed: list[str] = field(default_factory=list)
    audit_tables: int = 0

    def describe(self) -> str:
        return (
            f"lake: {len(self.raw_written)} raw batch files written, "
            f"{len(self.raw_removed)} removed, {self.audit_tables} audit tables"
        )


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _copy(con, query: str, target: Path, parameters: list | None = None) -> None:
    """Write a query's rows to `target` as Parquet: under a hidden name, then renamed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    hidden = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con.execute(f"copy ({query}) to {_literal(str(hidden))} (format parquet)", parameters or [])
    os.replace(hidden, target)


def export_lake(warehouse: Path, lake: Path) -> LakeExport:
    """Bring the lake up to date with the warehouse file's raw and audit tables."""
    lake.mkdir(parents=True, exist_ok=True)
    manifest_path = lake / MANIFEST
    recorded: dict[str, dict[str, str]] = (
        json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    )
    export = LakeExport()
    con = connect(warehouse, read_only=True)
    try:
        loads = {
            (source_file, batch): f"{sha256} {loaded_at}"
            for source_file, batch, sha256, loaded_at in con.execute(
                "select source_file, strftime(batch_date, '%Y-%m-%d'), sha256, "
                "cast(loaded_at as varchar) from audit.file_loads"
            ).fetchall()
        }
        for spec in FILES:
            table = f"raw.{spec.table}"
            folder = lake / "raw" / spec.table
            _copy(con, f"select * from {table} limit 0", folder / SCHEMA_FILE)
            batches = [
                batch
                for (batch,) in con.execute(
                    f"select distinct strftime(_batch_date, '%Y-%m-%d') from {table} order by 1"
                ).fetchall()
            ]
            before = recorded.get(spec.table, {})
            now: dict[str, str] = {}
            for batch in batches:
                signature = loads.get((spec.path, batch), "unknown")
                target = folder / f"{batch}.parquet"
                if before.get(batch) != signature or not target.exists():
                    _copy(
                        con,
                        f"select * from {table} where _batch_date = cast(? as date)",
                        target,
                        [batch],
                    )
                    export.raw_written.append(f"{spec.table}/{batch}")
                now[batch] = signature
            for stale in sorted(folder.glob("*.parquet")):
                if stale.name != SCHEMA_FILE and stale.stem not in now:
                    stale.unlink()
                    export.raw_removed.append(f"{spec.table}/{stale.stem}")
            recorded[spec.table] = now
        audit_tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'audit' order by 1"
            ).fetchall()
        ]
        for name in audit_tables:
            _copy(con, f"select * from audit.{name}", lake / "audit" / name / AUDIT_FILE)
        export.audit_tables = len(audit_tables)
    finally:
        con.close()
    hidden = manifest_path.with_name(f".{MANIFEST}.{os.getpid()}.tmp")
    hidden.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n")
    os.replace(hidden, manifest_path)
    return export


def spark_tables(spark_dir: Path, schema: str = MARTS) -> dict[str, Path]:
    """The tables of a schema built on Spark (managed tables: Parquet folders)."""
    folder = spark_dir / "tables" / f"{schema}.db"
    if not folder.is_dir():
        return {}
    return {
        path.name: path
        for path in sorted(folder.iterdir())
        if path.is_dir() and not path.name.startswith((".", "_"))
    }


def import_marts(warehouse: Path, spark_dir: Path) -> int:
    """Replace the warehouse file's schema `marts` by the marts Spark built, in one
    transaction; returns the number of marts. Spark's timestamps (UTC instants in Parquet)
    become DuckDB timestamps in UTC, the type the DuckDB build gives them."""
    tables = spark_tables(spark_dir)
    if not tables:
        raise FileNotFoundError(f"no marts built on Spark under {spark_dir / 'tables'}")
    con = connect(warehouse)
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute("begin")
        con.execute(f"create schema if not exists {MARTS}")
        existing = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [MARTS],
            ).fetchall()
        }
        for name, folder in tables.items():
            source = f"read_parquet({_literal(str(folder / '*.parquet'))})"
            columns = con.execute(f"describe select * from {source}").fetchall()
            select = ", ".join(
                f'cast("{column}" as timestamp) as "{column}"'
                if kind == "TIMESTAMP WITH TIME ZONE"
                else f'"{column}"'
                for column, kind, *_ in columns
            )
            con.execute(
                f'create or replace table {MARTS}."{name}" as select {select} from {source}'
            )
        for name in sorted(existing - set(tables)):
            con.execute(f'drop table {MARTS}."{name}"')
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()
    return len(tables)
