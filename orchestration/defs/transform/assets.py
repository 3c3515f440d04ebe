"""The dbt models as assets: sources map to the raw ingestion assets, dbt tests to checks."""

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from ...lib import settings
from ...lib.build_state import current_state, record_build
from ...lib.console import report_progress
from ...lib.dbt_wrapper import as_parent
from ...lib.faults import crash_point
from ...lib.lake import export_lake, import_marts
from ...lib.publish import SCHEMA as MARTS
from ...lib.warehouse import connect
from ..resources import WarehouseResource
from .project import dbt_cli, dbt_project


class WarehouseTranslator(DagsterDbtTranslator):
    """Models are keyed by schema and name (`staging/stg_crm__deals`, `marts/fct_deals`) and
    grouped by their folder; a source takes the key its YAML gives in
    `meta.dagster.asset_key`: the key of the ingestion asset that writes it (`raw/crm__deals`,
    `audit/quarantine`)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        """The model's folder under models/, joined by `_`: `staging_crm`,
        `intermediate_pipeline`, `marts_finance`; a file at the top of its folder (the
        seeds) is grouped by its schema."""
        folders = Path(dbt_resource_props.get("path") or "").parent.parts
        name = "_".join(folders) or dbt_resource_props.get("schema") or "dbt"
        return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" for c in name)


class DbtBuildConfig(dg.Config):
    """`full_refresh`: rebuild the incremental models from scratch (`dbt build
    --full-refresh`; `crmwh refresh --full-refresh`)."""

    full_refresh: bool = False


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=WarehouseTranslator(),
)
def dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """`dbt build` of the selected models: each model, then its tests as asset checks.

    A dbt error or a failed dbt test makes dbt exit non-zero, and dagster-dbt then raises
    at the end of the stream: the step fails and nothing downstream (the publication) runs.
    The warehouse resource holds the refresh lock while dbt writes. dbt is started through
    `crmwh-dbt` (lib/dbt_wrapper.py), so that it dies with this process."""
    from ..operations.planning import builds_every_change

    # Whether this build, when it succeeds, is a good build of the warehouse's state
    # (recorded below, lib/build_state.py; the run holds the refresh lock throughout).
    complete = builds_every_change(warehouse.file, set(context.selected_asset_keys))
    # dbt unit tests check the models' logic on fixed inputs, not the data: they run in the
    # test suite (tests/test_dbt_unit_tests.py), not in every refresh.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if config.full_refresh:
        args.append("--full-refresh")
    spark = settings.engine() == "spark"
    if spark:  # dbt on Spark reads the sources from the lake (lib/lake.py)
        lake = settings.lake_location()
        try:
            context.log.info(export_lake(warehouse.file, lake).describe())
        except OSError as e:  # a file or an object store's error: name the lake
            raise dg.Failure(f"cannot write the lake {lake.root}: {e}; check CRMWH_LAKE") from e
        settings.spark_dir().mkdir(parents=True, exist_ok=True)
    with as_parent():
        invocation = dbt.cli(
            args,
            context=context,
            target_path=dbt_target_of(warehouse.file),
        )
    # dagster-dbt echoes dbt's output to stdout (a launched run's compute logs; the log file
    # of `crmwh refresh`, lib/console.py); the counts go to whoever shows progress.
    progress = {
        "models": 0,
        "models_total": len(context.selected_asset_keys),
        "tests": 0,
        "tests_total": None if context.is_subset else data_tests(invocation.manifest),
        "tests_failed": 0,
    }
    observed: set[str] = set()
    built: set[dg.AssetKey] = set()
    report_progress("dbt", **progress)
    try:
        for event in invocation.stream():
            if isinstance(event, dg.Output):  # a model or seed built
                built.add(context.asset_key_for_output(event.output_name))
                progress["models"] += 1
                if progress["models"] == 3:
                    crash_point("dbt:early")
                elif progress["models"] == 50:
                    crash_point("dbt:late")
            elif isinstance(event, dg.AssetCheckResult):  # a dbt test
                progress["tests"] += 1
                progress["tests_failed"] += 0 if event.passed else 1
            elif isinstance(event, dg.AssetObservation):  # one per asset a test reads
                test = _metadata_text(event, "unique_id")
                if test not in observed:
                    observed.add(test)
                    progress["tests"] += 1
                    failed = _metadata_text(event, "status") in ("fail", "error")
                    progress["tests_failed"] += 1 if failed else 0
            report_progress("dbt", **progress)
            yield event
        # dagster-dbt raised above if dbt failed: here every selected model and test passed,
        # and each must have been reported (a result dagster-dbt could not read would leave
        # its asset unmaterialized and the publication skipped while the run looks green)
        unreported = sorted(k.to_user_string() for k in context.selected_asset_keys - built)
        if unreported:
            raise dg.Failure(
                f"dbt build reported no result for {len(unreported)} selected model(s) "
                f"({', '.join(unreported[:3])}{', ...' if len(unreported) > 3 else ''}): "
                "its output could not be read; nothing is recorded or published"
            )
        if spark:  # the publication and the build bookkeeping read the warehouse file
            lake = settings.lake_location()
            try:
                marts = import_marts(warehouse.file, lake, mart_names(invocation.manifest))
            except OSError as e:  # a file or an object store's error: name the lake
                raise dg.Failure(f"cannot read the marts from the lake {lake.root}: {e}") from e
            context.log.info(f"copied {marts} marts built on Spark into {warehouse.file}")
        if complete:
            con = connect(warehouse.file)
            try:
                build_id = record_build(con, current_state(con), context.run.run_id)
            finally:
                con.close()
            context.log.info(f"recorded build {build_id} of the marts")
    finally:
        # A failed step must not leave dbt running: it would hold the warehouse's write lock.
        if invocation.process.poll() is None:
            invocation.process.terminate()
            try:
                invocation.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                invocation.process.kill()
                invocation.process.wait()


def _metadata_text(event: dg.AssetObservation, name: str) -> str:
    value = event.metadata.get(name)
    return str(getattr(value, "value", value))


def mart_names(manifest: Mapping[str, Any]) -> list[str]:
    """The marts of the dbt project: its models in the schema `marts`."""
    return sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == MARTS
    )


def data_tests(manifest: Mapping[str, Any]) -> int:
    """The dbt data tests of the project (a full `dbt build` runs each once)."""
    return sum(1 for node in manifest["nodes"].values() if node["resource_type"] == "test")


def dbt_target_of(warehouse: Path) -> Path:
    """dbt's target folder of a warehouse: `<warehouse dir>/dbt/<warehouse name>/` (manifest,
    run results, dbt's log of the latest build). One folder per warehouse, kept across
    refreshes, so that dbt parses only the files that changed since the last refresh
    (partial parsing: its profile, the warehouse's path, is the same every time); a folder of
    its own per engine other than DuckDB (`<warehouse name>-spark`), whose profile differs.
    The refresh lock keeps two builds of one warehouse from sharing it."""
    engine = settings.engine()
    return (
        warehouse.parent / "dbt" / (warehouse.stem + ("" if engine == "duckdb" else f"-{engine}"))
    )


dbt_resource = dbt_cli(dbt_project)
