"""The refresh's own local Spark session, for Great Expectations on Spark DataFrames
(lib/audit/gx.py, `CRMWH_ENGINE=spark`).

One session per process, started the first time it is asked for and stopped at interpreter
exit: master `CRMWH_SPARK_MASTER` (default `local[2]`), driver memory
`CRMWH_SPARK_DRIVER_MEMORY` (default `2g`), UTC, no UI, 4 shuffle partitions, no adaptive
execution, Arrow for the conversions to and from pandas and Arrow. It has no Hive support
and no metastore (an in-memory catalog): dbt builds the models in a Spark session of its
own, in dbt's process, with the Derby metastore of `CRMWH_SPARK_DIR`. It writes nothing
into the working directory: its warehouse directory is a temporary directory removed at
exit, and without Hive there is no derby.log nor metastore_db.

`pyspark` is imported by `session()` only: importing this module costs nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import logging
import os
import shutil
import sys
import tempfile
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger("crmwh")

DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "2g"
APP_NAME = "crmwh-audit"

_lock = threading.Lock()
_session: SparkSession | None = None
_scratch: str | None = None


def guard_spark_connect_import() -> None:
    """Make pyspark's Spark Connect package importable without ending the process.

    Great Expectations imports `pyspark.sql.connect` to learn whether Spark Connect is
    there. Without Spark Connect's own dependencies (grpc: the local session needs none),
    that import raises ImportError, which GX expects, except when the main module has no
    file (a `python -c` script, a pytest-xdist worker): pyspark then takes itself for a
    doctest run and calls `sys.exit(0)`, so the audit ends silently with status 0. In that
    case only, import the package here once, and mark it absent when it cannot be used,
    so that every later import raises the ImportError GX handles. Call before importing GX."""
    main = sys.modules.get("__main__")
    if (
        main is None
        or getattr(main, "__spec__", None) is not None
        or hasattr(main, "__file__")
        or hasattr(sys, "ps1")
        or "pyspark.sql.connect" in sys.modules
    ):
        return
    with contextlib.redirect_stderr(io.StringIO()):  # pyspark's "Skipping doctests" line
        try:
            import pyspark.sql.connect  # noqa: F401
        except (ImportError, SystemExit):
            sys.modules["pyspark.sql.connect"] = None  # type: ignore[assignment]


def master() -> str:
    return os.environ.get("CRMWH_SPARK_MASTER") or DEFAULT_MASTER


def driver_memory() -> str:
    return os.environ.get("CRMWH_SPARK_DRIVER_MEMORY") or DEFAULT_DRIVER_MEMORY


def config(scratch: str) -> dict[str, str]:
    """The session's configuration; `scratch` is its temporary directory."""
    return {
        "spark.master": master(),
        "spark.app.name": APP_NAME,
        "spark.driver.memory": driver_memory(),
        "spark.sql.session.timeZone": "UTC",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.level": "ERROR",
        "spark.sql.shuffle.partitions": "4",
        # the session runs GX's small one-off queries, one per metric: adaptive execution
        # runs each aggregation as two jobs (its shuffle stage first), which cost more than
        # they save here (the golden example's audit, 3 batches: about 20 % slower with it)
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.execution.arrow.pyspark.fallback.enabled": "false",
        # no Hive, no metastore: nothing of dbt's catalog, nothing in the working directory
        "spark.sql.catalogImplementation": "in-memory",
        "spark.sql.warehouse.dir": os.path.join(scratch, "spark-warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={scratch}",
    }


def session() -> SparkSession:
    """The process's local Spark session, started on first use."""
    global _session, _scratch
    with _lock:
        if _session is not None and not _is_stopped(_session):
            return _session
        from pyspark.sql import SparkSession

        if _scratch is None:
            _scratch = tempfile.mkdtemp(prefix="crmwh-spark-")
            atexit.register(_stop)
        builder = SparkSession.builder
        for key, value in config(_scratch).items():
            builder = builder.config(key, value)
        log.info("starting a local Spark session (%s, driver memory %s)", master(), driver_memory())
        _session = builder.getOrCreate()
        return _session


def _is_stopped(spark: SparkSession) -> bool:
    context = spark.sparkContext
    return context._jsc is None  # set to None by SparkContext.stop()


def _stop() -> None:
    """At interpreter exit: stop the session and remove its temporary directory."""
    global _session, _scratch
    with _lock:
        if _session is not None:
            try:
                _session.stop()
            except Exception:  # the JVM may already be gone at exit
                log.debug("stopping the Spark session failed", exc_info=True)
            _session = None
        if _scratch is not None:
            shutil.rmtree(_scratch, ignore_errors=True)
            _scratch = None
