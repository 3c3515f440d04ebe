"""The published marts: the only thing BI readers (the dashboard, the docs site) open.

After each green refresh the publication step writes a new version folder and points
`<publish_dir>/current` at it:

    <publish_dir>/current -> versions/<run_id>/
        crm.duckdb          every table of schema `marts` (DuckDB-1.x-compatible storage)
        parquet/<table>.parquet
        manifest.json

`<publish_dir>` is `$CRMWH_PUBLISH_DIR`, default `published/` beside the warehouse file
(`warehouse/published`): `settings.publish_dir()`, the folder the refresh publishes to.
The working warehouse is never opened here: a reader that holds it would make the next
refresh fail to take its write lock.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.lib import settings
from orchestration.lib.failures import UserError
from orchestration.lib.settings import PROJECT_ROOT

PUBLISH_DIR_VARIABLE = "CRMWH_PUBLISH_DIR"


class NoPublication(UserError):
    """No published marts where they were looked for."""


def publish_dir(path: str | Path | None = None) -> Path:
    """The publication folder: `path` (relative to the project root), else the setting."""
    if not path:
        return settings.publish_dir()
    path = Path(path).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


@dataclass(frozen=True)
class Publication:
    """One published version, its symlink resolved (it stays valid when `current` moves)."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "crm.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.root / "parquet"

    @property
    def version(self) -> str:
        return self.root.name

    def manifest(self) -> dict:
        try:
            return json.loads((self.root / "manifest.json").read_text())
        except (OSError, ValueError):
            return {}

    def as_of_date(self) -> dt.date | None:
        """The latest export day in the publication (its manifest), if it says."""
        value = self.manifest().get("as_of_date")
        try:
            return dt.date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            return None

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the published DuckDB file."""
        return duckdb.connect(str(self.database), read_only=True)


def current(path: str | Path | None = None) -> Publication:
    """The current publication under the publication folder `path` (default as above).

    `path` may also be a version folder itself (one holding crm.duckdb), e.g. `.../current`.
    """
    folder = publish_dir(path)
    for candidate in (folder / "current", folder):
        if (candidate / "crm.duckdb").is_file():
            return Publication(candidate.resolve())
    raise NoPublication(
        f"no published marts at {folder}/current/crm.duckdb: run `crmwh refresh` "
        f"(each green refresh publishes them) or set {PUBLISH_DIR_VARIABLE}"
    )
