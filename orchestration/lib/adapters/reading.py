"""Vendor export files -> the contract file they provide, at ingestion (issue 14).

`read_target` turns the vendor files of one target (in layout order) into the same
`ParsedFile` a neutral file gives: the contract's columns as text (empty -> null) plus
`_record_number`, 1-based over the target's concatenated records. Everything after it (the
audit, staging, marts) is unchanged. A file that cannot be read refuses its batch naming
the vendor file, line and column. Vendor times without an offset are read in the landing's
time zone (`VendorSource.timezone`, from its crmwh-layouts.toml; UTC by default).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa

from ..contract import BY_PATH
from ..errors import BatchRefused
from ..parsing import (
    JSON_DECODER,
    ParsedFile,
    as_text,
    read_csv_columns,
    redacted_and_numbered,
    scan_bytes,
    sniff_header,
)
from . import formats, name_part
from .detect import VendorSource, json_records
from .model import Column, Constant, FileNamePart, Missing, Sideloaded, VendorFile


def _lookup(record: Mapping, dotted: str) -> object:
    value: object = record
    for key in dotted.split("."):
        if not isinstance(value, Mapping):
            return None
        if key in value:
            value = value[key]
        else:  # names compared ignoring case, as the detection does
            folded = {str(k).casefold(): k for k in value}
            value = value.get(folded.get(key.casefold()))
    return value


def _csv_rows(path: Path, name: str, vf: VendorFile, quotes: int) -> tuple[int, dict]:
    """(records, vendor column -> values) of a vendor CSV file. Every column the layout reads
    must be in the header (as every listed column of a neutral file), unless the layout
    says the vendor omits it when no record has a value (`Column.optional`)."""
    delimiter, header = sniff_header(path, name)
    if not header or header == [""]:
        raise BatchRefused(name, "empty file: the header row is missing; re-export it", line=1)
    by_fold: dict[str, list[str]] = {}
    for h in header:
        by_fold.setdefault(h.casefold(), []).append(h)
    wanted: dict[str, str] = {}  # vendor column as the layout spells it -> header spelling
    absent: list[tuple[str, str]] = []  # (vendor column, contract column)
    for target_column, fld in vf.columns.items():
        if not isinstance(fld, Column):
            continue
        for source in fld.sources:
            found = by_fold.get(source.casefold(), [])
            if len(found) > 1:
                raise BatchRefused(
                    name,
                    f"the header names this column {len(found)} times: which one holds the "
                    "data is ambiguous; re-export the file with each column once",
                    line=1,
                    column=source,
                )
            if found:
                wanted[source] = found[0]
            elif not fld.optional:
                absent.append((source, target_column))
    if absent:
        listed = ", ".join(f"{src} (for {column})" for src, column in absent)
        raise BatchRefused(
            name,
            f"the header lacks column(s) the layout reads: {listed}; re-export the file with "
            "every column",
            line=1,
            column=absent[0][0],
        )
    table = read_csv_columns(
        path, name, delimiter, header, sorted(set(wanted.values())), quotes=quotes
    )
    columns = {src: table.column(actual).to_pylist() for src, actual in wanted.items()}
    return table.num_rows, columns


def _is_jsonl(path: Path, vf: VendorFile) -> bool:
    return vf.format == "jsonl" or path.suffix.casefold() in (".jsonl", ".ndjson")


def _json_document(path: Path, name: str) -> object:
    """A vendor JSON file's document; BatchRefused naming the file when it is not JSON."""
    text = path.read_text(encoding="utf-8-sig")
    try:
        return JSON_DECODER.decode(text)
    except json.JSONDecodeError as e:
        raise BatchRefused(
            name,
            f"not valid JSON: {e.msg} (character {e.colno}); re-export the file",
            line=e.lineno,
        ) from None
    except ValueError as e:
        raise BatchRefused(name, f"not valid JSON ({e}); re-export the file") from None


def _json_objects(
    path: Path, name: str, vf: VendorFile, doc: object = None
) -> Iterator[tuple[int, Mapping]]:
    """(line, record) of a vendor JSON (a document with a list of records at
    `records_path`, or a top-level list; `doc`: the document when already read) or JSON
    Lines file."""
    if _is_jsonl(path, vf):
        with path.open(encoding="utf-8-sig") as f:
            for line_number, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    obj = JSON_DECODER.decode(line)
                except ValueError as e:
                    raise BatchRefused(
                        name,
                        f"not valid JSON ({e}); each line must be one whole JSON object: "
                        "re-export the file",
                        line=line_number,
                    ) from None
                if not isinstance(obj, dict):
                    raise BatchRefused(
                        name, "the line is not a JSON object: re-export the file", line=line_number
                    )
                yield line_number, obj
        return
    if doc is None:
        doc = _json_document(path, name)
    records = json_records(doc, vf.records_path)
    if records is None:
        where = ".".join(vf.records_path) or "the top level"
        raise BatchRefused(name, f"no list of records at {where}: re-export the file")
    for i, obj in enumerate(records, start=1):
        if not isinstance(obj, dict):
            raise BatchRefused(
                name,
                f"record {i} of {'.'.join(vf.records_path) or 'the list'} is not a JSON "
                "object: re-export the file",
            )
        yield i, obj


