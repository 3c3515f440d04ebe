"""What the warehouse's dbt models were last built from, and what changed since.

A refresh rebuilds only the models whose inputs changed since the last good build
(orchestration/defs/operations/planning.py turns the changes into an asset selection).
The inputs of the models are:

- the dbt project itself: a digest of its files (`project`); when it changed, everything
  is rebuilt;
- each export file's loads: a digest of its rows of audit.file_loads (batch, content
  SHA-256 and `loaded_at`, which the audit also moves when it decides a file's records
  again). A loaded, replaced, restored or re-decided batch changes the digest of each of
  its files; the audit's quarantine and findings only change with those loads;
- the as-of date, read from the model that defines it (`intermediate.int_as_of_date`, a
  view over the audit's live file loads), so that the rule is not restated here (on
  DuckDB; a build on Spark leaves no such view in the warehouse file: there any change
  rebuilds every model, defs/operations/planning.py);
- the engine that built them (`CRMWH_ENGINE`): another engine rebuilds everything.

A build records this state in `audit.marts_builds` at its end, only when dbt succeeded and
its selection held every model that had changed (defs/transform/assets.py): a crash, a dbt
error or a failed dbt test records nothing, so the next refresh rebuilds what is still
pending. The run holds the warehouse's refresh lock throughout: the loads cannot change
between the start of the build and the record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import settings

PROJECT_FILES = (
    "dbt_project.yml",
    "profiles.yml",
    "packages.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "analyses",
)
"""The files of the dbt project whose content decides what the models are (the manifest
is prepared again when one changes: defs/transform/project.py)."""

AS_OF_VIEW = "intermediate.int_as_of_date"

_FILE_DIGESTS = """
    select
        source_file,
        md5(string_agg(
            cast(batch_date as varchar) || ' ' || sha256 || ' ' || cast(loaded_at as varchar),
            ';' order by batch_date
        )) as digest
    from audit.file_loads
    group by source_file
"""


@dataclass(frozen=True)
class BuildState:
    """The inputs of a build: project digest, per export file the digest of its loads, and
    the as-of date (None before the first build made its view)."""

    project: str
    files: dict[str, str] = field(default_factory=dict)
    as_of_date: str | None = None
    engine: str = "duckdb"  # the engine that built the models (CRMWH_ENGINE)

    def to_json(self) -> str:
        return json.dumps(
            {
                "project": self.project,
                "files": self.files,
                "as_of_date": self.as_of_date,
                "engine": self.engine,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> BuildState:
        data = json.loads(text)
        return cls(
            data["project"],
            dict(data["files"]),
            data.get("as_of_date"),
            data.get("engine", "duckdb"),  # builds recorded before the engine setting
        )


@dataclass(frozen=True)
class Changes:
    """What changed between the last recorded build and now."""

    everything: bool  # no recorded build, the dbt project or the engine changed
    files: tuple[str, ...] = ()  # export files whose loads changed
    as_of_moved: bool = False
    reason: str = ""

    @property
    def nothing(self) -> bool:
        return not (self.everything or self.files or self.as_of_moved)


@dataclass(frozen=True)
class Build:
    build_id: str
    run_id: str
    finished_at: dt.datetime
    state: BuildState


def project_digest(project_dir: Path = settings.DBT_PROJECT_DIR) -> str:
    """SHA-256 over the relative paths and contents of the dbt project's files."""
    digest = hashlib.sha256()
    for name in PROJECT_FILES:
        root = project_dir / name
        paths = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
        for path in paths:
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0")
                digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _has_relation(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    schema, name = qualified.split(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = current_database() and table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def current_state(
    con: duckdb.DuckDBPyConnection, project_dir: Path = settings.DBT_PROJECT_DIR
) -> BuildState:
    files: dict[str, str] = {}
    if _has_relation(con, "audit.file_loads"):
        files = {f: d for f, d in con.execute(_FILE_DIGESTS).fetchall()}
    as_of = None
    if _has_relation(con, AS_OF_VIEW):
        try:
            value = con.execute(f"select as_of_date from {AS_OF_VIEW}").fetchall()[0][0]
            as_of = value.isoformat() if value is not None else None
        except duckdb.Error:  # a view of an older project that no longer binds
            as_of = "unreadable"
    return BuildState(project_digest(project_dir), files, as_of, settings.engine())


def last_build(con: duckdb.DuckDBPyConnection) -> Build | None:
    if not _has_relation(con, "audit.marts_builds"):
        return None
    row = con.execute(
        "select build_id, run_id, finished_at, state from audit.marts_builds "
        "order by finished_at desc limit 1"
    ).fetchall()
    if not row:
        return None
    build_id, run_id, finished_at, state = row[0]
    return Build(build_id, run_id, finished_at, BuildState.from_json(state))


def changes_since(last: Build | None, now: BuildState) -> Changes:
    if last is None:
        return Changes(everything=True, reason="no earlier build of the marts")
    if last.state.project != now.project:
        return Changes(everything=True, reason="the dbt project changed since the last build")
    if last.state.engine != now.engine:
        return Changes(
            everything=True,
            reason=f"the last build was on {last.state.engine}, this one is on {now.engine}",
        )
    names = set(last.state.files) | set(now.files)
    files = tuple(sorted(f for f in names if last.state.files.get(f) != now.files.get(f)))
    moved = last.state.as_of_date != now.as_of_date
    if not files and not moved:
        return Changes(everything=False, reason=f"nothing changed since build {last.build_id}")
    what = [f"{len(files)} export file(s) loaded or decided again"] if files else []
    if moved:
        what.append(f"as-of date {last.state.as_of_date} -> {now.as_of_date}")
    return Changes(everything=False, files=files, as_of_moved=moved, reason="; ".join(what))


def publication_behind(last: Build | None, publish_dir: Path) -> bool:
    """Whether the current publication is not of the last good build (none yet, or a crash
    between a build and its publication)."""
    from .publish import current_publication

    publication = current_publication(publish_dir)
    return last is None or publication is None or publication.build_id != last.build_id


def read_changes(warehouse: Path) -> tuple[Build | None, Changes]:
    """The warehouse's last good build and what changed since (read-only)."""
    con = duckdb.connect(str(warehouse), read_only=True, config=settings.duckdb_config())
    try:
        last = last_build(con)
        return last, changes_since(last, current_state(con))
    finally:
        con.close()


def up_to_date(warehouse: Path, publish_dir: Path) -> str | None:
    """When the marts and the publication are of the warehouse's current state: why (one
    line); else None. Read-only."""
    if not warehouse.exists():
        return None
    last, changes = read_changes(warehouse)
    if not changes.nothing or publication_behind(last, publish_dir):
        return None
    return changes.reason


def record_build(con: duckdb.DuckDBPyConnection, state: BuildState, run_id: str) -> str:
    """Record a good build of everything `state` required; returns its id."""
    build_id = uuid.uuid4().hex[:12]
    con.execute(
        "insert into audit.marts_builds (build_id, run_id, finished_at, state) values (?, ?, ?, ?)",
        [build_id, run_id, dt.datetime.now(dt.UTC).replace(tzinfo=None), state.to_json()],
    )
    return build_id
