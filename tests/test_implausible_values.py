"""Values that parse but cannot be right are quarantined with a reason, never turned into
NULL or into a calendar of 89 years (issue 8, items 1 and 5; exports.md v1.3)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestration.lib.loading import load_landing
from tests.support import copy_landing, unlist_from_manifest

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

DEAL = (
    "d0002,Sterling S.p.A. - renewal 2027,a022,c0026,,nb,nb_demo,u04,15000.00,EUR,"
    "new_business,outbound,2026-10-09T09:00:00Z,2026-11-23,"
)


def quiet(_: str) -> None:
    pass


def _one_batch(golden: Path, tmp_path: Path, old: str, new: str) -> tuple[Path, Path]:
    landing = copy_landing(
        golden / "clean" / "landing" / "2026-11-20", tmp_path / "l" / "2026-11-20"
    )
    deals = landing / "crm" / "deals.csv"
    text = deals.read_text(encoding="utf-8-sig")
    assert old in text
    deals.write_text(text.replace(old, new, 1), encoding="utf-8")
    unlist_from_manifest(landing, "crm/deals.csv")
    return landing.parent, tmp_path / "crm.duckdb"


def _quarantine(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select source_file, rule, reason, json_extract_string(record, '$.deal_id') "
            "from audit.quarantine order by all"
        ).fetchall()
    finally:
        con.close()


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("123456789012345678901234567890.00", "amount_too_large"),
        ("-1", "amount_negative"),
    ],
)
def test_a_number_too_large_for_the_warehouse_is_quarantined(golden, tmp_path, value, rule):
    """A 30-digit amount used to become NULL in staging with no flag."""
    landing, warehouse = _one_batch(golden, tmp_path, DEAL, DEAL.replace("15000.00", value))
    load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    found = [q for q in _quarantine(warehouse) if q[3] == "d0002"]
    assert [(q[0], q[1]) for q in found] == [("crm/deals.csv", rule)], found


@pytest.mark.parametrize(
    ("created", "expected"),
    [
        ("0001-01-01T00:00:00Z", ["created_at_implausible"]),
        ("1900-01-01T00:00:00+01:00", ["created_at_implausible"]),
        ("1970-01-01T00:00:00Z", []),
        ("2036-11-20T00:00:00Z", []),  # ten years after the export date: still plausible
        ("2036-11-21T00:00:00Z", ["created_at_implausible"]),
    ],
)
def test_dates_outside_the_plausible_window_are_quarantined(golden, tmp_path, created, expected):
    landing, warehouse = _one_batch(
        golden, tmp_path, DEAL, DEAL.replace("2026-10-09T09:00:00Z", created)
    )
    load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    found = [q for q in _quarantine(warehouse) if q[3] == "d0002"]
    assert [q[1] for q in found if "implausible" in q[1]] == expected, found
    assert all("plausible window" in q[2] for q in found if "implausible" in q[1])


def test_the_plausible_window_is_a_setting(golden, tmp_path, monkeypatch):
    monkeypatch.setenv("CRMWH_PLAUSIBLE_SINCE", "2026-10-10")
    monkeypatch.setenv("CRMWH_QUARANTINE_THRESHOLD", "1")  # most of the history is older
    landing, warehouse = _one_batch(golden, tmp_path, DEAL, DEAL)
    load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    found = [q for q in _quarantine(warehouse) if q[3] == "d0002"]
    assert "created_at_implausible" in [q[1] for q in found]