def _columns_read(vf: VendorFile) -> list[Column]:
    """The Columns of `vf`, a Sideloaded value's `otherwise` included."""
    out = []
    for f in vf.columns.values():
        if isinstance(f, Sideloaded):
            f = f.otherwise
        if isinstance(f, Column):
            out.append(f)
    return out


def _sideload_index(doc: object, fld: Sideloaded) -> dict[str, Mapping]:
    """The sideloaded records of `fld`'s list by their id as text (none: {})."""
    index: dict[str, Mapping] = {}
    for record in json_records(doc, fld.records_path) or []:
        if isinstance(record, Mapping):
            key = as_text(_lookup(record, fld.key))
            if key is not None:
                index.setdefault(key, record)
    return index


def _json_rows(path: Path, name: str, vf: VendorFile) -> tuple[int, dict]:
    """(records, vendor key -> values) of a vendor JSON/JSONL file; a key a record lacks is
    empty (JSON exports leave out empty keys). A Sideloaded value is under its `label`."""
    sources = sorted({s for f in _columns_read(vf) for s in f.sources})
    sideloads = [f for f in vf.columns.values() if isinstance(f, Sideloaded)]
    columns: dict[str, list[str | None]] = {s: [] for s in sources}
    columns |= {f.label: [] for f in sideloads}
    doc = None if _is_jsonl(path, vf) else _json_document(path, name)
    indexes = {f.label: _sideload_index(doc, f) for f in sideloads}
    n = 0
    for _line, obj in _json_objects(path, name, vf, doc):
        n += 1
        for source in sources:
            columns[source].append(as_text(_lookup(obj, source)))
        for f in sideloads:
            joined = indexes[f.label].get(as_text(_lookup(obj, f.by)) or "")
            columns[f.label].append(None if joined is None else as_text(_lookup(joined, f.source)))
    return n, columns


def _read_column(fld: Column, n: int, columns: Mapping[str, list]) -> list[str | None]:
    inputs = [columns.get(s, [None] * n) for s in fld.sources]
    conv = formats.get_converter(fld.format) if fld.format else None
    values = fld.values
    result: list[str | None] = []
    for row in zip(*inputs, strict=True):
        value = conv.read(row) if conv is not None else row[0]
        if value is not None and values:
            value = values.get(value, value)
        result.append(value)
    return result


def convert(
    vf: VendorFile, n: int, columns: Mapping[str, list], file_name: str = ""
) -> dict[str, list]:
    """The contract columns of `n` vendor records (vendor column -> values) of the vendor
    file `file_name`."""
    out: dict[str, list] = {}
    for target_column, fld in vf.columns.items():
        if isinstance(fld, FileNamePart):
            out[target_column] = [name_part(vf, file_name)] * n
        elif isinstance(fld, Missing):
            out[target_column] = [None] * n
        elif isinstance(fld, Constant):
            out[target_column] = [fld.value] * n
        elif isinstance(fld, Sideloaded):
            joined = columns.get(fld.label, [None] * n)
            other = [None] * n if fld.otherwise is None else _read_column(fld.otherwise, n, columns)
            out[target_column] = [
                a if a is not None else b for a, b in zip(joined, other, strict=True)
            ]
        else:
            out[target_column] = _read_column(fld, n, columns)
    return out


def read_target(
    batch_dir: Path, batch: str, target: str, sources: list[VendorSource]
) -> tuple[ParsedFile, dict[str, tuple[int, str]]]:
    """The contract file `target` from its vendor files; also vendor rel -> (records,
    sha256) for the manifest's checks."""
    spec = BY_PATH[target]
    digest = hashlib.sha256()
    size = 0
    per_file: dict[str, tuple[int, str]] = {}
    parts: dict[str, list] = {c: [] for c in spec.columns}
    for source in sources:
        path, name = batch_dir / source.rel, f"{batch}/{source.rel}"
        scan = scan_bytes(path, name, count_quotes=source.file.format == "csv")
        if source.file.format == "csv":
            n, columns = _csv_rows(path, name, source.file, scan.quotes)
        else:
            n, columns = _json_rows(path, name, source.file)
        with formats.time_zone(source.timezone):
            converted = convert(source.file, n, columns, Path(source.rel).name)
        for c in spec.columns:
            parts[c].extend(converted[c])
        digest.update(f"{source.rel}\0{scan.sha256}\n".encode())
        size += scan.size
        per_file[source.rel] = (n, scan.sha256)
    table, redacted = redacted_and_numbered(
        pa.table({c: pa.array(parts[c], type=pa.string()) for c in spec.columns})
    )
    return ParsedFile(spec, table, digest.hexdigest(), size, redacted), per_file
