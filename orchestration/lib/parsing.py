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


@dataclass
class ByteScan:
    """What one streaming pass over a file's bytes learns: checksum, size, quote count."""

    sha256: str
    size: int
    quotes: int  # number of `"` bytes: odd means an unclosed quoted field somewhere


def scan_bytes(path: Path, name: str, *, count_quotes: bool = True) -> ByteScan:
    """One streaming pass: verify the file is UTF-8 without NUL bytes; return its sha256,
    size and number of quote characters (0 unless `count_quotes`). Refuses naming line and
    byte offset."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    newlines = 0
    quotes = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
            nul = chunk.find(b"\0")
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as e:
                # e.start counts in the bytes the decoder held back from the previous chunk
                # (the start of a character) followed by this chunk.
                held = len(e.object) - len(chunk)
                if nul < 0 or nul > e.start - held:
                    raise BatchRefused(
                        name,
                        f"not UTF-8 (byte 0x{e.object[e.start]:02X}); re-export the file as UTF-8",
                        line=newlines + e.object.count(b"\n", 0, e.start) + 1,
                        byte_offset=offset - held + e.start,
                    ) from None
            if nul >= 0:
                raise BatchRefused(
                    name,
                    "a NUL byte (0x00): the file is binary, UTF-16 or damaged; "
                    "re-export it as UTF-8 text",
                    line=newlines + chunk.count(b"\n", 0, nul) + 1,
                    byte_offset=offset + nul,
                )
            newlines += chunk.count(b"\n")
            if count_quotes:
                quotes += chunk.count(b'"')
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as e:
            raise BatchRefused(
                name,
                "not UTF-8 (the file ends inside a character: cut off?); re-export the file",
                line=newlines + 1,
                byte_offset=offset - len(e.object) + e.start,
            ) from None
    return ByteScan(digest.hexdigest(), offset, quotes)


def sniff_header(path: Path, name: str) -> tuple[str, list[str]]:
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
    if in_quotes:
        raise BatchRefused(
            name,
            'the header has an unclosed quote (a column name starting with " never ends): '
            "re-export the file",
            line=1,
        )
    delimiter = ";" if semicolons > commas else ","
    header = next(csv.reader([text], delimiter=delimiter), [])
    return delimiter, [h.strip() for h in header]


def _check_header(header: list[str], spec: ExportFile, name: str) -> None:
    """Every listed column exactly once: a column named twice, also in another case, is
    ambiguous (one copy may hold the data, the other nothing)."""
    spellings: dict[str, list[str]] = {}
    for h in header:
        spellings.setdefault(h.casefold(), []).append(h)
    for column in spec.columns:
        found = spellings.get(column.casefold(), [])
        if len(found) > 1:
            raise BatchRefused(
                name,
                f"the header names this column {len(found)} times "
                f"({', '.join(repr(h) for h in found)}; names are compared ignoring case): "
                "which one holds the data is ambiguous; re-export the file with each column once",
                line=1,
                column=column,
            )
        if column not in header:
            hint = f" (the header has {found[0]!r}: names are case-sensitive)" if found else ""
            raise BatchRefused(
                name,
                f"a listed column is missing from the header{hint}; re-export the file "
                "with every column of the contract",
                line=1,
                column=column,
            )


def _strict_csv_problem(path: Path, name: str, delimiter: str, width: int) -> BatchRefused | None:
    """The slow path, only after the fast reader failed or the file has an odd number of
    quotes: read it with Python's strict CSV reader and name the first offending record by
    the line it starts on; None when the strict reader finds nothing wrong."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f, delimiter=delimiter, strict=True)
        start = 1  # the line the record being read starts on
        try:
            for row in reader:
                if start > 1 and row and len(row) != width:
                    return BatchRefused(
                        name,
                        f"the record has {len(row)} fields, the header has {width}: "
                        "fix the record or re-export the file",
                        line=start,
                    )
                start = reader.line_num + 1
        except csv.Error as e:
            if str(e) == "unexpected end of data":
                return BatchRefused(
                    name,
                    "the file ends inside a quoted field that starts in the record on this "
                    "line (an unclosed quote: the export was cut off?); re-export the file",
                    line=start,
                )
            if str(e).startswith("field larger than field limit"):
                return BatchRefused(
                    name,
                    f"a quoted field of the record on this line runs over "
                    f"{csv.field_size_limit()} characters (an unclosed quote?); "
                    "fix the quoting or re-export the file",
                    line=start,
                )
            return BatchRefused(
                name,
                f"not parseable as CSV ({e}) in the record starting on this line; "
                "re-export the file",
                line=start,
            )
    return None


