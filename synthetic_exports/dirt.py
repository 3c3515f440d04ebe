"""Row-level dirt of the contract's table, injected at write time and logged.

Each dirtied record is dirty in exactly one way. A kind fires on every n-th eligible
record of its file (n drawn at random around the kind's gap), so rates stay low and every
kind shows up at scale 1. Kinds that quarantine a record are only applied where that
cannot leave other records dangling: in snapshot files, to records already present in the
previous batch (their last good version stays current); in delta files, to records that
nothing else references (a charge with refunds, a ticket with calls are spared).
"""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from orchestration.lib.contract import BY_PATH

from .timeline import Timeline
from .util import find_pans, group, hex_id, iso, luhn_complete, luhn_ok, make_pan, pay_ts, rng_for
from .writer import record_id

EXPECTED = {
    "duplicate_record": "dedupe",
    "same_id_different_content": "quarantine",
    "email_unnormalised": "fix",
    "email_invalid": "flag",
    "same_person": "merge_person",
    "category_variant": "fix",
    "category_unknown": "flag",
    "unknown_status_value": "quarantine",
    "bad_timestamp_format": "quarantine",
    "impossible_date": "quarantine",
    "timestamp_without_offset": "quarantine",
    "decimal_comma": "quarantine",
    "text_in_number": "quarantine",
    "negative_amount": "quarantine",
    "closed_before_created": "quarantine",
    "history_before_deal_created": "quarantine",
    "unknown_currency": "quarantine",
    "missing_reference": "link_unknown",
    "goal_assigned_twice": "quarantine",
    "goal_period_2_equals_period_1": "quarantine",
    "card_number": "redact",
    "lost_without_reason": "unspecified",
    "refund_currency_mismatch": "quarantine",
    "before_first_fx_rate": "flag",
    "unknown_sku": "flag",
}
QUARANTINE = {k for k, v in EXPECTED.items() if v == "quarantine"}

