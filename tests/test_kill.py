"""A refresh killed (`kill -9`) anywhere: load, audit, dbt, publish (issue 8, the kill test).

Each case starts from a warehouse and a publication of the golden clean example's first
two batches, adds the third batch, and runs `crmwh refresh` as a process that SIGKILLs
itself at one crash point (orchestration/lib/faults.py). Then:
- readers still see the previous publication, complete (its manifest's row counts are
  what its DuckDB file holds), or the new one once `current` has moved;
- a plain refresh succeeds, and its marts equal those of a refresh of all three batches
  that was never interrupted (doubles rounded: summation order), as does its publication.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.faults import POINTS
from tests.support import copy_landing, refresh
from tests.test_refresh_reliability import marts

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

LAST = "2026-11-23"


def publication_rows(publish_dir: Path) -> tuple[str, dict[str, int]]:
    """(run id, rows per mart) of the current publication, checked against its DuckDB file."""
    current = (publish_dir / "current").resolve()
    manifest = json.loads((current / "manifest.json").read_text())
    con = duckdb.connect(str(current / "crm.duckdb"), read_only=True)
    try:
        for name, entry in manifest["marts"].items():
            count = con.execute(f'select count(*) from marts."{name}"').fetchall()[0][0]
            assert count == entry["rows"], (current, name)
    finally:
        con.close()
    return manifest["run_id"], {n: e["rows"] for n, e in manifest["marts"].items()}


@pytest.fixture(scope="module")
def two_batches(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A refreshed and published warehouse of the first two batches."""
    root = tmp_path_factory.mktemp("kill_base")
    landing = copy_landing(golden / "clean" / "landing", root / "landing")
    shutil.rmtree(landing / LAST)
    result = refresh(landing, root / "crm.duckdb")
    assert result.success, result.error
    return root


@pytest.mark.parametrize("point", POINTS)
def test_a_refresh_killed_anywhere_is_recovered_by_the_next(
    point, two_batches, golden, clean_refreshed, tmp_path
):
    root = tmp_path / "w"
    shutil.copytree(two_batches, root, symlinks=True)
    landing, warehouse, publish_dir = root / "landing", root / "crm.duckdb", root / "published"
    before_run, before_rows = publication_rows(publish_dir)
    copy_landing(golden / "clean" / "landing" / LAST, landing / LAST)

    killed = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh"],
        env={
            **os.environ,
            "CRMWH_LANDING": str(landing),
            "CRMWH_WAREHOUSE": str(warehouse),
            "CRMWH_CRASH_AT": point,
        },
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert killed.returncode == -9, (point, killed.returncode, killed.stdout[-2000:])

    run_id, rows = publication_rows(publish_dir)  # a complete publication, old or new
    if point != "publish:swapped":
        assert (run_id, rows) == (before_run, before_rows), point

    result = refresh(landing, warehouse)
    assert result.success, (point, result.error)
    clean_warehouse, _ = clean_refreshed
    got, expected = marts(warehouse), marts(clean_warehouse)
    assert [name for name in expected if got.get(name) != expected[name]] == [], point
    _, clean_rows = publication_rows(clean_warehouse.parent / "published")
    assert publication_rows(publish_dir)[1] == clean_rows, point
