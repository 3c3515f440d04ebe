"""The audit of every loaded batch as blocking asset checks on the raw assets.

One step runs the suites of `expectations/` on the batches the ingestion just loaded
(SQL quarantine + GX cross-check, see lib/audit/run.py) and reports one check per raw
asset. A refusal (refuse-severity failure, quarantine rate over the threshold, SQL and GX
disagreeing, a GX engine error) fails the checks and the step: the dbt models downstream
do not run, the run is red, the refused batches are taken back out of raw, and the marts
stay as they were.
"""

import logging

import dagster as dg

from ...lib.contract import FILES
from ..resources import WarehouseResource

log = logging.getLogger("crmwh")

AUDIT_CHECK = "contract_audit"

CHECK_SPECS = [
    dg.AssetCheckSpec(
        AUDIT_CHECK,
        asset=dg.AssetKey(["raw", spec.table]),
        blocking=True,
        description=f"The expectation suite of `{spec.path}` (expectations/) on the batches "
        "loaded in this run: refuse, quarantine, flag or fix each finding.",
    )
    for spec in FILES
]


@dg.multi_asset_check(specs=CHECK_SPECS, name="audit_raw_exports", can_subset=False)
def audit_raw_exports(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    from ...lib.audit.run import run_audit  # pulls in the suites; GX only when it runs

    result = run_audit(warehouse.file)
    totals = result.file_totals()
    report = str(result.report) if result.report else None
    if result.batches:
        message = (
            f"audit of batches {', '.join(result.batches)}: "
            f"{'passed' if result.passed else 'REFUSED'} in {result.seconds_total:.1f} s"
            + (f"; report: {report}" if report else "")
        )
        context.log.info(message)
        log.info(message)
    for spec in FILES:
        counts = totals.get(spec.path, {})
        rules = [r for r in result.rules if r.source_file == spec.path]
        failed = [r for r in rules if r.outcome != "passed"]
        blocking = [b for b in result.blocking if spec.path in b]
        metadata = {
            "batches_audited": dg.MetadataValue.json(result.batches),
            **{name: int(n) for name, n in counts.items()},
            "expectations": len(rules),
            "expectations_with_findings": dg.MetadataValue.json(
                {r.rule: f"{r.outcome}: {r.failures_sql}" for r in failed}
            ),
            "audit_seconds": round(result.seconds_total, 2),
        }
        if report:
            metadata["report"] = dg.MetadataValue.path(report)
        if blocking:
            metadata["refused_because"] = dg.MetadataValue.json(blocking)
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(["raw", spec.table]),
            check_name=AUDIT_CHECK,
            passed=not blocking,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata=metadata,
        )
    if not result.passed:
        raise dg.Failure(
            description="audit refused the batch(es) "
            f"{', '.join(result.batches)}: "
            + "; ".join(result.blocking)
            + (f" (report: {report})" if report else ""),
            allow_retries=False,
        )
