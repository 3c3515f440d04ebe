"""The ingestion asset: every export file of every batch into the raw schema."""

import logging

import dagster as dg

from ...lib.contract import FILES
from ...lib.errors import BatchRefused
from ...lib.loading import load_landing
from ..resources import LandingResource, WarehouseResource

log = logging.getLogger("crmwh")

RAW_SPECS = [
    dg.AssetSpec(
        key=["raw", spec.table],
        group_name="raw",
        kinds={"duckdb"},
        description=f"`{spec.path}` of every batch ({spec.kind} file), as exported, "
        "with lineage columns _batch_date, _source_file, _record_number.",
        metadata={"source_file": spec.path, "load_semantics": spec.kind},
    )
    for spec in FILES
]


@dg.multi_asset(specs=RAW_SPECS, name="raw_exports", can_subset=False)
def raw_exports(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
):
    """Load every new or changed batch of the landing folder; a batch that breaks the export
    contract refuses the whole run and leaves the warehouse untouched."""

    def progress(message: str) -> None:
        context.log.info(message)
        log.info(message)  # the `crmwh refresh` console

    try:
        report = load_landing(landing.folder, warehouse.file, progress=progress)
    except (BatchRefused, FileNotFoundError) as e:
        raise dg.Failure(description=f"batch refused: {e}", allow_retries=False) from None
    for spec in FILES:
        per_batch = {
            batch: files[spec.path] for batch, files in report.records.items() if spec.path in files
        }
        yield dg.MaterializeResult(
            asset_key=["raw", spec.table],
            metadata={
                "batches_loaded": dg.MetadataValue.json(report.loaded),
                "batches_skipped_unchanged": len(report.skipped),
                "records_loaded": sum(per_batch.values()),
                "records_per_batch": dg.MetadataValue.json(per_batch),
                "cards_redacted_all_files": report.cards_redacted,
            },
        )
