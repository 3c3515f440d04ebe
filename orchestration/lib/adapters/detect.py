"""Which vendor export files of a batch provide which contract files (issue 14).

A file of a domain folder (`crm/`, `email/`, `payments/`, `support/`) that is not a neutral
contract file is matched against the layouts of that domain by its header (CSV) or its keys
(JSON): every column of a vendor file's `signature` present (names compared ignoring case)
-> it provides that file's target. Among several matches the one whose name pattern matches
wins, then the longest signature. A contract file name whose header lacks the contract's
columns but matches a vendor file is that vendor's (Stripe's `invoices.csv`).

A file that matches none but looks like a vendor export (its name matches a layout file's,
or its header holds at least half of some layout file's signature) refuses its batch, naming
the closest layout file and the columns it lacks. Other files keep the landing's behaviour
(reported, not read).

The landing's `crmwh-layouts.toml` (or `.json`) may force the layout of a domain:
`payments = "stripe"`; a CSV/JSON file of that domain that is not the vendor's then refuses
its batch, naming the vendor's closest file. Its `timezone = "Europe/Berlin"` (an IANA name;
UTC without it) is the zone of the vendor times written without an offset (HubSpot's and
Pipedrive's local times): each vendor file of the landing is read in it.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..contract import BY_PATH
from ..errors import BatchRefused
from ..parsing import sniff_header
from . import DOMAINS, all_layouts, formats, layout, layouts_of_domain, name_matches
from .model import Layout, VendorFile

CONFIG_NAMES = ("crmwh-layouts.toml", "crmwh-layouts.json")
TIMEZONE = "timezone"  # the configuration's key of the landing's time zone
_READABLE = (".csv", ".json", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class VendorSource:
    """One vendor file of a batch and the layout file it matched."""

    rel: str  # relative to the batch folder: "payments/unified_payments.csv"
    layout: Layout
    file: VendorFile
    # the zone of its times without an offset (the landing's crmwh-layouts.toml `timezone`)
    timezone: str = formats.DEFAULT_ZONE


@dataclass
class VendorPlan:
    """The vendor files of one batch: what they provide, and what refuses the batch."""

    sources: list[VendorSource] = field(default_factory=list)
    refusals: list[BatchRefused] = field(default_factory=list)

    @property
    def rels(self) -> set[str]:
        return {s.rel for s in self.sources}

    @property
    def refused_rels(self) -> set[str]:
        return {r.file.split("/", 1)[1] for r in self.refusals if "/" in r.file}

    def targets(self) -> dict[str, list[VendorSource]]:
        """Contract path -> its vendor files, in the layout's file order, then by name; the
        targets in contract order."""
        by_target: dict[str, list[VendorSource]] = {}
        for s in self.sources:
            by_target.setdefault(s.file.target, []).append(s)
        order = {path: i for i, path in enumerate(BY_PATH)}
        return {
            t: sorted(by_target[t], key=lambda s: (s.layout.files.index(s.file), s.rel))
            for t in sorted(by_target, key=order.__getitem__)
        }

    def layouts(self) -> dict[str, Layout]:
        """Domain -> the layout providing it in this batch."""
        return {s.layout.domain: s.layout for s in self.sources}


# --- the per-landing configuration ------------------------------------------------------


def read_config(landing: Path) -> dict[str, str]:
    """Domain -> forced vendor from the landing's `crmwh-layouts.toml`/`.json` ({} without
    one), and `timezone` -> the zone of vendor times without an offset when the file sets
    one. Raises BatchRefused naming the file when it is unreadable or names an unknown
    domain, vendor or time zone."""
    found = [landing / n for n in CONFIG_NAMES if (landing / n).is_file()]
    if not found:
        return {}
    if len(found) > 1:
        raise BatchRefused(found[0].name, f"both {' and '.join(CONFIG_NAMES)} exist: keep one")
    path = found[0]
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (UnicodeDecodeError, ValueError) as e:
        raise BatchRefused(path.name, f"not readable ({e}); fix the file") from None
    if not isinstance(data, dict):
        raise BatchRefused(path.name, 'expected a table such as payments = "stripe"')
    config: dict[str, str] = {}
    for domain, vendor in data.items():
        if domain == TIMEZONE:
            try:
                formats.zone_named(vendor)
            except ValueError as e:
                raise BatchRefused(path.name, f"{TIMEZONE}: {e}; fix the file") from None
            config[TIMEZONE] = vendor.strip()
            continue
        if domain not in DOMAINS:
            raise BatchRefused(
                path.name,
                f"{domain!r} is not a domain (one of {', '.join(DOMAINS)}) nor {TIMEZONE}",
            )
        try:
            lay = layout(str(vendor))
        except KeyError as e:
            raise BatchRefused(path.name, f"{domain}: {e.args[0]}") from None
        if lay.domain != domain:
            raise BatchRefused(
                path.name, f"{domain}: {lay.vendor} is a layout of {lay.domain}, not {domain}"
            )
        config[domain] = lay.vendor
    return config


# --- the keys a file offers ----------------------------------------------------------------


def _flat_keys(record: Mapping, prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in record.items():
        keys.add(f"{prefix}{key}")
        if isinstance(value, Mapping):
            keys |= _flat_keys(value, f"{prefix}{key}.")
    return keys


def json_records(data: object, records_path: tuple[str, ...]) -> list | None:
    """The list of records at `records_path` of a JSON document; None when there is none."""
    for key in records_path:
        data = data.get(key) if isinstance(data, Mapping) else None
    return data if isinstance(data, list) else None


class _Offer:
    """What one file offers to the matcher: its header/keys, read once, lazily."""

    def __init__(self, path: Path, name: str) -> None:
        self.path, self.name = path, name
        self.suffix = path.suffix.casefold()
        self._csv: set[str] | None = None
        self._doc: object = None
        self._doc_read = False
        self._first_line: set[str] | None = None

    def csv_header(self) -> set[str]:
        if self._csv is None:
            try:
                _, header = sniff_header(self.path, self.name)
            except (BatchRefused, UnicodeDecodeError, OSError):
                header = []
            self._csv = {h.casefold() for h in header if h}
        return self._csv

    def _document(self) -> object:
        if not self._doc_read:
            self._doc_read = True
            try:
                self._doc = json.loads(self.path.read_text(encoding="utf-8-sig"))
            except (UnicodeDecodeError, ValueError, OSError):
                self._doc = None
        return self._doc

    def _jsonl_keys(self) -> set[str]:
        if self._first_line is None:
            self._first_line = set()
            try:
                with self.path.open(encoding="utf-8-sig") as f:
                    for line in f:
                        if line.strip():
                            obj = json.loads(line)
                            if isinstance(obj, dict):
                                self._first_line = {k.casefold() for k in _flat_keys(obj)}
                            break
            except (UnicodeDecodeError, ValueError, OSError):
                pass
        return self._first_line

    def keys_for(self, vf: VendorFile) -> set[str] | None:
        """The file's columns/keys as `vf` would read them (casefolded); None when the file
        cannot be of `vf`'s format at all. An empty JSON list offers every key of the
        signature (nothing to contradict it)."""
        if vf.format == "csv":
            return self.csv_header() if self.suffix == ".csv" else None
        if self.suffix == ".csv":
            return None
        if vf.format == "jsonl" or (vf.format == "json" and self.suffix != ".json"):
            return self._jsonl_keys()
        records = json_records(self._document(), vf.records_path)
        if records is None:
            return set()
        if not records:
            return {s.casefold() for s in vf.signature}
        first = records[0]
        return {k.casefold() for k in _flat_keys(first)} if isinstance(first, Mapping) else set()


def _missing(vf: VendorFile, keys: set[str]) -> list[str]:
    return [s for s in vf.signature if s.casefold() not in keys]


def _closest(
    offer: _Offer, file_name: str, candidates: list[tuple[Layout, VendorFile]]
) -> tuple[Layout, VendorFile, list[str]] | None:
    best = None
    for lay, vf in candidates:
        keys = offer.keys_for(vf)
        if keys is None:
            continue
        missing = _missing(vf, keys)
        score = (len(vf.signature) - len(missing), name_matches(vf, file_name))
        if best is None or score > best[0]:
            best = (score, lay, vf, missing)
    return None if best is None else (best[1], best[2], best[3])


def _looks_like(
    offer: _Offer,
    file_name: str,
    candidates: list[tuple[Layout, VendorFile]],
    *,
    by_name: bool = True,
) -> bool:
    """Whether the file looks like one of `candidates`: its name matches (when `by_name`), or
    it has at least half of a signature's columns."""
    for _lay, vf in candidates:
        if by_name and name_matches(vf, file_name):
            return True
        keys = offer.keys_for(vf)
        if keys is not None and 2 * (len(vf.signature) - len(_missing(vf, keys))) >= len(
            vf.signature
        ):
            return True
    return False


