"""Small shared helpers: seeded randomness, time formats per source, ids, card numbers."""

from __future__ import annotations

import hashlib
import random
import re
from datetime import UTC, date, datetime, timedelta

# The card-number rule has one home, the redaction of the loader.
from orchestration.lib.redaction import is_pan
from orchestration.lib.redaction import luhn_valid as luhn_ok

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Offsets (minutes) used when a CRM/support/e-mail system renders a timestamp in the
# user's own time zone. Z is the most common rendering.
OFFSETS = (0, 0, 0, 0, 60, 60, 120, -300, 330, -480)


def rng_for(seed: int, *names: object) -> random.Random:
    """An independent, reproducible random stream (string seeding hashes with SHA-512)."""
    return random.Random(":".join([str(seed), *map(str, names)]))


_LONG_DIGITS = re.compile(r"\d{9}")


def hex_id(prefix: str, seed: int, *parts: object, length: int = 14) -> str:
    """A hex id like the payment provider's; never with a long digit run (no card look-alike)."""
    salt = 0
    while True:
        text = ":".join([str(seed), prefix, *map(str, parts)]) + (f"#{salt}" if salt else "")
        digest = hashlib.sha1(text.encode()).hexdigest()[:length]
        if not _LONG_DIGITS.search(digest):
            return f"{prefix}{digest}"
        salt += 1


def iso(ts: datetime, offset_min: int = 0) -> str:
    """ISO 8601 with offset (`Z` for UTC), the habit of crm, support and e-mail CSVs."""
    local = ts + timedelta(minutes=offset_min)
    body = (
        f"{local.year:04d}-{local.month:02d}-{local.day:02d}T"
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d}"
    )
    if offset_min == 0:
        return body + "Z"
    sign = "+" if offset_min > 0 else "-"
    h, m = divmod(abs(offset_min), 60)
    return f"{body}{sign}{h:02d}:{m:02d}"


def pay_ts(ts: datetime) -> str:
    """Payments habit: `YYYY-MM-DD HH:MM:SS`, UTC, no offset."""
    return (
        f"{ts.year:04d}-{ts.month:02d}-{ts.day:02d} {ts.hour:02d}:{ts.minute:02d}:{ts.second:02d}"
    )


def epoch(ts: datetime) -> int:
    return int((ts - EPOCH).total_seconds())


def d(day: date | datetime) -> str:
    if isinstance(day, datetime):
        day = day.date()
    return day.isoformat()


def money(x: float) -> str:
    return f"{x:.2f}"


def rand_ts(rng: random.Random, start: datetime, end: datetime) -> datetime:
    span = max(1, int((end - start).total_seconds()))
    return start + timedelta(seconds=rng.randrange(span))


def work_time(rng: random.Random, day: datetime) -> datetime:
    """A timestamp during (UTC) office hours of the given day."""
    base = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return base + timedelta(seconds=rng.randrange(7 * 3600, 18 * 3600))


# --- card numbers -----------------------------------------------------------------------

_RUN = re.compile(r"\d(?:[ -]?\d)*")


def luhn_complete(prefix: str) -> str:
    """Append the check digit that makes `prefix` + digit Luhn-valid."""
    for c in "0123456789":
        if luhn_ok(prefix + c):
            return prefix + c
    raise AssertionError("unreachable")


def find_pans(text: str) -> list[str]:
    """Runs that the contract's redaction rule treats as card numbers."""
    found = []
    for m in _RUN.finditer(text):
        if is_pan(m.group()):
            found.append(m.group())
    return found


def digit_runs(text: str, min_len: int = 13) -> list[str]:
    """Every run of digits and single separators holding at least `min_len` digits."""
    return [
        m.group() for m in _RUN.finditer(text) if len(re.sub(r"[ -]", "", m.group())) >= min_len
    ]


def group(digits: str, sep: str, sizes: tuple[int, ...] | None = None) -> str:
    if not sep:
        return digits
    sizes = sizes or tuple(
        [4] * (len(digits) // 4) + ([len(digits) % 4] if len(digits) % 4 else [])
    )
    out, i = [], 0
    for s in sizes:
        out.append(digits[i : i + s])
        i += s
    if i < len(digits):
        out.append(digits[i:])
    return sep.join(p for p in out if p)


def make_pan(rng: random.Random) -> str:
    """A Luhn-valid card number (13-19 digits, first digit 2-6), maybe grouped."""
    brand = rng.choice(["visa", "visa", "mc", "mc2", "amex", "disc", "visa13", "visa19", "jcb"])
    if brand == "visa":
        prefix, length, sizes = "4", 16, (4, 4, 4, 4)
    elif brand == "visa13":
        prefix, length, sizes = "4", 13, (4, 4, 5)
    elif brand == "visa19":
        prefix, length, sizes = "4", 19, (4, 4, 4, 4, 3)
    elif brand == "mc":
        prefix, length, sizes = str(rng.randint(51, 55)), 16, (4, 4, 4, 4)
    elif brand == "mc2":
        prefix, length, sizes = str(rng.randint(2221, 2720)), 16, (4, 4, 4, 4)
    elif brand == "amex":
        prefix, length, sizes = rng.choice(["34", "37"]), 15, (4, 6, 5)
    elif brand == "disc":
        prefix, length, sizes = "6011", 16, (4, 4, 4, 4)
    else:
        prefix, length, sizes = "3528", 16, (4, 4, 4, 4)
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    pan = luhn_complete(body)
    sep = rng.choice(["", " ", "-", " "])
    return group(pan, sep, sizes)
