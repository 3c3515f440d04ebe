"""Publishing the marts for BI tools: versioned read-only copies, swapped in atomically.

The refresh builds in the working warehouse, which is private to the pipeline (DuckDB has
one writer per file, and any reader would make the next refresh fail). After a green run,
`publish` writes a new version folder and then points `current` at it:

    <publish_dir>/
      current -> versions/<run_id>      a symlink, replaced with os.replace (atomic)
      versions/<run_id>/
        crm.duckdb                      schema `marts`, every mart as a table, checkpointed,
                                        in a storage format DuckDB 1.x clients open
        parquet/<mart>.parquet          one file per mart
        manifest.json                   run_id, as_of_date, build_id (audit.marts_builds),
                                        published_at, and per mart its row count and an
                                        order-independent checksum

A reader that resolves `current` gets the old or the new version, never a half-written one
(a version is complete before `current` points at it), and a reader that holds an old file
open keeps reading it, also after the version is pruned. Nothing ever writes into a
version folder after it is published. The last `KEEP` versions are kept (never `current`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import settings
from .build_state import last_build
from .failures import PathNotUsable, PublicationError
from .faults import crash_point
from .locking import ensure_writable_dir, file_lock

SCHEMA = "marts"
DATABASE_FILE = "crm.duckdb"
PARQUET_DIR = "parquet"
MANIFEST = "manifest.json"
CURRENT = "current"
VERSIONS = "versions"
KEEP = 7
# The oldest storage format: DuckDB 1.0 to 1.5 and 2.0 all open it (measured: a file
# written by duckdb 2.0 with v1.0.0 opens in 1.0.0, 1.1.3, 1.2.2, 1.3.2, 1.4.5 and 2.0.0;
# v1.4.0 only in 1.4.5 and 2.0.0; the default, "latest", only in 2.0).
STORAGE_VERSION = "v1.0.0"
_ALIAS = "crmwh_publication"
_INCOMING = ".incoming-"
_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass
class Publication:
    """One published version (a folder of versions/ with a manifest)."""

    run_id: str
    folder: Path
    manifest: dict = field(repr=False)
    is_current: bool = False

    @property
    def duckdb(self) -> Path:
        return self.folder / DATABASE_FILE

    @property
    def parquet(self) -> Path:
        return self.folder / PARQUET_DIR

    @property
    def manifest_path(self) -> Path:
        return self.folder / MANIFEST

    @property
    def as_of_date(self) -> str | None:
        return self.manifest.get("as_of_date")

    @property
    def build_id(self) -> str | None:
        return self.manifest.get("build_id")

    @property
    def published_at(self) -> str:
        return str(self.manifest.get("published_at", ""))

    @property
    def rows(self) -> int:
        return sum(m["rows"] for m in self.manifest.get("marts", {}).values())

    def to_json(self) -> dict:
        return {
            "run_id": self.run_id,
            "as_of_date": self.as_of_date,
            "published_at": self.published_at,
            "current": self.is_current,
            "duckdb": str(self.duckdb),
            "parquet": str(self.parquet),
            "manifest": str(self.manifest_path),
            "marts": len(self.manifest.get("marts", {})),
            "rows": self.rows,
        }


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _lock(publish_dir: Path, timeout: float = 120.0):
    """Publishing, restoring and pruning one publish folder happen one at a time."""

    def busy(running: str) -> Exception:
        return PublicationError(
            f"the publications in {publish_dir} are being changed ({running}); try again"
        )

    return file_lock(publish_dir / ".lock", timeout=timeout, busy=busy)


def table_checksum(con, catalog: str, schema: str, table: str) -> tuple[int, str]:
    """Rows and checksum of a table: a digest of its columns (names, types, order), its row
    count and the sum of DuckDB's hash() of every row, so equal content gives an equal
    checksum whatever the rows' order (duplicates count; the hash is DuckDB's)."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() "
        "where database_name = ? and schema_name = ? and table_name = ? order by column_index",
        [catalog, schema, table],
    ).fetchall()
    rows, total = con.execute(
        f"select count(*), coalesce(sum(hash(t)::hugeint), 0) "
        f"from {_quote(catalog)}.{_quote(schema)}.{_quote(table)} t"
    ).fetchall()[0]
    signature = ";".join(f"{name} {kind}" for name, kind in columns)
    digest = hashlib.sha256(f"{signature}\n{rows}\n{total}".encode()).hexdigest()
    return int(rows), digest


