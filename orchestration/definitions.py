"""The Dagster code location: assembles the definitions of defs/, nothing else."""

from __future__ import annotations

import dagster as dg

from .defs.ingestion.assets import raw_exports
from .defs.ingestion.sensors import new_batch_sensor
from .defs.operations.jobs import build_after_load, daily_refresh, daily_refresh_schedule
from .defs.resources import build_resources
from .defs.serving.assets import published_marts
from .defs.transform.assets import dbt_models, dbt_resource


def build_definitions() -> dg.Definitions:
    """Resources read the environment (CRMWH_LANDING, CRMWH_WAREHOUSE, CRMWH_PUBLISH_DIR,
    CRMWH_LOCK_TIMEOUT) when this is called."""
    return dg.Definitions(
        assets=[raw_exports, dbt_models, published_marts],
        jobs=[daily_refresh],
        schedules=[daily_refresh_schedule],
        sensors=[new_batch_sensor, build_after_load],
        resources={**build_resources(), "dbt": dbt_resource},
    )


defs = build_definitions()
