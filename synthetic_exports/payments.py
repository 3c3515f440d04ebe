"""Payments (customers, invoices, lines, charges, refunds) and the reference fx rates."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from . import names as N
from .company import APPROX_RATE, PRODUCTS, Account, World
from .util import d, hex_id, pay_ts, rand_ts, rng_for

FX_CURRENCIES = ("USD", "GBP", "CHF", "SEK", "RON", "JPY")
PAY_CURRENCIES = ("eur", "usd", "gbp", "chf", "sek", "ron", "jpy")
EXPONENT = {"jpy": 0}
TAX = {
    "IT": 0.22,
    "DE": 0.19,
    "FR": 0.20,
    "AT": 0.20,
    "ES": 0.21,
    "NL": 0.21,
    "RO": 0.19,
    "SE": 0.25,
    "CH": 0.081,
    "GB": 0.20,
}
SKU_PRICE = {p[0]: p[3] for p in PRODUCTS}


def holidays(year: int) -> set[date]:
    return {
        date(year, 1, 1),
        date(year, 5, 1),
        date(year, 12, 25),
        date(year, 12, 26),
        # Good Friday and Easter Monday of the simulated years
        *{
            2024: (date(2024, 3, 29), date(2024, 4, 1)),
            2025: (date(2025, 4, 18), date(2025, 4, 21)),
            2026: (date(2026, 4, 3), date(2026, 4, 6)),
            2027: (date(2027, 3, 26), date(2027, 3, 29)),
        }.get(year, ()),
    }


def fx(w: World) -> None:
    rng = rng_for(w.seed, "fx")
    day = (w.tl.start - timedelta(days=45)).date()
    last = w.tl.end_date
    rates = {c: APPROX_RATE[c] for c in FX_CURRENCIES}
    first = True
    while day <= last:
        if day.weekday() < 5 and day not in holidays(day.year):
            t = datetime(day.year, day.month, day.day, 15, tzinfo=UTC)
            for c in FX_CURRENCIES:
                rates[c] *= 1 + rng.gauss(0, 0.004)
                digits = 2 if c == "JPY" else 4
                if first:
                    w.fx_first[c] = t.replace(hour=0)
                row = {"date": d(day), "currency": c, "rate": f"{rates[c]:.{digits}f}"}
                w.landing.delta("reference/fx_rates.csv", [(t, row)], meta={"first_rate": first})
            first = False
        day += timedelta(days=1)


def minor(amount_major: float, cur: str) -> int:
    return int(round(amount_major * (10 ** EXPONENT.get(cur, 2))))


class Payments:
    def __init__(self, w: World):
        self.w = w
        self.rng = rng_for(w.seed, "payments")
        self.n_inv = 0

    def run(self) -> None:
        w, rng = self.w, self.rng
        for acc in list(w.accounts.values()):
            if acc.wins:
                self.customer_of(acc)
        for _ in range(w.n(25)):  # self-serve buyers with a free-mail address: unmatched
            self.individual()
        for i in range(w.n(30)):  # guest checkouts: no customer at all
            t = rand_ts(rng, w.tl.start + timedelta(days=20), w.tl.end)
            cur = PAY_CURRENCIES[i % len(PAY_CURRENCIES)]
            amount = minor(rng.choice((49, 99, 199, 1200)) * APPROX_RATE[cur.upper()], cur)
            self.charge(
                t,
                "",
                "",
                amount,
                cur,
                rng.choice(
                    ("Training seat, guest checkout", "Webinar ticket", "One-off report export")
                ),
                refundable=True,
            )

    def customer_of(self, acc: Account) -> None:
        w, rng = self.w, self.rng
        first_win = min(t for t, _a, _d in acc.wins)
        created = first_win + timedelta(days=rng.uniform(0.5, 6))
        if created >= w.tl.end:
            return
        cur = acc.currency.lower()
        r = rng.random()
        contact = acc.contacts[0] if acc.contacts else None
        if r < 0.62:
            meta, email = (
                acc.id,
                rng.choice(
                    [
                        f"billing@{acc.domain}",
                        contact.email if contact else f"accounts@{acc.domain}",
                    ]
                ),
            )
        elif r < 0.82 and contact:
            meta, email = "", contact.email
        else:
            meta, email = (
                "",
                rng.choice(("billing", "accounts", "finance", "ap")) + f"@{acc.domain}",
            )
        cid = hex_id("cus_", w.seed, acc.id)
        row = {
            "customer_id": cid,
            "email": email,
            "name": acc.name,
            "country": acc.country,
            "created": pay_ts(created),
            "metadata_crm_account_id": meta,
        }
        w.landing.snapshot("payments/customers.csv", w.states(created, [(created, row)]))
        annual = sum(a for t, a, _d in acc.wins)
        stop = acc.inactive_since or w.tl.end
        # older invoices of long-standing customers are not part of the export
        first_invoice = max(created, w.tl.start - timedelta(days=30))
        self.invoices(
            cid, cur, acc.country, first_invoice, stop, annual * APPROX_RATE[acc.currency]
        )

    def individual(self) -> None:
        w, rng = self.w, self.rng
        created = rand_ts(rng, w.tl.start, w.tl.end - timedelta(days=2))
        first, last = rng.choice(N.FIRST), rng.choice(N.LAST)
        email = w.unique_email(rng, first, last, rng.choice(N.FREE_MAIL))
        country = rng.choice(list(N.COUNTRY_WEIGHTS))
        cur = rng.choice(PAY_CURRENCIES)
        cid = hex_id("cus_", w.seed, "ind", email)
        row = {
            "customer_id": cid,
            "email": email,
            "name": f"{first} {last}",
            "country": country,
            "created": pay_ts(created),
            "metadata_crm_account_id": "",
        }
        w.landing.snapshot("payments/customers.csv", w.states(created, [(created, row)]))
        stop = min(w.tl.end, created + timedelta(days=rng.uniform(60, 300)))
        self.invoices(
            cid, cur, country, created, stop, rng.choice((49, 99)) * 12 * APPROX_RATE[cur.upper()]
        )

    def invoices(
        self, cid: str, cur: str, country: str, start: datetime, stop: datetime, annual: float
    ) -> None:
        rng = self.rng
        months = rng.choices((1, 3, 12), weights=(5, 3.5, 1.5))[0]
        tax_rate = TAX.get(country, 0.0)
        sku = rng.choice(("CRM-STD", "CRM-PRO", "CRM-ENT"))
        addon = rng.random() < 0.35
        y, m = start.year, start.month
        while True:
            inv_t = datetime(y, m, 1, 6, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 90))
            if inv_t < start:
                inv_t = start + timedelta(hours=1)
            if inv_t >= stop:
                break
            self.invoice(cid, cur, inv_t, months, tax_rate, sku, addon, annual, country)
            m += months
            while m > 12:
                m -= 12
                y += 1

    def invoice(self, cid, cur, inv_t, months, tax_rate, sku, addon, annual, country) -> None:  # noqa: C901
        w, rng = self.w, self.rng
        self.n_inv += 1
        iid = hex_id("in_", w.seed, cid, self.n_inv)
        exp = EXPONENT.get(cur, 2)
        rate = APPROX_RATE[cur.upper()]
        seat_price = minor(SKU_PRICE[sku] * rate, cur)
        period_amount = minor(annual * months / 12, cur)
        seats = max(1, round(period_amount * 0.8 / (seat_price * months)))
        lines = [
            (
                sku,
                f"Seats, {'monthly' if months == 1 else f'{months} months'}",
                seats * months,
                seat_price,
            )
        ]
        if addon:
            lines.append(
                ("ADD-API", "API add-on", seats * months, minor(SKU_PRICE["ADD-API"] * rate, cur))
            )
        if rng.random() < 0.05:
            lines.append(("", "Custom integration work (2 days)", 1, minor(1800 * rate, cur)))
        elif rng.random() < 0.04:
            lines.append(("SRV-TRN", "Training day", 1, minor(SKU_PRICE["SRV-TRN"] * rate, cur)))
        subtotal = sum(q * u for _s, _d, q, u in lines)
        tax = int(round(subtotal * tax_rate))
        total = subtotal + tax
        year = inv_t.year
        number = f"INV-{year}-{self.n_inv:06d}"
        due = (inv_t + timedelta(days=14)).date()
        end = w.tl.end
        base = {
            "invoice_id": iid,
            "customer_id": cid,
            "number": number,
            "created": pay_ts(inv_t),
            "due_date": d(due),
            "status": "draft",
            "currency": cur,
            "subtotal": str(subtotal),
            "tax": str(tax),
            "total": str(total),
            "amount_paid": "0",
            "period_start": d(inv_t),
            "period_end": d(_add_months(inv_t.date(), months) - timedelta(days=1)),
        }
        final = inv_t + timedelta(hours=rng.uniform(0.5, 30))
        versions = [(inv_t, base), (final, {**base, "status": "open"})]
        fate = rng.random()
        charges = []
        if fate < 0.02:
            versions.append(
                (final + timedelta(days=rng.uniform(1, 10)), {**base, "status": "void"})
            )
        elif fate < 0.03:
            t = final + timedelta(days=rng.uniform(0, 3))
            charges.append((t, "failed"))
            versions.append((final + timedelta(days=45), {**base, "status": "uncollectible"}))
        elif fate < 0.05:  # still unpaid: open (overdue once past its due date)
            if rng.random() < 0.5:
                charges.append((final + timedelta(days=rng.uniform(0, 10)), "failed"))
        else:
            t = final + timedelta(days=rng.expovariate(1 / 4))
            if rng.random() < 0.06:
                charges.append((t, "failed"))
                t += timedelta(days=rng.uniform(1, 5))
            charges.append((t, "succeeded"))
            versions.append((t, {**base, "status": "paid", "amount_paid": str(total)}))
        w.landing.snapshot("payments/invoices.csv", w.states(inv_t, versions))
        for i, (s, desc, q, u) in enumerate(lines):
            row = {
                "line_id": hex_id("il_", w.seed, iid, i),
                "invoice_id": iid,
                "product_sku": s,
                "description": desc,
                "quantity": str(q),
                "unit_amount": str(u),
                "amount": str(q * u),
            }
            w.landing.snapshot("payments/invoice_lines.csv", w.states(inv_t, [(inv_t, row)]))
        for t, status in charges:
            if t >= end:
                break
            if status == "succeeded" and t > end - timedelta(hours=2):
                status = "pending"
            self.charge(
                t,
                cid,
                iid,
                total,
                cur,
                f"Invoice {number}, card payment",
                status=status,
                refundable=status == "succeeded",
            )
        _ = (exp, country)

    def charge(self, t, cid, iid, amount, cur, desc, status="succeeded", refundable=False) -> None:
        w, rng = self.w, self.rng
        chid = hex_id("ch_", w.seed, t.isoformat(), cid, iid, status)
        fee = int(round(amount * 0.014)) + (0 if cur == "jpy" else 25)
        refund = None
        if refundable and status == "succeeded" and rng.random() < 0.04:
            rt = t + timedelta(days=rng.uniform(1, 30), seconds=rng.randint(0, 3600))
            if rt < w.tl.end:
                part = amount if rng.random() < 0.6 else int(amount * rng.choice((0.1, 0.25, 0.5)))
                refund = {
                    "refund_id": hex_id("re_", w.seed, chid),
                    "charge_id": chid,
                    "created": pay_ts(rt),
                    "amount": str(part),
                    "currency": cur,
                    "reason": rng.choices(
                        ("requested_by_customer", "duplicate", "fraudulent"), weights=(8, 2, 1)
                    )[0],
                    "status": "succeeded"
                    if rng.random() < 0.9
                    else rng.choice(("pending", "failed")),
                }
        row = {
            "charge_id": chid,
            "customer_id": cid,
            "invoice_id": iid,
            "created": pay_ts(t),
            "amount": str(amount),
            "currency": cur,
            "status": status,
            "fee": str(fee if status != "failed" else 0),
            "description": desc,
            "card_brand": rng.choice(("visa", "visa", "mastercard", "amex")),
            "card_last4": f"{rng.randint(0, 9999):04d}",
        }
        w.landing.delta(
            "payments/charges.csv", [(t, row)], meta={"has_children": refund is not None}
        )
        if refund:
            w.landing.delta("payments/refunds.csv", [(rt, refund)], meta={"charge_id": chid})


def _add_months(day: date, months: int) -> date:
    m = day.month - 1 + months
    return date(day.year + m // 12, m % 12 + 1, 1)


def run(w: World) -> None:
    Payments(w).run()
    _ = random