# file -> [(kind, column, average gap in eligible records)]
PLAN: dict[str, list[tuple[str, str, int]]] = {
    "crm/accounts.csv": [
        ("duplicate_record", "", 300),
        ("category_variant", "segment", 150),
        ("category_unknown", "segment", 400),
        ("unknown_status_value", "status", 400),
        ("timestamp_without_offset", "updated_at", 400),
    ],
    "crm/contacts.csv": [
        ("email_unnormalised", "email", 250),
        ("email_invalid", "email", 400),
        ("category_variant", "buying_role", 300),
        ("category_unknown", "buying_role", 600),
        ("timestamp_without_offset", "updated_at", 600),
        ("duplicate_record", "", 600),
        ("same_id_different_content", "job_title", 600),
    ],
    "crm/leads.csv": [
        ("email_unnormalised", "email", 300),
        ("email_invalid", "email", 500),
        ("category_variant", "source", 250),
        ("category_unknown", "source", 800),
        ("unknown_status_value", "status", 800),
        ("bad_timestamp_format", "created_at", 800),
        ("duplicate_record", "", 900),
    ],
    "crm/deals.csv": [
        ("impossible_date", "expected_close_date", 300),
        ("closed_before_created", "closed_at", 300),
        ("decimal_comma", "amount", 300),
        ("text_in_number", "amount", 400),
        ("negative_amount", "amount", 400),
        ("unknown_currency", "currency", 400),
        ("missing_reference", "account_id", 400),
        ("category_variant", "deal_type", 200),
        ("category_unknown", "source", 500),
        ("unknown_status_value", "status", 500),
        ("card_number", "lost_reason", 60),
        ("same_id_different_content", "name", 400),
        ("duplicate_record", "", 400),
    ],
    "crm/deal_history.csv": [
        ("history_before_deal_created", "changed_at", 800),
        ("bad_timestamp_format", "changed_at", 1500),
        ("text_in_number", "amount", 1500),
        ("duplicate_record", "", 1000),
    ],
    "crm/activities.csv": [
        ("category_variant", "activity_type", 800),
        ("category_variant", "outcome", 800),
        ("category_unknown", "outcome", 2000),
        ("unknown_status_value", "status", 2000),
        ("bad_timestamp_format", "occurred_at", 2000),
        ("text_in_number", "duration_minutes", 2500),
        ("missing_reference", "deal_id", 1500),
        ("card_number", "notes", 1000),
        ("duplicate_record", "", 1500),
        ("same_id_different_content", "duration_minutes", 2000),
    ],
    "crm/deal_line_items.csv": [
        ("negative_amount", "quantity", 600),
        ("decimal_comma", "unit_price", 800),
        ("missing_reference", "product_id", 800),
        ("duplicate_record", "", 1000),
    ],
    "crm/quotes.csv": [
        ("unknown_status_value", "status", 300),
        ("negative_amount", "total_amount", 400),
    ],
    "email/campaigns.csv": [
        ("unknown_status_value", "status", 40),
        ("decimal_comma", "cost", 50),
    ],
    "email/list_members.csv": [
        ("unknown_status_value", "status", 400),
        ("bad_timestamp_format", "subscribed_at", 400),
        ("duplicate_record", "", 500),
    ],
    "email/events.jsonl": [
        ("unknown_status_value", "event", 2000),
        ("email_unnormalised", "email", 1500),
        ("email_invalid", "email", 2500),
        ("missing_reference", "campaign_id", 3000),
        ("duplicate_record", "", 1200),
    ],
    "payments/customers.csv": [
        ("email_unnormalised", "email", 100),
        ("email_invalid", "email", 150),
    ],
    "payments/invoices.csv": [
        ("unknown_status_value", "status", 600),
        ("unknown_currency", "currency", 800),
        ("text_in_number", "subtotal", 800),
        ("impossible_date", "due_date", 800),
        ("duplicate_record", "", 900),
    ],
    "payments/invoice_lines.csv": [
        ("unknown_sku", "product_sku", 400),
        ("negative_amount", "quantity", 900),
    ],
    "payments/charges.csv": [
        ("missing_reference", "customer_id", 300),
        ("unknown_currency", "currency", 400),
        ("before_first_fx_rate", "created", 300),
        ("card_number", "description", 250),
        ("bad_timestamp_format", "created", 500),
        ("negative_amount", "amount", 600),
        ("unknown_status_value", "status", 600),
        ("duplicate_record", "", 400),
    ],
    "payments/refunds.csv": [
        ("refund_currency_mismatch", "currency", 12),
        ("negative_amount", "amount", 20),
        ("category_variant", "reason", 12),
        ("category_unknown", "reason", 30),
    ],
    "support/tickets.jsonl": [
        ("email_unnormalised", "requester_email", 150),
        ("email_invalid", "requester_email", 250),
        ("category_variant", "channel", 200),
        ("category_variant", "priority", 300),
        ("category_variant", "type", 300),
        ("category_unknown", "type", 400),
        ("unknown_status_value", "status", 400),
        ("card_number", "description", 200),
        ("timestamp_without_offset", "created_at", 500),
        ("same_id_different_content", "subject", 400),
        ("duplicate_record", "", 400),
    ],
    "support/calls.csv": [
        ("bad_timestamp_format", "started_at", 200),
        ("text_in_number", "wait_seconds", 250),
        ("duplicate_record", "", 250),
    ],
    "reference/fx_rates.csv": [
        ("decimal_comma", "rate", 1200),
        ("duplicate_record", "", 1000),
    ],
}

# Text columns that receive card-number look-alikes (controls: must NOT be redacted).
CONTROL_COLUMNS = {
    "crm/activities.csv": ("notes", 700),
    "support/tickets.jsonl": ("description", 150),
    "payments/charges.csv": ("description", 250),
}

UNKNOWN_STATUS = {
    "status": ["postponed", "archived", "pending_review", "on_hold", "unknown", "wip"],
    "event": ["deferred", "processed", "forwarded"],
}
UNKNOWN_CATEGORY = {
    "segment": ["startup", "public sector", "strategic"],
    "buying_role": ["gatekeeper", "economic buyer", "blocker"],
    "source": ["trade fair", "cold walk-in", "podcast", "word of mouth"],
    "outcome": ["left on read", "maybe", "call dropped", "postponed by client"],
    "type": ["feedback", "billing question", "feature request"],
    "reason": ["chargeback", "other", "goodwill"],
}
BAD_TS = ["%d/%m/%Y", "%m/%d/%Y", "%d/%m/%Y %H:%M", "%Y/%m/%d %H:%M:%S", "%d.%m.%Y"]
IMPOSSIBLE = ["02-30", "02-31", "04-31", "06-31", "09-31", "11-31", "13-01"]
TEXT_NUMBERS = ["ten", "n/a", "TBD", "12k", "approx. 500", "see notes"]
CARD_TEXT = [
    "Customer read the card {pan} out loud",
    "Please charge card {pan}, exp 09/28",
    "Paid with {pan} per phone",
    "Card no {pan} declined twice, retry",
    "Client sent card details: {pan} (CVC on request)",
]


