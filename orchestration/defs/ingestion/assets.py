"""The ingestion assets: every export file of every accepted batch in the raw schema, and
the audit's outputs (audit/quarantine, audit/findings, audit/file_loads) between raw and
staging, with the audit's verdicts as blocking checks.

One step reads the new or changed batches of the landing folder and accepts or refuses
each batch on its own (lib/loading.py): a batch is audited inside the transaction that
writes it (lib/audit/) and commits only when it passes. A refused batch (a file that
breaks the contract, a refuse-severity rule, a quarantine rate over the threshold, SQL and
GX disagreeing) leaves raw and the audit tables exactly as they were, fails the checks of
the assets it concerns and the step: the dbt models downstream do not run, the run is red,
and the marts and the publication stay as they were.

Checks (all blocking):
- `contract_audit` on each raw asset: no batch of the run refused for that file;
- `quarantine_within_threshold` on audit/quarantine: no file of the run has more of its
  records quarantined than the threshold allows;
- `counts_add_up` on audit/file_loads: records_read = records_loaded + records_quarantined
  + duplicates_removed for every file of the batches accepted or decided again in the run.
"""

import logging

import dagster as dg

from ...lib.audit.decide import over_threshold
from ...lib.audit.quarantine import read_file_results
from ...lib.audit.results import AuditResult
from ...lib.contract import FILES
from ...lib.errors import BatchRefused, RefusalKind
from ...lib.failures import UserError
from ...lib.landing_mirror import sync_landing
from ...lib.loading import LoadReport, load_landing
from ..resources import LandingResource, WarehouseResource

log = logging.getLogger("crmwh")

AUDIT_CHECK = "contract_audit"
THRESHOLD_CHECK = "quarantine_within_threshold"
COUNTS_CHECK = "counts_add_up"
QUARANTINE = dg.AssetKey(["audit", "quarantine"])
FILE_LOADS = dg.AssetKey(["audit", "file_loads"])
FINDINGS = dg.AssetKey(["audit", "findings"])
RAW_KEYS = {spec.path: dg.AssetKey(["raw", spec.table]) for spec in FILES}

RAW_SPECS = [
    dg.AssetSpec(
        key=RAW_KEYS[spec.path],
        group_name="raw",
        kinds={"duckdb"},
        description=f"`{spec.path}` of every accepted batch ({spec.kind} file), as exported, "
        "with lineage columns _batch_date, _source_file, _record_number.",
        metadata={"source_file": spec.path, "load_semantics": spec.kind},
    )
    for spec in FILES
]

AUDIT_SPECS = [
    dg.AssetSpec(
        key=key,
        group_name="audit",
        kinds={"duckdb"},
        deps=list(RAW_KEYS.values()),
        description=description,
    )
    for key, description in (
        (
            QUARANTINE,
            "The raw records the audit quarantined (one row per record: batch, file, "
            "record number, the raw record, its first rule and every reason). Staging "
            "leaves them out.",
        ),
        (
            FINDINGS,
            "Every finding of the audit on a record (batch, file, record number, finding, "
            "severity: quarantine, dedupe, fix or flag). Staging leaves out the identical "
            "copies removed (dedupe).",
        ),
        (
            FILE_LOADS,
            "One row per file of every accepted batch: records read, loaded, quarantined, "
            "duplicates removed, fixed, flagged, cards redacted, checksum and when it was "
            "loaded (the as-of date of the marts follows it).",
        ),
    )
]

LOAD_KEYS = frozenset(spec.key for spec in RAW_SPECS + AUDIT_SPECS)
"""The assets of the load: the first run of every refresh (defs/operations/planning.py)."""

