"""Loading export batches from the landing folder into the raw schema of the warehouse.

Every batch that is new or changed since it was accepted is read and verified, one batch at
a time, oldest export date first (a file that breaks the contract refuses its batch before
anything of it is written; only one batch's records are in memory at once). Then the batch
is accepted or refused in one transaction of its own:
its earlier version is replaced in raw, the audit decides (lib/audit/), and the
transaction commits only when the batch passes. A refused batch leaves raw and the audit
tables exactly as they were, its earlier accepted version included; the other batches of
the refresh are decided on their own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from .adapters.reading import read_target
from .audit.auditor import Auditor
from .audit.results import AuditResult, VendorBatch
from .audit.tables import delete_batch
from .contract import BY_PATH
from .errors import BatchRefused, Refusal
from .faults import crash_point
from .landing import Batch, scan_landing
from .manifest import read_manifest, verify_file
from .parsing import ParsedFile, parse_export_file
from .warehouse import connect, ensure_layout, loaded_fingerprints

log = logging.getLogger("crmwh")


@dataclass
class ParsedBatch:
    batch: Batch
    fingerprint: str
    files: list[ParsedFile] = field(default_factory=list)
    layouts: dict[str, str] = field(default_factory=dict)  # domain -> vendor layout read
    timezone: str = "UTC"  # of the vendor times without an offset (crmwh-layouts.toml)
    # contract file -> (vendor file, first and last of its record numbers) in record order
    vendor_files: dict[str, list[tuple[str, int, int]]] = field(default_factory=dict)


@dataclass
class LoadReport:
    """What a load accepted, skipped and refused. The refusals are recorded once, in the
    audit's result (`audit.refusals`, each with the files it concerns); `refused` is
    derived from them."""

    loaded: list[str] = field(default_factory=list)  # batch names accepted in this run
    skipped: list[str] = field(default_factory=list)  # already accepted, unchanged
    records: dict[str, dict[str, int]] = field(default_factory=dict)  # batch -> file -> records
    cards_redacted: int = 0
    ignored_files: list[str] = field(default_factory=list)
    audit: AuditResult = field(default_factory=lambda: AuditResult(run_id=""))

    @property
    def refusals(self) -> list[Refusal]:
        return self.audit.refusals

    @property
    def refused(self) -> dict[str, BatchRefused]:
        """Refused batch name -> the error that stands for it (the first contract error,
        else every reason of the audit in one message)."""
        return self.audit.errors()

    @property
    def records_loaded(self) -> int:
        return sum(sum(files.values()) for files in self.records.values())

    def raise_for_refusals(self) -> LoadReport:
        """Raise the first refusal (oldest batch) as BatchRefused; else return self."""
        for name in sorted(self.refused):
            raise self.refused[name]
        return self


def read_batch(batch: Batch, fingerprint: str) -> ParsedBatch:
    """Parse and verify every contract file of a batch, the neutral ones and those a
    vendor's export files provide (converted by their layout, lib/adapters); raises
    BatchRefused."""
    parsed = ParsedBatch(batch, fingerprint)
    manifest = read_manifest(batch.path)
    plan = batch.vendor_plan()
    parsed.layouts = {domain: lay.vendor for domain, lay in plan.layouts().items()}
    parsed.timezone = next((s.timezone for s in plan.sources), parsed.timezone)
    for rel in batch.present_files():
        name = f"{batch.name}/{rel}"
        result = parse_export_file(batch.path / rel, BY_PATH[rel], name)
        if manifest is not None and rel in manifest:
            verify_file(manifest[rel], name, result.records, result.sha256)
        parsed.files.append(result)
    for target, sources in plan.targets().items():
        result, per_file = read_target(batch.path, batch.name, target, sources)
        first = 1
        for rel, (records, sha256) in per_file.items():
            if manifest is not None and rel in manifest:
                verify_file(manifest[rel], f"{batch.name}/{rel}", records, sha256)
            parsed.vendor_files.setdefault(target, []).append((rel, first, first + records - 1))
            first += records
        parsed.files.append(result)
    order = list(BY_PATH)
    parsed.files.sort(key=lambda f: order.index(f.spec.path))
    return parsed


def _write_batch(con, parsed: ParsedBatch, loaded_at: dt.datetime) -> None:
    day = parsed.batch.date
    delete_batch(con, day)
    for f in parsed.files:
        spec = f.spec
        con.register("incoming", f.table)
        columns = ", ".join(f'"{c}"' for c in spec.columns)
        con.execute(
            f"insert into raw.{spec.table} ({columns}, _batch_date, _source_file, _record_number) "
            f"select {columns}, ?, ?, _record_number from incoming",
            [day, spec.path],
        )
        con.unregister("incoming")
        con.execute(
            "insert into audit.file_loads (batch_date, source_file, records_read, "
            "records_loaded, records_quarantined, duplicates_removed, records_fixed, "
            "records_flagged, cards_redacted, sha256, loaded_at) "
            "values (?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?)",
            [day, spec.path, f.records, f.records, f.cards_redacted, f.sha256, loaded_at],
        )
    con.execute(
        "insert into audit.batch_loads (batch_date, fingerprint, files, loaded_at) "
        "values (?, ?, ?, ?)",
        [day, parsed.fingerprint, len(parsed.files), loaded_at],
    )


def _tables_of_batch(con, day: dt.date) -> set[str]:
    files = con.execute(
        "select source_file from audit.file_loads where batch_date = ?", [day]
    ).fetchall()
    return {BY_PATH[f].table for (f,) in files if f in BY_PATH}


def unchanged_batches(landing: Path, warehouse: Path) -> int | None:
    """The number of batches of `landing` when every one of them is loaded already in the
    same version and the folder holds nothing else to report (no name outside the contract,
    no misnamed folder or file); else None. Reads the files' content only as far as the
    first batch that differs."""
    scan = scan_landing(landing)
    if not scan.batches or scan.unknown or scan.refusals:
        return None
    known = loaded_fingerprints(warehouse)
    for batch in scan.batches:
        if batch.name not in known or batch.fingerprint() != known[batch.name]:
            return None
    return len(scan.batches)


def load_landing(
    landing: Path,
    warehouse: Path,
    progress: Callable[[str], None] = log.info,
    *,
    with_gx: bool = True,
    report_dir: Path | None = None,
    run_id: str | None = None,
) -> LoadReport:
    """Accept every new or changed batch of `landing` into `warehouse` (idempotent); each
    batch is audited and accepted or refused on its own. The report lists what was
    accepted, skipped and refused, and carries the audit's result."""
    scan = scan_landing(landing)
    if not scan.batches and not scan.refusals:
        raise BatchRefused(str(landing), "no batch folders (YYYY-MM-DD) in the landing folder")
    known = loaded_fingerprints(warehouse)
    auditor = Auditor(run_id=run_id, with_gx=with_gx)
    report = LoadReport(audit=auditor.result)
    report.ignored_files = list(scan.unknown_names)
    for unknown in scan.unknown:
        progress(f"not in the export contract, ignored: {unknown.name} ({unknown.reason})")
    for name, refusal in scan.refused_batches().items():
        auditor.refuse(name, refusal)
        progress(f"refused batch {name}: {refusal}")
    auditor.result.unknown_names = list(report.ignored_files)
    read = _read_pending(scan.batches, known, auditor, report, progress)
    read_any = _accept(warehouse, read, auditor, report, progress)
    report.audit = auditor.finish(
        None
        if not read_any and not report.refusals and not report.ignored_files
        else (report_dir or warehouse.parent / "audit_reports")
    )
    return report


