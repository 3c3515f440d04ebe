"""The daily refresh job and its schedule."""

from __future__ import annotations

import dagster as dg

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
    "of that succeeded, publish the marts for BI tools.",
)

daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Every morning at 06:00 UTC, after the nightly exports have landed.",
)
