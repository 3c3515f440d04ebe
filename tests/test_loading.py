"""The batch loader on the golden example: refusals, idempotence, redaction, lineage."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.audit.tables import BATCH_TABLES, delete_batch
from orchestration.lib.contract import FILES
from orchestration.lib.errors import BatchRefused, RefusalKind
from orchestration.lib.loading import load_landing
from tests.support import copy_landing

# Loads and refreshes through the real stack: not in the fast tier.
pytestmark = pytest.mark.slow

PAN_RUN = re.compile(r"(?<![0-9])[2-6](?:[ -]?[0-9]){12,18}(?![0-9])")


def quiet(_: str) -> None:
    pass


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def raw_contents(warehouse: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {
            f.table: sorted(con.execute(f"select * from raw.{f.table}").fetchall(), key=repr)
            for f in FILES
        }
    finally:
        con.close()


@pytest.fixture
def dirty_loaded(golden, tmp_path) -> tuple[Path, Path]:
    landing = copy_landing(golden / "dirty" / "landing", tmp_path / "landing")
    warehouse = tmp_path / "crm.duckdb"
    load_landing(landing, warehouse, progress=quiet)
    return landing, warehouse


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("refused_batch", r"2026-11-24/crm/deals.csv, line 1, column stage_id: .*missing"),
        (
            "refused_batch_encoding",
            r"2026-11-24/crm/accounts.csv, line 18, byte offset 1958: not UTF-8",
        ),
        ("refused_batch_unparseable", r"2026-11-24/support/tickets.jsonl, line 2: "),
        (
            "refused_batch_manifest",
            r"2026-11-24/crm/deals.csv: the manifest says 79 records, the file holds 78",
        ),
    ],
)
def test_a_refused_batch_leaves_the_warehouse_byte_for_byte(golden, dirty_loaded, folder, message):
    landing, warehouse = dirty_loaded
    before = sha256(warehouse)
    copy_landing(golden / "dirty" / folder / "2026-11-24", landing / "2026-11-24")
    with pytest.raises(BatchRefused, match=message):
        load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    assert sha256(warehouse) == before


def test_a_refusal_names_its_batch_and_files_as_data(golden, dirty_loaded):
    landing, warehouse = dirty_loaded
    copy_landing(golden / "dirty" / "refused_batch" / "2026-11-24", landing / "2026-11-24")
    report = load_landing(landing, warehouse, progress=quiet)
    [refusal] = report.refusals
    assert (refusal.batch, refusal.kind, refusal.files) == (
        "2026-11-24",
        RefusalKind.CONTRACT,
        ("crm/deals.csv",),
    )
    assert report.audit.refused == {"2026-11-24": [refusal.reason]}
    assert report.refused["2026-11-24"] is refusal.error
    assert [r.batch for r in report.audit.refusals_of("crm/deals.csv")] == ["2026-11-24"]
    assert report.audit.refusals_of("crm/accounts.csv") == []


def test_delete_batch_knows_every_table_a_batch_writes(dirty_loaded):
    """One list of the tables of a batch: every raw table and every audit table keyed by
    batch (all but the run history, audit.check_results)."""
    _, warehouse = dirty_loaded
    con = duckdb.connect(str(warehouse))
    try:
        keyed = {
            f"{schema}.{table}"
            for schema, table in con.execute(
                "select table_schema, table_name from information_schema.columns "
                "where column_name in ('batch_date', '_batch_date')"
            ).fetchall()
        }
        assert keyed == set(BATCH_TABLES)
        delete_batch(con, dt.date(2026, 11, 21))
        left = {
            table: con.execute(
                f"select count(*) from {table} where "
                f"{'_batch_date' if table.startswith('raw.') else 'batch_date'} = '2026-11-21'"
            ).fetchall()[0][0]
            for table in keyed
        }
    finally:
        con.close()
    assert set(left.values()) == {0}


def test_a_refused_first_batch_creates_no_warehouse(golden, tmp_path):
    landing = copy_landing(golden / "dirty" / "refused_batch", tmp_path / "landing")
    with pytest.raises(BatchRefused):
        load_landing(landing, tmp_path / "crm.duckdb", progress=quiet).raise_for_refusals()
    assert not (tmp_path / "crm.duckdb").exists()


def test_a_manifest_listing_a_missing_file_refuses_the_batch(golden, dirty_loaded):
    landing, warehouse = dirty_loaded
    batch = landing / "2026-11-23"
    manifest = json.loads((batch / "_manifest.json").read_text())
    assert "crm/deals.csv" in manifest["files"]
    (batch / "crm" / "deals.csv").unlink()
    before = sha256(warehouse)
    with pytest.raises(
        BatchRefused, match="2026-11-23/crm/deals.csv: listed in the manifest but missing"
    ):
        load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    assert sha256(warehouse) == before


def test_loading_the_same_batches_again_changes_nothing(dirty_loaded):
    landing, warehouse = dirty_loaded
    before = raw_contents(warehouse)
    report = load_landing(landing, warehouse, progress=quiet)
    assert report.loaded == [] and len(report.skipped) == 3
    # Files rewritten with the same content (new mtime): the batch is unchanged.
    for path in (landing / "2026-11-21").rglob("*.csv"):
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    report = load_landing(landing, warehouse, progress=quiet)
    assert report.loaded == [] and len(report.skipped) == 3
    assert raw_contents(warehouse) == before


def test_batches_loaded_out_of_order_give_the_same_raw_layer(golden, dirty_loaded, tmp_path):
    _, in_order = dirty_loaded
    late = tmp_path / "late"
    landing = late / "landing"
    landing.mkdir(parents=True)
    copy_landing(golden / "dirty" / "landing" / "2026-11-23", landing / "2026-11-23")
    load_landing(landing, late / "crm.duckdb", progress=quiet)
    for day in ("2026-11-21", "2026-11-20"):
        copy_landing(golden / "dirty" / "landing" / day, landing / day)
        load_landing(landing, late / "crm.duckdb", progress=quiet)
    assert raw_contents(late / "crm.duckdb") == raw_contents(in_order)


def test_every_record_is_loaded_with_its_lineage(golden, dirty_loaded):
    _, warehouse = dirty_loaded
    con = duckdb.connect(str(warehouse), read_only=True)
    loads = con.execute(
        "select strftime(batch_date, '%Y-%m-%d'), source_file, records_read from audit.file_loads"
    ).fetchall()
    for batch, file, records in loads:
        manifest = golden / "dirty" / "landing" / batch / "_manifest.json"
        if manifest.exists():
            listed = json.loads(manifest.read_text())["files"].get(file)
            if listed:
                assert listed["rows"] == records, (batch, file)
        table = file.replace("/", "__").rsplit(".", 1)[0]
        numbers = con.execute(
            f"select min(_record_number), max(_record_number), count(*) from raw.{table} "
            "where _batch_date = ? and _source_file = ?",
            [batch, file],
        ).fetchall()[0]
        assert numbers == (1, records, records) if records else numbers[2] == 0
    con.close()


def test_card_numbers_never_reach_the_raw_layer_and_lookalikes_stay(golden, dirty_loaded):
    _, warehouse = dirty_loaded
    log = json.loads((golden / "dirty" / "dirt_log.json").read_text())
    con = duckdb.connect(str(warehouse), read_only=True)
    for entry in [e for e in log["entries"] if e["kind"] == "card_number"]:
        spec = next(f for f in FILES if f.path == entry["file"])
        [(value,)] = con.execute(
            f'select "{entry["column"]}" from raw.{spec.table} where _batch_date = ? '
            "and _source_file = ? and _record_number = ?",
            [entry["batch"], entry["file"], entry["record_number"]],
        ).fetchall()
        assert "[REDACTED-PAN]" in value
    for control in log["controls"]:
        spec = next(f for f in FILES if f.path == control["file"])
        [(value,)] = con.execute(
            f'select "{control["column"]}" from raw.{spec.table} where _batch_date = ? '
            "and _source_file = ? and _record_number = ?",
            [control["batch"], control["file"], control["record_number"]],
        ).fetchall()
        assert value == control["value"]
    con.close()
