"""The result depends on the set of batches, never on their arrival order or history
(issue 8, items 2, 3 and 4), checked on the raw and audit layers (no dbt: fast).

The landing is the golden dirty example with one change that makes order matter: the fx
file of 2026-11-23 lacks JPY and SEK, whose rates come only from 2026-11-20. A JPY and a
SEK invoice of 2026-11-23 are therefore quarantined (unknown currency) when 2026-11-23
arrives first, and must be accepted once 2026-11-20 arrives.
"""

from __future__ import annotations

import csv
import random
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.contract import FILES
from orchestration.lib.loading import load_landing
from tests.support import break_every_status, unlist_from_manifest

pytestmark = [pytest.mark.reliability, pytest.mark.slow]

BATCHES = ("2026-11-20", "2026-11-21", "2026-11-23")


def quiet(_: str) -> None:
    pass


@pytest.fixture(scope="module")
def source(golden: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The golden dirty landing, 2026-11-23's fx rates without JPY and SEK."""
    root = tmp_path_factory.mktemp("order_source") / "landing"
    shutil.copytree(golden / "dirty" / "landing", root)
    fx = root / "2026-11-23" / "reference" / "fx_rates.csv"
    with fx.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    kept = [rows[0]] + [r for r in rows[1:] if r[1] not in ("JPY", "SEK")]
    assert len(kept) < len(rows)
    with fx.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(kept)
    unlist_from_manifest(root / "2026-11-23", "reference/fx_rates.csv")
    return root


def arrive(source: Path, landing: Path, *batches: str) -> None:
    landing.mkdir(parents=True, exist_ok=True)
    for name in batches:
        shutil.copytree(source / name, landing / name, dirs_exist_ok=True)


def state(warehouse: Path) -> dict[str, list]:
    """Everything the audit decided and every raw record, without load times or run ids."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {
            f"raw.{f.table}": con.execute(f"select * from raw.{f.table} order by all").fetchall()
            for f in FILES
        }
        out["quarantine"] = con.execute(
            "select batch_date, source_file, record_number, rule, reason, record "
            "from audit.quarantine order by all"
        ).fetchall()
        out["findings"] = con.execute("select * from audit.findings order by all").fetchall()
        out["file_loads"] = con.execute(
            "select batch_date, source_file, records_read, records_loaded, "
            "records_quarantined, duplicates_removed, records_fixed, records_flagged, "
            "cards_redacted, sha256 from audit.file_loads order by all"
        ).fetchall()
        out["batch_loads"] = con.execute(
            "select batch_date, fingerprint, files from audit.batch_loads order by all"
        ).fetchall()
        return out
    finally:
        con.close()


def differences(got: dict[str, list], expected: dict[str, list]) -> list[str]:
    return [
        f"{name}: {len(got[name])} rows vs {len(expected[name])}; "
        f"only here {sorted(set(got[name]) - set(expected[name]), key=repr)[:3]}; "
        f"missing {sorted(set(expected[name]) - set(got[name]), key=repr)[:3]}"
        for name in expected
        if got[name] != expected[name]
    ]


@pytest.fixture(scope="module")
def all_at_once(source: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list]:
    root = tmp_path_factory.mktemp("all_at_once")
    arrive(source, root / "landing", *BATCHES)
    report = load_landing(root / "landing", root / "crm.duckdb", progress=quiet)
    assert report.loaded == list(BATCHES) and not report.refused
    return state(root / "crm.duckdb")


def _quarantined_currencies(warehouse: Path) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(
            "select batch_date, source_file, record_number from audit.quarantine "
            "where rule = 'currency_unknown_currency' order by all"
        ).fetchall()
    finally:
        con.close()


def test_a_record_needing_a_later_arriving_rate_is_decided_again(source, all_at_once, tmp_path):
    landing, warehouse = tmp_path / "landing", tmp_path / "crm.duckdb"
    arrive(source, landing, "2026-11-23")
    load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    early = _quarantined_currencies(warehouse)
    assert {(str(d), f) for d, f, _ in early} >= {("2026-11-23", "payments/invoices.csv")}, early

    arrive(source, landing, "2026-11-20", "2026-11-21")
    report = load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    assert report.loaded == ["2026-11-20", "2026-11-21"]
    redecided = {(r.batch, r.source_file) for r in report.audit.redecided}
    assert ("2026-11-23", "payments/invoices.csv") in redecided
    assert not set(early) & set(_quarantined_currencies(warehouse))
    assert differences(state(warehouse), all_at_once) == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_arrival_orders_give_the_all_at_once_result(source, all_at_once, tmp_path, seed):
    """Property: batches arriving one or two at a time, in a random order, with an
    unchanged batch re-delivered on the way, end in the all-at-once raw and audit state.
    A batch that arrives before the reference data it needs may be refused on the way
    (its non-EUR records have no rate yet: over the quarantine threshold); it is read
    again, and accepted, once that data has arrived."""
    rng = random.Random(seed)
    order = list(BATCHES)
    rng.shuffle(order)
    landing, warehouse = tmp_path / "landing", tmp_path / "crm.duckdb"
    steps = [order[:1], order[1:]] if rng.random() < 0.5 else [[b] for b in order]
    for step in steps:
        arrive(source, landing, *step)
        report = load_landing(landing, warehouse, progress=quiet)
        if rng.random() < 0.5:  # the same batch delivered again, unchanged
            arrive(source, landing, step[0])
            again = load_landing(landing, warehouse, progress=quiet)
            assert step[0] not in again.loaded or step[0] in report.refused
    report.raise_for_refusals()
    assert differences(state(warehouse), all_at_once) == [], (seed, steps)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8-sig")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_batch_restored_to_its_earlier_version_is_audited_again(source, all_at_once, tmp_path):
    """Item 2: edit a file, refresh, restore the original (`cp -a`: the old mtime): the
    restored version is loaded and audited again, with the original's quarantine."""
    landing, warehouse = tmp_path / "landing", tmp_path / "crm.duckdb"
    arrive(source, landing, *BATCHES)
    load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    goals = landing / "2026-11-20" / "crm" / "goal_assignments.csv"
    saved = tmp_path / "goal_assignments.csv"
    shutil.copy2(goals, saved)
    manifest = landing / "2026-11-20" / "_manifest.json"
    kept_manifest = unlist_from_manifest(manifest.parent, "crm/goal_assignments.csv")
    # Remove every record but the header: the goals assigned twice are gone.
    lines = goals.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    goals.write_text(lines[0], encoding="utf-8")
    assert load_landing(landing, warehouse, progress=quiet).loaded == ["2026-11-20"]
    assert state(warehouse)["quarantine"] != all_at_once["quarantine"]

    shutil.copy2(saved, goals)  # the original bytes and mtime
    manifest.write_bytes(kept_manifest)
    assert load_landing(landing, warehouse, progress=quiet).loaded == ["2026-11-20"]
    assert differences(state(warehouse), all_at_once) == []


def test_a_refused_redelivery_keeps_the_accepted_version_and_refuses_only_itself(
    source, all_at_once, tmp_path
):
    """Item 3: a changed 2026-11-21 that the audit refuses (every activity's status
    unknown: over the quarantine threshold) arrives with a valid change of 2026-11-23.
    2026-11-21's accepted version stays as it was; 2026-11-23's change is accepted."""
    landing, warehouse = tmp_path / "landing", tmp_path / "crm.duckdb"
    arrive(source, landing, *BATCHES)
    load_landing(landing, warehouse, progress=quiet).raise_for_refusals()
    before = state(warehouse)

    activities = landing / "2026-11-21" / "crm" / "activities.csv"
    original = break_every_status(activities, ("done", "planned", "cancelled"))
    users = landing / "2026-11-23" / "crm" / "users.csv"
    unlist_from_manifest(landing / "2026-11-23", "crm/users.csv")
    users.write_text(users.read_text(encoding="utf-8-sig") + "\n", encoding="utf-8")

    report = load_landing(landing, warehouse, progress=quiet)
    assert sorted(report.refused) == ["2026-11-21"], report.refused
    assert "crm/activities.csv" in str(report.refused["2026-11-21"])
    assert "threshold" in str(report.refused["2026-11-21"])
    assert report.loaded == ["2026-11-23"]
    after = state(warehouse)
    assert [r for r in after["batch_loads"] if str(r[0]) == "2026-11-21"] == [
        r for r in before["batch_loads"] if str(r[0]) == "2026-11-21"
    ]
    assert after["raw.crm__activities"] == before["raw.crm__activities"]
    assert [r for r in after["file_loads"] if str(r[0]) == "2026-11-21"] == [
        r for r in before["file_loads"] if str(r[0]) == "2026-11-21"
    ]

    activities.write_bytes(original)  # the bad version set aside: nothing left to do
    again = load_landing(landing, warehouse, progress=quiet)
    assert again.loaded == [] and not again.refused
    assert state(warehouse)["raw.crm__activities"] == before["raw.crm__activities"]


@pytest.mark.slow
def test_marts_after_random_arrivals_and_a_refused_redelivery_equal_the_all_at_once_refresh(
    source, tmp_path
):
    """Property, through dbt (the incremental pipeline snapshot included): the batches
    arrive one at a time in a random order, each followed by a refresh; then one batch is
    re-delivered changed so that the audit refuses it, then restored. The marts equal those
    of one refresh of all batches."""
    from tests.support import refresh
    from tests.test_refresh_reliability import marts

    once = tmp_path / "once"
    arrive(source, once / "landing", *BATCHES)
    assert refresh(once / "landing", once / "crm.duckdb").success

    rng = random.Random()
    order = list(BATCHES)
    rng.shuffle(order)
    landing, warehouse = tmp_path / "landing", tmp_path / "crm.duckdb"
    for name in order:
        arrive(source, landing, name)
        refresh(landing, warehouse)  # a batch may wait for its reference data (refused)
    victim = rng.choice(BATCHES)
    deals = landing / victim / "crm" / "deals.csv"
    manifest = landing / victim / "_manifest.json"
    kept_manifest = unlist_from_manifest(manifest.parent, "crm/deals.csv")
    original = break_every_status(deals, ("open", "won"))
    refused = refresh(landing, warehouse)
    assert not refused.success and victim in refused.batches_refused, (order, victim)
    deals.write_bytes(original)
    if kept_manifest is not None:
        manifest.write_bytes(kept_manifest)
    final = refresh(landing, warehouse)
    assert final.success, (order, victim, final.error)
    got, expected = marts(warehouse), marts(once / "crm.duckdb")
    assert [n for n in expected if got.get(n) != expected[n]] == [], (order, victim)
