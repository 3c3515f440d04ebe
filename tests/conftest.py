"""Shared fixtures: the golden example (tests/fixtures/golden) and refreshes of it through the
real stack (Dagster in-process, DuckDB, dbt)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestration.lib.refresh import RefreshResult
from tests.support import GOLDEN, copy_landing, refresh


@pytest.fixture(scope="session")
def golden() -> Path:
    assert GOLDEN.is_dir(), f"the golden example is expected at {GOLDEN}"
    return GOLDEN


@pytest.fixture(scope="session")
def dirty_refreshed(
    golden: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, RefreshResult]:
    """The golden dirty landing, refreshed once: (warehouse file, result)."""
    root = tmp_path_factory.mktemp("dirty")
    landing = copy_landing(golden / "dirty" / "landing", root / "landing")
    warehouse = root / "crm.duckdb"
    return warehouse, refresh(landing, warehouse)


@pytest.fixture(scope="session")
def clean_refreshed(
    golden: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, RefreshResult]:
    root = tmp_path_factory.mktemp("clean")
    landing = copy_landing(golden / "clean" / "landing", root / "landing")
    warehouse = root / "crm.duckdb"
    return warehouse, refresh(landing, warehouse)
