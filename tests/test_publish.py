"""Publishing the marts for BI tools (lib/publish.py, the `published/marts` asset and
`crmwh publications`): versioned copies, swapped in atomically, readers never disturbed."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.lib import publish as pub
from orchestration.lib.failures import PublicationError
from tests.serving_support import (
    checksums,
    copy_warehouse,
    crmwh,
    make_working_warehouse,
    manifest_of,
    storage_version_number,
)
from tests.support import refresh

MARTS = {
    "dim_rep": "select * from (values (1, 'Ann', 10.5::decimal(18,2)), (2, 'Bo', null)) "
    "t(rep_id, name, quota)",
    "fct_deals": "select range as deal_id, range % 3 as stage, "
    "date '2026-01-01' + range::int as closed_on from range(250)",
    "rpt_summary_v": "select stage, count(*) as deals from marts.fct_deals group by stage",
}


@pytest.fixture
def working(tmp_path: Path) -> Path:
    return make_working_warehouse(tmp_path / "work" / "crm.duckdb", MARTS)


def test_publish_writes_a_complete_version_and_points_current_at_it(working, tmp_path):
    publish_dir = tmp_path / "published"
    manifest = pub.publish(working, publish_dir, "run-1")

    current = publish_dir / "current"
    assert current.is_symlink() and os.readlink(current) == "versions/run-1"
    folder = publish_dir / "versions" / "run-1"
    assert sorted(p.name for p in folder.iterdir()) == ["crm.duckdb", "manifest.json", "parquet"]
    assert manifest == manifest_of(current)
    assert manifest["run_id"] == "run-1"
    assert manifest["as_of_date"] == "2026-11-23"  # the latest loaded export date
    assert manifest["published_at"].endswith("Z")
    assert set(manifest["marts"]) == {"dim_rep", "fct_deals", "rpt_summary_v"}
    assert manifest["marts"]["fct_deals"]["rows"] == 250
    assert manifest["marts"]["rpt_summary_v"]["rows"] == 3

    # every mart, views included, is a table of schema marts; no WAL left: checkpointed
    database = current / "crm.duckdb"
    assert not database.with_name("crm.duckdb.wal").exists()
    con = duckdb.connect(str(database), read_only=True)
    kinds = con.execute(
        "select table_name, table_type from information_schema.tables "
        "where table_schema = 'marts' order by 1"
    ).fetchall()
    assert con.execute("select * from marts.dim_rep order by rep_id").fetchall() == (
        duckdb.connect(str(working), read_only=True)
        .execute("select * from marts.dim_rep order by rep_id")
        .fetchall()
    )
    con.close()
    assert kinds == [(name, "BASE TABLE") for name in sorted(MARTS)]
    # the checksums of the manifest are those of what a reader reads, and of the source
    published = checksums(database)
    assert {n: (m["rows"], m["checksum"]) for n, m in manifest["marts"].items()} == published
    assert checksums(working) == published
    # DuckDB 1.0 and later open it (storage version number 64; duckdb 2.0 writes 999)
    assert manifest["storage_version"] == "v1.0.0"
    assert storage_version_number(database) == 64
    # one Parquet file per mart, with its rows
    parquet = {p.stem: p for p in (current / "parquet").glob("*.parquet")}
    assert set(parquet) == set(MARTS)
    for name, path in parquet.items():
        rows = duckdb.sql(f"select count(*) from read_parquet('{path}')").fetchall()[0][0]
        assert rows == manifest["marts"][name]["rows"]


def test_the_checksum_ignores_row_order_but_not_content(tmp_path):
    def checksum(name: str, query: str) -> str:
        database = make_working_warehouse(tmp_path / f"{name}.duckdb", {"t": query}, as_of=None)
        return checksums(database)["t"][1]

    rows = "(1, 'a'), (2, 'b'), (3, null)"
    base = checksum("base", f"select * from (values {rows}) v(id, name)")
    assert base == checksum(
        "reordered", "select * from (values (3, null), (1, 'a'), (2, 'b')) v(id, name)"
    )
    changed = "select * from (values (1, 'a'), (2, 'B'), (3, null)) v(id, name)"
    assert base != checksum("changed", changed)
    assert base != checksum("renamed", f"select * from (values {rows}) v(id, label)")
    assert base != checksum("retyped", f"select id::bigint, name from (values {rows}) v(id, name)")
    assert base != checksum("duplicated", f"select * from (values {rows}, (1, 'a')) v(id, name)")


def test_readers_keep_their_version_across_swaps_and_pruning(working, tmp_path):
    publish_dir = tmp_path / "published"
    pub.publish(working, publish_dir, "run-0")
    reader = duckdb.connect(str(publish_dir / "current" / "crm.duckdb"), read_only=True)
    try:
        before = reader.execute("select count(*), sum(deal_id) from marts.fct_deals").fetchall()
        con = duckdb.connect(str(working))
        con.execute("delete from marts.fct_deals where deal_id >= 100")
        con.close()
        for i in range(1, pub.KEEP + 2):  # enough new versions to prune run-0
            pub.publish(working, publish_dir, f"run-{i}")
        assert not (publish_dir / "versions" / "run-0").exists()
        # the reader still reads its (deleted) version, in full
        assert (
            reader.execute("select count(*), sum(deal_id) from marts.fct_deals").fetchall()
            == before
        )
    finally:
        reader.close()
    fresh = duckdb.connect(str(publish_dir / "current" / "crm.duckdb"), read_only=True)
    assert fresh.execute("select count(*) from marts.fct_deals").fetchall() == [(100,)]
    fresh.close()


def test_resolving_current_never_sees_a_half_written_version(working, tmp_path):
    publish_dir = tmp_path / "published"
    pub.publish(working, publish_dir, "run-0")
    seen: list[str] = []
    problems: list[str] = []
    done = threading.Event()

    def resolve() -> None:
        while not done.is_set():
            try:
                folder = (publish_dir / "current").resolve(strict=True)
                manifest = json.loads((folder / "manifest.json").read_text())
                if not (folder / "crm.duckdb").is_file():
                    problems.append(f"{folder.name} without crm.duckdb")
                if len(list((folder / "parquet").iterdir())) != len(manifest["marts"]):
                    problems.append(f"{folder.name}: parquet files missing")
                seen.append(manifest["run_id"])
            except FileNotFoundError as e:
                if "versions/run-0" not in str(e):  # pruned after we resolved it: fine
                    problems.append(f"current unresolvable: {e}")

    thread = threading.Thread(target=resolve)
    thread.start()
    try:
        for i in range(1, 5):
            pub.publish(working, publish_dir, f"run-{i}")
    finally:
        done.set()
        thread.join()
    assert problems == []
    assert seen and seen == sorted(seen)  # old or new, in order, never anything else
    assert manifest_of(publish_dir / "current")["run_id"] == "run-4"


def test_pruning_keeps_the_newest_versions_and_never_the_current_one(working, tmp_path):
    publish_dir = tmp_path / "published"
    for i in range(1, 10):
        pub.publish(working, publish_dir, f"run-{i}")
    names = [p.run_id for p in pub.list_publications(publish_dir)]
    assert names == [f"run-{i}" for i in range(9, 2, -1)]  # the last 7, newest first
    pub.restore(publish_dir, "run-3")
    assert pub.prune(publish_dir, keep=2) == ["run-7", "run-6", "run-5", "run-4"]
    names = {p.run_id: p.is_current for p in pub.list_publications(publish_dir)}
    assert names == {"run-9": False, "run-8": False, "run-3": True}


def test_a_failed_publication_leaves_the_current_one_and_no_debris(working, tmp_path, monkeypatch):
    publish_dir = tmp_path / "published"
    pub.publish(working, publish_dir, "run-1")
    original = pub._build

    def broken(working_warehouse, folder, run_id):
        original(working_warehouse, folder, run_id)
        raise OSError("disk full")

    monkeypatch.setattr(pub, "_build", broken)
    with pytest.raises(OSError, match="disk full"):
        pub.publish(working, publish_dir, "run-2")
    assert os.readlink(publish_dir / "current") == "versions/run-1"
    assert sorted(p.name for p in (publish_dir / "versions").iterdir()) == ["run-1"]
    # a version folder left by a publication whose process died is removed by the next one
    monkeypatch.setattr(pub, "_build", original)
    stale = publish_dir / "versions" / ".incoming-run-x-999999999"
    stale.mkdir()
    pub.publish(working, publish_dir, "run-3")
    assert not stale.exists()


def test_publishing_needs_marts_and_a_safe_run_id(tmp_path):
    empty = make_working_warehouse(tmp_path / "empty.duckdb", {})
    with pytest.raises(PublicationError, match="no schema marts"):
        pub.publish(empty, tmp_path / "published", "run-1")
    with pytest.raises(PublicationError, match="run id"):
        pub.publish(empty, tmp_path / "published", "../escape")
    assert not (tmp_path / "published" / "current").exists()


def test_the_publications_command_lists_restores_and_prints_json(working, tmp_path):
    publish_dir = tmp_path / "published"
    for run_id in ("3f1a-old", "7c2b-new"):
        pub.publish(working, publish_dir, run_id)

    listed = crmwh("publications", "--publish-dir", str(publish_dir))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[1].startswith("* 7c2b-new") and lines[2].startswith("  3f1a-old")

    restored = crmwh("publications", "--publish-dir", str(publish_dir), "--restore", "3f1a")
    assert restored.returncode == 0, restored.stderr
    assert "restored" in restored.stdout and "3f1a-old" in restored.stdout
    assert os.readlink(publish_dir / "current") == "versions/3f1a-old"

    as_json = crmwh("publications", "--publish-dir", str(publish_dir), "--json")
    document = json.loads(as_json.stdout)
    current = document["current"]
    assert current["run_id"] == "3f1a-old"
    assert current["as_of_date"] == "2026-11-23"
    assert current["duckdb"] == str(publish_dir / "current" / "crm.duckdb")
    assert current["parquet"] == str(publish_dir / "current" / "parquet")
    assert current["manifest"] == str(publish_dir / "current" / "manifest.json")
    assert [p["run_id"] for p in document["publications"]] == ["7c2b-new", "3f1a-old"]
    assert [p["current"] for p in document["publications"]] == [False, True]

    unknown = crmwh("publications", "--publish-dir", str(publish_dir), "--restore", "nope")
    assert unknown.returncode == 1
    assert unknown.stderr.strip().count("\n") == 0 and "no publication 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_the_publish_asset_depends_on_every_mart():
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey(["published", "marts"]))
    marts = {k for k in graph.get_all_asset_keys() if k.path[0] == "marts"}
    assert marts and set(node.parent_keys) == marts
    assert node.group_name == "serving"
    job = defs.resolve_job_def("daily_refresh")
    assert dg.AssetKey(["published", "marts"]) in job.asset_layer.executable_asset_keys


@pytest.mark.slow
def test_a_green_refresh_publishes_its_marts(clean_refreshed):
    warehouse, result = clean_refreshed
    assert result.success, result.error
    publish_dir = warehouse.parent / "published"  # the default: beside the warehouse
    assert result.published and result.publication == str(publish_dir / "current")
    assert result.publication_run_id == result.run_id
    assert f"published run {result.run_id} as of 2026-11-23" in result.describe()
    current = publish_dir / "current"
    manifest = manifest_of(current)
    assert manifest["run_id"] == result.run_id and manifest["as_of_date"] == "2026-11-23"
    # the publication is the marts of the working warehouse, table for table
    published = checksums(current / "crm.duckdb")
    assert published == checksums(warehouse)
    assert {n: (m["rows"], m["checksum"]) for n, m in manifest["marts"].items()} == published
    assert {p.stem for p in (current / "parquet").glob("*.parquet")} == set(published)


@pytest.mark.slow
@pytest.mark.reliability
def test_a_red_refresh_publishes_nothing(clean_refreshed, tmp_path):
    """A dbt model that fails makes dbt exit non-zero: dagster-dbt fails the dbt step, the
    publish step does not run, the last good publication stays current."""
    source, first = clean_refreshed
    warehouse = copy_warehouse(source, tmp_path / "wh")
    publish_dir = warehouse.parent / "published"
    before = sorted(p.name for p in (publish_dir / "versions").iterdir())
    con = duckdb.connect(str(warehouse))
    con.execute("alter table raw.crm__users rename column email to email_lost")
    con.close()

    # (no export file changed: only a full refresh runs dbt again)
    result = refresh(Path(first.landing), warehouse, full_refresh=True)

    assert not result.success
    assert result.error.startswith("dbt build failed: "), result.error
    # the first failure dbt reports names the users' models (base or staging) and its error
    assert "crm__users" in result.error and " Error in " in result.error, result.error
    assert "\n" not in result.error
    assert not result.published and result.publication_run_id == first.run_id
    assert "publication: unchanged: current is run " + first.run_id in result.describe()
    assert os.readlink(publish_dir / "current") == f"versions/{first.run_id}"
    assert sorted(p.name for p in (publish_dir / "versions").iterdir()) == before
