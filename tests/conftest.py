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


# The longest modules (minutes each: refreshes killed and recovered, re-deliveries, the
# console's refreshes) start first, so that the two xdist workers end together instead of
# one running a long module alone at the end. A module's tests stay together (its
# module-scoped fixtures are set up once).
LONGEST_FIRST = (
    "test_kill.py",
    "test_refresh_reliability.py",
    "test_arrival_order.py",
    "test_console.py",
    "test_concurrency.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        if name in LONGEST_FIRST:
            return LONGEST_FIRST.index(name)
        return len(LONGEST_FIRST) + (0 if item.path in slow_modules else 1)

    items.sort(key=rank)
