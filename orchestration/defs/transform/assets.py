"""The dbt models as assets: sources map to the raw ingestion assets, dbt tests to checks."""

import logging
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ...lib.dbt_wrapper import as_parent
from ...lib.faults import crash_point
from ..resources import WarehouseResource
from .project import dbt_cli, dbt_project

log = logging.getLogger("crmwh")


class WarehouseTranslator(DagsterDbtTranslator):
    """Models are keyed by schema and name (`staging/stg_crm__deals`, `marts/fct_deals`) and
    grouped by their layer; sources keep `[source, table]`, which is the key of the raw
    ingestion asset of that file (`raw/crm__deals`)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema") or "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(),
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """`dbt build` of the selected models: each model, then its tests as asset checks.

    A dbt error or a failed dbt test makes dbt exit non-zero, and dagster-dbt then raises
    at the end of the stream: the step fails and nothing downstream (the publication) runs.
    The warehouse resource holds the refresh lock while dbt writes. dbt is started through
    `crmwh-dbt` (lib/dbt_wrapper.py), so that it dies with this process."""
    # dbt unit tests check the models' logic on fixed inputs, not the data: they run in the
    # test suite (tests/test_refresh.py), not in every refresh.
    with as_parent():
        invocation = dbt.cli(["build", "--exclude-resource-type", "unit_test"], context=context)
    built = 0
    try:
        for event in invocation.stream():
            if isinstance(event, dg.Output):
                log.info("built %s", event.output_name)
                built += 1
                if built == 3:
                    crash_point("dbt:early")
                elif built == 50:
                    crash_point("dbt:late")
            yield event
    finally:
        # A failed step must not leave dbt running: it would hold the warehouse's write lock.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            try:
                invocation.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                invocation.process.kill()
                invocation.process.wait()
        prune_run_targets(Path(invocation.target_path).parent)


RUN_TARGETS_KEPT = 5


def prune_run_targets(target_dir: Path, keep: int = RUN_TARGETS_KEPT) -> None:
    """dagster-dbt gives every dbt invocation a target folder of its own (manifest, run
    results, logs: ~17 MB at the sample's size); keep the newest `keep`, so that daily
    refreshes do not fill the disk."""
    runs = sorted(
        (p for p in target_dir.glob("dbt_models-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)


dbt_resource = dbt_cli(dbt_project)
