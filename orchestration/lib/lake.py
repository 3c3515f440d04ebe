"""The lake: where the two engines hand tables over, as Parquet.

With `CRMWH_ENGINE=spark` the loader and the audit work as always, on the DuckDB warehouse
file (a batch is one day of exports: deciding it needs no cluster), and dbt builds the
models on Spark. Before the build, `export_lake` writes the sources of the dbt project to the
lake, which dbt registers in Spark's catalog before every run (`register_lake_sources`,
dbt_project/macros/engine.sql); after it, dbt's Spark writes each mart it built back to the
lake (`export_marts_to_lake`, on-run-end), and `import_marts` copies them into the warehouse
file's schema `marts`, in one transaction, so that the publication, the dashboard and the
build bookkeeping read the same tables whatever the engine:

    <lake>/raw/<table>/<batch date>.parquet     one file per loaded batch of the file
    <lake>/raw/<table>/schema.parquet           no rows: the table's columns, also when empty
    <lake>/audit/<table>/data.parquet           the whole (small) audit table
    <lake>/marts/<mart>/part-*.parquet          a mart, as Spark built it
    <lake>/_lake.json                           what each raw file was written from

The lake is a folder or an object-store URL (`CRMWH_LAKE=s3://bucket/lake`, lib/storage.py):
on a cluster, a place both the refresh and the cluster reach. A raw file is written again
only when its batch's load changed (`audit.file_loads`: the file's SHA-256 and load time),
so a daily refresh exports the day's batch, not the history; a batch no longer loaded loses
its file. Every file is put in place whole (lib/storage.py), under a name Spark reads only
once it is complete.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .contract import FILES
from .publish import SCHEMA as MARTS
from .storage import Location, staged
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


def _copy(con, query: str, lake: Location, *parts: str, parameters: list | None = None) -> None:
    """Write a query's rows to `parts` under the lake as Parquet, put in place whole."""
    with staged(lake, *parts) as temporary:
        con.execute(
            f"copy ({query}) to {_literal(str(temporary))} (format parquet)", parameters or []
        )


def export_lake(warehouse: Path, lake: Location) -> LakeExport:
    """Bring the lake up to date with the warehouse file's raw and audit tables."""
    recorded: dict[str, dict[str, str]] = (
        json.loads(lake.read_text(MANIFEST)) if lake.exists(MANIFEST) else {}
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
            folder = ("raw", spec.table)
            present = set(lake.files(*folder))
            _copy(con, f"select * from {table} limit 0", lake, *folder, SCHEMA_FILE)
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
                name = f"{batch}.parquet"
                if before.get(batch) != signature or name not in present:
                    _copy(
                        con,
                        f"select * from {table} where _batch_date = cast(? as date)",
                        lake,
                        *folder,
                        name,
                        parameters=[batch],
                    )
                    export.raw_written.append(f"{spec.table}/{batch}")
                now[batch] = signature
            for stale in sorted(present - {SCHEMA_FILE} - {f"{b}.parquet" for b in now}):
                lake.remove(*folder, stale)
                export.raw_removed.append(f"{spec.table}/{stale.removesuffix('.parquet')}")
            recorded[spec.table] = now
        audit_tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'audit' order by 1"
            ).fetchall()
        ]
        for name in audit_tables:
            _copy(con, f"select * from audit.{name}", lake, "audit", name, AUDIT_FILE)
        export.audit_tables = len(audit_tables)
    finally:
        con.close()
    lake.write_text(json.dumps(recorded, indent=1, sort_keys=True) + "\n", MANIFEST)
    return export


def import_marts(warehouse: Path, lake: Location, names: list[str]) -> int:
    """Replace the warehouse file's schema `marts` by the marts `names` (the dbt project's)
    that Spark wrote to the lake, in one transaction; returns their number. A folder of the
    lake's `marts/` that is not one of them (a model since removed) is left out. Spark's
    timestamps (UTC instants in Parquet) become DuckDB timestamps in UTC, the type the
    DuckDB build gives them. From an object store, the marts are downloaded first (they are
    small next to the raw tables)."""
    written = set(lake.folders(MARTS))
    missing = sorted(set(names) - written)
    if missing:
        raise FileNotFoundError(
            f"{len(missing)} mart(s) not written by Spark under {lake.url(MARTS)}: "
            + ", ".join(missing[:5])
        )
    with tempfile.TemporaryDirectory(prefix="crmwh-marts-") as downloads:
        folders: dict[str, Path] = {}
        for name in names:
            if lake.is_local:
                folders[name] = lake.local_path / MARTS / name
            else:
                folders[name] = Path(downloads) / name
                lake.download(f"{MARTS}/{name}", folders[name])
            if not any(folders[name].glob("*.parquet")):
                raise FileNotFoundError(f"mart {name}: no Parquet file in {lake.url(MARTS, name)}")
        _replace_marts(warehouse, folders)
    return len(names)


def _replace_marts(warehouse: Path, folders: dict[str, Path]) -> None:
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
        for name, folder in folders.items():
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
        for name in sorted(existing - set(folders)):
            con.execute(f'drop table {MARTS}."{name}"')
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()
