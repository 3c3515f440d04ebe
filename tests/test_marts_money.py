"""The money, goal and engagement marts on the golden clean example: equal to the expected
marts of tests/fixtures/golden (computed independently from the spec), and reconciled with the
money facts and with the raw payments exports."""

from __future__ import annotations

import csv
import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest

# Loads and refreshes through the real stack: not in the fast tier.
pytestmark = pytest.mark.slow

# mart -> its key columns in the expected CSV
GOLDEN_MARTS = {
    "fct_activities": ["activity_id"],
    "fct_email_events": ["event_id"],
    "fct_support_tickets": ["ticket_id"],
    "fct_support_calls": ["call_id"],
    "fct_customer_profitability": ["account_id", "month_start"],
    "fct_goal_attainment": ["assignment_id", "period_type", "period_start"],
    "rpt_revenue_plan": ["assignment_id", "period_type"],
    "rpt_rep_scorecard": ["rep_id", "month_start"],
}
# Revenue goals' target and actual are money; so is every *_rc column.
MONEY_COLUMNS = {"target", "actual", "expected_to_date"}
MONEY_TOLERANCE = 0.01
RATE_TOLERANCE = 1.01e-6  # the expected floats are rounded to 6 decimals
ZERO_DECIMAL_CURRENCIES = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "UYI",
    "VND",
    "VUV",
    "XAF",
    "XOF",
    "XPF",
}


def _query(warehouse: Path, sql: str) -> list[dict]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()


