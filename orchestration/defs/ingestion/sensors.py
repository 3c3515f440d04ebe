"""Start the daily refresh when a new batch folder appears in the landing folder."""

import json

import dagster as dg

from ...lib import settings
from ...lib.failures import UserError, WarehouseBusy
from ...lib.landing import discover_batches
from ...lib.landing_mirror import sync_landing
from ..operations.jobs import daily_refresh, load_request


@dg.sensor(
    job=daily_refresh, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.RUNNING
)
def new_batch_sensor(context: dg.SensorEvaluationContext):
    """Each batch folder triggers one load, also when it arrives late (an older export
    date); build_after_load (defs/operations/jobs.py) then requests the build.

    A landing in an object store is mirrored first (lib/landing_mirror.py), without waiting
    for a running refresh (which holds the mirror): the next tick looks again."""
    try:
        sync_landing(lock_timeout=0)
    except WarehouseBusy:
        return dg.SkipReason("a refresh is running (it reads the landing mirror): next tick")
    except UserError as e:  # the landing URL does not exist or cannot be read
        return dg.SkipReason(str(e))
    landing = settings.landing_dir()
    if not landing.is_dir():
        return dg.SkipReason(f"landing folder {landing} does not exist")
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    names = {batch.name for batch in discover_batches(landing)}
    new = sorted(names - seen)
    if not new:
        return dg.SkipReason("no new batch folder")
    context.update_cursor(json.dumps(sorted(names | seen)))
    return load_request(run_key="batches:" + ",".join(new), tags={"crmwh/batches": ",".join(new)})
