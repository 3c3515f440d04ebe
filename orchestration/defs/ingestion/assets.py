"""The ingestion asset: every export file of every accepted batch in the raw schema, with
the audit's verdict as a blocking check on each raw asset.

One step reads the new or changed batches of the landing folder and accepts or refuses
each batch on its own (lib/loading.py): a batch is audited inside the transaction that
writes it (lib/audit/run.py) and commits only when it passes. A refused batch (a file that
breaks the contract, a refuse-severity rule, a quarantine rate over the threshold, SQL and
GX disagreeing) leaves raw exactly as it was, fails the checks of its files and the step:
the dbt models downstream do not run, the run is red, and the marts and the publication
stay as they were.
"""

import logging

import dagster as dg

from ...lib.contract import FILES
from ...lib.errors import BatchRefused
from ...lib.loading import load_landing
from ..resources import LandingResource, WarehouseResource

log = logging.getLogger("crmwh")

AUDIT_CHECK = "contract_audit"

RAW_SPECS = [
    dg.AssetSpec(
        key=["raw", spec.table],
        group_name="raw",
        kinds={"duckdb"},
        description=f"`{spec.path}` of every accepted batch ({spec.kind} file), as exported, "
        "with lineage columns _batch_date, _source_file, _record_number.",
        metadata={"source_file": spec.path, "load_semantics": spec.kind},
    )
    for spec in FILES
]

CHECK_SPECS = [
    dg.AssetCheckSpec(
        AUDIT_CHECK,
        asset=dg.AssetKey(["raw", spec.table]),
        blocking=True,
        description=f"The expectation suite of `{spec.path}` (expectations/) on the batches "
        "read in this run: refuse, quarantine, flag or fix each finding.",
    )
    for spec in FILES
]


@dg.multi_asset(specs=RAW_SPECS, check_specs=CHECK_SPECS, name="raw_exports", can_subset=False)
def raw_exports(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
):
    """Accept every new or changed batch of the landing folder that passes the audit."""

    def progress(message: str) -> None:
        context.log.info(message)
        log.info(message)  # the `crmwh refresh` console

    try:
        report = load_landing(landing.folder, warehouse.file, progress=progress)
    except (BatchRefused, FileNotFoundError) as e:
        raise dg.Failure(description=f"batch refused: {e}", allow_retries=False) from None
    audit = report.audit
    reportpath = str(audit.report) if audit and audit.report else None
    if audit and audit.batches:
        message = (
            f"audit of batches {', '.join(audit.batches)}: "
            + ("passed" if audit.passed else f"REFUSED {', '.join(sorted(audit.refused))}")
            + f" in {audit.seconds_total:.1f} s"
            + (f"; report: {reportpath}" if reportpath else "")
        )
        context.log.info(message)
        log.info(message)
    totals = audit.file_totals() if audit else {}
    for spec in FILES:
        per_batch = {
            batch: files[spec.path] for batch, files in report.records.items() if spec.path in files
        }
        yield dg.MaterializeResult(
            asset_key=["raw", spec.table],
            metadata={
                "batches_loaded": dg.MetadataValue.json(report.loaded),
                "batches_skipped_unchanged": len(report.skipped),
                "batches_refused": dg.MetadataValue.json(sorted(report.refused)),
                "records_loaded": sum(per_batch.values()),
                "records_per_batch": dg.MetadataValue.json(per_batch),
                "cards_redacted_all_files": report.cards_redacted,
                "names_outside_the_contract": dg.MetadataValue.json(report.ignored_files),
            },
        )
    for spec in FILES:
        rules = [r for r in (audit.rules if audit else []) if r.source_file == spec.path]
        failed = [r for r in rules if r.outcome != "passed"]
        refusals = [
            str(refusal)
            for refusal in report.refused.values()
            if spec.path in str(refusal) or not any(f.path in str(refusal) for f in FILES)
        ]
        metadata = {
            "batches_audited": dg.MetadataValue.json(audit.batches if audit else []),
            **{name: int(n) for name, n in totals.get(spec.path, {}).items()},
            "expectations": len(rules),
            "expectations_with_findings": dg.MetadataValue.json(
                {f"{r.batch} {r.rule}": f"{r.outcome}: {r.failures_sql}" for r in failed}
            ),
        }
        if reportpath:
            metadata["report"] = dg.MetadataValue.path(reportpath)
        if refusals:
            metadata["refused_because"] = dg.MetadataValue.json(refusals)
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(["raw", spec.table]),
            check_name=AUDIT_CHECK,
            passed=not refusals,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )
    if report.refused:
        first = report.refused[sorted(report.refused)[0]]
        others = len(report.refused) - 1
        raise dg.Failure(
            description=f"batch refused: {first}"
            + (f" (and {others} more batch(es) refused)" if others else "")
            + (f" (report: {reportpath})" if reportpath else ""),
            allow_retries=False,
        )
