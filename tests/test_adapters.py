"""Vendor export adapters (issue 14), fast: the layouts as data, each converter both ways,
the detection of vendor files by their headers, their conversion at ingestion, and the
refusals (a near-miss or unknown layout with the closest layout named, a vendor file and a
neutral file for one contract file, the per-landing configuration), the warehouse
untouched. The end-to-end equality of the marts is tests/test_vendor_layouts.py (slow)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.adapters import LayoutError, all_layouts, check_layout, formats, layout
from orchestration.lib.adapters.model import Column, Layout, Missing, Sideloaded, VendorFile
from orchestration.lib.adapters.writing import write_layouts_in_zone
from orchestration.lib.contract import BY_PATH
from orchestration.lib.errors import BatchRefused
from orchestration.lib.landing import scan_landing
from orchestration.lib.loading import load_landing, read_batch
from orchestration.lib.parsing import as_text
from orchestration.lib.settings import PROJECT_ROOT
from synthetic_exports import generate

FIXTURES = PROJECT_ROOT / "tests" / "fixtures" / "vendors"
SMALL = {"seed": 7, "days": 120, "batches": 2, "scale": 0.2}
FIRST, SECOND = "2026-11-20", "2026-11-21"


# -- the layouts as data -----------------------------------------------------------------


def test_the_engine_layouts_are_discovered_and_well_formed():
    layouts = all_layouts()
    # one per module of layouts/; a helper module (`_shared`) is no vendor
    assert set(layouts) == {"hubspot", "mailchimp", "pipedrive", "salesforce", "stripe", "zendesk"}
    assert layouts["stripe"].domain == "payments"
    assert layouts["mailchimp"].domain == "email"
    for lay in layouts.values():
        check_layout(lay)  # raises LayoutError
        for vf in lay.files:
            assert set(vf.columns) == set(BY_PATH[vf.target].columns), (lay.vendor, vf.name)


def _layout_with(columns: dict) -> Layout:
    base = dict(layout("stripe").files[-1].columns)  # refunds
    base.update(columns)
    vf = VendorFile("r.csv", "csv", ("id",), "payments/refunds.csv", base)
    return Layout("test", "payments", "test", "https://example.com", (vf,))


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"extra": Column("x")}, "extra ['extra']"),
        ({"reason": Column("Reason", values={"a": "duplicate", "b": "duplicate"})}, "one-to-one"),
        ({"amount": Column("Amount", format="no_such_converter")}, "no converter named"),
        ({"amount": Column(("Amount", "Currency"))}, "several source columns need a format"),
        ({"amount": Column("Amount", format="minor_units")}, "reads 2 column(s)"),
        ({"reason": Sideloaded(("users",), "user_id", "reason")}, "needs a JSON document"),
    ],
)
def test_a_malformed_layout_is_refused_naming_the_problem(columns, message):
    with pytest.raises(LayoutError, match=re.escape(message)):
        check_layout(_layout_with(columns))


# -- converters, both ways ---------------------------------------------------------------

EPOCH_1700000000 = "2023-11-14T22:13:20+00:00"  # 1 700 000 000 s after 1970-01-01 UTC

# (converter, vendor value(s), contract value, contract row for to_vendor)
CASES = [
    ("unix_seconds", ("1700000000",), EPOCH_1700000000, {}),
    ("unix_seconds_utc", ("1700000000",), "2023-11-14 22:13:20", {}),
    ("iso_utc", ("2023-11-14T22:13:20+00:00",), EPOCH_1700000000, {}),
    ("iso_as_unix_seconds", ("2023-11-14T22:13:20+00:00",), "1700000000", {}),
    ("iso_z_millis", ("2026-11-20T14:03:00.000Z",), "2026-11-20T14:03:00+00:00", {}),
    ("utc_datetime", ("2026-11-20 14:03:00",), "2026-11-20T14:03:00+00:00", {}),
    ("minor_units", ("5920.25", "eur"), "592025", {"currency": "eur"}),
    ("minor_units", ("1500", "jpy"), "1500", {"currency": "jpy"}),
    ("minor_units", ("12.345", "kwd"), "12345", {"currency": "kwd"}),
    ("integer", ("12",), "12", {}),
    ("json", ('["a","b"]',), '["a","b"]', {}),
    ("lowercase", ("eur",), "eur", {}),
    ("uppercase", ("EUR",), "EUR", {}),
    ("bool_true_false", ("TRUE",), "true", {}),
    ("bool_true_false", ("FALSE",), "false", {}),
    ("json_bool", ("true",), "true", {}),
    ("stripe_datetime", ("2026-07-08 16:41:10",), "2026-07-08 16:41:10", {}),
    ("stripe_date", ("2026-07-09 00:00:00",), "2026-07-09", {}),
    ("stripe_payment_status", ("Paid",), "succeeded", {}),
    (
        "stripe_fee",
        ("83.13", "5920.25", "5920.25", "eur"),
        "8313",
        {"currency": "eur", "amount": "592025"},
    ),
    ("stripe_payment_status", ("Failed",), "failed", {}),
    ("stripe_payment_status", ("Pending",), "pending", {}),
    # the converters several layouts share (layouts/_shared.py) and those made from its rules
    ("local_datetime", ("2026-11-20 14:03:05",), "2026-11-20T14:03:05+00:00", {}),
    ("closed_won_status", ("false", "false"), "open", {}),
    ("closed_won_status", ("true", "true"), "won", {}),
    ("closed_won_status", ("true", "false"), "lost", {}),
    (
        "salesforce_closed_at",
        ("true", "2026-11-20T14:03:00.000Z"),
        "2026-11-20T14:03:00+00:00",
        {"status": "won"},
    ),
    (
        "hubspot_closed_at",
        ("true", "2026-11-20 14:03:00"),
        "2026-11-20T14:03:00+00:00",
        {"status": "lost"},
    ),
    ("website_domain", ("https://acme.it",), "acme.it", {}),
    ("salesforce_task_status", ("Completed",), "done", {}),
    ("salesforce_quote_status", ("Presented",), "sent", {}),
    ("zendesk_status", ("open",), "open", {}),
    ("zendesk_channel", ("voice",), "phone", {}),
    ("hubspot_source", ("Referrals",), "referral", {}),
    ("pipedrive_source", ("Paid search",), "paid_ads", {}),
]

# Vendor notations that read to the same contract value but are not what to_vendor writes.
READ_ONLY = [
    ("iso_utc", ("2023-11-15T00:13:20+02:00",), EPOCH_1700000000),
    ("iso_z_millis", ("2023-11-14T22:13:20.000+0000",), EPOCH_1700000000),
    ("integer", ("12.0",), "12"),
    ("lowercase", ("EUR",), "eur"),
    ("bool_true_false", ("yes",), "true"),
    ("minor_units", ("1,234.50", "usd"), "123450"),
    ("stripe_datetime", ("2026-07-08 16:41",), "2026-07-08 16:41:00"),
    ("stripe_date", ("2026-07-09 01:00",), "2026-07-09"),
    ("stripe_payment_status", ("Refunded",), "succeeded"),
    ("stripe_payment_status", ("Partially refunded",), "succeeded"),
    # a fee of 0.45 EUR on a 1500 JPY charge that settled as 9.12 EUR: 0.45 x 1500 / 9.12
    ("stripe_fee", ("0.45", "1500", "9.12", "jpy"), "74"),
    ("local_datetime", ("2026-11-20 14:03",), "2026-11-20T14:03:00+00:00"),
    ("closed_won_status", ("TRUE", "1"), "won"),
    ("salesforce_closed_at", ("false", "2026-11-20T14:03:00.000Z"), None),  # open: no close
    ("website_domain", ("www.acme.it/contact",), "acme.it"),
    ("salesforce_task_status", ("In Progress",), "scheduled"),
    ("salesforce_quote_status", ("Rejected",), "draft"),  # internal approval: never presented
    ("zendesk_status", ("hold",), "pending"),
    ("zendesk_channel", ("native_messaging",), "chat"),
    ("hubspot_source", ("paid social",), "paid_ads"),
]

# Values a converter cannot read come back unchanged, for the audit to reject or flag.
UNREADABLE = [
    ("unix_seconds", ("12.5",)),
    ("unix_seconds", ("yesterday",)),
    ("iso_utc", ("2026-11-20T14:03:00",)),  # no offset: not guessed
    ("iso_as_unix_seconds", ("2026-11-20 14:03",)),
    ("iso_z_millis", ("20/11/2026",)),
    ("utc_datetime", ("11/20/2026 14:03",)),
    ("minor_units", ("12.345", "eur")),  # more decimals than the currency has
    ("minor_units", ("n/a", "eur")),
    ("integer", ("1.5",)),
    ("bool_true_false", ("maybe",)),
    ("stripe_date", ("09.07.2026",)),
    ("stripe_payment_status", ("Disputed",)),
    ("local_datetime", ("20/11/2026 14:03",)),
    ("closed_won_status", ("maybe", "true")),
    ("salesforce_task_status", ("Blocked",)),
    ("hubspot_source", ("Offline Sources",)),
]


@pytest.mark.parametrize(("name", "vendor", "contract", "row"), CASES)
def test_a_converter_reads_the_vendor_value_and_writes_it_back(name, vendor, contract, row):
    conv = formats.get_converter(name)
    assert conv.read(vendor) == contract
    assert tuple(as_text(v) for v in conv.write(contract, row)) == vendor  # as the reader sees it


@pytest.mark.parametrize(("name", "vendor", "contract"), READ_ONLY)
def test_a_converter_reads_other_notations_of_the_vendor(name, vendor, contract):
    assert formats.get_converter(name).read(vendor) == contract


@pytest.mark.parametrize(("name", "vendor"), UNREADABLE)
def test_a_value_a_converter_cannot_read_comes_back_unchanged(name, vendor):
    assert formats.get_converter(name).read(vendor) == vendor[0]


def test_empty_values_stay_empty_both_ways():
    for name, conv in formats.CONVERTERS.items():
        if conv.arity == 1:
            assert conv.read((None,)) is None, name
            assert conv.write(None, {}) == (None,), name


def test_every_converter_of_the_engine_has_a_case():
    ours = {"orchestration.lib.adapters.formats"} | {
        f"orchestration.lib.adapters.layouts.{v}" for v in ("_shared", "stripe", "mailchimp")
    }
    engine = {n for n, c in formats.CONVERTERS.items() if c.to_contract.__module__ in ours}
    tested = {c[0] for c in CASES} | {"mailchimp_event_id"}
    assert engine - tested == set()


# (converter, vendor value(s) written in Europe/Berlin without an offset, the UTC instant,
# contract row for to_vendor): summer time (+02:00), winter time (+01:00), a date moving
ZONED = [
    ("local_datetime", ("2026-07-01 14:03:05",), "2026-07-01T12:03:05+00:00", {}),
    ("local_datetime", ("2026-11-20 14:03:05",), "2026-11-20T13:03:05+00:00", {}),
    ("local_datetime", ("2026-11-21 00:30:00",), "2026-11-20T23:30:00+00:00", {}),
    (
        "hubspot_closed_at",
        ("true", "2026-11-20 14:03:00"),
        "2026-11-20T13:03:00+00:00",
        {"status": "won"},
    ),
    ("pipedrive_due", ("2026-11-21", "00:30:00"), "2026-11-20T23:30:00+00:00", {}),
]


@pytest.mark.parametrize(("name", "vendor", "contract", "row"), ZONED)
def test_a_time_without_offset_is_read_and_written_in_the_landings_time_zone(
    name, vendor, contract, row
):
    conv = formats.get_converter(name)
    with formats.time_zone("Europe/Berlin"):
        assert conv.read(vendor) == contract
        assert tuple(as_text(v) for v in conv.write(contract, row)) == vendor
    assert conv.read(vendor) != contract  # outside the block: UTC again
    assert formats.local_zone() is dt.UTC


@pytest.mark.parametrize("name", ["Europe/Berln", "Mars/Olympus", "", "../etc/passwd", 3])
def test_a_wrong_time_zone_name_is_refused(name):
    with pytest.raises(ValueError, match="time zone"):
        formats.zone_named(name)


def test_the_mailchimp_event_id_is_made_from_the_activity_and_is_stable():
    conv = formats.get_converter("mailchimp_event_id")
    a = conv.read(("cmp1", "Ann@Example.com", "open", "2026-08-23T01:49:27+00:00", None))
    b = conv.read(("cmp1", "ann@example.com", "open", "2026-08-23T01:49:27+00:00", None))
    c = conv.read(("cmp1", "ann@example.com", "click", "2026-08-23T01:49:27+00:00", None))
    assert a == b != c
    assert a.startswith("evt_mc_") and len(a) == len("evt_mc_") + 16
    assert conv.write(a, {}) == (None,) * 5  # derived: nothing to write back


# -- reading vendor files at ingestion -----------------------------------------------------


def _batch_with(tmp_path: Path, files: dict[str, Path | str], day: str = FIRST) -> Path:
    """A landing with one batch holding `files` (relative name -> fixture path or text)."""
    landing = tmp_path / "landing"
    for rel, content in files.items():
        target = landing / day / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_text(content, encoding="utf-8")
    return landing


def _stripe_fixture_batch(tmp_path: Path) -> Path:
    names = ("unified_payments", "unified_customers", "invoices", "invoice_line_items", "refunds")
    return _batch_with(
        tmp_path, {f"payments/{n}.csv": FIXTURES / "stripe" / f"{n}.csv" for n in names}
    )


def _records(parsed, target: str) -> list[dict]:
    (f,) = [f for f in parsed.files if f.spec.path == target]
    return f.table.to_pylist()


def test_stripe_dashboard_exports_are_read_as_the_contract_files(tmp_path):
    landing = _stripe_fixture_batch(tmp_path)
    scan = scan_landing(landing)
    assert scan.unknown == [] and scan.refusals == []
    (batch,) = scan.batches
    assert batch.present_files() == []  # Stripe's invoices.csv is not the contract's
    parsed = read_batch(batch, batch.fingerprint())
    assert parsed.layouts == {"payments": "stripe"}
    assert [f.spec.path for f in parsed.files] == [
        "payments/customers.csv",
        "payments/invoices.csv",
        "payments/invoice_lines.csv",
        "payments/charges.csv",
        "payments/refunds.csv",
    ]
    charges = _records(parsed, "payments/charges.csv")
    assert charges[0] == {
        "charge_id": "ch_3PaA01",
        "customer_id": "cus_Q01",
        "invoice_id": "in_1PaA01",
        "created": "2026-07-08 16:41:00",
        "amount": "592025",
        "currency": "eur",
        "status": "succeeded",
        "fee": "8313",
        "description": "Invoice INV-0001, card payment",
        "card_brand": "visa",
        "card_last4": "4242",
        "_record_number": 1,
    }
    # a zero-decimal currency, its fee (0.45 EUR of the 9.12 EUR settled) in yen, a refunded
    # payment (a succeeded charge), a guest payment
    assert (charges[1]["amount"], charges[1]["fee"], charges[1]["status"]) == (
        "1500",
        "74",
        "succeeded",
    )
    assert (charges[1]["card_brand"], charges[2]["card_brand"]) == ("mastercard", "amex")
    assert (charges[2]["status"], charges[2]["customer_id"], charges[2]["amount"]) == (
        "failed",
        None,
        "1250",
    )
    invoices = _records(parsed, "payments/invoices.csv")
    assert invoices[0]["due_date"] == "2026-07-09"
    assert (invoices[0]["period_start"], invoices[0]["period_end"]) == ("2026-06-25", "2026-06-30")
    assert (invoices[0]["subtotal"], invoices[0]["tax"], invoices[0]["total"]) == (
        "497500",
        "94525",
        "592025",
    )
    assert invoices[1]["total"] == "1500"
    lines = _records(parsed, "payments/invoice_lines.csv")
    assert [(r["product_sku"], r["unit_amount"], r["amount"]) for r in lines] == [
        ("CRM-ENT", "19900", "497500"),
        (None, "1364", "1364"),
    ]
    customers = _records(parsed, "payments/customers.csv")
    assert [(c["country"], c["created"], c["metadata_crm_account_id"]) for c in customers] == [
        ("DE", "2026-02-11 11:22:00", "a00001"),
        ("JP", "2026-03-01 08:00:30", None),
    ]
    (refund,) = _records(parsed, "payments/refunds.csv")
    assert (refund["charge_id"], refund["amount"], refund["reason"]) == (
        "ch_3PaA02",
        "1500",
        "requested_by_customer",
    )


def test_a_renamed_download_is_recognised_by_its_header(tmp_path):
    landing = _batch_with(
        tmp_path,
        {"payments/Payments export (3).csv": FIXTURES / "stripe" / "unified_payments.csv"},
    )
    scan = scan_landing(landing)
    assert scan.unknown == [] and scan.refusals == []
    (batch,) = scan.batches
    parsed = read_batch(batch, batch.fingerprint())
    assert [f.records for f in parsed.files] == [3]


def test_an_unreadable_vendor_file_refuses_its_batch_naming_file_and_line(tmp_path):
    text = (FIXTURES / "stripe" / "unified_payments.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    lines[2] = lines[2].replace("Invoice INV-0002", '"Invoice INV-0002', 1)  # unclosed quote
    landing = _batch_with(tmp_path, {"payments/unified_payments.csv": "\n".join(lines) + "\n"})
    (batch,) = scan_landing(landing).batches
    with pytest.raises(BatchRefused) as refused:
        read_batch(batch, batch.fingerprint())
    assert refused.value.file == f"{FIRST}/payments/unified_payments.csv"
    assert refused.value.line == 3


def test_files_of_no_layout_keep_being_reported_and_ignored(tmp_path):
    landing = _batch_with(
        tmp_path,
        {
            "payments/notes.txt": "called the bank\n",
            "payments/budget.csv": "month,amount\n2026-11,100\n",
            "crm/ideas.json": '{"ideas": []}\n',
        },
    )
    scan = scan_landing(landing)
    assert scan.refusals == []
    assert scan.unknown_names == [
        f"{FIRST}/crm/ideas.json",
        f"{FIRST}/payments/budget.csv",
        f"{FIRST}/payments/notes.txt",
    ]


# -- refusals --------------------------------------------------------------------------------


def _without_column(path: Path, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    i = rows[0].index(column)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([r[:i] + r[i + 1 :] for r in rows])


def test_a_near_miss_header_is_refused_naming_the_closest_layout(tmp_path):
    landing = _stripe_fixture_batch(tmp_path)
    _without_column(landing / FIRST / "payments/unified_payments.csv", "Amount Refunded")
    scan = scan_landing(landing)
    (refusal,) = scan.refusals
    assert refusal.file == f"{FIRST}/payments/unified_payments.csv"
    assert "matches no known layout" in refusal.message
    assert "closest: stripe unified_payments*.csv (missing columns Amount Refunded)" in (
        refusal.message
    )
    assert refusal.files == ("payments/charges.csv",)
    assert f"{FIRST}/payments/unified_payments.csv" not in scan.unknown_names


def test_a_file_named_like_a_vendor_export_with_another_header_is_refused(tmp_path):
    landing = _batch_with(tmp_path, {"payments/unified_payments_2026.csv": "a,b\n1,2\n"})
    (refusal,) = scan_landing(landing).refusals
    assert "closest: stripe unified_payments*.csv (missing columns id, Created date (UTC)," in (
        refusal.message
    )


def test_a_vendor_file_and_the_neutral_file_for_one_contract_file_refuse_the_batch(tmp_path):
    neutral = ",".join(BY_PATH["payments/charges.csv"].columns) + "\n"
    landing = _stripe_fixture_batch(tmp_path)
    (landing / FIRST / "payments/charges.csv").write_text(neutral, encoding="utf-8")
    (refusal,) = scan_landing(landing).refusals
    assert refusal.file == f"{FIRST}/payments/unified_payments.csv"
    assert f"the batch holds {FIRST}/payments/charges.csv too" in refusal.message
    assert refusal.files == ("payments/charges.csv",)


def test_the_landing_config_forces_the_layout_of_a_domain(tmp_path):
    landing = _batch_with(tmp_path, {"payments/budget.csv": "id,Amount,Currency\n1,2,eur\n"})
    assert scan_landing(landing).refusals == []  # without the config: reported, ignored
    (landing / "crmwh-layouts.toml").write_text('payments = "stripe"\n', encoding="utf-8")
    scan = scan_landing(landing)
    assert scan.unknown_names == []  # the config file is read, not reported
    (refusal,) = scan.refusals
    assert refusal.file == f"{FIRST}/payments/budget.csv"
    assert "(crmwh-layouts sets payments = 'stripe'); closest: stripe" in refusal.message


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('payments = "paypal"', "no layout for vendor 'paypal'"),
        ('crm = "stripe"', "stripe is a layout of payments, not crm"),
        ('billing = "stripe"', "'billing' is not a domain"),
        ("payments = ", "not readable"),
        ('timezone = "Europe/Berln"', "timezone: 'Europe/Berln' is not a known time zone"),
        ("timezone = 1", "timezone: 1 is not a time zone name"),
    ],
)
def test_a_wrong_landing_config_refuses_every_batch_naming_it(tmp_path, config, message):
    landing = _stripe_fixture_batch(tmp_path)
    (landing / "crmwh-layouts.toml").write_text(config + "\n", encoding="utf-8")
    (refusal,) = scan_landing(landing).refusals
    assert refusal.file == FIRST
    assert "crmwh-layouts.toml" in refusal.message and message in refusal.message


HUBSPOT_COMPANIES = (
    "Record ID,Company name,Company Domain Name,Create Date,Industry,Country/Region,"
    "Company owner,Last Modified Date\n"
    "101,Acme,acme.it,2026-07-01 14:03,Software,Italy,Jane Doe,2026-11-20 14:03:05\n"
)


@pytest.mark.parametrize(
    ("config", "created_at", "updated_at"),
    [
        (None, "2026-07-01T14:03:00+00:00", "2026-11-20T14:03:05+00:00"),
        ('timezone = "UTC"', "2026-07-01T14:03:00+00:00", "2026-11-20T14:03:05+00:00"),
        # summer time (+02:00), winter time (+01:00)
        ('timezone = "Europe/Berlin"', "2026-07-01T12:03:00+00:00", "2026-11-20T13:03:05+00:00"),
        ('crm = "hubspot"\ntimezone = "America/New_York"', "2026-07-01T18:03:00+00:00", None),
    ],
)
def test_a_vendor_time_without_offset_lands_in_the_landings_time_zone(
    tmp_path, config, created_at, updated_at
):
    landing = _batch_with(
        tmp_path, {"crm/hubspot-crm-exports-all-companies-2026.csv": HUBSPOT_COMPANIES}
    )
    if config is not None:
        (landing / "crmwh-layouts.toml").write_text(config + "\n", encoding="utf-8")
    scan = scan_landing(landing)
    assert scan.unknown == [] and scan.refusals == []
    (batch,) = scan.batches
    (account,) = _records(read_batch(batch, batch.fingerprint()), "crm/accounts.csv")
    assert account["created_at"] == created_at
    if updated_at is not None:
        assert account["updated_at"] == updated_at


# -- through the loader and the warehouse ----------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    """The same small company generated in the neutral layout and with Stripe and
    Mailchimp replacing payments and e-mail."""
    root = tmp_path_factory.mktemp("generated")
    out = {}
    for name, layouts in (("neutral", ()), ("vendor", ("stripe", "mailchimp"))):
        generate(root / name, layouts=layouts, **SMALL)
        out[name] = root / name
    return out


def _raw(warehouse: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = [
            c
            for (c,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = ? and column_name <> '_source_file' order by ordinal_position",
                [table],
            ).fetchall()
        ]
        select = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"select {select} from raw.{table} order by all").fetchall()
    finally:
        con.close()


def test_the_generator_writes_the_vendor_files_in_place_of_the_neutral_ones(generated):
    batch = generated["vendor"] / FIRST
    assert sorted(p.name for p in (batch / "payments").iterdir()) == [
        "invoice_line_items.csv",
        "invoices.csv",
        "refunds.csv",
        "unified_customers.csv",
        "unified_payments.csv",
    ]
    assert sorted(p.name for p in (batch / "email").iterdir()) == [
        "campaigns.json",
        "cleaned_email_audience_export_lst_news.csv",
        "email_activity.csv",
        "subscribed_email_audience_export_lst_news.csv",
        "unsubscribed_email_audience_export_lst_news.csv",
    ]
    manifest = (batch / "_manifest.json").read_text(encoding="utf-8")
    assert "payments/" not in manifest and "email/" not in manifest and "crm/deals.csv" in manifest


def test_a_generated_stripe_and_mailchimp_company_loads_the_neutral_records(generated, tmp_path):
    report = tmp_path / "reports"
    neutral = load_landing(generated["neutral"], tmp_path / "n.duckdb", with_gx=False)
    vendor = load_landing(
        generated["vendor"], tmp_path / "v.duckdb", with_gx=False, report_dir=report
    )
    assert neutral.loaded == vendor.loaded == [FIRST, SECOND]
    assert vendor.ignored_files == [] and vendor.refused == {}
    for spec in BY_PATH.values():
        if spec.source != "email":
            assert _raw(tmp_path / "v.duckdb", spec.table) == _raw(
                tmp_path / "n.duckdb", spec.table
            ), spec.path
    # e-mail: the same records, Mailchimp's times in UTC, no spend, made-up event ids
    members_n = _raw(tmp_path / "n.duckdb", "email__list_members")
    members_v = _raw(tmp_path / "v.duckdb", "email__list_members")
    assert len(members_n) == len(members_v) > 0

    def instant(text):
        return None if text is None else dt.datetime.fromisoformat(text).astimezone(dt.UTC)

    def normal(rows):
        # (list, email, status, subscribed, unsubscribed, batch); the record numbers differ:
        # Mailchimp's three files hold the members in another order
        return sorted((r[0], r[1], r[2], instant(r[3]), instant(r[4]), r[5]) for r in rows)

    assert normal(members_v) == normal(members_n)
    campaigns = _raw(tmp_path / "v.duckdb", "email__campaigns")
    assert campaigns and all(r[6] is None and r[7] is None for r in campaigns)  # cost, currency
    events_v = _raw(tmp_path / "v.duckdb", "email__events")
    events_n = _raw(tmp_path / "n.duckdb", "email__events")
    assert sorted(r[1:] for r in events_v) == sorted(r[1:] for r in events_n)
    assert all(r[0].startswith("evt_mc_") for r in events_v)
    # the audit report names the layouts and what they cannot provide
    page = (report / "latest.html").read_text(encoding="utf-8")
    assert "Vendor layouts" in page and "stripe (Stripe Dashboard CSV exports)" in page
    assert "times without an offset read in UTC" in page  # no crmwh-layouts.toml zone
    assert "email/campaigns.csv cost</code>: Mailchimp records no spend per campaign" in page
    # ... and which vendor file holds which record numbers of a contract file
    members = generated["vendor"] / FIRST / "email"
    subscribed = members / "subscribed_email_audience_export_lst_news.csv"
    n = len(subscribed.read_text(encoding="utf-8").splitlines()) - 1  # the header
    unsubscribed = members / "unsubscribed_email_audience_export_lst_news.csv"
    m = len(unsubscribed.read_text(encoding="utf-8").splitlines()) - 1
    assert (
        f"<code>email/list_members.csv</code> 1–{n}: "
        f"<code>email/{subscribed.name}</code><br>"
        f"<code>email/list_members.csv</code> {n + 1}–{n + m}: "
        f"<code>email/{unsubscribed.name}</code>"
    ) in page


@pytest.fixture(scope="module")
def neutral_loaded(generated, tmp_path_factory) -> Path:
    warehouse = tmp_path_factory.mktemp("neutral_loaded") / "n.duckdb"
    load_landing(generated["neutral"], warehouse, with_gx=False)
    return warehouse


def _instant(value):
    """A timestamp as its instant (a vendor writes UTC in its own notation, the neutral
    layout with offsets); any other value as it is."""
    if isinstance(value, str) and len(value) >= 16 and value[4] == "-" and value[10] in "T ":
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        return (stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    return value


def _raw_records(warehouse: Path, table: str, leave_out: set[str]) -> Counter:
    """The raw table's records (but the record numbers and `leave_out`), times as instants."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(f"select * exclude (_source_file, _record_number) from raw.{table}")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    keep = [i for i, name in enumerate(names) if name not in leave_out]
    return Counter(tuple(_instant(row[i]) for i in keep) for row in rows)


