"""Stripe: the Dashboard's CSV exports of customers, invoices, invoice line items, payments
(charges) and refunds (Dashboard > list page > Export; all columns, time zone UTC).

Amounts in these exports are decimals in major units (`5920.25`), converted to the
contract's minor units with the row's currency (`minor_units`); the payments export's Fee
is in the account's settlement currency and is converted to the charge's (`stripe_fee`);
timestamps are UTC `YYYY-MM-DD HH:MM[:SS]`; metadata keys are exported as columns
`<key> (metadata)`, left out when no record has the key (`optional`). The CRM's product
SKU of an invoice line is read from the line's metadata key `sku` (Stripe prices and
products have no SKU field): without it, lines have no product.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from ..formats import MinorUnits, converter, minor_digits
from ..model import Column, Layout, VendorFile
from ._shared import lookup

DOCS = "https://docs.stripe.com/reports/report-types"


@converter("stripe_datetime")
class StripeDatetime:
    """Stripe's export time `2026-07-08 16:41` or `2026-07-08 16:41:10` (UTC) <-> payments'
    `YYYY-MM-DD HH:MM:SS` (UTC)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        if len(text) == 16 and text[10] == " " and text[13] == ":":
            return f"{text}:00"
        return text

    @staticmethod
    def to_vendor(value: str):
        return value


@converter("stripe_date")
class StripeDate:
    """Stripe's export time `2026-07-09 00:00[:00]` (UTC) <-> the contract's date
    `2026-07-09` (due dates and billing periods are dates in the contract)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        head, _, time = text.partition(" ")
        if len(head) == 10 and head[4] == "-" and (not time or time[:2].isdigit()):
            return head
        return value

    @staticmethod
    def to_vendor(value: str):
        return f"{value} 00:00:00" if len(value) == 10 else value


# The Dashboard's payment statuses; Refunded and Partially refunded are succeeded charges
# whose refunds come in the refunds export.
lookup(
    "stripe_payment_status",
    {
        "paid": "succeeded",
        "succeeded": "succeeded",
        "refunded": "succeeded",
        "partially refunded": "succeeded",
        "failed": "failed",
        "pending": "pending",
        "uncaptured": "pending",
        "incomplete": "pending",
    },
    {"succeeded": "Paid", "failed": "Failed", "pending": "Pending"},
    "The payments export's Status (`Paid`, `Refunded`, `Partially refunded`, `Failed`, "
    "`Pending`, `Uncaptured`, `Incomplete`) <-> the contract's succeeded|failed|pending.",
)


@converter("stripe_fee", arity=4)
class StripeFee:
    """The payments export's Fee, in the account's settlement currency (that of Converted
    Amount), with Amount, Converted Amount and the charge's Currency <-> the contract's fee
    in minor units of the charge's currency: Fee x Amount / Converted Amount, rounded to the
    minor unit (the settlement currency's fee as it was converted)."""

    @staticmethod
    def to_contract(fee, amount, converted, currency) -> str | None:
        if fee is None:
            return None
        numbers = [_decimal_or_none(v) for v in (fee, amount, converted)]
        if numbers[0] is None:
            return fee
        value = numbers[0]
        if numbers[1] is not None and numbers[2] and numbers[1] != numbers[2]:
            value = value * numbers[1] / numbers[2]
        minor = value.scaleb(minor_digits(currency)).quantize(Decimal(1), ROUND_HALF_UP)
        return str(int(minor))

    @staticmethod
    def to_vendor(value, row):
        # the generated company settles in each charge's currency: Converted Amount = Amount
        currency = row.get("currency")
        fee = MinorUnits.to_vendor(value, row)[0]
        amount = MinorUnits.to_vendor(row.get("amount"), row)[0]
        return (fee, amount, amount, currency)


def _decimal_or_none(text: str | None) -> Decimal | None:
    if text is None:
        return None
    try:
        number = Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _money(column: str) -> Column:
    return Column((column, "Currency"), format="minor_units")


CARD_BRANDS = {
    "Visa": "visa",
    "MasterCard": "mastercard",
    "American Express": "amex",
    "Discover": "discover",
    "Diners Club": "diners",
    "JCB": "jcb",
    "UnionPay": "unionpay",
}

LAYOUT = Layout(
    vendor="stripe",
    domain="payments",
    title="Stripe Dashboard CSV exports",
    docs_url=DOCS,
    files=(
        VendorFile(
            name="unified_customers*.csv",
            format="csv",
            signature=("id", "Email", "Name", "Created (UTC)", "Delinquent"),
            target="payments/customers.csv",
            columns={
                "customer_id": Column("id"),
                "email": Column("Email"),
                "name": Column("Name"),
                "country": Column("Address Country"),
                "created": Column("Created (UTC)", format="stripe_datetime"),
                "metadata_crm_account_id": Column("crm_account_id (metadata)", optional=True),
            },
        ),
        VendorFile(
            name="invoices*.csv",
            format="csv",
            signature=("id", "Number", "Customer", "Amount Due", "Amount Paid", "Status"),
            target="payments/invoices.csv",
            columns={
                "invoice_id": Column("id"),
                "customer_id": Column("Customer"),
                "number": Column("Number"),
                "created": Column("Date (UTC)", format="stripe_datetime"),
                "due_date": Column("Due Date (UTC)", format="stripe_date"),
                "status": Column("Status"),
                "currency": Column("Currency", format="lowercase"),
                "subtotal": _money("Subtotal"),
                "tax": _money("Tax"),
                "total": _money("Total"),
                "amount_paid": _money("Amount Paid"),
                "period_start": Column("Period Start (UTC)", format="stripe_date"),
                "period_end": Column("Period End (UTC)", format="stripe_date"),
            },
        ),
        VendorFile(
            name="invoice_line_items*.csv",
            format="csv",
            signature=("id", "Invoice ID", "Quantity", "Unit Amount", "Amount"),
            target="payments/invoice_lines.csv",
            columns={
                "line_id": Column("id"),
                "invoice_id": Column("Invoice ID"),
                "product_sku": Column("sku (metadata)", optional=True),
                "description": Column("Description"),
                "quantity": Column("Quantity"),
                "unit_amount": _money("Unit Amount"),
                "amount": _money("Amount"),
            },
        ),
        VendorFile(
            name="unified_payments*.csv",
            format="csv",
            signature=("id", "Created date (UTC)", "Amount", "Amount Refunded", "Status"),
            target="payments/charges.csv",
            columns={
                "charge_id": Column("id"),
                "customer_id": Column("Customer ID"),
                "invoice_id": Column("Invoice ID"),
                "created": Column("Created date (UTC)", format="stripe_datetime"),
                "amount": _money("Amount"),
                "currency": Column("Currency", format="lowercase"),
                "status": Column("Status", format="stripe_payment_status"),
                "fee": Column(
                    ("Fee", "Amount", "Converted Amount", "Currency"), format="stripe_fee"
                ),
                "description": Column("Description"),
                "card_brand": Column("Card Brand", values=CARD_BRANDS),
                "card_last4": Column("Card Last4"),
            },
        ),
        VendorFile(
            name="refunds*.csv",
            format="csv",
            signature=("id", "Charge ID", "Amount", "Reason", "Status"),
            target="payments/refunds.csv",
            columns={
                "refund_id": Column("id"),
                "charge_id": Column("Charge ID"),
                "created": Column("Created (UTC)", format="stripe_datetime"),
                "amount": _money("Amount"),
                "currency": Column("Currency", format="lowercase"),
                "reason": Column("Reason"),
                "status": Column("Status"),
            },
        ),
    ),
)
