"""Refreshes that used to report success with wrong or missing marts (issue 8, items 1
and 3), through the whole stack: Dagster, the audit, dbt."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.support import break_every_status, copy_landing, refresh, unlist_from_manifest

pytestmark = [pytest.mark.reliability, pytest.mark.slow]


# Build metadata, not data: the incremental snapshot's watermark (the load time it has seen).
NOT_DATA = {"loaded_through_at"}


def marts(warehouse: Path) -> dict[str, list[tuple]]:
    """Every table of schema marts, rows sorted, doubles rounded (summation order), build
    metadata left out."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        names = [
            n
            for (n,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        out = {}
        for name in names:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                [name],
            ).fetchall()
            select = ", ".join(
                f'round("{c}", 6)' if t in ("DOUBLE", "FLOAT") else f'"{c}"'
                for c, t in columns
                if c not in NOT_DATA
            )
            out[name] = con.execute(f"select {select} from marts.{name} order by all").fetchall()
        return out
    finally:
        con.close()


def _replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_placeholder_dates_are_quarantined_and_the_calendar_follows_the_kept_data(
    golden, clean_refreshed, tmp_path
):
    """Item 1: an activity dated 1900-01-01 and a deal created 0001-01-01 (in their latest
    delivery; an earlier good version exists) used to stretch dim_date back to 1900 and
    empty fct_pipeline_snapshot under a green run. They are quarantined as implausible and
    every mart equals the clean refresh."""
    clean_warehouse, _ = clean_refreshed
    landing = copy_landing(golden / "clean" / "landing", tmp_path / "landing")
    activities = landing / "2026-11-21" / "crm" / "activities.csv"
    _replace_in(activities, "2026-11-18T18:11:25+02:00", "1900-01-01T00:00:00Z")
    deals = landing / "2026-11-23" / "crm" / "deals.csv"
    _replace_in(
        deals,
        "d0002,Sterling S.p.A. - renewal 2027,a022,c0026,,nb,nb_demo,u04,15000.00,EUR,"
        "new_business,outbound,2026-10-09T09:00:00Z",
        "d0002,Sterling S.p.A. - renewal 2027,a022,c0026,,nb,nb_demo,u04,15000.00,EUR,"
        "new_business,outbound,0001-01-01T00:00:00Z",
    )
    unlist_from_manifest(landing / "2026-11-23", "crm/deals.csv")
    warehouse = tmp_path / "crm.duckdb"

    result = refresh(landing, warehouse)

    assert result.success, result.error
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        quarantined = con.execute(
            "select strftime(batch_date, '%Y-%m-%d'), source_file, rule, reason "
            "from audit.quarantine order by all"
        ).fetchall()
        first_day = con.execute("select min(date_day) from marts.dim_date").fetchall()[0][0]
    finally:
        con.close()
    assert [q[:3] for q in quarantined] == [
        ("2026-11-21", "crm/activities.csv", "occurred_at_implausible"),
        ("2026-11-23", "crm/deals.csv", "created_at_implausible"),
    ]
    assert "plausible window" in quarantined[0][3]
    assert first_day.year >= 2020  # dim_date itself is compared below, with every mart
    got, expected = marts(warehouse), marts(clean_warehouse)
    assert len(got["fct_pipeline_snapshot"]) == len(expected["fct_pipeline_snapshot"]) > 0
    assert [n for n in expected if got.get(n) != expected[n]] == []


def test_a_refused_redelivery_leaves_the_marts_and_readers_never_see_an_error(golden, tmp_path):
    """Item 3 with a BI reader watching: five refreshes (the third refused) while a reader
    process polls the publication every 0.2 s and holds the first version it opened.
    2026-11-21 re-delivered broken (every activity status unknown: over the quarantine
    threshold) used to delete its accepted version; after the bad folder was set aside,
    the next refresh dropped that day's activities under a green run."""
    landing = copy_landing(golden / "clean" / "landing", tmp_path / "landing")
    last = tmp_path / "held_back"
    shutil.move(landing / "2026-11-23", last)
    warehouse = tmp_path / "crm.duckdb"
    publish_dir, seen = tmp_path / "published", tmp_path / "reader.json"
    reader = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("publication_reader.py")),
            str(publish_dir),
            str(seen),
        ]
    )
    try:
        assert refresh(landing, warehouse).success  # 1: two batches
        shutil.move(last, landing / "2026-11-23")
        assert refresh(landing, warehouse).success  # 2: the third batch
        before = marts(warehouse)

        activities = landing / "2026-11-21" / "crm" / "activities.csv"
        original = break_every_status(activities, ("done", "planned", "cancelled"))
        refused = refresh(landing, warehouse)  # 3: refused
        assert not refused.success
        assert "2026-11-21" in refused.error and "crm/activities.csv" in refused.error
        assert refused.batches_refused == ["2026-11-21"]
        assert marts(warehouse) == before

        activities.write_bytes(original)  # the bad version set aside
        (landing / "latest").mkdir()  # item 6: names outside the contract are reported
        (landing / "2026-11-21" / "crm" / "notes.txt").write_text("call Anna back")
        again = refresh(landing, warehouse)  # 4
        assert again.success, again.error
        # The folder changed (a file was added): read again, the same records accepted.
        assert again.batches_loaded == ["2026-11-21"]
        assert marts(warehouse) == before
        names = sorted(again.names_outside_the_contract)
        assert names == ["2026-11-21/crm/notes.txt", "latest/"]
        summary = [line for line in again.describe().splitlines() if "export contract" in line]
        assert len(summary) == 1 and "notes.txt" in summary[0] and "latest/" in summary[0]
        assert refresh(landing, warehouse).success  # 5: nothing new
        time.sleep(0.5)
    finally:
        reader.terminate()
        reader.wait(timeout=30)
    report = json.loads(seen.read_text())
    assert report["errors"] == []
    assert report["complete"] > 10 and report["held_reads"] > 10
    assert len(report["versions"]) >= 3, report["versions"]