CHECK_SPECS = [
    *(
        dg.AssetCheckSpec(
            AUDIT_CHECK,
            asset=RAW_KEYS[spec.path],
            blocking=True,
            description=f"The expectation suite of `{spec.path}` (expectations/) on the "
            "batches read in this run: refuse, quarantine, flag or fix each finding.",
        )
        for spec in FILES
    ),
    dg.AssetCheckSpec(
        THRESHOLD_CHECK,
        asset=QUARANTINE,
        blocking=True,
        description="No file of a batch read in this run has more of its records "
        "quarantined than CRMWH_QUARANTINE_THRESHOLD allows (a batch over it is refused).",
    ),
    dg.AssetCheckSpec(
        COUNTS_CHECK,
        asset=FILE_LOADS,
        blocking=True,
        description="records_read = records_loaded + records_quarantined + "
        "duplicates_removed for every file of the batches accepted or decided again in "
        "this run.",
    ),
]


@dg.multi_asset(
    specs=RAW_SPECS + AUDIT_SPECS, check_specs=CHECK_SPECS, name="raw_exports", can_subset=False
)
def raw_exports(
    context: dg.AssetExecutionContext, landing: LandingResource, warehouse: WarehouseResource
):
    """Accept every new or changed batch of the landing folder that passes the audit (a
    landing in an object store is mirrored first: also a run the schedule launched reads
    what the store holds now)."""

    def progress(message: str) -> None:
        context.log.info(message)
        log.info(message)  # the `crmwh refresh` console

    try:
        mirrored = sync_landing()
    except UserError as e:
        raise dg.Failure(description=str(e), allow_retries=False) from None
    if mirrored is not None:
        context.log.info(mirrored.describe())
    try:
        report = load_landing(landing.folder, warehouse.file, progress=progress)
    except (BatchRefused, FileNotFoundError) as e:
        raise dg.Failure(description=f"batch refused: {e}", allow_retries=False) from None
    audit = report.audit
    reportpath = str(audit.report) if audit.report else None
    if audit.batches:
        message = (
            f"audit of batches {', '.join(audit.batches)}: "
            + ("passed" if audit.passed else f"REFUSED {', '.join(sorted(audit.refused))}")
            + f" in {audit.seconds_total:.1f} s"
            + (f"; report: {reportpath}" if reportpath else "")
        )
        context.log.info(message)
        log.info(message)
    # The raw assets first: the refresh summary reads the first materialization.
    yield from _raw_materializations(report)
    yield from _audit_materializations(report)
    yield from _raw_checks(audit, reportpath)
    yield _threshold_check(audit)
    yield _counts_check(report, warehouse)
    refused = report.refused
    if refused:
        first = refused[sorted(refused)[0]]
        others = len(refused) - 1
        raise dg.Failure(
            description=f"batch refused: {first}"
            + (f" (and {others} more batch(es) refused)" if others else "")
            + (f" (report: {reportpath})" if reportpath else ""),
            allow_retries=False,
        )


def _raw_materializations(report: LoadReport):
    refused = sorted(report.audit.refused)
    for spec in FILES:
        per_batch = {
            batch: files[spec.path] for batch, files in report.records.items() if spec.path in files
        }
        yield dg.MaterializeResult(
            asset_key=RAW_KEYS[spec.path],
            metadata={
                "batches_loaded": dg.MetadataValue.json(report.loaded),
                "batches_skipped_unchanged": len(report.skipped),
                "batches_refused": dg.MetadataValue.json(refused),
                "records_loaded": sum(per_batch.values()),
                "records_per_batch": dg.MetadataValue.json(per_batch),
                "cards_redacted_all_files": report.cards_redacted,
                "names_outside_the_contract": dg.MetadataValue.json(report.ignored_files),
            },
        )