def _build(working: Path, folder: Path, run_id: str) -> dict:
    """Write crm.duckdb, parquet/ and manifest.json of a new version into `folder`."""
    import duckdb

    (folder / PARQUET_DIR).mkdir(parents=True)
    target = folder / DATABASE_FILE
    con = duckdb.connect(str(working), read_only=True, config=settings.duckdb_config())
    try:
        source = con.execute("select current_database()").fetchall()[0][0]
        marts = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = ? and table_schema = ? order by 1",
                [source, SCHEMA],
            ).fetchall()
        ]
        if not marts:
            raise PublicationError(f"{working} has no schema {SCHEMA} to publish: run dbt first")
        has_batches = con.execute(
            "select count(*) from information_schema.tables where table_catalog = ? "
            "and table_schema = 'audit' and table_name = 'batch_loads'",
            [source],
        ).fetchall()[0][0]
        as_of = None
        if has_batches:
            latest = con.execute("select max(batch_date) from audit.batch_loads").fetchall()[0][0]
            as_of = latest.isoformat() if latest is not None else None
        build = last_build(con)
        con.execute(
            f"attach {_literal(str(target))} as {_ALIAS} "
            f"(storage_version {_literal(STORAGE_VERSION)}, read_write)"
        )
        con.execute(f"create schema {_ALIAS}.{SCHEMA}")
        manifest_marts: dict[str, dict] = {}
        for name in marts:
            table = _quote(name)
            con.execute(
                f"create table {_ALIAS}.{SCHEMA}.{table} as "
                f"select * from {_quote(source)}.{SCHEMA}.{table}"
            )
            crash_point("publish:written")  # a version folder half written
            rows, checksum = table_checksum(con, _ALIAS, SCHEMA, name)
            if (rows, checksum) != table_checksum(con, source, SCHEMA, name):
                raise PublicationError(f"the published copy of {name} differs from the mart")
            parquet = folder / PARQUET_DIR / f"{name}.parquet"
            con.execute(
                f"copy {_ALIAS}.{SCHEMA}.{table} to {_literal(str(parquet))} (format parquet)"
            )
            in_parquet = con.execute(
                f"select count(*) from read_parquet({_literal(str(parquet))})"
            ).fetchall()[0][0]
            if in_parquet != rows:
                raise PublicationError(f"{parquet} holds {in_parquet} rows, not {rows}")
            manifest_marts[name] = {"rows": rows, "checksum": checksum}
        con.execute(f"checkpoint {_ALIAS}")
        con.execute(f"detach {_ALIAS}")
        version = duckdb.__version__
    finally:
        con.close()
    manifest = {
        "run_id": run_id,
        "as_of_date": as_of,
        # the build of the marts published (audit.marts_builds): a refresh that finds
        # nothing changed publishes again only when the current publication is older
        "build_id": build.build_id if build else None,
        "published_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "storage_version": STORAGE_VERSION,
        "checksum": f"sha256 of the columns, row count and sum(hash(row)) in duckdb {version}",
        "marts": manifest_marts,
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    for file in [target, path, *sorted((folder / PARQUET_DIR).iterdir())]:
        _fsync(file)
    _fsync(folder / PARQUET_DIR)
    _fsync(folder)
    return manifest


def _check_run_id(run_id: str) -> None:
    if not _RUN_ID.match(run_id):
        raise PublicationError(f"not a usable run id for a version folder: {run_id!r}")


def _point_current(publish_dir: Path, run_id: str) -> None:
    """Make `current` point at versions/<run_id>: a new symlink renamed over the old one."""
    link = publish_dir / CURRENT
    if link.exists() and not link.is_symlink():
        raise PublicationError(f"{link} exists and is not a symlink: move it away")
    temporary = publish_dir / f".{CURRENT}-{os.getpid()}-{time.monotonic_ns()}"
    os.symlink(f"{VERSIONS}/{run_id}", temporary)
    try:
        os.replace(temporary, link)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _fsync(publish_dir)


def _remove_stale_incoming(versions: Path) -> None:
    """Folders of publications that were interrupted (their process is gone)."""
    for folder in versions.glob(f"{_INCOMING}*"):
        pid = folder.name.rsplit("-", 1)[-1]
        alive = False
        if pid.isdigit() and int(pid) != os.getpid():
            try:
                os.kill(int(pid), 0)
                alive = True
            except ProcessLookupError:
                alive = False
            except PermissionError:
                alive = True
        if not alive:
            shutil.rmtree(folder, ignore_errors=True)


def publish(working_warehouse: Path, publish_dir: Path, run_id: str, keep: int = KEEP) -> dict:
    """Publish the marts of `working_warehouse` as version `run_id` of `publish_dir`, make
    it current and prune old versions; returns the manifest."""
    _check_run_id(run_id)
    if not working_warehouse.is_file():
        raise PublicationError(f"no warehouse to publish at {working_warehouse}")
    ensure_writable_dir(
        publish_dir, "the publish folder", "make it writable or set CRMWH_PUBLISH_DIR"
    )
    versions = publish_dir / VERSIONS
    versions.mkdir(exist_ok=True)
    with _lock(publish_dir):
        _remove_stale_incoming(versions)
        target = versions / run_id
        existing = _read(publish_dir, target, current_target(publish_dir))
        if existing is not None and existing.is_current:
            return existing.manifest  # this run was published already (a retried step)
        incoming = versions / f"{_INCOMING}{run_id}-{os.getpid()}"
        try:
            manifest = _build(working_warehouse, incoming, run_id)
            if target.exists():
                shutil.rmtree(target)
            os.rename(incoming, target)
        except BaseException:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        _fsync(versions)
        crash_point("publish:before-swap")
        _point_current(publish_dir, run_id)
        crash_point("publish:swapped")
        _prune(publish_dir, keep)
    return manifest


def current_target(publish_dir: Path) -> str | None:
    """The run id `current` points at, or None."""
    link = publish_dir / CURRENT
    try:
        target = os.readlink(link)
    except OSError:
        return None
    return Path(target).name


def _read(publish_dir: Path, folder: Path, current: str | None) -> Publication | None:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(manifest, dict):
        return None
    return Publication(folder.name, folder, manifest, is_current=folder.name == current)


def list_publications(publish_dir: Path) -> list[Publication]:
    """Every complete version, newest first."""
    versions = publish_dir / VERSIONS
    if not versions.is_dir():
        return []
    current = current_target(publish_dir)
    found = [
        p
        for folder in versions.iterdir()
        if folder.is_dir() and not folder.name.startswith(".")
        for p in [_read(publish_dir, folder, current)]
        if p is not None
    ]
    return sorted(found, key=lambda p: (p.published_at, p.run_id), reverse=True)


def current_publication(publish_dir: Path) -> Publication | None:
    current = current_target(publish_dir)
    if current is None:
        return None
    return _read(publish_dir, publish_dir / VERSIONS / current, current)


def find(publish_dir: Path, run_id: str) -> Publication:
    """The publication of `run_id` (or of the one run id that starts with it)."""
    publications = list_publications(publish_dir)
    exact = [p for p in publications if p.run_id == run_id]
    matches = exact or [p for p in publications if p.run_id.startswith(run_id)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise PublicationError(
            f"no publication {run_id!r} in {publish_dir} (`crmwh publications` lists them)"
        )
    raise PublicationError(f"{run_id!r} names {len(matches)} publications: give more of it")


def restore(publish_dir: Path, run_id: str) -> Publication:
    """Make an earlier publication current again (until the next green refresh)."""
    if not publish_dir.is_dir():
        raise PublicationError(f"no publications in {publish_dir}")
    try:
        with _lock(publish_dir):
            publication = find(publish_dir, run_id)
            _point_current(publish_dir, publication.run_id)
    except PermissionError as e:
        raise PathNotUsable(f"cannot change {publish_dir}: {e.strerror}") from None
    publication.is_current = True
    return publication


def _prune(publish_dir: Path, keep: int) -> list[str]:
    current = current_target(publish_dir)
    removed = []
    for publication in list_publications(publish_dir)[keep:]:
        if publication.run_id != current:
            shutil.rmtree(publication.folder, ignore_errors=True)
            removed.append(publication.run_id)
    return removed


def prune(publish_dir: Path, keep: int = KEEP) -> list[str]:
    """Remove all but the newest `keep` versions (never the current one); returns the run
    ids removed. Readers holding a removed file open keep reading it."""
    with _lock(publish_dir):
        return _prune(publish_dir, keep)
