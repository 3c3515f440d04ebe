"""Contract files -> a vendor's export files: the generator's inverse of a layout (issue 14).

`write_layout(batch_dir, layout)` replaces the neutral files of the layout's domain in one
batch folder by the vendor's files, from the same Layout data the loader reads with:
the value maps inverted, each converter's `to_vendor`, `when` to split the rows of a target
among several vendor files, Missing columns not written, MissingFile targets not written
(unless the layout says the user supplies them in the neutral layout: `supply`), Sideloaded
values written as a sideloaded list (one record per distinct value, its id made from it).
The manifest's entries of the replaced files are dropped (a manifest lists contract files).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..contract import BY_PATH
from ..parsing import parse_export_file
from . import formats
from .model import Column, FileNamePart, Layout, Sideloaded, VendorFile

MANIFEST = "_manifest.json"


def vendor_file_name(vf: VendorFile, part: str = "") -> str:
    """The name the generator gives a vendor file: its pattern with `part` for the first
    `*` (the value of a FileNamePart column), without the other glob characters."""
    return vf.name.replace("*", part, 1).replace("*", "").replace("?", "")


def _name_part_column(vf: VendorFile) -> str | None:
    return next((c for c, f in vf.columns.items() if isinstance(f, FileNamePart)), None)


def _rows(path: Path, target: str) -> list[dict[str, str | None]]:
    table = parse_export_file(path, BY_PATH[target], str(path)).table
    columns = list(BY_PATH[target].columns)
    data = {c: table.column(c).to_pylist() for c in columns}
    return [{c: data[c][i] for c in columns} for i in range(table.num_rows)]


def _split(lay: Layout, vf: VendorFile, rows: list[dict]) -> list[dict]:
    """The rows of `vf`'s target that go to `vf` (its `when`, else the rows no sibling's
    `when` claims)."""

    def claims(f: VendorFile, row: dict) -> bool:
        return all(row.get(c) in values for c, values in f.when.items())

    if vf.when:
        return [r for r in rows if claims(vf, r)]
    siblings = [f for f in lay.files if f.target == vf.target and f is not vf and f.when]
    return [r for r in rows if not any(claims(f, r) for f in siblings)]


def vendor_columns(vf: VendorFile) -> list[str]:
    """The vendor file's columns as written: its signature, then every other source column
    in the order of the contract's columns."""
    out: list[str] = []
    seen: set[str] = set()
    sources = [s for f in vf.columns.values() if isinstance(f, Column) for s in f.sources]
    sources += [f.by for f in vf.columns.values() if isinstance(f, Sideloaded)]
    for name in [*vf.signature, *sources]:
        if name.casefold() not in seen:
            seen.add(name.casefold())
            out.append(name)
    return out


Sideload = tuple[tuple[str, ...], str]  # (records_path, key): one sideloaded list


def sideloaded_records(
    vf: VendorFile, row: Mapping[str, str | None]
) -> dict[Sideload, tuple[str, dict[str, Any]]]:
    """The records one contract record puts in the sideloaded lists of its Sideloaded
    values: (list, key) -> (`by`, the record), the record's id made from its values (the
    same values, the same id, in every file and batch); none when all its values are empty."""
    groups: dict[tuple[Sideload, str], dict[str, Any]] = {}
    for column, fld in vf.columns.items():
        if isinstance(fld, Sideloaded):
            groups.setdefault(((fld.records_path, fld.key), fld.by), {})[fld.source] = row.get(
                column
            )
    out: dict[Sideload, tuple[str, dict[str, Any]]] = {}
    for (sideload, by), values in groups.items():
        if all(v is None for v in values.values()):
            continue
        seed = json.dumps(sorted(values.items()), ensure_ascii=False).encode()
        record_id = int(hashlib.sha256(seed).hexdigest()[:12], 16)  # a JSON-safe integer
        out[sideload] = (by, {sideload[1]: record_id, **values})
    return out


