"""Break an existing batch folder in the four ways that must refuse the whole batch.

Each helper changes one file of `batch_dir` in place. When the batch has a manifest, the
manifest is updated to the new bytes (except by `tamper_manifest`), so that the only fault
left is the intended one. Each returns a short description of what it did.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from orchestration.lib.contract import BY_PATH

BOM = b"\xef\xbb\xbf"


def _split(data: bytes) -> tuple[bytes, str]:
    bom = data[:3] if data.startswith(BOM) else b""
    return bom, data[len(bom) :].decode("utf-8")


def _sniff(text: str) -> str:
    line = text.split("\n", 1)[0]
    return ";" if line.count(";") > line.count(",") else ","


def _refresh_manifest(batch_dir: Path, file: str, rows: int | None = None) -> None:
    manifest = batch_dir / "_manifest.json"
    if not manifest.exists():
        return
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    entry = doc["files"].get(file)
    if entry is None:
        return
    entry["sha256"] = hashlib.sha256((batch_dir / file).read_bytes()).hexdigest()
    if rows is not None:
        entry["rows"] = rows
    manifest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def drop_column(batch_dir: Path, file: str, column: str) -> str:
    """Remove a contract column (CSV: the column; JSONL: the key) from every record."""
    batch_dir = Path(batch_dir)
    path = batch_dir / file
    spec = BY_PATH[file]
    bom, text = _split(path.read_bytes())
    if spec.format == "jsonl":
        keys = spec.json_paths.get(column, (column,))
        out = []
        for line in text.splitlines():
            if not line.strip():
                continue
            obj = json.loads(line)
            target = obj
            for k in keys[:-1]:
                target = target.get(k, {})
            target.pop(keys[-1], None)
            out.append(json.dumps(obj, ensure_ascii=False))
        path.write_bytes(bom + ("\n".join(out) + "\n").encode("utf-8"))
    else:
        delim = _sniff(text)
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delim))
        idx = rows[0].index(column)
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delim, lineterminator="\n")
        for r in rows:
            w.writerow(r[:idx] + r[idx + 1 :])
        path.write_bytes(bom + buf.getvalue().encode("utf-8"))
    _refresh_manifest(batch_dir, file)
    return f"{file}: column {column} removed"


def reencode_cp1252(batch_dir: Path, file: str) -> str:
    """Re-encode the file in Windows-1252, making sure it holds a non-ASCII character."""
    batch_dir = Path(batch_dir)
    path = batch_dir / file
    _bom, text = _split(path.read_bytes())
    if not any(ord(ch) > 127 and ch.encode("cp1252", "ignore") for ch in text):
        lines = text.split("\n")
        if BY_PATH[file].format == "jsonl":
            lines[0] = lines[0].replace('": "', '": "Caf\u00e9 ', 1)
        else:  # prefix the first data record's first field
            target = 1 if len(lines) > 1 and lines[1] else 0
            lines[target] = "\u00e9" + lines[target]
        text = "\n".join(lines)
    data = text.encode("cp1252", errors="replace")
    path.write_bytes(data)
    offset = next(i for i, b in enumerate(data) if b > 127)
    _refresh_manifest(batch_dir, file)
    return f"{file}: re-encoded as Windows-1252, first non-UTF-8 byte at offset {offset}"


def make_unparseable(batch_dir: Path, file: str) -> str:
    """JSONL: line 2 is not a JSON object. CSV: line 2 opens a quote that never closes."""
    batch_dir = Path(batch_dir)
    path = batch_dir / file
    bom, text = _split(path.read_bytes())
    lines = text.split("\n")
    if BY_PATH[file].format == "jsonl":
        broken = '{"id": 1, "subject": "truncated'
        if len(lines) > 1:
            lines[1] = broken
        else:
            lines.append(broken)
    else:
        # an opening quote that is never closed: the rest of the file is one endless field
        lines.insert(1, 'x"broken,"unterminated quote')
    path.write_bytes(bom + "\n".join(lines).encode("utf-8"))
    _refresh_manifest(batch_dir, file)
    return f"{file}: line 2 made unparseable"


def tamper_manifest(batch_dir: Path, file: str) -> str:
    """Make the manifest disagree with the file (row count off by one, sha kept)."""
    batch_dir = Path(batch_dir)
    manifest = batch_dir / "_manifest.json"
    if manifest.exists():
        doc = json.loads(manifest.read_text(encoding="utf-8"))
    else:
        doc = {"export_date": batch_dir.name, "files": {}}
    if file not in doc["files"]:
        data = (batch_dir / file).read_bytes()
        _bom, text = _split(data)
        if BY_PATH[file].format == "jsonl":
            rows = sum(1 for line in text.splitlines() if line.strip())
        else:
            rows = (
                len(
                    [
                        r
                        for r in csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))
                        if r
                    ]
                )
                - 1
            )
        doc["files"][file] = {"rows": rows, "sha256": hashlib.sha256(data).hexdigest()}
    entry = doc["files"][file]
    entry["rows"] = entry["rows"] + 1
    manifest.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
    return f"{file}: manifest says {entry['rows']} records, the file holds {entry['rows'] - 1}"