def _variant(rng: random.Random, value: str) -> str:
    words = value.split("_")
    forms = [
        " ".join(w.capitalize() for w in words),
        "_".join(words).upper(),
        "-".join(words),
        " ".join(words).title(),
        " " + value + " ",
        "-".join(w.capitalize() for w in words),
    ]
    forms = [f for f in forms if f != value]
    return rng.choice(forms)


def _parse_any(value: str) -> datetime | None:
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            v = value.replace("Z", "+00:00") if "T" in value else value
            return datetime.strptime(v, fmt)
        except ValueError:
            continue
    return None


def _decimal_comma(value: str) -> str:
    x = float(value)
    whole, frac = (
        f"{abs(x):.2f}".split(".")
        if "." not in value or len(value.split(".")[1]) <= 2
        else (
            str(int(abs(x))),
            value.split(".")[1],
        )
    )
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return ".".join(groups) + "," + frac


class Dirtier:
    def __init__(self, seed: int, tl: Timeline, enabled: bool, ctx: dict[str, Any]):
        self.seed = seed
        self.tl = tl
        self.enabled = enabled
        self.ctx = ctx  # fx_first, currencies, skus, ...
        self.rng = rng_for(seed, "dirt")
        self.entries: list[dict] = []
        self.controls: list[dict] = []
        self.counters: dict[tuple[str, str, str], list[int]] = {}
        self.dirty_charges: set[str] = set()

    # -- bookkeeping -------------------------------------------------------------------
    def _fires(self, path: str, kind: str, column: str, gap: int) -> bool:
        key = (path, kind, column)
        c = self.counters.get(key)
        if c is None:
            first = self.rng.randint(1, max(2, min(gap, 40)))
            c = self.counters[key] = [0, first]
        c[0] += 1
        if c[0] >= c[1]:
            return True
        return False

    def _fired(self, path: str, kind: str, column: str, gap: int) -> None:
        c = self.counters[(path, kind, column)]
        c[1] = c[0] + self.rng.randint(max(1, gap // 2), max(2, gap * 3 // 2))

    def log(self, k: int, path: str, number: int, entry: dict, numbers: list[int]) -> None:
        entry = dict(entry)
        target = entry.pop("_list", "entries")
        if "duplicate_of_index" in entry:
            entry["duplicate_of_record"] = numbers[entry.pop("duplicate_of_index")]
        head = {"batch": self.tl.batch_dates[k].isoformat(), "file": path, "record_number": number}
        rec = {**head, "id": entry.pop("id"), **entry}
        (self.controls if target == "controls" else self.entries).append(rec)

    # -- per record --------------------------------------------------------------------
    def process(self, k: int, path: str, row: dict, meta: dict, prev_present: bool):
        spec = BY_PATH[path]
        rid = record_id(spec, row)
        natural = self._natural(path, row, meta)
        if natural is not None:
            return [row], [(0, {"id": rid, **natural})]
        if not self.enabled or (path, rid) in self.ctx.get("protected", ()):
            return [row], []
        snapshot = spec.kind == "snapshot"
        ctrl = CONTROL_COLUMNS.get(path)
        for kind, column, gap in PLAN.get(path, []):
            if not self._eligible(path, kind, column, row, meta, snapshot, prev_present):
                continue
            if not self._fires(path, kind, column, gap):
                continue
            result = self._apply(path, kind, column, row, meta, rid)
            if result is None:
                continue
            self._fired(path, kind, column, gap)
            if path == "payments/charges.csv" and kind in QUARANTINE:
                self.dirty_charges.add(rid)
            return result
        if ctrl is not None and self._fires(path, "control", ctrl[0], ctrl[1]):
            self._fired(path, "control", ctrl[0], ctrl[1])
            value, why = self._control_text()
            new = dict(row)
            new[ctrl[0]] = value
            entry = {
                "_list": "controls",
                "id": rid,
                "column": ctrl[0],
                "value": value,
                "kind": "card_lookalike",
                "expected": "keep",
                "why": why,
            }
            return [new], [(0, entry)]
        return [row], []

    def _natural(self, path: str, row: dict, meta: dict) -> dict | None:
        if "natural" in meta:
            nat = dict(meta["natural"])
            nat.setdefault("expected", EXPECTED[nat["kind"]])
            return nat
        if (
            path == "crm/deals.csv"
            and row.get("status") == "lost"
            and not (row.get("lost_reason") or "").strip()
        ):
            return {
                "kind": "lost_without_reason",
                "expected": "unspecified",
                "column": "lost_reason",
                "value": row.get("lost_reason") or "",
                "note": "natural",
            }
        return None

    def _eligible(self, path, kind, column, row, meta, snapshot, prev_present) -> bool:
        if kind in QUARANTINE:
            if snapshot and not prev_present:
                return False
            if not snapshot and meta.get("has_children"):
                return False
        if kind in ("duplicate_record", "card_number", "same_id_different_content"):
            if kind == "card_number" and path == "crm/deals.csv":
                return row.get("status") == "lost" and bool((row.get("lost_reason") or "").strip())
            if kind == "same_id_different_content" and "updated_at" in row:
                return bool(row.get("updated_at")) and row.get("updated_at") != row.get(
                    "created_at"
                )
            return True
        value = row.get(column)
        if value is None or value == "":
            return False
        if kind == "before_first_fx_rate":
            return row.get("currency") != "eur"
        if kind == "refund_currency_mismatch":
            return meta.get("charge_id") not in self.dirty_charges
        if kind == "decimal_comma" and path == "reference/fx_rates.csv":
            return not meta.get("first_rate")
        if kind in ("negative_amount", "text_in_number"):
            try:
                return float(value) > 0
            except (TypeError, ValueError):
                return False
        return True

    def _apply(self, path, kind, column, row, meta, rid):  # noqa: C901
        rng = self.rng
        new = dict(row)
        spec = BY_PATH[path]
        colname = ".".join(spec.json_paths.get(column, (column,))) if column else ""
        entry: dict[str, Any] = {"id": rid, "kind": kind, "expected": EXPECTED[kind]}
        if colname:
            entry["column"] = colname
        original = row.get(column) if column else None
        if kind == "duplicate_record":
            return [row, dict(row)], [(1, {**entry, "duplicate_of_index": 0})]
        if kind == "same_id_different_content":
            loser = dict(row)
            v = row.get(column)
            if isinstance(v, int) or (isinstance(v, str) and v.isdigit()):
                loser[column] = str(int(v) + rng.choice([5, 10, 15, 30]))
            else:
                loser[column] = (v or "") + rng.choice([" (old)", " - draft", " v1"])
            if "updated_at" in row:
                ts = _parse_any(row["updated_at"])
                loser["updated_at"] = iso(ts - timedelta(hours=rng.randint(2, 72)), 0)
                entry["winner"] = "greatest updated_at"
            else:
                entry["winner"] = "last copy in file order"
            return [loser, row], [(0, entry)]
        if kind == "email_unnormalised":
            v = str(original)
            forms = [f"  {v.upper()} ", v.title(), " " + v, v.capitalize() + " ", v.upper()]
            value = rng.choice([f for f in forms if f != v])
        elif kind == "email_invalid":
            local, _, domain = str(original).partition("@")
            value = rng.choice(
                [local + "@", "n/a", f"{local}@@{domain}", f"{local} at {domain}", "-", local]
            )
        elif kind == "category_variant":
            value = _variant(rng, str(original))
            entry["canonical"] = original
        elif kind == "category_unknown":
            value = rng.choice(UNKNOWN_CATEGORY[column])
            entry["canonical"] = "other"
        elif kind == "unknown_status_value":
            value = rng.choice(UNKNOWN_STATUS.get(column, UNKNOWN_STATUS["status"]))
        elif kind == "bad_timestamp_format":
            ts = _parse_any(str(original))
            if ts is None:
                return None
            value = ts.strftime(rng.choice(BAD_TS))
        elif kind == "impossible_date":
            year = str(original)[:4]
            value = f"{year}-{rng.choice(IMPOSSIBLE)}"
        elif kind == "timestamp_without_offset":
            value = re.sub(r"(Z|[+-]\d\d:\d\d)$", "", str(original))
        elif kind == "decimal_comma":
            value = _decimal_comma(str(original))
        elif kind == "text_in_number":
            value = rng.choice(TEXT_NUMBERS)
        elif kind == "negative_amount":
            value = "-" + str(original)
        elif kind == "closed_before_created":
            created = _parse_any(row["created_at"])
            value = iso(created - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 23)), 0)
        elif kind == "history_before_deal_created":
            created = meta["deal_created"]
            value = iso(
                created - timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600)), 0
            )
        elif kind == "unknown_currency":
            value = rng.choice(["XYZ", "ZZZ", "EUX", "BTC"])
            if str(original).islower():
                value = value.lower()
        elif kind == "missing_reference":
            value = self._missing_id(column, rid)
        elif kind == "card_number":
            pan = make_pan(rng)
            text = rng.choice(CARD_TEXT).format(pan=pan)
            value = f"{original} - {text}" if original and rng.random() < 0.5 else text
            entry["pan"] = pan
        elif kind == "refund_currency_mismatch":
            others = [c for c in self.ctx["pay_currencies"] if c != original]
            value = rng.choice(others)
        elif kind == "before_first_fx_rate":
            first = self.ctx["fx_first"][str(row["currency"]).upper()]
            value = pay_ts(
                first - timedelta(days=rng.randint(3, 40), seconds=rng.randint(0, 86399))
            )
        elif kind == "unknown_sku":
            value = rng.choice(["CRM-XXL", "ADD-LEGACY", "SRV-OLD-01", "crm-std-2019"])
        else:  # pragma: no cover
            raise ValueError(kind)
        new[column] = value
        entry["value"] = value
        entry["original"] = "" if original is None else original
        return [new], [(0, entry)]

    def _missing_id(self, column: str, rid: str) -> str:
        if column == "customer_id":
            return hex_id("cus_", self.seed, "missing", rid)
        if column == "campaign_id":
            return "cmp" + str(self.rng.randint(90000, 99999))
        prefix = {"account_id": "a", "deal_id": "d", "product_id": "p"}[column]
        return f"{prefix}9{self.rng.randint(10000, 99999)}"

    def _control_text(self) -> tuple[str, str]:
        rng = self.rng
        choice = rng.randrange(4)
        if choice == 0:
            first = rng.choice("01789")
            body = luhn_complete(first + "".join(rng.choice("0123456789") for _ in range(14)))
            return (
                f"Tracking no. {group(body, ' ')}.",
                f"16 digits, Luhn-valid, first digit {first}",
            )
        if choice == 1:
            first = rng.choice("0189")
            body = luhn_complete(first + "".join(rng.choice("0123456789") for _ in range(14)))
            return (
                f"Loyalty card {group(body, '-')} not recognised at checkout",
                f"16 digits, Luhn-valid, first digit {first}",
            )
        if choice == 2:
            first = rng.choice("3456")
            body = luhn_complete(first + "".join(rng.choice("0123456789") for _ in range(10)))
            return (
                f"Terminal receipt {body}, batch closed",
                f"12 digits, Luhn-valid, first digit {first}",
            )
        pan = make_pan(rng).replace(" ", "").replace("-", "")
        body = "00" + pan + "".join(rng.choice("0123456789") for _ in range(max(2, 21 - len(pan))))
        assert not luhn_ok(body) or len(body) > 19
        return f"Shipment ref {body} cleared customs", "card number inside a longer run of digits"

    def write(self, path: Path, scale: float, days: int, batches: int) -> None:
        for c in self.controls:
            assert not find_pans(c["value"]), c
        doc = {
            "seed": self.seed,
            "scale": scale,
            "days": days,
            "batches": batches,
            "dirty": self.enabled,
            "expected_values": sorted(set(EXPECTED.values())),
            "counts": self.counts(),
            "entries": self.entries,
            "controls": self.controls,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for e in self.entries:
            out[e["kind"]] = out.get(e["kind"], 0) + 1
        return dict(sorted(out.items()))
