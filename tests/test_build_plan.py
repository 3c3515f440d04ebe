"""What a refresh builds after its load (defs/operations/planning.py, lib/build_state.py):
the comparison of build states, and the dbt models downstream of what changed."""

from __future__ import annotations

import datetime as dt

import dagster as dg
import duckdb

from orchestration.defs.ingestion.assets import LOAD_KEYS, RAW_KEYS
from orchestration.defs.operations.planning import AS_OF, DBT_KEYS, models_to_build
from orchestration.lib.build_state import (
    Build,
    BuildState,
    Changes,
    changes_since,
    current_state,
    last_build,
    project_digest,
    record_build,
)
from orchestration.lib.warehouse import ensure_layout


def key(*path: str) -> dg.AssetKey:
    return dg.AssetKey(list(path))


STATE = BuildState("p1", {"crm/deals.csv": "a", "support/calls.csv": "b"}, "2026-11-22")


def build(state: BuildState) -> Build:
    return Build("b1", "r1", dt.datetime(2026, 11, 22), state)


def test_nothing_changed_when_the_state_is_the_recorded_one():
    changes = changes_since(build(STATE), STATE)
    assert changes.nothing and not changes.everything
    assert changes.reason == "nothing changed since build b1"


def test_everything_without_a_recorded_build_or_after_a_project_change():
    assert changes_since(None, STATE).everything
    edited = BuildState("p2", STATE.files, STATE.as_of_date)
    assert changes_since(build(STATE), edited).everything


def test_another_engine_rebuilds_everything_and_an_old_record_was_built_on_duckdb():
    on_spark = BuildState("p1", STATE.files, STATE.as_of_date, "spark")
    changes = changes_since(build(STATE), on_spark)
    assert changes.everything
    assert changes.reason == "the last build was on duckdb, this one is on spark"
    # a build recorded before the engine setting has no "engine": it was a DuckDB build
    old = BuildState.from_json('{"project": "p1", "files": {}, "as_of_date": null}')
    assert old.engine == "duckdb"
    assert BuildState.from_json(on_spark.to_json()) == on_spark


def test_a_file_whose_loads_changed_appeared_or_went_is_named():
    now = BuildState("p1", {"crm/deals.csv": "a2", "email/events.jsonl": "c"}, "2026-11-22")
    changes = changes_since(build(STATE), now)
    assert changes.files == ("crm/deals.csv", "email/events.jsonl", "support/calls.csv")
    assert not changes.as_of_moved and not changes.everything


def test_a_moved_as_of_date_alone_is_a_change():
    now = BuildState("p1", STATE.files, "2026-11-23")
    changes = changes_since(build(STATE), now)
    assert changes.as_of_moved and changes.files == () and not changes.nothing


def test_a_correction_of_support_calls_rebuilds_the_calls_and_what_reads_loads_only():
    models = models_to_build(Changes(everything=False, files=("support/calls.csv",)))
    assert key("staging", "stg_support__calls") in models
    assert key("marts", "fct_support_calls") in models
    assert key("marts", "rpt_support_daily") in models
    # the incremental snapshot reads the audit's load times itself
    assert key("marts", "fct_pipeline_snapshot") in models
    # nothing of the CRM's deals, and no as-of consumer that does not read the calls
    assert key("staging", "stg_crm__deals") not in models
    assert key("marts", "fct_deals") not in models
    assert AS_OF not in models
    assert not models & LOAD_KEYS and models <= DBT_KEYS


def test_a_moved_as_of_date_rebuilds_its_readers():
    models = models_to_build(Changes(everything=False, as_of_moved=True))
    assert AS_OF in models and key("marts", "fct_deals") in models
    assert key("staging", "stg_crm__deals") not in models


def test_every_export_file_reaches_a_mart():
    for raw in RAW_KEYS:
        models = models_to_build(Changes(everything=False, files=(raw,)))
        assert any(k.path[0] == "marts" for k in models), raw


def test_nothing_to_build_when_nothing_changed():
    assert models_to_build(Changes(everything=False)) == frozenset()
    assert models_to_build(Changes(everything=True)) == DBT_KEYS


def test_the_state_follows_the_audit_file_loads(tmp_path):
    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_layout(con)
    assert last_build(con) is None
    insert = "insert into audit.file_loads values (?, ?, 1, 1, 0, 0, 0, 0, 0, ?, ?)"
    con.execute(insert, [dt.date(2026, 11, 20), "crm/deals.csv", "sha-a", dt.datetime(2026, 1, 1)])
    first = current_state(con)
    assert first.project == project_digest() and first.as_of_date is None
    build_id = record_build(con, first, "run-1")
    assert last_build(con).build_id == build_id
    assert changes_since(last_build(con), current_state(con)).nothing
    # the audit decides the file's records again: its load time moves
    con.execute("update audit.file_loads set loaded_at = ?", [dt.datetime(2026, 1, 2)])
    assert changes_since(last_build(con), current_state(con)).files == ("crm/deals.csv",)
    con.close()
