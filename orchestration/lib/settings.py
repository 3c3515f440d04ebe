"""Where things are: the landing folder, the warehouse file and the dbt project.

Environment variables override the defaults, which work from a clean clone:
`CRMWH_LANDING` (default `seeds/exports`; a folder or an object-store URL) and
`CRMWH_WAREHOUSE` (default `warehouse/crm.duckdb`), both relative to the project root unless
absolute;
`CRMWH_PUBLISH_DIR` (default: `published/` beside the warehouse file) where BI tools read
the published marts; `CRMWH_LOCK_TIMEOUT` (seconds, default 600) how long a refresh waits
for another one of the same warehouse before giving up; `CRMWH_MEMORY_LIMIT` (default
`1GB`) the memory limit of every DuckDB database the pipeline opens, dbt's included;
`CRMWH_ENGINE` (`duckdb`, the default, or `spark`) the engine dbt builds the models on, and
for Spark `CRMWH_LAKE` (default: `lake/` beside the warehouse file; a folder or an
object-store URL) where the loader exports the raw and audit tables as Parquet and Spark the
marts, `CRMWH_DBT_TARGET` (default `spark`, the local session) the output of profiles.yml
dbt builds with, `CRMWH_SPARK_DIR` (default: `spark/` beside the warehouse file) the local
Spark session's catalog, and `CRMWH_SPARK_WAREHOUSE` (default: `tables/` in it; a folder or a
URL) its tables; `CRMWH_SPARK_MASTER` (default `local[2]`) and
`CRMWH_SPARK_DRIVER_MEMORY` (default `2g`) the local Spark sessions' (dbt's, read in
profiles.yml, and the audit's, lib/spark_session.py) (docs/spark.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from .failures import UserError
from .storage import Location, is_url

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULTS = {
    "CRMWH_LANDING": "seeds/exports",
    "CRMWH_WAREHOUSE": "warehouse/crm.duckdb",
}
DEFAULT_LOCK_TIMEOUT = 600
# DuckDB's own default is 80 % of the machine's memory, which it fills with cached pages: the
# loader's, the publisher's and dbt's databases each took 1-1.7 GiB at scale 100. Operators
# past the limit spill to disk (in the warehouse folder's .tmp).
DEFAULT_MEMORY_LIMIT = "1GB"
ENGINES = ("duckdb", "spark")


def _resolve_path(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def _resolve(variable: str) -> Path:
    return _resolve_path(os.environ.get(variable) or DEFAULTS[variable])


def landing_location() -> str:
    """`CRMWH_LANDING` as given when it is a URL (`s3://bucket/exports`, lib/storage.py),
    else its absolute path."""
    value = os.environ.get("CRMWH_LANDING") or DEFAULTS["CRMWH_LANDING"]
    if is_url(value):
        location = Location.of(value)
        return str(location.local_path) if location.is_local else location.root
    return str(_resolve_path(value))


def landing_dir() -> Path:
    """The landing folder the loader reads: `CRMWH_LANDING`, or, when that is an
    object-store URL, its mirror `landing-mirror/` beside the warehouse file, which the
    refresh brings up to date before it reads (lib/landing_mirror.py)."""
    location = landing_location()
    return warehouse_path().parent / "landing-mirror" if is_url(location) else Path(location)


def warehouse_path() -> Path:
    return _resolve("CRMWH_WAREHOUSE")


def publish_dir() -> Path:
    """Where the marts are published for BI tools (`current/` and `versions/`)."""
    if os.environ.get("CRMWH_PUBLISH_DIR"):
        return _resolve_path(os.environ["CRMWH_PUBLISH_DIR"])
    return warehouse_path().parent / "published"


def lock_timeout() -> float:
    """Seconds a refresh waits for a running refresh of the same warehouse."""
    value = os.environ.get("CRMWH_LOCK_TIMEOUT") or str(DEFAULT_LOCK_TIMEOUT)
    try:
        seconds = float(value)
    except ValueError:
        raise UserError(f"CRMWH_LOCK_TIMEOUT must be a number of seconds, not {value!r}") from None
    return max(seconds, 0.0)


def memory_limit() -> str:
    """The memory limit of every DuckDB database the pipeline opens (DuckDB's syntax:
    `1GB`, `512MB`, `50%`)."""
    return os.environ.get("CRMWH_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def duckdb_config() -> dict[str, str]:
    """The configuration of every DuckDB database the pipeline opens (dbt's: profiles.yml
    reads CRMWH_MEMORY_LIMIT, exported by `export_environment`)."""
    return {"memory_limit": memory_limit()}


def engine() -> str:
    """The engine dbt builds the models on: `duckdb` (the warehouse file itself) or `spark`
    (a local Spark session started by dbt, or a cluster: docs/spark.md)."""
    value = (os.environ.get("CRMWH_ENGINE") or ENGINES[0]).strip().lower()
    if value not in ENGINES:
        raise UserError(f"CRMWH_ENGINE must be one of {', '.join(ENGINES)}, not {value!r}")
    return value


def dbt_target() -> str:
    """The output of dbt_project/profiles.yml dbt builds with: the engine's own (`duckdb`,
    `spark`: a local session), or, on Spark, `CRMWH_DBT_TARGET`, an output added for a
    cluster (a Thrift server, Databricks: docs/spark.md)."""
    if engine() == "duckdb":
        return "duckdb"
    return (os.environ.get("CRMWH_DBT_TARGET") or engine()).strip()


def lake_location() -> Location:
    """Where the loader exports the raw and audit tables as Parquet for Spark, and Spark
    the marts for the publication (lib/lake.py): a folder or an object-store URL."""
    value = os.environ.get("CRMWH_LAKE")
    if not value:
        return Location.of(warehouse_path().parent / "lake")
    return Location.of(value if is_url(value) else _resolve_path(value))


def spark_dir() -> Path:
    """The local Spark session's catalog (a Derby metastore) and, by default, its tables."""
    if os.environ.get("CRMWH_SPARK_DIR"):
        return _resolve_path(os.environ["CRMWH_SPARK_DIR"])
    return warehouse_path().parent / "spark"


