"""The marts agree with each other on a dirty generated company (docs/marts.md v1.3, "the
deal record is the truth about a deal's current state"): whatever the audit quarantined
(for instance the history row that moved a deal into lost), the pipeline snapshot, the rep
scorecard and the stage-reached facts tell the same story as `fct_deals`.

One refresh through the real stack (Dagster in-process, DuckDB, dbt) of a small generated
company with the generator's dirt, shared by every test of the module. The generator's
dirt breaks a record here and there; the case of d000371 of the shipped sample (the row
that moved a deal into its final stage quarantined) is made certain: the latest history
row of a few won, lost and open deals gets an unparseable `changed_at`.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from synthetic_exports import generate
from tests.support import refresh, unlist_from_manifest


def _read_csv(path: Path) -> tuple[str, list[list[str]]]:
    text = path.read_text(encoding="utf-8-sig")
    header = text.split("\n", 1)[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return delimiter, [r for r in reader if r]


def _timestamp(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def quarantine_moves_into_the_current_stage(landing: Path, per_status: int = 2) -> list[str]:
    """Give the latest history row of a few deals per status (won, lost, open) an
    unparseable changed_at, where that row moved the deal into its current stage and every
    row of the deal is in the first batch: the audit quarantines it, and the deal's latest
    kept row disagrees with its record. Returns the deals."""
    batches = sorted(p for p in landing.iterdir() if p.is_dir())
    first, last = batches[0], batches[-1]
    _, deal_rows = _read_csv(last / "crm" / "deals.csv")
    deal_columns = deal_rows[0]
    deals = {r[0]: dict(zip(deal_columns, r, strict=False)) for r in deal_rows[1:]}
    later = set()
    for batch in batches[1:]:
        _, rows = _read_csv(batch / "crm" / "deal_history.csv")
        later |= {dict(zip(rows[0], r, strict=False))["deal_id"] for r in rows[1:]}
    history_file = first / "crm" / "deal_history.csv"
    delimiter, rows = _read_csv(history_file)
    columns = rows[0]
    at, stage = columns.index("changed_at"), columns.index("stage_id")
    by_deal: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows[1:]:
        by_deal[row[columns.index("deal_id")]].append(row)
    chosen: dict[str, list[str]] = defaultdict(list)
    for deal_id, deal_history in sorted(by_deal.items()):
        deal = deals.get(deal_id)
        # leave alone deals with rows in later batches or with the generator's dirty dates
        if deal is None or deal_id in later or any(_timestamp(r[at]) is None for r in deal_history):
            continue
        if deal["status"] not in ("won", "lost", "open") or len(deal_history) < 2:
            continue
        if len(chosen[deal["status"]]) >= per_status:
            continue
        ordered = sorted(deal_history, key=lambda r: (_timestamp(r[at]), r[0]))
        latest, previous = ordered[-1], ordered[-2]
        if latest[stage] == deal["stage_id"] and previous[stage] != latest[stage]:
            latest[at] = "not a timestamp"
            chosen[deal["status"]].append(deal_id)
    unlist_from_manifest(first, "crm/deal_history.csv")
    with history_file.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return [deal_id for ids in chosen.values() for deal_id in ids]


pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def marts(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    """A small dirty company (2 batches, 200 days), refreshed once; read-only connection."""
    root = tmp_path_factory.mktemp("consistency")
    generate(root / "landing", seed=13, days=200, batches=2, scale=0.2, dirty=True)
    assert len(quarantine_moves_into_the_current_stage(root / "landing")) == 6
    warehouse = root / "crm.duckdb"
    result = refresh(root / "landing", warehouse)
    assert result.success, result.error
    con = duckdb.connect(str(warehouse), read_only=True)
    yield con
    con.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> set[tuple]:
    return set(con.execute(sql).fetchall())


def test_the_dirty_company_has_deals_whose_current_state_is_assumed(marts):
    """The dataset exercises the v1.3 rule: some deal's latest kept history row disagrees
    with its record, so a row is assumed."""
    assumed = marts.execute(
        "select count(*) from marts.fct_stage_durations where is_inferred"
    ).fetchone()[0]
    assert assumed > 0


def test_the_last_snapshot_day_holds_exactly_the_open_deals(marts):
    in_snapshot = rows(
        marts,
        """
        select deal_id from marts.fct_pipeline_snapshot
        where snapshot_date = (select max(snapshot_date) from marts.fct_pipeline_snapshot)
        """,
    )
    open_deals = rows(
        marts, "select deal_id from marts.fct_deals where status = 'open' and not is_deleted"
    )
    assert open_deals, "the company has open deals"
    assert in_snapshot == open_deals


def test_the_scorecard_won_and_lost_counts_sum_to_the_deals_by_owner_at_close(marts):
    scorecard = rows(
        marts,
        """
        select rep_id, sum(deals_won), sum(deals_lost)
        from marts.rpt_rep_scorecard
        group by rep_id
        having sum(deals_won) + sum(deals_lost) > 0
        """,
    )
    deals = rows(
        marts,
        """
        select
            deals.owner_at_close_id,
            count(*) filter (where deals.status = 'won'),
            count(*) filter (where deals.status = 'lost')
        from marts.fct_deals as deals
        inner join marts.dim_rep as reps
            on deals.owner_at_close_id = reps.rep_id
        where deals.status in ('won', 'lost')
            and not deals.is_deleted
            and reps.role in ('rep', 'manager')
        group by deals.owner_at_close_id
        """,
    )
    assert deals, "the company has closed deals"
    assert scorecard == deals


def test_the_current_stage_of_every_deal_is_its_record_s(marts):
    """The last stage visit (`is_current`) of every not-deleted deal is the deal's stage."""
    disagreeing = marts.execute(
        """
        select count(*)
        from marts.fct_deals as deals
        inner join marts.fct_stage_durations as visits
            on deals.deal_id = visits.deal_id
            and visits.is_current
        where not deals.is_deleted
            and visits.stage_id <> deals.stage_id
        """
    ).fetchone()[0]
    assert disagreeing == 0


def test_stage_conversion_is_the_aggregate_of_the_stages_reached(marts):
    report = rows(
        marts,
        """
        select pipeline_id, stage_id, cohort_month, deals_reached, deals_advanced
        from marts.rpt_stage_conversion
        where deals_reached > 0
        """,
    )
    aggregate = rows(
        marts,
        """
        select
            pipeline_id,
            stage_id,
            cast(date_trunc('month', created_at) as date),
            count(*),
            count(*) filter (where is_advanced)
        from marts.fct_deal_stage_reached
        group by all
        """,
    )
    assert aggregate, "deals reached stages"
    assert report == aggregate