@pytest.mark.parametrize(
    ("vendor", "timezone"),
    [
        ("hubspot", None),
        ("pipedrive", None),
        ("salesforce", None),
        # local times without offset, written and read in the landing's time zone
        ("hubspot", "Europe/Berlin"),
        ("pipedrive", "Asia/Kolkata"),
    ],
)
def test_a_generated_crm_company_loads_the_neutral_records_but_its_gaps(
    vendor, timezone, neutral_loaded, tmp_path
):
    """A CRM layout both ways: the generator's vendor files read back as the neutral records
    of every contract file they provide, but the columns the vendor lacks (empty when no file
    of the target has them); a file the user supplies is read as the neutral one. With a
    `timezone`, the vendor's times without offset are written in it and the landing's
    crmwh-layouts.toml names it."""
    lay = layout(vendor)
    if timezone is None:
        generate(tmp_path / "landing", layouts=(vendor,), **SMALL)
    else:
        generate(tmp_path / "landing", **SMALL)
        write_layouts_in_zone(tmp_path / "landing", (vendor,), timezone)
        config = (tmp_path / "landing" / "crmwh-layouts.toml").read_text(encoding="utf-8")
        assert config == f'timezone = "{timezone}"\n'
    warehouse = tmp_path / "v.duckdb"
    result = load_landing(tmp_path / "landing", warehouse, with_gx=False)
    assert result.loaded == [FIRST, SECOND]
    assert result.ignored_files == [] and result.refused == {}
    targets = {vf.target for vf in lay.files} | {m.target for m in lay.missing if m.supply}
    for target in sorted(targets):
        files = [vf for vf in lay.files if vf.target == target]
        gaps = {c for vf in files for c, f in vf.columns.items() if isinstance(f, Missing)}
        table = BY_PATH[target].table
        assert _raw_records(warehouse, table, gaps) == _raw_records(neutral_loaded, table, gaps), (
            target
        )
        for column in gaps:
            if all(isinstance(vf.columns[column], Missing) for vf in files):
                values = {r[0] for r in _raw_column(warehouse, table, column)}
                assert values == {None}, (target, column)


