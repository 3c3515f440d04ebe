"""The lake on an object store (`CRMWH_LAKE=s3://...`, lib/lake.py, lib/storage.py), through a
real S3 API on localhost (moto's server, tests/object_store.py) and s3fs: the raw and audit
tables exported there equal a local export of the same warehouse, a second export writes
nothing, and the marts Spark writes there come back into the warehouse file.

Spark itself cannot reach this S3 here (its S3 connector, hadoop-aws, is a Maven jar, not
in the package registries): the Spark side of the lake runs with `file://` URLs in
tests/test_spark_parity.py."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib import lake
from orchestration.lib.contract import FILES
from orchestration.lib.loading import load_landing
from orchestration.lib.storage import Location
from tests.object_store import s3_endpoint, s3_store  # noqa: F401
from tests.support import copy_landing


@pytest.fixture(scope="module")
def loaded(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden dirty landing loaded and audited (no models: the lake needs none)."""
    root = tmp_path_factory.mktemp("lake")
    landing = copy_landing(golden / "dirty" / "landing", root / "landing")
    warehouse = root / "crm.duckdb"
    report = load_landing(landing, warehouse, with_gx=False)
    assert report.loaded and not report.refused
    return warehouse


def _tables(folder: Path) -> dict[str, list[tuple]]:
    """Every Parquet file under a local lake, by its path in the lake: its sorted rows."""
    con = duckdb.connect()
    try:
        return {
            str(path.relative_to(folder)): sorted(
                con.execute("select * from read_parquet(?)", [str(path)]).fetchall(), key=repr
            )
            for path in sorted(folder.rglob("*.parquet"))
        }
    finally:
        con.close()


def test_the_lake_on_s3_holds_what_a_local_lake_holds(
    loaded: Path,
    s3_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    local = tmp_path / "local"
    exported = lake.export_lake(loaded, Location.of(local))
    remote = Location.of(f"{s3_store}/lake")
    on_s3 = lake.export_lake(loaded, remote)
    assert on_s3.raw_written == exported.raw_written
    assert len(on_s3.raw_written) >= len(FILES), "every file of the golden batches is exported"
    assert remote.read_text(lake.MANIFEST) == (local / lake.MANIFEST).read_text()

    downloaded = tmp_path / "downloaded"
    remote.fs.get(remote.url(), str(downloaded), recursive=True)
    assert _tables(downloaded) == _tables(local)

    # a folder marker (an empty object `raw/<table>/`, as Hadoop's S3A writes) is no batch
    remote.fs.pipe_file(remote.url("raw", FILES[0].table) + "/", b"")
    again = lake.export_lake(loaded, remote)
    assert again.raw_written == [] and again.raw_removed == []


def test_a_batch_no_longer_loaded_leaves_the_lake_on_s3(
    loaded: Path,
    s3_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    remote = Location.of(f"{s3_store}/lake")
    lake.export_lake(loaded, remote)
    spec = FILES[0]
    kept = remote.files("raw", spec.table)
    # a stale batch file (a batch the warehouse no longer holds) is removed by the export
    remote.write_text("stale", "raw", spec.table, "1999-01-01.parquet")
    export = lake.export_lake(loaded, remote)
    assert export.raw_removed == [f"{spec.table}/1999-01-01"]
    assert remote.files("raw", spec.table) == kept


def test_marts_written_to_the_lake_on_s3_come_back_into_the_warehouse(
    s3_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    """Spark's on-run-end writes each mart as a folder of Parquet parts; a timestamp comes
    back as DuckDB's plain timestamp in UTC, as the DuckDB build types it."""
    remote = Location.of(f"{s3_store}/lake")
    parts = tmp_path / "parts"
    parts.mkdir()
    con = duckdb.connect()
    con.execute("set TimeZone = 'Europe/Berlin'")
    marts = {
        "dim_rep": "select * from (values (1, 'Ada'), (2, 'Bo')) t(rep_id, rep_name)",
        "fct_deals": "select 10 as deal_id, 1250.50::decimal(18, 2) as amount_rc, "
        "timestamptz '2026-03-01 09:30:00+00' as closed_at",
    }
    for name, query in marts.items():
        for part in (0, 1):
            file = parts / f"{name}-{part}.parquet"
            where = "true" if part == 0 else "false"  # an empty part, as Spark writes some
            con.execute(f"copy (select * from ({query}) where {where}) to '{file}'")
            remote.fs.put_file(str(file), remote.url("marts", name, f"part-0000{part}.parquet"))
        remote.write_text("", "marts", name, "_SUCCESS")
        remote.fs.pipe_file(remote.url("marts", name) + "/", b"")  # a folder marker
    con.close()

    warehouse = tmp_path / "crm.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts; create table marts.old_mart as select 1 as x")
    con.close()
    # a mart of a model since removed stays in the lake, not in the warehouse
    remote.fs.put_file(str(parts / "dim_rep-0.parquet"), remote.url("marts", "gone", "p.parquet"))
    assert lake.import_marts(warehouse, remote, ["dim_rep", "fct_deals"]) == 2

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by 1"
        ).fetchall()
        assert tables == [("dim_rep",), ("fct_deals",)], "a mart Spark did not write is dropped"
        assert con.execute("select * from marts.dim_rep order by 1").fetchall() == [
            (1, "Ada"),
            (2, "Bo"),
        ]
        closed = con.execute(
            "select typeof(closed_at), cast(closed_at as varchar), cast(amount_rc as varchar) "
            "from marts.fct_deals"
        ).fetchall()
        assert closed == [("TIMESTAMP", "2026-03-01 09:30:00", "1250.50")]
    finally:
        con.close()


def test_a_mart_missing_from_the_lake_is_an_error_naming_it(
    s3_store: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    remote = Location.of(f"{s3_store}/lake")
    remote.write_text("", "marts", "dim_rep", "_SUCCESS")
    with pytest.raises(FileNotFoundError, match=f"1 mart.* under {s3_store}/lake/marts: fct_deals"):
        lake.import_marts(tmp_path / "crm.duckdb", remote, ["dim_rep", "fct_deals"])
    with pytest.raises(FileNotFoundError, match="mart dim_rep: no Parquet file"):
        lake.import_marts(tmp_path / "crm.duckdb", remote, ["dim_rep"])
    assert not (tmp_path / "crm.duckdb").exists()