def _count_quotes(path: Path) -> int:
    quotes = 0
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            quotes += chunk.count(b'"')
    return quotes


def parse_csv(path: Path, spec: ExportFile, name: str, *, quotes: int | None = None) -> pa.Table:
    """Parse a CSV export with pyarrow; `quotes` is the file's number of `"` bytes (counted
    here when not given). Only when pyarrow fails, or the quotes are odd (an unclosed quoted
    field, which pyarrow would read up to the end of the file), does the strict Python reader
    look for the record to name."""
    delimiter, header = sniff_header(path, name)
    if not header or header == [""]:
        raise BatchRefused(name, "empty file: the header row is missing; re-export it", line=1)
    _check_header(header, spec, name)
    return read_csv_columns(path, name, delimiter, header, list(spec.columns), quotes=quotes)


def read_csv_columns(
    path: Path,
    name: str,
    delimiter: str,
    header: list[str],
    columns: list[str],
    *,
    quotes: int | None = None,
) -> pa.Table:
    """The `columns` (names of `header`, the file's first record) of a CSV file as text
    (empty -> null); refuses naming the record that breaks the file."""
    try:
        table = pv.read_csv(
            path,
            read_options=pv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24),
            parse_options=pv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
            convert_options=pv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                include_columns=columns,
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as e:
        reason = str(e).splitlines()[0] if str(e) else "the fast reader failed"
        raise _strict_csv_problem(path, name, delimiter, len(header)) or BatchRefused(
            name, f"not parseable as CSV ({reason}); re-export the file"
        ) from None
    if (_count_quotes(path) if quotes is None else quotes) % 2:
        problem = _strict_csv_problem(path, name, delimiter, len(header))
        if problem is not None:
            raise problem
    return table


class _NotJson(ValueError):
    pass


def _reject_constant(constant: str) -> object:
    raise _NotJson(f"{constant} is not a JSON value")


JSON_DECODER = json.JSONDecoder(parse_constant=_reject_constant)  # NaN, Infinity: not JSON


def as_text(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def parse_jsonl(path: Path, spec: ExportFile, name: str) -> pa.Table:
    """Parse a JSONL export: every non-blank line one whole JSON object."""
    columns: dict[str, list[str | None]] = {c: [] for c in spec.columns}
    paths = spec.json_paths
    with path.open(encoding="utf-8-sig") as f:
        for line_number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                obj = JSON_DECODER.decode(line)
            except json.JSONDecodeError as e:
                cut = e.msg.startswith("Unterminated") or e.pos >= len(line.rstrip())
                raise BatchRefused(
                    name,
                    f"not valid JSON: {e.msg} (character {e.pos + 1})"
                    f"{', the line is cut off' if cut else ''}; "
                    "each line must be one whole JSON object: re-export the file",
                    line=line_number,
                ) from None
            except _NotJson as e:
                raise BatchRefused(
                    name, f"not valid JSON ({e}); re-export the file", line=line_number
                ) from None
            if not isinstance(obj, dict):
                kind = "an array" if isinstance(obj, list) else f"the value {line.strip()[:20]}"
                raise BatchRefused(
                    name,
                    f"the line is {kind}, not a JSON object; each line must be one whole "
                    "JSON object: re-export the file",
                    line=line_number,
                )
            for column, keys in paths.items():
                value: object = obj
                for key in keys:
                    value = value.get(key) if isinstance(value, dict) else None
                columns[column].append(as_text(value))
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()})


def parse_export_file(path: Path, spec: ExportFile, name: str) -> ParsedFile:
    """Parse one export file of a batch; `name` is how errors name it (batch/file)."""
    scan = scan_bytes(path, name, count_quotes=spec.format == "csv")
    if spec.format == "jsonl":
        table = parse_jsonl(path, spec, name)
    else:
        table = parse_csv(path, spec, name, quotes=scan.quotes)
    table, redacted = redacted_and_numbered(table.select(list(spec.columns)).combine_chunks())
    return ParsedFile(spec, table, scan.sha256, scan.size, redacted)


def redacted_and_numbered(table: pa.Table) -> tuple[pa.Table, int]:
    """A file's contract columns with card numbers redacted, plus `_record_number` (1-based);
    and how many values were redacted. Every parsed file, neutral or vendor, ends here."""
    redacted = 0
    for i, column in enumerate(table.column_names):
        clean, n = redact_column(table.column(i))
        if n:
            table = table.set_column(i, column, clean)
            redacted += n
    numbers = pa.array(range(1, table.num_rows + 1), type=pa.int64())
    return table.append_column("_record_number", numbers), redacted
