"""Parsers for the export files: CSV (either delimiter, BOM, quoted newlines) and JSONL.

Each parser returns an Arrow table with every contract column as text (empty -> null),
plus `_record_number` (1-based data record of the file), with card numbers redacted.
A file that breaks the contract raises `BatchRefused` naming file, line and column.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pv

from .contract import ExportFile
from .errors import BatchRefused
from .redaction import redact_column

_CHUNK = 1 << 22


@dataclass
class ParsedFile:
    spec: ExportFile
    table: pa.Table  # contract columns as strings + _record_number
    sha256: str
    size: int
    cards_redacted: int

    @property
    def records(self) -> int:
        return self.table.num_rows


def check_utf8(path: Path, name: str) -> tuple[str, int]:
    """Verify the file is UTF-8 (streaming); return its sha256 and size."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    newlines = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                bad = offset + e.start
                line = newlines + chunk.count(b"\n", 0, e.start) + 1
                raise BatchRefused(
                    name,
                    f"not UTF-8 (byte 0x{chunk[e.start]:02X}); re-export the file as UTF-8",
                    line=line,
                    byte_offset=bad,
                ) from None
            newlines += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise BatchRefused(
                name, "not UTF-8 (truncated character at end of file)", byte_offset=offset
            ) from None
    return digest.hexdigest(), offset


def _sniff_header(path: Path) -> tuple[str, list[str]]:
    """Read the header record; the delimiter is whichever of , and ; occurs more often in it
    outside quotes."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        head = f.read(1 << 16)
    text, in_quotes, commas, semicolons = "", False, 0, 0
    for ch in head:
        if ch == '"':
            in_quotes = not in_quotes
        elif not in_quotes and ch in "\r\n":
            break
        elif not in_quotes and ch == ",":
            commas += 1
        elif not in_quotes and ch == ";":
            semicolons += 1
        text += ch
    delimiter = ";" if semicolons > commas else ","
    header = next(csv.reader([text], delimiter=delimiter), [])
    return delimiter, [h.strip() for h in header]


def _locate_csv_error(path: Path, name: str, delimiter: str, width: int) -> BatchRefused:
    """The slow path, only after the fast reader failed: find the offending record."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        try:
            next(reader)
            for row in reader:
                if row and len(row) != width:
                    return BatchRefused(
                        name,
                        f"record has {len(row)} fields, the header has {width}",
                        line=reader.line_num,
                    )
        except csv.Error as e:
            return BatchRefused(name, f"not parseable as CSV: {e}", line=reader.line_num)
    return BatchRefused(name, "not parseable as CSV")


def parse_csv(path: Path, spec: ExportFile, name: str) -> pa.Table:
    delimiter, header = _sniff_header(path)
    if not header or header == [""]:
        raise BatchRefused(name, "empty file: the header row is missing", line=1)
    for column in spec.columns:
        if column not in header:
            raise BatchRefused(
                name, "a listed column is missing from the header", line=1, column=column
            )
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                include_columns=list(spec.columns),
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid:
        raise _locate_csv_error(path, name, delimiter, len(header)) from None
    return table


def _as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_jsonl(path: Path, spec: ExportFile, name: str) -> pa.Table:
    columns: dict[str, list[str | None]] = {c: [] for c in spec.columns}
    paths = spec.json_paths
    with path.open(encoding="utf-8-sig") as f:
        for line_number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise BatchRefused(
                    name, f"not valid JSON ({e.msg} at character {e.colno})", line=line_number
                ) from None
            if not isinstance(obj, dict):
                raise BatchRefused(name, "the line is not a JSON object", line=line_number)
            for column, keys in paths.items():
                value: object = obj
                for key in keys:
                    value = value.get(key) if isinstance(value, dict) else None
                columns[column].append(_as_text(value))
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()})


def parse_export_file(path: Path, spec: ExportFile, name: str) -> ParsedFile:
    """Parse one export file of a batch; `name` is how errors name it (batch/file)."""
    sha256, size = check_utf8(path, name)
    table = parse_jsonl(path, spec, name) if spec.format == "jsonl" else parse_csv(path, spec, name)
    table = table.select(list(spec.columns)).combine_chunks()
    redacted = 0
    for i, column in enumerate(spec.columns):
        clean, n = redact_column(table.column(i))
        if n:
            table = table.set_column(i, column, clean)
            redacted += n
    numbers = pa.array(range(1, table.num_rows + 1), type=pa.int64())
    table = table.append_column("_record_number", numbers)
    return ParsedFile(spec, table, sha256, size, redacted)