def spark_warehouse() -> str:
    """Where the local Spark session keeps the tables dbt builds (`spark.sql.warehouse.dir`):
    `CRMWH_SPARK_WAREHOUSE`, a folder or a URL, default `tables/` in the Spark folder."""
    value = os.environ.get("CRMWH_SPARK_WAREHOUSE")
    if not value:
        return str(spark_dir() / "tables")
    return value if is_url(value) else str(_resolve_path(value))


def export_environment() -> None:
    """Make the resolved absolute paths and the memory limit visible to child processes
    (dbt reads CRMWH_WAREHOUSE and CRMWH_MEMORY_LIMIT in profiles.yml) and to the resources
    (dg.EnvVar, defs/resources.py).
    An unset CRMWH_PUBLISH_DIR stays unset: its default follows the warehouse."""
    os.environ["CRMWH_LANDING"] = landing_location()
    os.environ["CRMWH_WAREHOUSE"] = str(warehouse_path())
    os.environ["CRMWH_MEMORY_LIMIT"] = memory_limit()
    os.environ["CRMWH_ENGINE"] = engine()
    # read by profiles.yml and macros/engine.sql; under names of their own, so that an unset
    # CRMWH_LAKE or CRMWH_SPARK_DIR keeps following the warehouse, and CRMWH_DBT_TARGET the
    # engine, in a process that refreshes on both
    os.environ["CRMWH_RESOLVED_LAKE"] = lake_location().root
    os.environ["CRMWH_RESOLVED_DBT_TARGET"] = dbt_target()
    os.environ["CRMWH_RESOLVED_SPARK_DIR"] = str(spark_dir())
    os.environ["CRMWH_RESOLVED_SPARK_WAREHOUSE"] = spark_warehouse()
    if os.environ.get("CRMWH_PUBLISH_DIR"):
        os.environ["CRMWH_PUBLISH_DIR"] = str(publish_dir())