def test_a_generated_zendesk_company_loads_the_neutral_records_but_its_gaps(
    neutral_loaded, tmp_path
):
    """Zendesk both ways: the requesters' e-mails and names are written only in the
    sideloaded `users` list and read back by the tickets' requester_id."""
    lay = layout("zendesk")
    generate(tmp_path / "landing", layouts=("zendesk",), **SMALL)
    page = json.loads((tmp_path / "landing" / FIRST / "support/tickets.json").read_text())
    assert page["users"] and all({"id", "email", "name"} <= set(u) for u in page["users"])
    assert not any("source" in t["via"] for t in page["tickets"])
    warehouse = tmp_path / "v.duckdb"
    result = load_landing(tmp_path / "landing", warehouse, with_gx=False)
    assert result.loaded == [FIRST, SECOND] and result.refused == {}
    for vf in lay.files:
        gaps = {c for c, f in vf.columns.items() if isinstance(f, Missing)}
        table = BY_PATH[vf.target].table
        ours = _raw_records(warehouse, table, gaps)
        assert ours == _raw_records(neutral_loaded, table, gaps), vf.target
    emails = {r[0] for r in _raw_column(warehouse, "support__tickets", "requester_email")}
    assert len(emails - {None}) > 1


def test_a_zendesk_requester_is_joined_from_the_sideloaded_users(tmp_path):
    def ticket(i, requester_id, via):
        return {
            "id": i,
            "subject": "Printer",
            "status": "open",
            "priority": "high",
            "requester_id": requester_id,
            "via": via,
            "created_at": "2026-11-20T14:03:00Z",
            "updated_at": "2026-11-20T14:03:00Z",
        }

    mail = {"channel": "email", "source": {"from": {"address": "via@x.it", "name": "Via"}}}
    page = {
        "tickets": [
            ticket(1, 20978392, {"channel": "web"}),  # a sideloaded user
            ticket(2, 20978392, mail),  # the sideloaded user wins over via.source.from
            ticket(3, 555, mail),  # not sideloaded: via.source.from
            ticket(4, 556, mail),  # sideloaded without an e-mail: via.source.from
            ticket(5, None, {"channel": "web"}),  # nobody: empty
        ],
        "users": [
            {"id": "20978392", "name": "Ada Lovelace", "email": "ada@x.it"},
            {"id": 556, "name": None, "email": None},
        ],
        "end_of_stream": True,
    }
    landing = _batch_with(tmp_path, {"support/tickets.json": json.dumps(page)})
    scan = scan_landing(landing)
    assert scan.unknown == [] and scan.refusals == []
    (batch,) = scan.batches
    tickets = _records(read_batch(batch, batch.fingerprint()), "support/tickets.jsonl")
    assert [(t["requester_email"], t["requester_name"]) for t in tickets] == [
        ("ada@x.it", "Ada Lovelace"),
        ("ada@x.it", "Ada Lovelace"),
        ("via@x.it", "Via"),
        ("via@x.it", "Via"),
        (None, None),
    ]