def _match(
    offer: _Offer, file_name: str, candidates: list[tuple[Layout, VendorFile]]
) -> tuple[Layout, VendorFile] | None:
    matches = []
    for lay, vf in candidates:
        keys = offer.keys_for(vf)
        if keys is not None and not _missing(vf, keys):
            matches.append(((name_matches(vf, file_name), len(vf.signature)), lay, vf))
    if not matches:
        return None
    matches.sort(key=lambda m: m[0], reverse=True)
    return matches[0][1], matches[0][2]


def _neutral_header_complete(offer: _Offer, rel: str) -> bool:
    spec = BY_PATH[rel]
    if spec.format != "csv":
        return True
    header = offer.csv_header()
    return not header or all(c.casefold() in header for c in spec.columns)


def _has_a_contract_header(offer: _Offer, domain: str) -> bool:
    """Whether a CSV file's header holds every column of a contract file of `domain` (a
    neutral file under another name, `crm/Activities.csv`: misnamed, not a vendor's)."""
    if offer.suffix != ".csv":
        return False
    header = offer.csv_header()
    return any(
        spec.source == domain
        and spec.format == "csv"
        and all(c.casefold() in header for c in spec.columns)
        for spec in BY_PATH.values()
    )


def _mostly_not_neutral(offer: _Offer, rel: str) -> bool:
    """Whether a contract-named CSV file's header holds fewer than half of the contract's
    columns."""
    header = offer.csv_header()
    columns = BY_PATH[rel].columns
    return BY_PATH[rel].format == "csv" and 2 * sum(c in header for c in columns) < len(columns)


