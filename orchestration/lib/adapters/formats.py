"""Named converters between a vendor's notation and the export contract's, each a pair in ONE
place: `to_contract(vendor value(s)) -> contract text | None` (the loader) and
`to_vendor(contract text) -> vendor value(s)` (the generator).

A `Column(..., format="name")` of a layout names one of them. Declare a converter with the
`converter` decorator, here or in a layout module: one that several layouts share lives in
`layouts/_shared.py`, a vendor-specific one beside its layout (e.g. `layouts/salesforce.py`):

    @converter("closed_won_status", arity=2)
    class ClosedWonStatus:
        @staticmethod
        def to_contract(is_closed, is_won):  # one argument per source column, text or None
            ...
        @staticmethod
        def to_vendor(status):  # or (status, row): row = the whole contract record
            return (is_closed, is_won)  # a tuple of `arity` values when arity > 1

Rules every converter keeps:
- it reads text (CSV) or the text form of a JSON value (numbers as written, booleans
  `true`/`false`, lists/objects as compact JSON); an empty value arrives as None;
- a value it cannot read comes back UNCHANGED (the vendor's text), so the contract's audit
  rejects or flags it naming the record, as it would a neutral value: never a silent null;
- with one source column, None in -> None out is handled here (the functions never see
  None); with several, the function gets them all and decides;
- `to_vendor` may return a non-text value (int, bool, list) for JSON files; CSV writing
  turns it into text;
- a vendor time written without an offset (HubSpot's, Pipedrive's local times) is in the
  landing's time zone, `local_zone()`: the `timezone` of its `crmwh-layouts.toml` (UTC
  without one), set around reading by `adapters.reading` and around writing by the
  generator (`time_zone`); every other notation names its zone itself.
"""

from __future__ import annotations

import datetime as dt
import inspect
import json
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

Row = Mapping[str, str | None]


@dataclass(frozen=True)
class Converter:
    name: str
    arity: int  # the number of vendor columns it reads (and writes)
    to_contract: Callable[..., str | None]
    to_vendor: Callable[..., Any]
    wants_row: bool  # to_vendor takes (value, row)
    doc: str = ""
    # the contract value is made up from the vendor's fields (an id the vendor has not):
    # it cannot equal the neutral layout's, and to_vendor writes nothing (all None)
    derived: bool = False

    def read(self, values: tuple[str | None, ...]) -> str | None:
        """The contract value of one record from its vendor value(s)."""
        if self.arity == 1:
            return None if values[0] is None else self.to_contract(values[0])
        return self.to_contract(*values)

    def write(self, value: str | None, row: Row) -> tuple[Any, ...]:
        """The vendor value(s) of one record, always a tuple of `arity` values."""
        if self.derived:
            return (None,) * self.arity
        if value is None and self.arity == 1:
            return (None,)
        out = self.to_vendor(value, row) if self.wants_row else self.to_vendor(value)
        if self.arity == 1:
            return (out,)
        out = tuple(out)
        if len(out) != self.arity:
            raise ValueError(f"converter {self.name}: to_vendor gave {len(out)} values")
        return out


CONVERTERS: dict[str, Converter] = {}


def register_converter(
    name: str,
    to_contract: Callable[..., str | None],
    to_vendor: Callable[..., Any],
    *,
    arity: int = 1,
    doc: str = "",
    derived: bool = False,
) -> Converter:
    """Register a converter under `name`. A name taken by another converter (another class
    or module) is a programming error; the same one registered again (its module reloaded)
    replaces it."""
    wants_row = len(inspect.signature(to_vendor).parameters) >= 2
    conv = Converter(name, arity, to_contract, to_vendor, wants_row, doc, derived)
    old = CONVERTERS.get(name)
    where = (to_contract.__module__, to_contract.__qualname__)
    if old is not None and (old.to_contract.__module__, old.to_contract.__qualname__) != where:
        raise ValueError(
            f"converter {name!r} is declared twice: {old.to_contract.__module__} and "
            f"{to_contract.__module__}"
        )
    CONVERTERS[name] = conv
    return conv


def converter(name: str, *, arity: int = 1, derived: bool = False):
    """Class decorator: register the class's static `to_contract` and `to_vendor` as `name`
    (`derived`: see Converter)."""

    def register(cls):
        register_converter(
            name,
            cls.to_contract,
            cls.to_vendor,
            arity=arity,
            doc=(inspect.getdoc(cls) or "").split("\n")[0],
            derived=derived,
        )
        return cls

    return register


