"""Vendor export layouts as data (issue 14): how a vendor's native export files map onto the
export contract (`orchestration/lib/contract.py`).

One `Layout` per vendor and domain (`layouts/<vendor>.py` defines `LAYOUT`). The same data
drives reading (`adapters.reading`: vendor files -> contract tables at ingestion), generating
(`adapters.writing`: contract files -> vendor files, the inverse) and the README's table
(`adapters.readme`).

Fields of a vendor file, one per contract column of its target:

- `Column(source, values, format)`: the vendor's column(s) -> the contract value. `format`
  names a converter of `formats.py` (applied first, to the vendor's text); `values` then maps
  the vendor's value -> the contract's value (one-to-one, so the generator can invert it; a
  value not in the map passes through unchanged, so the audit sees it as it would a neutral
  value). A tuple `source` needs a `format` that combines the columns.
- `Constant(value)`: the same contract value for every record of the file.
- `FileNamePart()`: the part of the vendor file's name that the first `*` of its `name`
  pattern matched (Mailchimp's audience export names its audience only in the file name:
  `subscribed_email_audience_export_<audience id>.csv`); the generator writes one file per
  value.
- `Missing(reason, affects)`: the vendor's export has no such field: the column is empty
  (null) and the reason is reported (audit report, README).
- `Sideloaded(records_path, by, source, otherwise=Column(...))`: JSON only: the value is in
  another list of the same document, joined by id (Zendesk's `include=users` sideloads the
  tickets' users as a top-level `users` list: the requester's `email` is that of the user
  whose `id` is the ticket's `requester_id`); `otherwise` is read when no sideloaded record
  has the value. The generator writes the sideloaded list (one record per distinct value,
  an id made from it) and not `otherwise`, so that the join is what a round trip checks.

`affects` (of `Missing` and `MissingFile`) names the marts the gap leaves empty or degraded,
as the end-to-end test (tests/test_vendor_layouts.py) checks them against the same company in
the neutral layout: `"mart"` = the mart is empty or differs from the neutral layout's (a
declared gap must show); `"mart.column"` = that column is NULL in every row (the rest of the
mart compared as any other). Every mart not named must equal the neutral layout's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

FileFormat = Literal["csv", "json", "jsonl"]


@dataclass(frozen=True)
class Column:
    """The contract value comes from the vendor's column(s) `source` (CSV header names; for
    JSON a key, dotted for nested objects: `"requester.email"`). Names are matched ignoring
    case."""

    source: str | tuple[str, ...]
    values: Mapping[str, str] = field(default_factory=dict)
    format: str | None = None
    # CSV: the vendor leaves the column out when no record has a value (Stripe's metadata
    # columns): absent = empty. Otherwise an absent column refuses the batch.
    optional: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else tuple(self.source)


@dataclass(frozen=True)
class Constant:
    """The same contract value for every record of the vendor file (None: empty)."""

    value: str | None


@dataclass(frozen=True)
class Missing:
    """The vendor's export has no such field: the contract column is empty, for `reason`."""

    reason: str
    affects: tuple[str, ...] = ()  # "mart" (empty or degraded), "mart.column" (NULL): see above


@dataclass(frozen=True)
class FileNamePart:
    """The text the first `*` of the vendor file's `name` pattern matched in its file name."""


@dataclass(frozen=True)
class Sideloaded:
    """JSON: `source` (dotted) of the record of the document's list `records_path` whose
    `key` equals this record's `by` (dotted); `otherwise` when there is none or it has no
    value. Ids are compared as text (`20978392` and `"20978392"` match)."""

    records_path: tuple[str, ...]  # ("users",): the sideloaded list
    by: str  # the record's key naming the sideloaded record: "requester_id"
    source: str  # the sideloaded record's key holding the value: "email"
    key: str = "id"  # the sideloaded record's id
    otherwise: Column | None = None  # read when the sideload has no value

    @property
    def label(self) -> str:
        """How the README names it: `users[id = requester_id].email`."""
        return f"{'.'.join(self.records_path)}[{self.key} = {self.by}].{self.source}"


Field = Column | Constant | FileNamePart | Missing | Sideloaded


@dataclass(frozen=True)
class VendorFile:
    """One of the vendor's native export files, providing (part of) one contract file."""

    name: str  # the vendor's file name, matched case-insensitively; a glob: "deals*.csv"
    format: FileFormat
    signature: tuple[str, ...]  # header columns / (dotted) JSON keys that identify it, all present
    target: str  # the contract file it provides: "crm/deals.csv"
    columns: Mapping[str, Field]  # EVERY contract column of the target -> a Field
    records_path: tuple[str, ...] = ()  # JSON: keys to the list of records; () = top level / jsonl
    # the generator's split when several files share a target: contract column -> values
    when: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class MissingFile:
    """A contract file the vendor's exports cannot provide, and the marts it leaves empty or
    degraded."""

    target: str
    reason: str
    affects: tuple[str, ...] = ()  # "mart" (empty or degraded), "mart.column" (NULL): see above
    # True: the warehouse needs the file (the refresh fails without it, e.g. pipeline stages),
    # so the user supplies it in the neutral layout beside the vendor's files, and the
    # generator writes it so; `affects` then says what happens when it is not supplied.
    supply: bool = False


@dataclass(frozen=True)
class Layout:
    """A vendor's export layout for one domain (`crm`, `email`, `payments`, `support`)."""

    vendor: str  # "stripe"
    domain: str  # "payments"
    title: str  # "Stripe dashboard CSV exports"
    docs_url: str  # where the vendor documents the export's fields
    files: tuple[VendorFile, ...]
    missing: tuple[MissingFile, ...] = ()
