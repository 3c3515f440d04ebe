"""The daily refresh job and its schedule."""

from __future__ import annotations

import dagster as dg
import duckdb

from ...lib import settings
from ..ingestion.assets import LOAD_KEYS
from .planning import plan_build

# In-process: DuckDB allows one writer at a time, so steps run one after the other anyway,
# and a step process per asset would add seconds of start-up to every refresh.
#
# Runs never overlap: the warehouse resource holds the warehouse's refresh lock for the
# whole run (lib/locking.py), also against `crmwh refresh`. So that the daemon queues a
# second run instead of starting it to wait for the lock, an instance can also limit runs
# by the tag below (dagster.yaml: concurrency: runs: tag_concurrency_limits:
# [{key: "crmwh/warehouse", limit: 1}], see the README).
REFRESH_TAG = "crmwh/warehouse"

daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags={REFRESH_TAG: "refresh"},
    description="Load new export batches, audit them, rebuild the dbt models and, when all "
    "of that succeeded, publish the marts for BI tools. A refresh runs it twice, each time "
    "with a selection: the load, then the build the load calls for (planning.py); run "
    "whole, it rebuilds everything.",
)


def load_request(**kwargs) -> dg.RunRequest:
    """A run of the load (the first run of a refresh, defs/operations/planning.py)."""
    return dg.RunRequest(asset_selection=sorted(LOAD_KEYS), **kwargs)


@dg.schedule(
    name="daily_refresh_schedule",
    job=daily_refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Every morning at 06:00 UTC, after the nightly exports have landed: the load "
    "(build_after_load then requests the build it calls for).",
)
def daily_refresh_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    return load_request()


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[daily_refresh],
    request_job=daily_refresh,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After a successful load, the build it calls for: the dbt models downstream of "
    "what changed since the last good build and the publication, or nothing.",
)
def build_after_load(context: dg.RunStatusSensorContext):
    load = context.dagster_run
    if frozenset(load.asset_selection or ()) != LOAD_KEYS:
        return dg.SkipReason(f"run {load.run_id} is not a load")
    try:
        plan = plan_build(settings.warehouse_path(), settings.publish_dir())
    except duckdb.Error as e:  # the warehouse is busy: build everything rather than nothing
        context.log.warning(f"cannot plan the build ({e}): building everything")
        plan = plan_build(settings.warehouse_path(), settings.publish_dir(), everything=True)
    if not plan.selection:
        return dg.SkipReason(plan.describe())
    return dg.RunRequest(
        run_key=f"build-after:{load.run_id}",
        asset_selection=sorted(plan.selection),
        run_config=plan.run_config(),
        tags={"crmwh/build-plan": plan.describe()[:200]},
    )
