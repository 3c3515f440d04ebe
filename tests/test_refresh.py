"""The daily refresh end to end through the real stack: Dagster in-process, DuckDB, dbt."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.defs.transform.assets import dbt_target_of
from orchestration.lib.contract import FILES
from orchestration.lib.loading import load_landing
from orchestration.lib.redaction import CANDIDATE, redact
from tests.support import copy_landing, refresh
from tests.test_refresh_reliability import marts

# Loads and refreshes through the real stack: not in the fast tier.
pytestmark = pytest.mark.slow


def tables(warehouse: Path, schema: str) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by 1",
                [schema],
            ).fetchall()
        ]
        return {
            n: sorted(con.execute(f"select * from {schema}.{n}").fetchall(), key=repr)
            for n in names
        }
    finally:
        con.close()


def test_definitions_load_with_job_schedule_sensor_and_dbt_checks():
    from orchestration.definitions import defs

    dg.Definitions.validate_loadable(defs)
    assert defs.resolve_job_def("daily_refresh") is not None
    assert defs.resolve_schedule_def("daily_refresh_schedule").cron_schedule == "0 6 * * *"
    assert defs.resolve_sensor_def("new_batch_sensor") is not None
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    assert {f"raw/{f.table}" for f in FILES} <= keys
    assert "staging/stg_crm__deals" in keys
    # raw -> (the audit's decisions) -> base -> staging
    deals = graph.get(dg.AssetKey(["staging", "stg_crm__deals"]))
    assert deals.parent_keys == {dg.AssetKey(["staging", "base_crm__deals"])}
    base = graph.get(dg.AssetKey(["staging", "base_crm__deals"]))
    assert base.parent_keys == {
        dg.AssetKey(["raw", "crm__deals"]),
        dg.AssetKey(["audit", "quarantine"]),
        dg.AssetKey(["audit", "findings"]),
        dg.AssetKey(["audit", "file_loads"]),
    }
    audit = graph.get(dg.AssetKey(["audit", "quarantine"]))
    assert dg.AssetKey(["raw", "crm__deals"]) in audit.parent_keys
    assert graph.asset_check_keys, "dbt tests are loaded as asset checks"


def test_the_clean_example_refreshes_end_to_end(golden, clean_refreshed):
    warehouse, result = clean_refreshed
    assert result.success, result.error
    assert result.batches_loaded == ["2026-11-20", "2026-11-21", "2026-11-23"]
    expected: dict[str, int] = {}
    for manifest in (golden / "clean" / "landing").glob("*/_manifest.json"):
        for file, entry in json.loads(manifest.read_text())["files"].items():
            expected[file] = expected.get(file, 0) + entry["rows"]
    for file, rows in expected.items():
        assert result.records_per_file[file] >= rows  # the batch without manifest adds records
    staged = tables(warehouse, "staging")
    assert {f"stg_{f.table}" for f in FILES} <= set(staged)
    assert result.tables_built >= len(FILES)
    assert result.checks_failed == 0


def test_snapshot_deletions_are_kept_and_marked(clean_refreshed):
    warehouse, _ = clean_refreshed
    con = duckdb.connect(str(warehouse), read_only=True)
    deleted = con.execute(
        "select account_id, cast(deleted_at as date) from staging.stg_crm__accounts "
        "where is_deleted"
    ).fetchall()
    kept = con.execute(
        "select count(*) from staging.stg_crm__accounts where not is_deleted"
    ).fetchall()
    con.close()
    # a031 is in the snapshots of 2026-11-20 and -21 and gone from 2026-11-23 (golden dim_account).
    assert [(a, str(d)) for a, d in deleted] == [("a031", "2026-11-23")]
    assert kept[0][0] == 32


def test_the_dirty_example_refreshes_and_no_card_number_reaches_any_table(golden, dirty_refreshed):
    warehouse, result = dirty_refreshed
    assert result.success, result.error
    con = duckdb.connect(str(warehouse), read_only=True)
    columns = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR'"
    ).fetchall()
    found = []
    for schema, table, column in columns:
        values = con.execute(
            f'select "{column}" from {schema}.{table} where regexp_matches("{column}", ?)',
            [CANDIDATE],
        ).fetchall()
        found += [(schema, table, v) for (v,) in values if redact(v)[1]]
    con.close()
    assert found == []


def test_a_second_refresh_changes_nothing(dirty_refreshed):
    warehouse, first = dirty_refreshed
    landing = Path(first.landing)
    before = {s: tables(warehouse, s) for s in ("raw", "staging")}
    before_marts = marts(warehouse)
    results = dbt_target_of(warehouse) / "run_results.json"
    built_at = results.stat().st_mtime_ns
    again = refresh(landing, warehouse)
    # nothing new and the publication is of the last build: it stops before Dagster and dbt
    assert again.success and again.batches_loaded == [] and again.batches_skipped == 3
    assert again.build_plan and again.build_plan.endswith("nothing to do"), again.build_plan
    assert again.tables_built == 0 and not again.published
    assert again.publication_run_id == first.run_id
    assert results.stat().st_mtime_ns == built_at
    # a full refresh rebuilds and tests everything, and changes nothing either
    full = refresh(landing, warehouse, full_refresh=True)
    assert full.success and full.batches_loaded == []
    assert full.build_plan.startswith("a full refresh was asked for"), full.build_plan
    assert full.tables_built == first.tables_built and full.published
    assert {s: tables(warehouse, s) for s in ("raw", "staging")} == before
    assert marts(warehouse) == before_marts  # doubles rounded: summation order varies
    # dbt's target folder beside the warehouse is kept: the second build re-parses nothing
    dbt_logs = (dbt_target_of(warehouse)).glob("dbt.log*")
    assert any("Nothing changed, skipping partial parsing" in f.read_text() for f in dbt_logs)


def test_batches_arriving_out_of_order_give_the_same_staging(tmp_path, golden, dirty_refreshed):
    in_order, _ = dirty_refreshed
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "crm.duckdb"
    # The newest batch first, then an older one, each loaded on its own; the last arrival
    # (the middle date) comes with the full refresh that rebuilds staging from all three.
    for day in ("2026-11-23", "2026-11-20"):
        copy_landing(golden / "dirty" / "landing" / day, landing / day)
        load_landing(landing, warehouse, progress=lambda _: None)
    copy_landing(golden / "dirty" / "landing" / "2026-11-21", landing / "2026-11-21")
    assert refresh(landing, warehouse).success
    assert tables(warehouse, "staging") == tables(in_order, "staging")


def test_a_refused_batch_fails_the_run_and_leaves_the_warehouse_as_it_was(tmp_path, golden):
    landing = copy_landing(golden / "dirty" / "landing", tmp_path / "landing")
    warehouse = tmp_path / "crm.duckdb"
    assert refresh(landing, warehouse).success
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()
    copy_landing(golden / "dirty" / "refused_batch" / "2026-11-24", landing / "2026-11-24")

    result = refresh(landing, warehouse)
    assert not result.success
    assert "2026-11-24/crm/deals.csv, line 1, column stage_id" in result.error
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before

    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "refresh",
            "--landing",
            str(landing),
            "--warehouse",
            str(warehouse),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert cli.returncode == 1
    assert re.search(
        r"refresh FAILED .*2026-11-24/crm/deals.csv, line 1, column stage_id", cli.stdout
    )
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before


@pytest.mark.slow
def test_under_the_daemon_a_load_is_followed_by_the_build_it_calls_for(
    tmp_path, golden, monkeypatch
):
    """The schedule requests the load; `build_after_load` requests the planned build after
    a successful load, and nothing after a load that changed nothing."""
    from orchestration.definitions import build_definitions
    from orchestration.defs.ingestion.assets import LOAD_KEYS
    from orchestration.defs.operations.jobs import build_after_load, daily_refresh_schedule

    landing = copy_landing(golden / "clean" / "landing", tmp_path / "landing")
    monkeypatch.setenv("CRMWH_LANDING", str(landing))
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(tmp_path / "crm.duckdb"))
    defs = build_definitions()
    job = defs.resolve_job_def("daily_refresh")
    instance = dg.DagsterInstance.ephemeral()

    def after(run) -> dg.RunRequest | dg.SkipReason:
        context = dg.build_run_status_sensor_context(
            sensor_name="build_after_load",
            dagster_event=run.get_run_success_event(),
            dagster_instance=instance,
            dagster_run=run.dagster_run,
        )
        return build_after_load(context)

    scheduled = daily_refresh_schedule(dg.build_schedule_context(instance=instance))
    assert set(scheduled.asset_selection) == LOAD_KEYS
    load = job.execute_in_process(instance=instance, asset_selection=scheduled.asset_selection)
    request = after(load)
    assert isinstance(request, dg.RunRequest), request
    assert dg.AssetKey(["marts", "fct_deals"]) in request.asset_selection
    assert dg.AssetKey(["published", "marts"]) in request.asset_selection
    build = job.execute_in_process(instance=instance, asset_selection=request.asset_selection)
    assert build.success
    # a build run is not a load; a load that changed nothing calls for nothing
    assert isinstance(after(build), dg.SkipReason)
    again = job.execute_in_process(instance=instance, asset_selection=scheduled.asset_selection)
    skipped = after(again)
    assert isinstance(skipped, dg.SkipReason) and "nothing to build" in skipped.skip_message


def test_the_sensor_requests_one_run_per_new_batch_folder(tmp_path, golden, monkeypatch):
    from orchestration.defs.ingestion.sensors import new_batch_sensor

    landing = copy_landing(golden / "clean" / "landing", tmp_path / "landing")
    monkeypatch.setenv("CRMWH_LANDING", str(landing))
    first = new_batch_sensor(dg.build_sensor_context())
    assert first.run_key == "batches:2026-11-20,2026-11-21,2026-11-23"
    cursor = json.dumps(["2026-11-20", "2026-11-21", "2026-11-23"])
    assert isinstance(new_batch_sensor(dg.build_sensor_context(cursor=cursor)), dg.SkipReason)
    (landing / "2026-11-22").mkdir()  # a late batch, older than the newest
    late = new_batch_sensor(dg.build_sensor_context(cursor=cursor))
    assert late.run_key == "batches:2026-11-22"


def test_the_generate_command_writes_a_landing_folder_and_dirt_log(tmp_path):
    out = tmp_path / "landing"
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestration.cli",
            "generate",
            "--out",
            str(out),
            "--scale",
            "0.2",
            "--batches",
            "2",
            "--dirty",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stderr
    assert sorted(p.name for p in out.iterdir()) == ["2026-11-20", "2026-11-21"]
    log = json.loads((tmp_path / "landing.dirt_log.json").read_text())
    assert log["entries"]


def test_a_model_dbt_built_but_did_not_report_fails_the_refresh(tmp_path, golden, monkeypatch):
    """dagster-dbt reads dbt's results from its JSON log lines; a line it cannot read (e.g.
    something else writing into dbt's stdout, as Spark's progress bar did) leaves that model
    unmaterialized. The refresh must not look green then: it fails naming the model, and
    neither records a build nor publishes."""
    from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

    stream = DbtCliInvocation.stream

    def losing_one_result(self, *args, **kwargs):
        for event in stream(self, *args, **kwargs):
            if isinstance(event, dg.Output) and event.output_name == "marts__dim_contact":
                continue  # the model's result line, garbled
            yield event

    monkeypatch.setattr(DbtCliInvocation, "stream", losing_one_result)
    landing = copy_landing(golden / "clean" / "landing", tmp_path / "landing")
    warehouse = tmp_path / "crm.duckdb"
    result = refresh(landing, warehouse)
    assert not result.success
    assert "reported no result for 1 selected model(s) (marts/dim_contact)" in result.error
    assert not result.published and result.publication is None
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert con.execute("select count(*) from audit.marts_builds").fetchall() == [(0,)]
    finally:
        con.close()
