"""Resources shared by the definitions: paths come from the environment (see lib/settings)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import dagster as dg

from ..lib import settings
from ..lib.locking import refresh_lock

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
    """The landing folder that holds one sub-folder per export batch."""

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


def build_resources() -> dict:
    settings.export_environment()
    return {
        "warehouse": WarehouseResource(
            path=str(settings.warehouse_path()), lock_timeout=settings.lock_timeout()
        ),
        "landing": LandingResource(path=str(settings.landing_dir())),
        "publication": PublicationResource(path=str(settings.publish_dir())),
    }
