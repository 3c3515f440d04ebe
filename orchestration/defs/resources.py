"""Resources shared by the definitions: paths come from the environment (see lib/settings)."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from ..lib import settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file (one writer at a time: open it only inside a step)."""

    path: str

    @property
    def file(self) -> Path:
        return Path(self.path)


class LandingResource(dg.ConfigurableResource):
    """The landing folder that holds one sub-folder per export batch."""

    path: str

    @property
    def folder(self) -> Path:
        return Path(self.path)


def build_resources() -> dict:
    settings.export_environment()
    return {
        "warehouse": WarehouseResource(path=str(settings.warehouse_path())),
        "landing": LandingResource(path=str(settings.landing_dir())),
    }
