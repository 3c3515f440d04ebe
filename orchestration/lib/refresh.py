"""Run the daily refresh job in-process and summarise what it did.

Before the run: the warehouse folder must be writable, no other refresh of the same
warehouse may run (the refresh lock, lib/locking.py: wait up to CRMWH_LOCK_TIMEOUT, then
give up naming it), and no other process may hold the warehouse file (DuckDB's own lock:
named with its pid). Those problems raise a one-line UserError (lib/failures.py) before
anything is written. A landing in an object store is then mirrored (lib/landing_mirror.py):
a landing URL that does not exist or cannot be read is a UserError too.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from . import settings
from .build_state import up_to_date
from .landing_mirror import shown_landing, sync_landing
from .loading import unchanged_batches
from .locking import check_warehouse_free, ensure_writable_dir, explain_duckdb_error, refresh_lock
from .publish import CURRENT, current_publication
from .warehouse import connect

# What Dagster raises in a step when the process gets SIGINT or SIGTERM while a run executes
# (it maps SIGTERM to SIGINT): the step fails, dagster-dbt stops dbt, the run is marked failed.
INTERRUPTIONS = {"DagsterExecutionInterruptedError", "KeyboardInterrupt"}


@dataclass
class RefreshResult:
    success: bool
    seconds: float
    landing: str = ""
    error: str | None = None
    batches_loaded: list[str] = field(default_factory=list)
    batches_skipped: int = 0
    batches_refused: list[str] = field(default_factory=list)
    names_outside_the_contract: list[str] = field(default_factory=list)
    records_per_file: dict[str, int] = field(default_factory=dict)
    records_quarantined: int = 0
    duplicates_removed: int = 0
    records_fixed: int = 0
    records_flagged: int = 0
    audit_report: str | None = None
    build_plan: str | None = None  # what the load called for (defs/operations/planning.py)
    tables_built: int = 0
    checks_passed: int = 0
    checks_failed: int = 0
    step_seconds: dict[str, float] = field(default_factory=dict)  # Dagster step -> wall time
    run_id: str = ""
    interrupted_by: str | None = None  # a signal (SIGTERM, SIGINT) ended the run
    published: bool = False  # this run published the marts
    publication_run_id: str | None = None  # the current publication after the run
    publication_as_of: str | None = None
    publication: str | None = None  # <publish dir>/current
    log_file: str | None = None  # the refresh's log (crmwh refresh, lib/console.py)

    def describe_publication(self) -> str:
        if self.publication_run_id is None:
            return "none yet (the first green refresh publishes the marts)"
        what = "published" if self.published else "unchanged: current is"
        as_of = f" as of {self.publication_as_of}" if self.publication_as_of else ""
        return f"{what} run {self.publication_run_id}{as_of}: {self.publication}"

    def describe_interruption(self) -> str:
        return (
            f"refresh INTERRUPTED by {self.interrupted_by} after {self.seconds:.1f} s: "
            "dbt was stopped, the warehouse keeps what was committed, the publication is "
            + self.describe_publication()
        )

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
            + (f"; refused: {', '.join(self.batches_refused)}" if self.batches_refused else "")
        )
        if self.names_outside_the_contract:
            lines.append(
                "  not in the export contract, ignored: "
                + ", ".join(self.names_outside_the_contract)
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
        if self.build_plan:
            lines.append(f"  build: {self.build_plan}")
        lines.append(
            f"  tables built: {self.tables_built}; "
            f"checks passed: {self.checks_passed}, failed: {self.checks_failed}"
        )
        if self.step_seconds:
            steps = ", ".join(f"{step} {sec:.1f} s" for step, sec in self.step_seconds.items())
            lines.append(f"  time per step: {steps}")
        lines.append(f"  publication: {self.describe_publication()}")
        lines.append(f"  landing: {self.landing}")
        lines.append(f"  warehouse: {settings.warehouse_path()}")
        if settings.engine() != "duckdb":
            lines.append(
                f"  models built on {settings.engine()}: lake {settings.lake_location().root}, "
                f"tables {settings.spark_warehouse()}"
            )
        if self.log_file:
            lines.append(f"  log: {self.log_file}")
        return "\n".join(lines)


DBT_ERRORS = "Errors parsed from dbt logs:"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PROGRESS = re.compile(r"^\d+ of \d+ ")
_DOTS = re.compile(r"\s*\.{3,}.*$")


def _dbt_failure(message: str) -> str:
    """One line from dagster-dbt's error: the first failed node and dbt's reason."""
    lines = [_ANSI.sub("", line).strip() for line in message.split(DBT_ERRORS, 1)[1].splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "dbt build failed (see its output above)"
    # "Failure in model x (path)" or "13 of 437 ERROR creating sql table model s.x ... [ERROR]"
    first = _DOTS.sub("", _PROGRESS.sub("", lines[0]))
    reasons = [line for line in lines[1:6] if "Error" in line or line.startswith("Got ")]
    reason = next((line for line in reasons if " in model " not in line), "")
    failures = sum(1 for line in lines if _PROGRESS.match(line) or line.startswith("Failure in"))
    return (
        f"dbt build failed: {first}"
        + (f": {reason}" if reason else "")
        + (f" (and {failures - 1} more failure(s))" if failures > 1 else "")
    )


def _interrupted(result) -> bool:
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            if error is not None and error.cls_name in INTERRUPTIONS:
                return True
        elif event.event_type_value in ("PIPELINE_FAILURE", "PIPELINE_CANCELED"):
            if "interrupted" in (event.message or ""):
                return True
    return False


def _failure_message(result) -> str:
    for event in result.all_events:
        if event.is_step_failure:
            data = event.step_failure_data
            if data.user_failure_data is not None and data.user_failure_data.description:
                description = data.user_failure_data.description
                if DBT_ERRORS in description:  # dagster-dbt's error is a Failure too
                    explained = explain_duckdb_error(description, settings.warehouse_path())
                    return explained or _dbt_failure(description)
                return description
            error = data.error
            while error is not None:
                if error.cause is not None:
                    error = error.cause  # the root cause says what went wrong, not the wrapper
                elif error.context is not None and "cannot rollback" in error.message:
                    error = error.context  # a failed rollback hides the error it handled
                else:
                    break
            if error is None:
                return "step failed"
            message = error.message.strip()
            explained = explain_duckdb_error(message, settings.warehouse_path())
            if explained:
                return explained
            if DBT_ERRORS in message:
                return _dbt_failure(message)
            return message.splitlines()[0] if message else error.cls_name or "step failed"
    for event in result.all_events:  # failed before any step (a resource, the instance)
        error = getattr(event.event_specific_data, "error", None)
        if event.event_type_value == "PIPELINE_FAILURE" and error is not None:
            while error.cause is not None:
                error = error.cause
            lines = error.message.strip().splitlines()
            return lines[0] if lines else "the run failed"
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


def _read_publication(result: RefreshResult) -> None:
    publish_dir = settings.publish_dir()
    current = current_publication(publish_dir)
    if current is None:
        return
    result.publication_run_id = current.run_id
    result.publication_as_of = current.as_of_date
    result.publication = str(publish_dir / CURRENT)
    result.published = bool(result.run_id) and current.run_id == result.run_id


def run_refresh(
    on_wait: Callable[[str], None] | None = None,
    command: str | None = None,
    verbose: bool = False,
    event_logger: str | None = None,
    full_refresh: bool = False,
) -> RefreshResult:
    """Execute the `daily_refresh` job of the code location in this process, holding the
    refresh lock of the warehouse. Raises UserError (one line) when the refresh cannot
    start: warehouse folder not writable, another refresh running past CRMWH_LOCK_TIMEOUT,
    warehouse file held by another process, landing URL not readable. The result names a
    problem in one line.

    The run's Dagster event log goes to the Python logger `event_logger` (every event, at
    its level: step events are DEBUG) instead of Dagster's console logger; without one,
    Dagster's console logger shows errors (with their tracebacks) only when `verbose`.

    A refresh is two runs of the `daily_refresh` job: the load, then the build the load
    calls for (defs/operations/planning.py): nothing when nothing changed since the last
    good build and the publication is of it; everything with `full_refresh`."""
    warehouse = settings.warehouse_path()
    ensure_writable_dir(
        warehouse.parent,
        "the warehouse folder",
        "make it writable or choose another warehouse (--warehouse, CRMWH_WAREHOUSE)",
    )
    started = time.monotonic()
    with refresh_lock(warehouse, timeout=settings.lock_timeout(), on_wait=on_wait, command=command):
        check_warehouse_free(warehouse)
        ensure_writable_dir(
            settings.publish_dir(),
            "the publish folder",
            "make it writable or set CRMWH_PUBLISH_DIR to another folder",
        )
        sync_landing()
        if not full_refresh:
            unchanged = _nothing_to_do(warehouse)
            if unchanged is not None:
                unchanged.seconds = time.monotonic() - started
                return unchanged
        return _run(started, verbose, event_logger, full_refresh)


def _nothing_to_do(warehouse) -> RefreshResult | None:
    """No new or changed batch, the marts built from what is loaded and published: a
    refresh that stops here, without starting Dagster or dbt (lib/build_state.py)."""
    unchanged = unchanged_batches(settings.landing_dir(), warehouse)
    if unchanged is None:
        return None
    why = up_to_date(warehouse, settings.publish_dir())
    if why is None:
        return None
    result = RefreshResult(success=True, seconds=0.0, landing=shown_landing())
    result.batches_skipped = unchanged
    result.build_plan = f"no new or changed batch and {why}: nothing to do"
    logging.getLogger("crmwh").info(f"build plan: {result.build_plan}")
    _read_audit(result)
    _read_publication(result)
    return result


def _python_logger(name: str):
    """A Dagster logger that hands every record of the run to the Python logger `name`."""
    import dagster as dg

    @dg.logger(description=f"The run's event log, to the Python logger {name!r}.")
    def python_logger(_init_context) -> logging.Logger:
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        return logger

    return python_logger


def _collect(result: RefreshResult, run, instance) -> None:
    """Add what one run of the refresh did to the result (the last run's id is the
    refresh's: the publication, when there is one, is of that run)."""
    first = not result.run_id
    result.run_id = run.run_id
    result.success = run.success if first else result.success and run.success
    if not run.success and _interrupted(run):
        result.interrupted_by = "a signal (SIGTERM or SIGINT)"
        result.error = "interrupted"
    elif not run.success:
        result.error = _failure_message(run)
    for mat in run.asset_materializations_for_node("raw_exports")[:1]:
        result.batches_loaded = list(mat.metadata["batches_loaded"].value)
        result.batches_skipped = int(mat.metadata["batches_skipped_unchanged"].value)
        result.batches_refused = list(mat.metadata["batches_refused"].value)
        result.names_outside_the_contract = list(mat.metadata["names_outside_the_contract"].value)
    result.tables_built += sum(
        1
        for e in run.get_asset_materialization_events()
        if e.asset_key.path[0] not in ("raw", "audit", "published")
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


def _run(
    started: float, verbose: bool, event_logger: str | None = None, full_refresh: bool = False
) -> RefreshResult:
    import dagster as dg

    from ..defs.transform.project import prepare_if_stale

    # dagster-dbt's manifest, prepared when missing (a fresh clone) or out of date (an
    # edited model), before the definitions read it.
    prepare_if_stale()
    from ..definitions import build_definitions
    from ..defs.ingestion.assets import LOAD_KEYS
    from ..defs.operations.planning import plan_build

    defs = build_definitions()
    if event_logger:
        # the loggers of a Definitions replace Dagster's console logger in its jobs; a run
        # starts those its run config names
        events = dg.Definitions(loggers={"events": _python_logger(event_logger)})
        defs = dg.Definitions.merge(defs, events)
        run_config = {"loggers": {"events": {}}}
    else:
        level = "WARNING" if verbose else "CRITICAL"
        run_config = {"loggers": {"console": {"config": {"log_level": level}}}}
    job = defs.resolve_job_def("daily_refresh")
    instance = (
        dg.DagsterInstance.get()
        if os.environ.get("DAGSTER_HOME")
        else dg.DagsterInstance.ephemeral()
    )
    result = RefreshResult(success=False, seconds=0.0, landing=shown_landing())
    # 1. the load (every raw asset and the audit's outputs), 2. the build it calls for
    load = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config=run_config,
        asset_selection=sorted(LOAD_KEYS),
    )
    _collect(result, load, instance)
    if load.success:
        plan = plan_build(
            settings.warehouse_path(),
            settings.publish_dir(),
            everything=full_refresh,
        )
        result.build_plan = plan.describe()
        logging.getLogger("crmwh").info(f"build plan: {result.build_plan}")
        if plan.selection:
            config = {**run_config, **plan.run_config()}
            build = job.execute_in_process(
                instance=instance,
                raise_on_error=False,
                run_config=config,
                asset_selection=sorted(plan.selection),
            )
            _collect(result, build, instance)
    _read_audit(result)
    _read_publication(result)
    result.seconds = time.monotonic() - started
    return result
