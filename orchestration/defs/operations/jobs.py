"""The daily refresh job and its schedule."""

from __future__ import annotations

import dagster as dg

# In-process: DuckDB allows one writer at a time, so steps run one after the other anyway,
# and a step process per asset would add seconds of start-up to every refresh.
daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Load new export batches, audit them, and rebuild the dbt models.",
)

daily_refresh_schedule = dg.ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Every morning at 06:00 UTC, after the nightly exports have landed.",
)
