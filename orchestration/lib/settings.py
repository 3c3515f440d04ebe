"""Where things are: the landing folder, the warehouse file and the dbt project.

Environment variables override the defaults, which work from a clean clone:
`CRMWH_LANDING` (default `seeds/exports`) and `CRMWH_WAREHOUSE` (default
`warehouse/crm.duckdb`), both relative to the project root unless absolute.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

DEFAULTS = {
    "CRMWH_LANDING": "seeds/exports",
    "CRMWH_WAREHOUSE": "warehouse/crm.duckdb",
}


def _resolve(variable: str) -> Path:
    path = Path(os.environ.get(variable) or DEFAULTS[variable]).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


def landing_dir() -> Path:
    return _resolve("CRMWH_LANDING")


def warehouse_path() -> Path:
    return _resolve("CRMWH_WAREHOUSE")


def export_environment() -> None:
    """Make the resolved absolute paths visible to child processes (dbt reads
    CRMWH_WAREHOUSE in profiles.yml)."""
    os.environ["CRMWH_LANDING"] = str(landing_dir())
    os.environ["CRMWH_WAREHOUSE"] = str(warehouse_path())