def _import_layout_modules() -> None:
    """Import every layout module: a vendor's own converters are declared there."""
    import importlib
    import pkgutil

    from . import layouts

    for info in pkgutil.iter_modules(layouts.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{layouts.__name__}.{info.name}")


def get_converter(name: str) -> Converter:
    """The converter `name`, declared here or in a layout module."""
    if name not in CONVERTERS:
        _import_layout_modules()
    try:
        return CONVERTERS[name]
    except KeyError:
        known = ", ".join(sorted(CONVERTERS))
        raise KeyError(f"no converter named {name!r} (known: {known})") from None


# --- timestamps ------------------------------------------------------------------------

DEFAULT_ZONE = "UTC"
_ZONE: ContextVar[dt.tzinfo] = ContextVar("vendor_time_zone", default=dt.UTC)


def zone_named(name: str) -> dt.tzinfo:
    """The IANA time zone `name` (`Europe/Berlin`, `UTC`); ValueError saying why not."""
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise ValueError(f'{name!r} is not a time zone name (an IANA name: "Europe/Berlin")')
    if text.casefold() in ("utc", "etc/utc", "z"):
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(
            f'{name!r} is not a known time zone: an IANA name such as "Europe/Berlin", '
            '"America/New_York" or "UTC"'
        ) from None


def local_zone() -> dt.tzinfo:
    """The time zone of vendor times written without an offset (the landing's
    `crmwh-layouts.toml` `timezone`; UTC by default)."""
    return _ZONE.get()


@contextmanager
def time_zone(zone: str | dt.tzinfo | None) -> Iterator[dt.tzinfo]:
    """Read and write vendor times without an offset in `zone` (a name or a tzinfo; None:
    UTC) inside the block."""
    tz = dt.UTC if zone is None else zone_named(zone) if isinstance(zone, str) else zone
    token = _ZONE.set(tz)
    try:
        yield tz
    finally:
        _ZONE.reset(token)


def naive_local(text: str, patterns: tuple[str, ...]) -> dt.datetime | None:
    """A time without offset (`2026-11-20 14:03:05`) read with the first of `patterns` that
    fits, in `local_zone()`, as an aware datetime in UTC; None when none fits. In a zone with
    daylight saving time, a time of the repeated autumn hour reads as its first (summer)
    occurrence and one of the skipped spring hour as `zoneinfo` places it (fold 0): a time
    without offset cannot say which."""
    for pattern in patterns:
        try:
            stamp = dt.datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
        return stamp.replace(tzinfo=local_zone()).astimezone(dt.UTC)
    return None


def local_text(value: str, pattern: str):
    """A contract timestamp written in `local_zone()` with `pattern` (strftime), without
    offset; unchanged when it is not one."""
    stamp = parse_contract_timestamp(value)
    return value if stamp is None else stamp.astimezone(local_zone()).strftime(pattern)


def parse_contract_timestamp(value: str) -> dt.datetime | None:
    """A contract timestamp (ISO 8601 with offset or `Z`; payments' `YYYY-MM-DD HH:MM:SS`
    UTC; a bare date as midnight UTC) as an aware datetime; None when unreadable."""
    text = value.strip()
    try:
        stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _has_offset(text: str) -> bool:
    tail = text.strip()[-6:]
    return text.strip().endswith("Z") or (len(tail) == 6 and tail[0] in "+-" and tail[3] == ":")


def _iso_utc(stamp: dt.datetime) -> str:
    return stamp.astimezone(dt.UTC).isoformat(timespec="seconds")


def _epoch(text: str) -> dt.datetime | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    if number != number.to_integral_value():
        return None
    try:
        return dt.datetime.fromtimestamp(int(number), dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


@converter("unix_seconds")
class UnixSeconds:
    """Unix epoch seconds (integer) <-> ISO 8601 in UTC (`2026-03-04T09:15:00+00:00`)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = _epoch(value)
        return value if stamp is None else _iso_utc(stamp)

    @staticmethod
    def to_vendor(value: str) -> Any:
        stamp = parse_contract_timestamp(value)
        return value if stamp is None else int(stamp.timestamp())


@converter("unix_seconds_utc")
class UnixSecondsUtc:
    """Unix epoch seconds (integer) <-> payments' `YYYY-MM-DD HH:MM:SS` in UTC."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = _epoch(value)
        return value if stamp is None else stamp.strftime("%Y-%m-%d %H:%M:%S")

    @staticmethod
    def to_vendor(value: str) -> Any:
        stamp = parse_contract_timestamp(value)
        return value if stamp is None else int(stamp.timestamp())


@converter("iso_utc")
class IsoUtc:
    """ISO 8601 with offset (`2026-09-29T11:29:16+00:00`, `...Z`) <-> the same instant in
    ISO 8601, written in UTC."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = parse_contract_timestamp(value)
        if stamp is None or "T" not in value or not _has_offset(value):
            return value  # without an offset a time is not guessed: the audit decides
        return _iso_utc(stamp)

    @staticmethod
    def to_vendor(value: str) -> Any:
        stamp = parse_contract_timestamp(value)
        return value if stamp is None else _iso_utc(stamp)


@converter("iso_as_unix_seconds")
class IsoAsUnixSeconds:
    """ISO 8601 with offset (`2026-08-23T01:49:27+00:00`) <-> the contract's Unix epoch
    seconds (e-mail events' `timestamp`)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        stamp = parse_contract_timestamp(value)
        if stamp is None or not _has_offset(value):
            return value
        return str(int(stamp.timestamp()))

    @staticmethod
    def to_vendor(value: str) -> Any:
        stamp = _epoch(value)
        return value if stamp is None else _iso_utc(stamp)


@converter("iso_z_millis")
class IsoZMillis:
    """`2026-11-20T14:03:00.000Z` (UTC with milliseconds; also `+0000` offsets) <-> ISO 8601
    with offset in UTC."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        if len(text) > 5 and text[-5] in "+-" and text[-4:].isdigit():  # +0000
            text = f"{text[:-2]}:{text[-2:]}"
        stamp = parse_contract_timestamp(text)
        return value if stamp is None or "T" not in text else _iso_utc(stamp)

    @staticmethod
    def to_vendor(value: str) -> Any:
        stamp = parse_contract_timestamp(value)
        if stamp is None:
            return value
        return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
            f"{stamp.microsecond // 1000:03d}Z"
        )


@converter("utc_datetime")
class UtcDatetime:
    """`2026-11-20 14:03:00` (UTC, no offset) <-> ISO 8601 with offset in UTC."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        text = value.strip()
        try:
            stamp = dt.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
        except ValueError:
            return value
        return _iso_utc(stamp.replace(tzinfo=dt.UTC))

    @staticmethod
    def to_vendor(value: str) -> Any:
        stamp = parse_contract_timestamp(value)
        return value if stamp is None else stamp.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


# --- numbers and money -------------------------------------------------------------------

# ISO 4217 currencies without minor unit, as Stripe lists them (zero-decimal currencies).
ZERO_DECIMAL = frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL = frozenset("bhd jod kwd omr tnd".split())


def minor_digits(currency: str | None) -> int:
    code = (currency or "").strip().casefold()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def _decimal(text: str) -> Decimal | None:
    cleaned = text.strip().replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


@converter("minor_units", arity=2)
class MinorUnits:
    """A decimal amount in major units and its currency (`5920.25`, `eur`) <-> the
    contract's integer minor units (`592025`; zero-decimal currencies such as JPY as is)."""

    @staticmethod
    def to_contract(amount: str | None, currency: str | None) -> str | None:
        if amount is None:
            return None
        number = _decimal(amount)
        if number is None:
            return amount
        minor = number.scaleb(minor_digits(currency))
        if minor != minor.to_integral_value():
            return amount  # more decimals than the currency has: the audit decides
        return str(int(minor))

    @staticmethod
    def to_vendor(value: str | None, row: Row) -> tuple[Any, ...]:
        currency = row.get("currency")
        if value is None:
            return (None, currency)
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            return (value, currency)
        digits = minor_digits(currency)
        return (f"{number.scaleb(-digits):.{digits}f}", currency)


@converter("integer")
class Integer:
    """An integer, written as a JSON number (`12`; a CSV `12.0` reads as `12`)."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            return value
        return str(int(number))

    @staticmethod
    def to_vendor(value: str) -> Any:
        number = _decimal(value)
        if number is None or number != number.to_integral_value():
            return value
        return int(number)


@converter("json")
class JsonValue:
    """A JSON value (list, object, number) kept as its compact JSON text in the contract and
    written back as the JSON value."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        return value

    @staticmethod
    def to_vendor(value: str) -> Any:
        try:
            return json.loads(value)
        except ValueError:
            return value


# --- text --------------------------------------------------------------------------------


@converter("lowercase")
class Lowercase:
    """`EUR` or `eur` -> `eur` (the contract's lower-case codes, e.g. payments' currency);
    written as the contract has it."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        return value.strip().lower()

    @staticmethod
    def to_vendor(value: str) -> Any:
        return value


@converter("uppercase")
class Uppercase:
    """`eur` or `EUR` -> `EUR` (the contract's upper-case codes, e.g. e-mail's currency);
    written as the contract has it."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        return value.strip().upper()

    @staticmethod
    def to_vendor(value: str) -> Any:
        return value


_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})


@converter("bool_true_false")
class BoolTrueFalse:
    """`TRUE`/`FALSE` (also `true`, `1`, `yes`) <-> the contract's `true`/`false`."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        word = value.strip().casefold()
        return "true" if word in _TRUE else "false" if word in _FALSE else value

    @staticmethod
    def to_vendor(value: str) -> Any:
        return {"true": "TRUE", "false": "FALSE"}.get(value, value)


@converter("json_bool")
class JsonBool:
    """A JSON boolean (`true`/`false`) <-> the contract's `true`/`false`."""

    @staticmethod
    def to_contract(value: str) -> str | None:
        return BoolTrueFalse.to_contract(value)

    @staticmethod
    def to_vendor(value: str) -> Any:
        return {"true": True, "false": False}.get(value, value)
