"""Resources shared by the definitions: paths come from the environment (see lib/settings)."""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

import dagster as dg

from ..lib import settings
from ..lib.locking import refresh_lock
from ..lib.storage import is_url

log = logging.getLogger("crmwh")


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file (one writer at a time: open it only inside a step).

    For the whole run it holds the refresh lock of the warehouse (`<warehouse>.lock`, see
    lib/locking.py): two runs of the same warehouse never overlap, whoever launched them
    (`crmwh refresh`, the schedule, the sensor, the UI). A run that finds another one
    running waits up to `lock_timeout` seconds for it, then fails naming it."""

    path: str
    lock_timeout: float = settings.DEFAULT_LOCK_TIMEOUT

    @property
    def file(self) -> Path:
        return Path(self.path)

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        def waiting(message: str) -> None:
            context.log.warning(message)
            log.info(message)

        run_id = context.run.run_id if context.run else "?"
        with refresh_lock(
            self.file, timeout=self.lock_timeout, on_wait=waiting, command=f"dagster run {run_id}"
        ):
            yield self


class LandingResource(dg.ConfigurableResource):
    """The landing folder that holds one sub-folder per export batch: the one the loader
    reads, which is the mirror of a landing in an object store (lib/landing_mirror.py)."""

    path: str

    @property
    def folder(self) -> Path:
        return Path(self.path)


class PublicationResource(dg.ConfigurableResource):
    """Where the marts are published for BI tools (lib/publish.py)."""

    path: str
    keep: int = 7

    @property
    def folder(self) -> Path:
        return Path(self.path)


def _from_environment(variable: str, default: Path) -> str | dg.EnvVar:
    """`dg.EnvVar(variable)` when the variable is set: Dagster reads it where the run
    executes, and the UI shows the variable's name. Else the default of lib/settings, so that
    the refresh needs no configuration."""
    return dg.EnvVar(variable) if os.environ.get(variable) else str(default)


def _landing_folder() -> str | dg.EnvVar:
    """`CRMWH_LANDING` when it is a folder; for an object-store URL, its local mirror."""
    if is_url(settings.landing_location()):
        return str(settings.landing_dir())
    return _from_environment("CRMWH_LANDING", settings.landing_dir())


def build_resources() -> dict:
    # Sets CRMWH_LANDING (a URL stays one) and CRMWH_WAREHOUSE (to their defaults when unset)
    # and a set CRMWH_PUBLISH_DIR to absolute paths; an unset CRMWH_PUBLISH_DIR follows the
    # warehouse.
    settings.export_environment()
    return {
        "warehouse": WarehouseResource(
            path=_from_environment("CRMWH_WAREHOUSE", settings.warehouse_path()),
            lock_timeout=settings.lock_timeout(),
        ),
        "landing": LandingResource(path=_landing_folder()),
        "publication": PublicationResource(
            path=_from_environment("CRMWH_PUBLISH_DIR", settings.publish_dir())
        ),
    }
