"""Run the daily refresh job in-process and summarise what it did."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from . import settings
from .warehouse import connect


@dataclass
class RefreshResult:
    success: bool
    seconds: float
    landing: str = ""
    error: str | None = None
    batches_loaded: list[str] = field(default_factory=list)
    batches_skipped: int = 0
    records_per_file: dict[str, int] = field(default_factory=dict)
    records_quarantined: int = 0
    duplicates_removed: int = 0
    records_fixed: int = 0
    records_flagged: int = 0
    audit_report: str | None = None
    tables_built: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    step_seconds: dict[str, float] = field(default_factory=dict)  # Dagster step -> wall time

    def describe(self) -> str:
        lines = []
        if self.success:
            lines.append(f"refresh succeeded in {self.seconds:.1f} s")
        else:
            lines.append(f"refresh FAILED after {self.seconds:.1f} s: {self.error}")
        lines.append(
            f"  batches loaded: {len(self.batches_loaded)} "
            f"({', '.join(self.batches_loaded) or 'none new'}); "
            f"unchanged, skipped: {self.batches_skipped}"
        )
        if self.records_per_file:
            lines.append("  records read per file (all loaded batches):")
            width = max(len(f) for f in self.records_per_file)
            for file, n in sorted(self.records_per_file.items()):
                lines.append(f"    {file:<{width}}  {n:>9}")
        lines.append(
            f"  quarantined records: {self.records_quarantined}; "
            f"duplicates removed: {self.duplicates_removed}; "
            f"fixed: {self.records_fixed}; flagged: {self.records_flagged}"
        )
        if self.audit_report:
            lines.append(f"  audit report: {self.audit_report}")
        lines.append(
            f"  tables built: {self.tables_built}; "
            f"checks passed: {self.checks_passed}, failed: {self.checks_failed}"
        )
        if self.step_seconds:
            steps = ", ".join(f"{step} {sec:.1f} s" for step, sec in self.step_seconds.items())
            lines.append(f"  time per step: {steps}")
        lines.append(f"  landing: {self.landing}")
        lines.append(f"  warehouse: {settings.warehouse_path()}")
        return "\n".join(lines)


def _failure_message(result) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            if data.user_failure_data is not None and data.user_failure_data.description:
                return data.user_failure_data.description
            error = data.error
            while error is not None and error.cause is not None:
                error = error.cause  # the root cause says what went wrong, not the wrapper
            return error.message.strip().splitlines()[0] if error else "step failed"
    return "the run failed"


def _read_audit(result: RefreshResult) -> None:
    path = settings.warehouse_path()
    if not path.exists():
        return
    con = connect(path, read_only=True)
    try:
        rows = con.execute(
            "select source_file, sum(records_read), sum(records_quarantined), "
            "sum(duplicates_removed), sum(records_fixed), sum(records_flagged) "
            "from audit.file_loads group by source_file"
        ).fetchall()
    finally:
        con.close()
    for file, read, quarantined, duplicates, fixed, flagged in rows:
        result.records_per_file[file] = int(read)
        result.records_quarantined += int(quarantined)
        result.duplicates_removed += int(duplicates)
        result.records_fixed += int(fixed)
        result.records_flagged += int(flagged)


def run_refresh() -> RefreshResult:
    """Execute the `daily_refresh` job of the code location in this process."""
    import dagster as dg

    started = time.monotonic()
    from ..definitions import build_definitions

    job = build_definitions().resolve_job_def("daily_refresh")
    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    run = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    result = RefreshResult(success=run.success, seconds=0.0, landing=str(settings.landing_dir()))
    if not run.success:
        result.error = _failure_message(run)
    for mat in run.asset_materializations_for_node("raw_exports")[:1]:
        result.batches_loaded = list(mat.metadata["batches_loaded"].value)
        result.batches_skipped = int(mat.metadata["batches_skipped_unchanged"].value)
    result.tables_built = sum(
        1 for e in run.get_asset_materialization_events() if e.asset_key.path[0] != "raw"
    )
    started_at: dict[str, float] = {}
    for entry in instance.all_logs(run.run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started_at[event.step_key] = entry.timestamp
        elif event.is_step_success or event.is_step_failure:
            began = started_at.get(event.step_key, entry.timestamp)
            result.step_seconds[event.step_key] = entry.timestamp - began
    for e in run.all_events:
        if e.event_type_value == "ASSET_CHECK_EVALUATION":
            report = e.event_specific_data.metadata.get("report")
            if report is not None:
                result.audit_report = str(report.value)
            if e.event_specific_data.passed:
                result.checks_passed += 1
            else:
                result.checks_failed += 1
    _read_audit(result)
    result.seconds = time.monotonic() - started
    return result