def _raw_column(warehouse: Path, table: str, column: str) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f'select distinct "{column}" from raw.{table}').fetchall()
    finally:
        con.close()


def test_a_refused_vendor_batch_leaves_the_warehouse_untouched(generated, tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(generated["vendor"], landing)
    warehouse = tmp_path / "w.duckdb"
    assert load_landing(landing, warehouse, with_gx=False).loaded == [FIRST, SECOND]
    before = {t: _raw(warehouse, t) for t in ("payments__charges", "payments__invoices")}
    _without_column(landing / SECOND / "payments/unified_payments.csv", "Status")
    (landing / SECOND / "payments/invoices.csv").write_text("id\n", encoding="utf-8")
    report = load_landing(landing, warehouse, with_gx=False)
    assert report.loaded == [] and report.skipped == [FIRST]
    refused = str(report.refused[SECOND])
    assert refused.startswith(f"{SECOND}/payments/")
    assert "closest: stripe" in refused
    assert {t: _raw(warehouse, t) for t in before} == before


def test_generate_refuses_two_layouts_of_one_domain_and_unknown_vendors(tmp_path):
    with pytest.raises(ValueError, match="choose one per domain"):
        generate(tmp_path / "x", layouts=("stripe", "stripe"), **SMALL)
    with pytest.raises(ValueError, match="no layout for vendor 'paypal'"):
        generate(tmp_path / "y", layouts=("paypal",), **SMALL)
    with pytest.raises(ValueError, match="clean data only"):
        generate(tmp_path / "z", layouts=("stripe",), dirty=True, **SMALL)


# -- the README's table ----------------------------------------------------------------------


def test_the_readme_table_of_vendor_exports_is_generated_from_the_layouts():
    from orchestration.lib.adapters import readme

    current = readme.README.read_text(encoding="utf-8")
    assert readme.rewritten(current) == current, (
        "README.md's vendor exports table is out of date: run "
        "python -m orchestration.lib.adapters.readme --write"
    )
    table = readme.table()
    for lay in all_layouts().values():
        for vf in lay.files:
            assert f"| {lay.vendor} | `{vf.name}` ({vf.format}) | `{vf.target}` from" in table
        for m in lay.missing:
            assert f"| {lay.vendor} | — | — | `{m.target}` not provided: {m.reason}" in table
    assert "`cost`: Mailchimp records no spend per campaign (affects dim_campaign.cost," in table


def test_files_of_two_vendors_in_one_domain_refuse_the_batch(tmp_path, monkeypatch):
    from orchestration.lib.adapters import detect

    stripe = layout("stripe")
    refunds = stripe.files[-1]
    other = Layout(
        "acmepay",
        "payments",
        "a second payments vendor",
        "https://example.com",
        (VendorFile("acme_refunds.csv", "csv", ("refund_ref",), refunds.target, refunds.columns),),
    )
    monkeypatch.setattr(detect, "all_layouts", lambda: {"stripe": stripe, "acmepay": other})
    monkeypatch.setattr(detect, "layouts_of_domain", lambda domain: [stripe, other])
    landing = _stripe_fixture_batch(tmp_path)
    (landing / FIRST / "payments/acme_refunds.csv").write_text("refund_ref\nr1\n", encoding="utf-8")
    refusals = scan_landing(landing).refusals
    # each vendor named by its first file (in name order)
    assert [r.message for r in refusals if "two layouts" in r.message] == [
        f"payments/ holds files of two layouts: acmepay ({FIRST}/payments/acme_refunds.csv) "
        f"and stripe ({FIRST}/payments/invoice_line_items.csv); a batch takes one layout per "
        "domain: keep one vendor's files"
    ]


def test_mailchimp_exports_are_read_as_the_contract_files(tmp_path):
    names = [p.name for p in sorted((FIXTURES / "mailchimp").iterdir())]
    landing = _batch_with(tmp_path, {f"email/{n}": FIXTURES / "mailchimp" / n for n in names})
    scan = scan_landing(landing)
    assert scan.unknown == [] and scan.refusals == []
    (batch,) = scan.batches
    parsed = read_batch(batch, batch.fingerprint())
    assert parsed.layouts == {"email": "mailchimp"}
    members = [
        tuple(r[c] for c in BY_PATH["email/list_members.csv"].columns)
        for r in _records(parsed, "email/list_members.csv")
    ]
    audience = "8f2a1c9d0e"  # from the files' names
    assert members == [  # subscribed, unsubscribed, cleaned: the layout's order
        (audience, "lena.meyer@maplelogistics.ch", "subscribed", "2026-10-14T01:09:15+00:00", None),
        (audience, "camille@orange.fr", "subscribed", "2026-10-07T04:43:41+00:00", None),
        (
            audience,
            "alice.conti@bluthmotors.com",
            "unsubscribed",
            "2025-09-17T04:51:55+00:00",
            "2026-10-01T10:59:15+00:00",
        ),
        (
            audience,
            "anna.martin@gmail.com",
            "cleaned",
            "2025-10-14T12:06:52+00:00",
            "2026-09-29T11:31:00+00:00",
        ),
    ]
    campaigns = [
        tuple(r[c] for c in BY_PATH["email/campaigns.csv"].columns)
        for r in _records(parsed, "email/campaigns.csv")
    ]
    assert campaigns == [
        (
            "c0ffee0002",
            "News #2: tips, news & offers",
            audience,
            "Save the date!",
            "sent",
            "2026-09-29T11:29:16+00:00",
            None,
            None,
        ),
        ("c0ffee0003", "News #3", audience, "What's new this month", "draft", None, None, None),
    ]
    events = _records(parsed, "email/events.jsonl")

    def epoch(*parts):
        return str(int(dt.datetime(*parts, tzinfo=dt.UTC).timestamp()))

    assert [
        (e["event"], e["email"], e["timestamp"], e["url"], e["bounce_type"]) for e in events
    ] == [
        ("open", "lena.meyer@maplelogistics.ch", epoch(2026, 9, 29, 12, 2, 41), None, None),
        (
            "click",
            "lena.meyer@maplelogistics.ch",
            epoch(2026, 9, 29, 12, 3, 5),
            "https://example.com/offers",
            None,
        ),
        ("bounce", "anna.martin@gmail.com", epoch(2026, 9, 29, 11, 31), None, "hard"),
    ]
    ids = [e["event_id"] for e in events]
    assert len(set(ids)) == 3 and all(i.startswith("evt_mc_") for i in ids)


@pytest.mark.parametrize("supply", [False, True])
def test_the_generator_writes_a_missing_file_only_when_the_user_supplies_it(
    generated, tmp_path, supply
):
    from orchestration.lib.adapters.model import MissingFile
    from orchestration.lib.adapters.writing import write_layout

    stripe = layout("stripe")
    without_refunds = Layout(
        "stripe",
        "payments",
        stripe.title,
        stripe.docs_url,
        stripe.files[:-1],
        (MissingFile("payments/refunds.csv", "not exported", ("fct_refunds",), supply=supply),),
    )
    batch = tmp_path / FIRST
    shutil.copytree(generated["neutral"] / FIRST, batch)
    neutral_refunds = (batch / "payments/refunds.csv").read_bytes()
    written = write_layout(batch, without_refunds)
    assert "payments/refunds.csv" not in written
    if supply:  # the neutral file stays, as the user would supply it, and is read as such
        assert (batch / "payments/refunds.csv").read_bytes() == neutral_refunds
        (scanned,) = scan_landing(tmp_path).batches
        assert "payments/refunds.csv" in scanned.present_files()
    else:
        assert not (batch / "payments/refunds.csv").exists()


def test_a_vendor_csv_without_a_column_the_layout_reads_refuses_its_batch(tmp_path):
    landing = _stripe_fixture_batch(tmp_path)
    _without_column(landing / FIRST / "payments/unified_payments.csv", "Card Brand")
    # Stripe leaves a metadata column out when no customer has the key: absent = empty
    _without_column(landing / FIRST / "payments/unified_customers.csv", "crm_account_id (metadata)")
    (batch,) = scan_landing(landing).batches
    with pytest.raises(BatchRefused) as refused:
        read_batch(batch, batch.fingerprint())
    assert refused.value.file == f"{FIRST}/payments/unified_payments.csv"
    assert (refused.value.line, refused.value.column) == (1, "Card Brand")
    assert "lacks column(s) the layout reads: Card Brand (for card_brand)" in refused.value.message
    shutil.copyfile(
        FIXTURES / "stripe" / "unified_payments.csv",
        landing / FIRST / "payments/unified_payments.csv",
    )
    (batch,) = scan_landing(landing).batches
    customers = _records(read_batch(batch, batch.fingerprint()), "payments/customers.csv")
    assert [c["metadata_crm_account_id"] for c in customers] == [None, None]


def test_a_vendor_file_under_a_contract_name_that_lacks_columns_names_the_closest_layout(
    tmp_path,
):
    landing = _stripe_fixture_batch(tmp_path)
    _without_column(landing / FIRST / "payments/invoices.csv", "Amount Due")
    (refusal,) = scan_landing(landing).refusals
    assert refusal.file == f"{FIRST}/payments/invoices.csv"
    assert "closest: stripe invoices*.csv (missing columns Amount Due)" in refusal.message
    # a neutral file that lacks one contract column is refused as before, when read
    neutral = BY_PATH["payments/invoices.csv"].columns
    (landing / FIRST / "payments/invoices.csv").write_text(",".join(neutral[1:]) + "\n")
    scan = scan_landing(landing)
    assert scan.refusals == []
    (batch,) = scan.batches
    with pytest.raises(BatchRefused) as refused:
        read_batch(batch, batch.fingerprint())
    assert (refused.value.file, refused.value.column) == (
        f"{FIRST}/payments/invoices.csv",
        "invoice_id",
    )