def plan_batch(
    batch_dir: Path, entries: list[str], config: Mapping[str, str] | None = None
) -> VendorPlan:
    """The vendor files among `entries` (regular files, relative to `batch_dir`) and the
    refusals they cause. `config`: domain -> forced vendor, and `timezone` (read_config)."""
    config = config or {}
    zone = config.get(TIMEZONE, formats.DEFAULT_ZONE)
    plan = VendorPlan()
    batch = batch_dir.name
    layouts = all_layouts()
    neutral: dict[str, str] = {}  # target -> neutral rel
    for rel in entries:
        parts = rel.split("/")
        if len(parts) != 2 or parts[0] not in DOMAINS:
            continue
        domain, file_name = parts
        path = batch_dir / rel
        offer = _Offer(path, f"{batch}/{rel}")
        forced = config.get(domain)
        pool = [layouts[forced]] if forced else layouts_of_domain(domain)
        candidates = [(lay, vf) for lay in pool for vf in lay.files]
        near_miss = False
        if rel in BY_PATH:
            if candidates and not _neutral_header_complete(offer, rel):
                hit = _match(offer, file_name, candidates)
                if hit is not None:
                    plan.sources.append(VendorSource(rel, *hit, timezone=zone))
                    continue
                # a vendor file under a contract name (Stripe's invoices.csv) that lacks
                # signature columns, rather than a neutral file that lacks a contract column
                near_miss = _mostly_not_neutral(offer, rel) and _looks_like(
                    offer, file_name, candidates, by_name=False
                )
            if not near_miss:
                neutral[rel] = rel
                continue
        elif not candidates or offer.suffix not in _READABLE:
            continue
        else:
            hit = _match(offer, file_name, candidates)
            if hit is not None:
                plan.sources.append(VendorSource(rel, *hit, timezone=zone))
                continue
        if _has_a_contract_header(offer, domain):
            continue  # a neutral file under another name: the landing's rules apply
        if near_miss or forced or _looks_like(offer, file_name, candidates):
            closest = _closest(offer, file_name, candidates)
            if closest is None:
                continue
            lay, vf, missing = closest
            what = "keys" if vf.format != "csv" else "columns"
            head = "header matches" if offer.suffix == ".csv" else "records' keys match"
            forced_note = f" (crmwh-layouts sets {domain} = {forced!r})" if forced else ""
            plan.refusals.append(
                BatchRefused(
                    f"{batch}/{rel}",
                    f"the {head} no known layout{forced_note}; closest: {lay.vendor} "
                    f"{vf.name} (missing {what} {', '.join(missing)}); re-export it with "
                    f"those {what}, or remove it from the batch",
                    files=(vf.target,),
                )
            )
    _check_mixing(plan, batch, neutral)
    return plan


def _check_mixing(plan: VendorPlan, batch: str, neutral: dict[str, str]) -> None:
    """One source per contract file, one vendor per domain."""
    by_domain: dict[str, dict[str, str]] = {}
    for s in plan.sources:
        by_domain.setdefault(s.layout.domain, {}).setdefault(s.layout.vendor, s.rel)
    for domain, vendors in by_domain.items():
        if len(vendors) > 1:
            (v1, r1), (v2, r2) = list(vendors.items())[:2]
            plan.refusals.append(
                BatchRefused(
                    f"{batch}/{r2}",
                    f"{domain}/ holds files of two layouts: {v1} ({batch}/{r1}) and {v2} "
                    f"({batch}/{r2}); a batch takes one layout per domain: keep one vendor's "
                    "files",
                    files=(),
                )
            )
    for target, sources in plan.targets().items():
        if target in neutral:
            plan.refusals.append(
                BatchRefused(
                    f"{batch}/{sources[0].rel}",
                    f"provides {target}, and the batch holds {batch}/{target} too: a contract "
                    "file comes from the neutral file or from the vendor's files, never both; "
                    "remove one",
                    files=(target,),
                )
            )
