"""Publishing: after a green run, the marts as a versioned read-only copy for BI tools.

`published/marts` depends on every dbt model of the schema `marts`: it runs only when the
dbt step succeeded (dbt errors and failed dbt tests fail that step, and Dagster skips what
is downstream of a failed step), so a red run publishes nothing and the last good
publication stays current. The work is lib/publish.py.
"""

import logging

import dagster as dg

from ...lib.publish import CURRENT, publish
from ..resources import PublicationResource, WarehouseResource
from ..transform.assets import dbt_models

log = logging.getLogger("crmwh")

MARTS = sorted((key for key in dbt_models.keys if key.path[0] == "marts"), key=lambda k: k.path)
PUBLISHED_MARTS = dg.AssetKey(["published", "marts"])


@dg.asset(
    key=PUBLISHED_MARTS,
    deps=MARTS,
    group_name="serving",
    kinds={"duckdb", "parquet"},
    description="The marts published for BI tools: `<publish dir>/current/crm.duckdb` "
    "(schema marts, a storage format DuckDB 1.x opens), `current/parquet/<mart>.parquet` "
    "and `current/manifest.json`, swapped in atomically after every green run.",
)
def published_marts(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    publication: PublicationResource,
) -> dg.MaterializeResult:
    run_id = context.run.run_id
    manifest = publish(warehouse.file, publication.folder, run_id, keep=publication.keep)
    current = publication.folder / CURRENT
    message = f"published {len(manifest['marts'])} marts as {run_id} ({current})"
    context.log.info(message)
    log.info(message)
    return dg.MaterializeResult(
        metadata={
            "run_id": run_id,
            "as_of_date": manifest["as_of_date"] or "",
            "current": dg.MetadataValue.path(str(current)),
            "version": dg.MetadataValue.path(str(publication.folder / "versions" / run_id)),
            "marts": len(manifest["marts"]),
            "rows": sum(m["rows"] for m in manifest["marts"].values()),
            "rows_per_mart": dg.MetadataValue.json(
                {name: m["rows"] for name, m in manifest["marts"].items()}
            ),
        }
    )
