"""dbt's unit tests (the models' logic on fixed inputs) in the fast tier.

dbt needs the parents of a unit-tested model to exist to know their column types: an
empty warehouse gets the raw and audit layout of the ingestion, then `dbt build --empty`
builds every seed and model with no rows and runs each unit test before its model. Data
tests are left out (they test data, and there is none): the refresh and the slow tier
run them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from orchestration.lib import warehouse
from orchestration.lib.settings import DBT_PROJECT_DIR


def test_every_dbt_unit_test_passes(tmp_path):
    database = tmp_path / "unit.duckdb"
    con = warehouse.connect(database)
    warehouse.ensure_layout(con)
    con.close()
    dbt = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "build",
            "--empty",
            "--exclude-resource-type",
            "test",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        env={**os.environ, "CRMWH_WAREHOUSE": str(database)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    unit_tests = {
        n["unique_id"] for n in manifest["unit_tests"].values() if n["package_name"] == "crmwh"
    }
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    ran = {r["unique_id"]: r["status"] for r in results if r["unique_id"].startswith("unit_test.")}
    assert dbt.returncode == 0, dbt.stdout[-5000:]
    assert len(unit_tests) >= 20
    assert set(ran) == unit_tests
    assert {uid: status for uid, status in ran.items() if status != "pass"} == {}
    assert re.search(r"ERROR=0 SKIP=0", dbt.stdout)