def _read_pending(
    batches: list[Batch],
    known: dict[str, str],
    auditor: Auditor,
    report: LoadReport,
    progress: Callable[[str], None],
) -> Iterator[ParsedBatch]:
    """Each new or changed batch, read and verified, one at a time (oldest first): a batch's
    files are in memory only while it is accepted or refused, never the whole landing."""
    for batch in batches:
        if batch.name in report.audit.refused:
            continue
        try:
            fingerprint = batch.fingerprint()
            if known.get(batch.name) == fingerprint:
                report.skipped.append(batch.name)
                continue
            batch.check_names()
            files = len(batch.present_files()) + len(batch.vendor_plan().targets())
            progress(f"reading batch {batch.name} ({files} files)")  # contract files
            parsed = read_batch(batch, fingerprint)
        except BatchRefused as refusal:
            auditor.refuse(batch.name, refusal)
            progress(f"refused batch {batch.name}: {refusal}")
            continue
        crash_point("load:parsed")
        yield parsed
    if report.skipped:
        progress(f"{len(report.skipped)} batch(es) already loaded and unchanged")


def _release(parsed: ParsedBatch) -> None:
    """Free a decided batch's records: Arrow's allocator keeps freed memory for reuse unless
    told otherwise (~0.5 GiB held on through dbt and the publication at scale 100)."""
    parsed.files.clear()
    pa.default_memory_pool().release_unused()


def _accept(
    warehouse: Path,
    pending: Iterator[ParsedBatch],
    auditor: Auditor,
    report: LoadReport,
    progress: Callable[[str], None],
) -> bool:
    """Accept or refuse each batch `pending` yields, each in its own transaction; the
    warehouse is opened at the first one (not at all when none). Whether any batch came."""
    first = next(pending, None)
    if first is None:
        return False
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = connect(warehouse)
    in_transaction = False
    try:
        ensure_layout(con)
        for parsed in itertools.chain([first], pending):
            try:
                day, name = parsed.batch.date, parsed.batch.name
                con.execute("begin transaction")
                in_transaction = True
                tables = _tables_of_batch(con, day)  # the version being replaced
                _write_batch(con, parsed, loaded_at)
                tables |= _tables_of_batch(con, day)
                crash_point("load:written")
                refusals = auditor.audit_batch(con, day)
                if refusals:
                    con.execute("rollback")
                    in_transaction = False
                    progress(f"refused batch {name}: " + "; ".join(r.message for r in refusals))
                    continue
                auditor.redecide_dependents(con, day, tables)
                crash_point("audit:decided")
                con.execute("commit")
                in_transaction = False
                crash_point("load:committed")
                report.loaded.append(name)
                if parsed.layouts:
                    auditor.result.vendor_batches[name] = VendorBatch(
                        dict(parsed.layouts), parsed.vendor_files, parsed.timezone
                    )
                report.records[name] = {f.spec.path: f.records for f in parsed.files}
                report.cards_redacted += sum(f.cards_redacted for f in parsed.files)
                progress(f"loaded batch {name}: {sum(report.records[name].values())} records")
            finally:
                _release(parsed)
        con.execute("begin transaction")
        in_transaction = True
        auditor.record(con)
        con.execute("commit")
        in_transaction = False
        crash_point("audit:recorded")
    except BaseException:
        if in_transaction:
            con.execute("rollback")
        raise
    finally:
        con.close()
    return True
