"""Loading export batches from the landing folder into the raw schema of the warehouse.

A refresh first reads and verifies every batch that is new or changed since it was loaded;
only when all of them pass does it open the warehouse for writing and replace those
batches in one transaction. A refused batch therefore leaves the file untouched.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .contract import BY_PATH, FILES
from .errors import BatchRefused
from .landing import Batch, discover_batches
from .manifest import read_manifest, verify_file
from .parsing import ParsedFile, parse_export_file
from .warehouse import connect, ensure_layout, loaded_fingerprints

log = logging.getLogger("crmwh")


@dataclass
class ParsedBatch:
    batch: Batch
    fingerprint: str
    files: list[ParsedFile] = field(default_factory=list)


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)  # batch names loaded in this run
    skipped: list[str] = field(default_factory=list)  # already loaded, unchanged
    records: dict[str, dict[str, int]] = field(default_factory=dict)  # batch -> file -> records
    cards_redacted: int = 0
    ignored_files: list[str] = field(default_factory=list)

    @property
    def records_loaded(self) -> int:
        return sum(sum(files.values()) for files in self.records.values())


def read_batch(batch: Batch, fingerprint: str) -> ParsedBatch:
    """Parse and verify every contract file of a batch; raises BatchRefused."""
    parsed = ParsedBatch(batch, fingerprint)
    manifest = read_manifest(batch.path)
    for rel in batch.present_files():
        name = f"{batch.name}/{rel}"
        result = parse_export_file(batch.path / rel, BY_PATH[rel], name)
        if manifest is not None and rel in manifest:
            verify_file(manifest[rel], name, result.records, result.sha256)
        parsed.files.append(result)
    return parsed


def _write_batch(con, parsed: ParsedBatch, loaded_at: dt.datetime) -> None:
    day = parsed.batch.date
    for spec in FILES:
        con.execute(f"delete from raw.{spec.table} where _batch_date = ?", [day])
    con.execute("delete from audit.file_loads where batch_date = ?", [day])
    con.execute("delete from audit.quarantine where batch_date = ?", [day])
    con.execute("delete from audit.batch_loads where batch_date = ?", [day])
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
            "insert into audit.file_loads values (?, ?, ?, ?, 0, 0, 0, 0, ?, ?, ?)",
            [day, spec.path, f.records, f.records, f.cards_redacted, f.sha256, loaded_at],
        )
    con.execute(
        "insert into audit.batch_loads values (?, ?, ?, ?)",
        [day, parsed.fingerprint, len(parsed.files), loaded_at],
    )


def load_landing(
    landing: Path,
    warehouse: Path,
    progress: Callable[[str], None] = log.info,
) -> LoadReport:
    """Load every new or changed batch of `landing` into `warehouse` (idempotent)."""
    report = LoadReport()
    batches = discover_batches(landing)
    if not batches:
        raise BatchRefused(str(landing), "no batch folders (YYYY-MM-DD) in the landing folder")
    known = loaded_fingerprints(warehouse)
    pending: list[ParsedBatch] = []
    for batch in batches:
        fingerprint = batch.fingerprint()
        if known.get(batch.name) == fingerprint:
            report.skipped.append(batch.name)
            continue
        progress(f"reading batch {batch.name} ({len(batch.present_files())} files)")
        pending.append(read_batch(batch, fingerprint))
        report.ignored_files += [f"{batch.name}/{f}" for f in batch.ignored_files()]
    if report.skipped:
        progress(f"{len(report.skipped)} batch(es) already loaded and unchanged")
    if not pending and warehouse.exists():
        return report
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con = connect(warehouse)
    try:
        ensure_layout(con)
        con.execute("begin transaction")
        for parsed in pending:
            _write_batch(con, parsed, loaded_at)
            name = parsed.batch.name
            report.loaded.append(name)
            report.records[name] = {f.spec.path: f.records for f in parsed.files}
            report.cards_redacted += sum(f.cards_redacted for f in parsed.files)
            progress(f"loaded batch {name}: {sum(report.records[name].values())} records")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.close()
    return report