def _text(value: object) -> str:
    """A warehouse value written the way the golden CSVs write it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _differences(mart: str, column: str, expected: str, actual: object) -> str | None:
    if expected == "":
        return None if actual is None else f"{column}: expected null, got {actual!r}"
    if actual is None:
        return f"{column}: expected {expected}, got null"
    mismatch = f"{column}: expected {expected}, got {_text(actual)}"
    if isinstance(actual, (str, bool, dt.date)):
        return None if expected == _text(actual) else mismatch
    try:
        expected_number = float(expected)
    except ValueError:
        return None if expected == _text(actual) else mismatch
    money = "_rc" in column or (column in MONEY_COLUMNS and mart == "fct_goal_attainment")
    tolerance = MONEY_TOLERANCE if money else RATE_TOLERANCE
    if abs(expected_number - float(actual)) > tolerance:
        return mismatch
    return None


@pytest.fixture(scope="module")
def warehouse(clean_refreshed) -> Path:
    path, result = clean_refreshed
    assert result.success, result.error
    return path


@pytest.mark.parametrize("mart", sorted(GOLDEN_MARTS))
def test_mart_equals_the_golden_expected_mart(golden: Path, warehouse: Path, mart: str):
    keys = GOLDEN_MARTS[mart]
    with open(golden / "clean" / "expected" / f"{mart}.csv", newline="", encoding="utf-8") as f:
        expected_rows = list(csv.DictReader(f))
    actual_rows = _query(warehouse, f"select * from marts.{mart}")
    columns = list(expected_rows[0])
    missing_columns = [c for c in columns if c not in actual_rows[0]]
    assert not missing_columns, f"{mart} lacks the contract columns {missing_columns}"

    actual_by_key = {tuple(_text(r[k]) for k in keys): r for r in actual_rows}
    expected_by_key = {tuple(r[k] for k in keys): r for r in expected_rows}
    assert len(actual_by_key) == len(actual_rows), f"{mart}: duplicate keys"
    assert sorted(actual_by_key) == sorted(expected_by_key), (
        f"{mart} keys: missing {sorted(set(expected_by_key) - set(actual_by_key))[:5]}, "
        f"extra {sorted(set(actual_by_key) - set(expected_by_key))[:5]}"
    )
    problems = []
    for key, expected in expected_by_key.items():
        for column in columns:
            problem = _differences(mart, column, expected[column], actual_by_key[key][column])
            if problem:
                problems.append(f"{key} {problem}")
    assert not problems, f"{mart}: {len(problems)} differences, first: {problems[:5]}"


def test_profitability_totals_equal_the_money_facts_unmatched_bucket_included(warehouse: Path):
    totals = _query(
        warehouse,
        """
        select
            sum(invoiced_revenue_rc) as invoiced,
            sum(refunds_rc) as refunds,
            sum(cogs_rc) as cogs,
            sum(payment_fees_rc) as fees,
            sum(support_cost_rc) as support,
            sum(collected_rc) as collected,
            sum(invoiced_revenue_rc) filter (where account_id is null) as unmatched_invoiced,
            sum(collected_rc) filter (where account_id is null) as unmatched_collected
        from marts.fct_customer_profitability
        """,
    )[0]
    facts = _query(
        warehouse,
        """
        select
            (select sum(subtotal_rc) from marts.fct_invoices where is_revenue) as invoiced,
            (select sum(amount_net_of_tax_rc) from marts.fct_refunds
             where status = 'succeeded') as refunds,
            (select sum(cogs_rc) from marts.fct_invoice_lines where is_revenue) as cogs,
            (select sum(fee_rc) from marts.fct_charges where status = 'succeeded') as fees,
            (select sum(support_cost_rc) from marts.fct_support_tickets) as support,
            (select sum(amount_rc) from marts.fct_charges where status = 'succeeded')
                - (select sum(amount_rc) from marts.fct_refunds
                   where status = 'succeeded') as collected,
            (select sum(subtotal_rc) from marts.fct_invoices
             where is_revenue and account_id is null) as unmatched_invoiced,
            (select sum(amount_rc) from marts.fct_charges
             where status = 'succeeded' and account_id is null)
                - (select coalesce(sum(amount_rc), 0) from marts.fct_refunds
                   where status = 'succeeded' and account_id is null) as unmatched_collected
        """,
    )[0]
    for name, value in facts.items():
        assert value is not None, name
        assert totals[name] == pytest.approx(value, abs=MONEY_TOLERANCE), name
    assert facts["unmatched_invoiced"] > 0, "unmatched customers' money stays visible"
    # the product report adds up to the invoice lines too
    products = _query(
        warehouse,
        "select sum(revenue_rc) as revenue, sum(cogs_rc) as cogs"
        " from marts.rpt_product_profitability",
    )[0]
    lines = _query(
        warehouse,
        "select sum(amount_rc) as revenue, sum(cogs_rc) as cogs"
        " from marts.fct_invoice_lines where is_revenue",
    )[0]
    assert products["revenue"] == pytest.approx(lines["revenue"], abs=MONEY_TOLERANCE)
    assert products["cogs"] == pytest.approx(totals["cogs"], abs=MONEY_TOLERANCE)


def _latest_rows(rows: list[dict], key: str) -> dict[str, dict]:
    """Delta files: the latest batch wins, then the last copy in the file."""
    latest: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (r["_batch_date"], r["_record_number"])):
        latest[row[key]] = row
    return latest


def _raw_money_by_month(warehouse: Path) -> dict[str, dict[str, float]]:
    """Revenue, refunds (net of tax) and fees per month computed straight from the raw
    payments and fx tables (VARCHAR as exported), without any dbt model."""
    fx_rows = _latest_rows(
        [
            {**r, "key": f"{r['date']}|{r['currency'].strip().upper()}"}
            for r in _query(warehouse, "select * from raw.reference__fx_rates")
        ],
        "key",
    )
    rates: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for row in fx_rows.values():
        rates[row["currency"].strip().upper()].append((row["date"], float(row["rate"])))
    for series in rates.values():
        series.sort()

    def to_eur(minor: str, currency: str, created: str) -> float:
        currency = currency.strip().upper()
        amount = int(minor) / (1 if currency in ZERO_DECIMAL_CURRENCIES else 100)
        if currency == "EUR":
            return amount
        series = rates[currency]
        position = bisect_right(series, (created[:10], float("inf")))
        assert position > 0, f"no {currency} rate on or before {created}"
        return amount / series[position - 1][1]

    invoice_rows = _query(warehouse, "select * from raw.payments__invoices")
    latest_snapshot = max(r["_batch_date"] for r in invoice_rows)
    current = [r for r in invoice_rows if r["_batch_date"] == latest_snapshot]
    invoices = _latest_rows(current, "invoice_id")
    charges = _latest_rows(_query(warehouse, "select * from raw.payments__charges"), "charge_id")
    refunds = _latest_rows(_query(warehouse, "select * from raw.payments__refunds"), "refund_id")

    months: dict[str, dict[str, float]] = defaultdict(
        lambda: {"revenue": 0.0, "refunds": 0.0, "fees": 0.0}
    )
    for invoice in invoices.values():
        if invoice["status"].strip().lower() in {"open", "paid", "uncollectible"}:
            months[invoice["created"][:7]]["revenue"] += to_eur(
                invoice["subtotal"], invoice["currency"], invoice["created"]
            )
    for charge in charges.values():
        if charge["status"].strip().lower() == "succeeded":
            months[charge["created"][:7]]["fees"] += to_eur(
                charge["fee"], charge["currency"], charge["created"]
            )
    for refund in refunds.values():
        if refund["status"].strip().lower() != "succeeded":
            continue
        share = 1.0
        charge = charges.get(refund["charge_id"])
        invoice = invoices.get(charge["invoice_id"]) if charge and charge["invoice_id"] else None
        if invoice and int(invoice["total"]) > 0:
            share = int(invoice["subtotal"]) / int(invoice["total"])
        months[refund["created"][:7]]["refunds"] += share * to_eur(
            refund["amount"], refund["currency"], refund["created"]
        )
    return months


def test_revenue_refunds_and_fees_per_month_equal_the_raw_exports(warehouse: Path):
    raw = _raw_money_by_month(warehouse)
    marts = {
        row["month"]: row
        for row in _query(
            warehouse,
            """
            select
                strftime(month_start, '%Y-%m') as month,
                sum(invoiced_revenue_rc) as revenue,
                sum(refunds_rc) as refunds,
                sum(payment_fees_rc) as fees
            from marts.fct_customer_profitability
            group by 1
            """,
        )
    }
    assert raw, "the sample has payments"
    for month, sums in raw.items():
        for measure, value in sums.items():
            got = marts.get(month, {}).get(measure) or 0.0
            assert got == pytest.approx(value, abs=MONEY_TOLERANCE), f"{month} {measure}"
    for month, row in marts.items():
        if month not in raw:
            total = abs(row["revenue"]) + abs(row["refunds"]) + abs(row["fees"])
            assert total < MONEY_TOLERANCE, month


def test_money_marts_hold_no_personal_data_and_goal_periods_respect_the_as_of_date(warehouse: Path):
    columns = _query(
        warehouse,
        """
        select table_name, column_name from information_schema.columns
        where table_schema = 'marts'
            and table_name in ('fct_invoices', 'fct_charges', 'fct_refunds', 'fct_invoice_lines',
                               'fct_support_tickets', 'fct_email_events', 'fct_activities',
                               'fct_support_calls', 'rpt_campaign_performance')
        """,
    )
    forbidden = {
        "email",
        "requester_email",
        "requester_name",
        "phone",
        "subject",
        "description",
        "notes",
        "card_last4",
        "first_name",
        "last_name",
        "customer_name",
    }
    assert not [c for c in columns if c["column_name"] in forbidden]
    late = _query(
        warehouse,
        """
        select count(*) as n from marts.fct_goal_attainment
        where period_start > (select max(batch_date) from audit.file_loads)
        """,
    )[0]["n"]
    assert late == 0
