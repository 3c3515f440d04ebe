"""The same warehouse on Spark (`CRMWH_ENGINE=spark`): the golden dirty example refreshed on
DuckDB and on a local Spark session gives the same marts and the same audit counts, and the
Spark refresh publishes them. `make test-spark` (run by CI after `make test`); Java 17 is the
one system dependency.

The Spark side arrives as a history and a daily batch (two refreshes: the lake exports only
the new batch the second time), the DuckDB side in one refresh: the marts depend only on the
set of batches. The Spark refresh is given its lake and its tables as `file://` URLs, the way
a cluster is given object-store URLs (lib/storage.py; tests/test_lake_object_store.py has the
lake on a real S3 API)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lib import lake
from orchestration.lib.parity import compare_marts
from tests.support import copy_landing, refresh

pytestmark = pytest.mark.spark
# when each warehouse loaded its batches (the pipeline snapshot's load watermark), not data
NOT_DATA = {"marts.fct_pipeline_snapshot": {"loaded_through_at"}}


def _on_spark(landing: Path, warehouse: Path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRMWH_ENGINE", "spark")
        mp.setenv("CRMWH_LAKE", f"file://{warehouse.parent / 'lake'}")
        mp.setenv("CRMWH_SPARK_WAREHOUSE", f"file://{warehouse.parent / 'tables'}")
        return refresh(landing, warehouse)


def _rows(warehouse: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def builds(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("parity")
    landing = copy_landing(golden / "dirty" / "landing", root / "landing")
    duck = refresh(landing, root / "duckdb" / "crm.duckdb")
    assert duck.success, duck.error

    # Spark: every batch but the last one, then the last one as the day's batch.
    batches = sorted(p for p in landing.iterdir() if p.is_dir())
    held = root / "held"
    held.mkdir()
    shutil.move(str(batches[-1]), held / batches[-1].name)
    warehouse = root / "spark" / "crm.duckdb"
    history = _on_spark(landing, warehouse)
    assert history.success, history.error
    lake_before = _lake_files(warehouse.parent / "lake")
    shutil.move(str(held / batches[-1].name), landing / batches[-1].name)
    daily = _on_spark(landing, warehouse)
    assert daily.success, daily.error
    return {
        "duckdb": root / "duckdb" / "crm.duckdb",
        "spark": warehouse,
        "daily": daily,
        "last_batch": batches[-1].name,
        "lake_before": lake_before,
    }


def _lake_files(folder: Path) -> dict[str, tuple[str, int]]:
    """Every raw batch file of the lake: its signature (lake.MANIFEST) and write time."""
    manifest = json.loads((folder / lake.MANIFEST).read_text())
    return {
        f"{table}/{batch}": (
            signature,
            (folder / "raw" / table / f"{batch}.parquet").stat().st_mtime_ns,
        )
        for table, batches in manifest.items()
        for batch, signature in batches.items()
    }


def _mart_rows(warehouse: Path) -> dict[str, int]:
    names = _rows(
        warehouse, "select table_name from information_schema.tables where table_schema = 'marts'"
    )
    return {
        name: _rows(warehouse, f'select count(*) from marts."{name}"')[0][0] for (name,) in names
    }


def test_every_mart_built_on_spark_equals_the_duckdb_build(builds: dict) -> None:
    tables = builds["spark"].parent / "tables"
    rows = _mart_rows(builds["duckdb"])
    # every mart Spark built, and every one it wrote to the lake for the publication
    assert {p.name for p in (tables / "marts.db").iterdir() if p.is_dir()} == set(rows)
    assert {p.name for p in (builds["spark"].parent / "lake" / "marts").iterdir()} == set(rows)
    assert sum(rows.values()) > 1000, "the golden example's marts should not be empty"
    differences = compare_marts(builds["duckdb"], tables, ignore=NOT_DATA)
    assert [str(d) for d in differences] == []


def test_the_audit_counts_are_equal(builds: dict) -> None:
    query = (
        "select batch_date, source_file, records_read, records_loaded, records_quarantined, "
        "duplicates_removed, records_fixed, records_flagged, cards_redacted "
        "from audit.file_loads order by 1, 2"
    )
    on_duckdb = _rows(builds["duckdb"], query)
    assert on_duckdb and _rows(builds["spark"], query) == on_duckdb
    quarantine = (
        "select source_file, rule, count(*) from audit.quarantine group by all order by 1, 2"
    )
    assert _rows(builds["spark"], quarantine) == _rows(builds["duckdb"], quarantine)


def test_the_daily_refresh_on_spark_exports_only_the_new_batch_and_publishes(
    builds: dict,
) -> None:
    daily = builds["daily"]
    assert daily.published and daily.publication_as_of
    manifest = json.loads((Path(daily.publication) / "manifest.json").read_text())
    published = {name: entry["rows"] for name, entry in manifest["marts"].items()}
    assert published == _mart_rows(builds["duckdb"]) == _mart_rows(builds["spark"])
    # the lake: a history file whose load did not change was not written again; the day's
    # batch was added
    before, after = builds["lake_before"], _lake_files(builds["spark"].parent / "lake")
    kept = [name for name, (signature, _) in before.items() if after[name][0] == signature]
    assert kept, "every history file was exported again"
    assert all(after[name] == before[name] for name in kept)
    assert set(after) - set(before) == {
        name for name in after if name.endswith("/" + builds["last_batch"])
    }