def _audit_materializations(report: LoadReport):
    audit = report.audit
    totals = audit.file_totals()
    yield dg.MaterializeResult(
        asset_key=QUARANTINE,
        metadata={
            "batches_loaded": dg.MetadataValue.json(report.loaded),
            "records_quarantined": sum(t["records_quarantined"] for t in totals.values()),
            "quarantined_per_file": dg.MetadataValue.json(
                {f: t["records_quarantined"] for f, t in totals.items()}
            ),
            "files_decided_again": dg.MetadataValue.json(
                [f"{r.batch} {r.source_file}" for r in audit.redecided]
            ),
        },
    )
    yield dg.MaterializeResult(
        asset_key=FINDINGS,
        metadata={
            "batches_loaded": dg.MetadataValue.json(report.loaded),
            **{
                count: sum(t[count] for t in totals.values())
                for count in ("duplicates_removed", "records_fixed", "records_flagged")
            },
        },
    )
    yield dg.MaterializeResult(
        asset_key=FILE_LOADS,
        metadata={
            "batches_loaded": dg.MetadataValue.json(report.loaded),
            "records_read": sum(t["records_read"] for t in totals.values()),
            "records_loaded": sum(t["records_loaded"] for t in totals.values()),
            "counts_per_file": dg.MetadataValue.json(totals),
        },
    )


def _raw_checks(audit: AuditResult, reportpath: str | None):
    totals = audit.file_totals()
    for spec in FILES:
        rules = [r for r in audit.rules if r.source_file == spec.path]
        failed = [r for r in rules if not r.passed]
        refusals = audit.refusals_of(spec.path)
        metadata = {
            "batches_audited": dg.MetadataValue.json(audit.batches),
            **{name: int(n) for name, n in totals.get(spec.path, {}).items()},
            "expectations": len(rules),
            "expectations_with_findings": dg.MetadataValue.json(
                {f"{r.batch} {r.rule}": f"{r.outcome}: {r.failures_sql}" for r in failed}
            ),
        }
        if reportpath:
            metadata["report"] = dg.MetadataValue.path(reportpath)
        if refusals:
            metadata["refused_because"] = dg.MetadataValue.json([r.reason for r in refusals])
        yield dg.AssetCheckResult(
            asset_key=RAW_KEYS[spec.path],
            check_name=AUDIT_CHECK,
            passed=not refusals,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )


def _threshold_check(audit: AuditResult) -> dg.AssetCheckResult:
    over = [r for r in audit.refusals if r.kind is RefusalKind.THRESHOLD]
    rates = {
        f"{f.batch_date} {f.source_file}": f"{f.records_quarantined} of {f.records_read}"
        for f in audit.files
        if f.records_quarantined
    }
    metadata = {
        "threshold": audit.threshold,
        "min_records": audit.min_records,
        "quarantined_of_read": dg.MetadataValue.json(rates),
        "files_over_threshold": dg.MetadataValue.json(
            [
                f"{f.batch_date} {f.source_file}"
                for f in audit.files
                if over_threshold(f, audit.threshold, audit.min_records)
            ]
        ),
    }
    if over:
        metadata["refused_because"] = dg.MetadataValue.json([r.reason for r in over])
    return dg.AssetCheckResult(
        asset_key=QUARANTINE,
        check_name=THRESHOLD_CHECK,
        passed=not over,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
    )


def _counts_check(report: LoadReport, warehouse: WarehouseResource) -> dg.AssetCheckResult:
    batches = sorted({*report.loaded, *(r.batch for r in report.audit.redecided)})
    files = read_file_results(warehouse.file, batches)
    broken = [
        f"{f.batch_date} {f.source_file}: read {f.records_read} <> loaded {f.records_loaded} "
        f"+ quarantined {f.records_quarantined} + duplicates {f.duplicates_removed}"
        for f in files
        if not f.adds_up
    ]
    metadata = {"batches": dg.MetadataValue.json(batches), "files_checked": len(files)}
    if broken:
        metadata["not_adding_up"] = dg.MetadataValue.json(broken)
    return dg.AssetCheckResult(
        asset_key=FILE_LOADS,
        check_name=COUNTS_CHECK,
        passed=not broken,
        severity=dg.AssetCheckSeverity.ERROR,
        metadata=metadata,
    )
