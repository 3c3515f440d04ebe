"""Suites of the payments export files (payments/*.csv): money in integer minor units."""

from orchestration.lib.contract import BY_PATH

from . import categories as cat
from .rules import (
    LAST4,
    Severity,
    category,
    date,
    email,
    enum,
    integer,
    known_currency,
    matches,
    payments_timestamp,
    reference,
    required,
    sql_rule,
    suite,
)


def _suite(path, rules):
    spec = BY_PATH[path]
    return suite(path, spec.columns, spec.key, rules, spec.updated_at)


CUSTOMERS = _suite("payments/customers.csv", [email("email"), payments_timestamp("created")])

INVOICES = _suite(
    "payments/invoices.csv",
    [
        payments_timestamp("created"),
        date("due_date"),
        enum("status", cat.INVOICE_STATUSES),
        known_currency(),
        integer("subtotal"),
        integer("tax"),
        integer("total"),
        integer("amount_paid"),
        date("period_start"),
        date("period_end"),
    ],
)

INVOICE_LINES = _suite(
    "payments/invoice_lines.csv",
    [
        required("invoice_id"),
        integer("quantity"),
        integer("unit_amount", negative_allowed=True),
        integer("amount", negative_allowed=True),
        reference("product_sku", "crm__products", "sku", "a CRM product sku"),
    ],
)

CHARGES = _suite(
    "payments/charges.csv",
    [
        payments_timestamp("created"),
        integer("amount"),
        known_currency(),
        enum("status", cat.CHARGE_STATUSES),
        integer("fee"),
        matches("card_last4", LAST4, "not_4_digits", "{column} is not exactly 4 digits"),
        reference("customer_id", "payments__customers", "customer_id", "a customer"),
        sql_rule(
            "created_before_first_fx_rate",
            Severity.FLAG,
            "upper(trim(r.currency)) <> 'EUR' and try_cast(r.created as timestamp) < ("
            "select min(try_cast(fx.date as date)) from raw.reference__fx_rates as fx "
            "where upper(trim(fx.currency)) = upper(trim(r.currency)) "
            "and fx._batch_date <= r._batch_date)",
            "charged before the first fx rate of its currency: converted with the first rate",
            "created",
        ),
    ],
)

REFUNDS = _suite(
    "payments/refunds.csv",
    [
        required("charge_id"),
        payments_timestamp("created"),
        integer("amount"),
        known_currency(),
        category("reason", cat.REFUND_REASONS),
        enum("status", cat.REFUND_STATUSES),
        sql_rule(
            "currency_differs_from_charge",
            Severity.QUARANTINE,
            "exists (select 1 from raw.payments__charges as charge "
            "where charge.charge_id = r.charge_id and charge._batch_date <= r._batch_date "
            "and lower(trim(charge.currency)) <> lower(trim(r.currency)))",
            "the refund's currency differs from its charge's",
            "currency",
        ),
        reference("charge_id", "payments__charges", "charge_id", "a charge"),
    ],
)

SUITES = (CUSTOMERS, INVOICES, INVOICE_LINES, CHARGES, REFUNDS)