def to_vendor_record(vf: VendorFile, row: Mapping[str, str | None]) -> dict[str, Any]:
    """One contract record as the vendor's record (vendor column -> value; a Sideloaded
    value: the id of its sideloaded record, `sideloaded_records`)."""
    out: dict[str, Any] = {
        by: record[key] for (_, key), (by, record) in sideloaded_records(vf, row).items()
    }
    for column, fld in vf.columns.items():
        if not isinstance(fld, Column):
            continue
        value = row.get(column)
        if fld.values and value is not None:
            inverse = {contract: vendor for vendor, contract in fld.values.items()}
            value = inverse.get(value, value)
        if fld.format is not None:
            produced = formats.get_converter(fld.format).write(value, row)
        else:
            produced = (value,)
        for source, v in zip(fld.sources, produced, strict=True):
            if source not in out or out[source] is None:
                out[source] = v
    return out


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _nest(flat: Mapping[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for dotted, value in flat.items():
        keys = dotted.split(".")
        node = record
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return record


def write_vendor_file(
    path: Path,
    vf: VendorFile,
    records: list[dict[str, Any]],
    sideloads: Mapping[Sideload, list[dict[str, Any]]] | None = None,
) -> None:
    """Write the vendor file: `records` (vendor column -> value), and for a JSON document
    the sideloaded lists `sideloads` beside them."""
    if vf.format == "csv":
        columns = vendor_columns(vf)
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(columns)
            for r in records:
                writer.writerow([_text(r.get(c)) for c in columns])
        return
    columns = vendor_columns(vf)
    objects = [_nest({c: r.get(c) for c in columns}) for r in records]
    if vf.format == "jsonl":
        with path.open("w", encoding="utf-8") as f:
            for obj in objects:
                f.write(json.dumps(obj, ensure_ascii=False) + "\n")
        return
    doc: Any = objects
    for key in reversed(vf.records_path):
        doc = {key: doc}
    for (records_path, _key), listed in (sideloads or {}).items():
        node = doc
        for key in records_path[:-1]:
            node = node.setdefault(key, {})
        node[records_path[-1]] = [_nest(record) for record in listed]
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _invoice_currencies(batch_dir: Path) -> dict[str, str]:
    path = batch_dir / "payments/invoices.csv"
    if not path.is_file():
        return {}
    return {r["invoice_id"]: r["currency"] for r in _rows(path, "payments/invoices.csv")}


def write_layout(
    batch_dir: Path, lay: Layout, *, timezone: str = formats.DEFAULT_ZONE
) -> dict[str, int]:
    """Replace the neutral files of `lay.domain` in `batch_dir` by the vendor's files;
    vendor file -> records written. `timezone`: the zone the vendor's times without an
    offset are written in (as an account set to that zone exports them; the landing's
    crmwh-layouts.toml must then name it to read them back)."""
    with formats.time_zone(timezone):
        return _write_layout(batch_dir, lay)


def _write_layout(batch_dir: Path, lay: Layout) -> dict[str, int]:
    # a MissingFile the user supplies in the neutral layout stays as the generator wrote it
    targets = sorted(
        {vf.target for vf in lay.files} | {m.target for m in lay.missing if not m.supply}
    )
    rows = {t: _rows(batch_dir / t, t) for t in targets if (batch_dir / t).is_file()}
    currencies = _invoice_currencies(batch_dir) if lay.domain == "payments" else {}
    written: dict[str, int] = {}
    for vf in lay.files:
        if vf.target not in rows:
            continue
        spec = BY_PATH[vf.target]
        part_column = _name_part_column(vf)
        files: dict[str, list[dict[str, Any]]] = {}
        # vendor file -> sideloaded list -> record id -> record (first seen order)
        sideloads: dict[str, dict[Sideload, dict[Any, dict[str, Any]]]] = {}
        for row in _split(lay, vf, rows[vf.target]):
            if "currency" not in spec.columns and "invoice_id" in spec.columns:
                # the contract: an invoice line's amounts are in its invoice's currency
                row = {**row, "currency": currencies.get(row["invoice_id"] or "")}
            part = (row.get(part_column) or "") if part_column else ""
            rel = f"{lay.domain}/{vendor_file_name(vf, part)}"
            files.setdefault(rel, []).append(to_vendor_record(vf, row))
            for sideload, (_by, record) in sideloaded_records(vf, row).items():
                listed = sideloads.setdefault(rel, {}).setdefault(sideload, {})
                listed.setdefault(record[sideload[1]], record)
        if not files and not part_column:  # an empty export still has its header
            files[f"{lay.domain}/{vendor_file_name(vf)}"] = []
        for rel, records in files.items():
            listed = {k: list(v.values()) for k, v in sideloads.get(rel, {}).items()}
            write_vendor_file(batch_dir / rel, vf, records, listed)
            written[rel] = len(records)
    for target in rows:
        if target not in written:
            (batch_dir / target).unlink()
    _drop_from_manifest(batch_dir, set(rows))
    return written


def _drop_from_manifest(batch_dir: Path, targets: set[str]) -> None:
    path = batch_dir / MANIFEST
    if not path.is_file():
        return
    manifest = json.loads(path.read_text(encoding="utf-8"))
    files = manifest.get("files", {})
    for target in targets:
        files.pop(target, None)
    path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def write_layouts_in_zone(
    landing: Path, vendors: tuple[str, ...], timezone: str = formats.DEFAULT_ZONE
) -> dict[str, dict[str, int]]:
    """Replace the neutral files of every batch of a generated `landing` by the `vendors`'
    files (as `crmwh generate --layout` does), their times without an offset written in
    `timezone`, and name that zone in the landing's `crmwh-layouts.toml` (`timezone = ...`,
    so that the loader reads them back; not written for UTC). Batch -> vendor file ->
    records written."""
    from . import layout
    from .detect import CONFIG_NAMES, TIMEZONE

    formats.zone_named(timezone)  # a wrong name fails before anything is written
    layouts = [layout(v) for v in vendors]
    written: dict[str, dict[str, int]] = {}
    for batch_dir in sorted(p for p in landing.iterdir() if p.is_dir() and _is_batch(p.name)):
        for lay in layouts:
            counts = write_layout(batch_dir, lay, timezone=timezone)
            written.setdefault(batch_dir.name, {}).update(counts)
    if formats.zone_named(timezone) is not dt.UTC:
        config = landing / CONFIG_NAMES[0]
        config.write_text(f"{TIMEZONE} = {json.dumps(timezone)}\n", encoding="utf-8")
    return written


def _is_batch(name: str) -> bool:
    try:
        dt.date.fromisoformat(name)
    except ValueError:
        return False
    return len(name) == 10
