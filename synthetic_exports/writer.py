"""Streaming writers: every batch's files are open at once and rows are routed as generated.

- `snapshot(path, states)`: one entity, its state at each batch cut-off (None = not yet
  created); deletions between batches are applied here.
- `delta(path, versions)`: one entity's versions `(changed_at, row)`; it is exported by
  each batch whose window (plus a short overlap) holds a change, in its state at that
  batch's cut-off.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestration.lib.contract import BY_PATH, FILES, ExportFile

from .timeline import OVERLAP, Timeline
from .util import rng_for

# (delimiter, byte-order mark, line terminator) per file; the default is "," without BOM.
FORMATS: dict[str, tuple[str, bool, str]] = {
    "crm/products.csv": (";", False, "\n"),
    "crm/goals.csv": (";", True, "\r\n"),
    "payments/invoice_lines.csv": (";", False, "\n"),
    "crm/accounts.csv": (",", True, "\r\n"),
    "support/calls.csv": (",", True, "\n"),
}

# One file is written with its columns in another order ("any order" in the contract).
SHUFFLED = {"crm/quotes.csv": 12345}

# Snapshot files in which a few records get deleted between batches (one maybe restored).
DELETABLE = {
    "crm/accounts.csv": 120,
    "crm/contacts.csv": 150,
    "crm/leads.csv": 250,
    "crm/deals.csv": 120,
    "crm/deal_line_items.csv": 300,
    "crm/quotes.csv": 150,
    "email/list_members.csv": 150,
    "payments/invoices.csv": 600,
}


def columns_of(spec: ExportFile) -> list[str]:
    cols = list(spec.columns)
    if spec.path in SHUFFLED:
        random.Random(SHUFFLED[spec.path]).shuffle(cols)
    return cols


def record_id(spec: ExportFile, row: dict[str, Any]) -> str:
    return "|".join(str(row.get(k, "")) for k in spec.key)


def nest(spec: ExportFile, row: dict[str, Any]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for col in spec.columns:
        path = spec.json_paths.get(col, (col,))
        target = obj
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = row.get(col)
    return obj


class FileOut:
    def __init__(self, path: Path, spec: ExportFile):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.spec = spec
        self.rows = 0
        self.fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
        if spec.format == "csv":
            delim, bom, term = FORMATS.get(spec.path, (",", False, "\n"))
            if bom:
                self.fh.write("\ufeff")
            self.columns = columns_of(spec)
            self.csv = csv.writer(self.fh, delimiter=delim, lineterminator=term)
            self.csv.writerow(self.columns)

    def write(self, row: dict[str, Any]) -> int:
        if self.spec.format == "csv":
            self.csv.writerow(["" if row.get(c) is None else row[c] for c in self.columns])
        else:
            self.fh.write(json.dumps(nest(self.spec, row), ensure_ascii=False) + "\n")
        self.rows += 1
        return self.rows

    def close(self) -> tuple[int, str]:
        self.fh.close()
        h = hashlib.sha256()
        with open(self.path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return self.rows, h.hexdigest()


class Deleter:
    """Picks the few snapshot records that vanish from a later batch (one comes back)."""

    def __init__(self, seed: int, tl: Timeline):
        self.tl = tl
        self.rng = rng_for(seed, "deletions")
        self.next: dict[str, int] = {}
        self.count: dict[str, int] = {}
        self.restored = False

    def apply(self, path: str, states: list[Any]) -> list[Any]:
        gap = DELETABLE.get(path)
        if gap is None or self.tl.batches < 2:
            return states
        # eligible when present in two consecutive batches
        candidates = [
            j for j in range(1, len(states)) if states[j] is not None and states[j - 1] is not None
        ]
        if not candidates:
            return states
        if path not in self.next:
            self.next[path] = self.rng.randint(2, max(3, gap // 3))
            self.count[path] = 0
        self.count[path] += 1
        if self.count[path] < self.next[path]:
            return states
        self.next[path] = self.count[path] + self.rng.randint(gap // 2, gap * 3 // 2)
        j = self.rng.choice(candidates)
        out = list(states)
        for i in range(j, len(out)):
            out[i] = None
        if not self.restored and j + 1 < len(out) and states[j + 1] is not None:
            self.restored = True
            for i in range(j + 1, len(out)):
                out[i] = states[i]
        return out


class Landing:
    def __init__(self, out: Path, tl: Timeline, seed: int, dirt):
        self.out = out
        self.tl = tl
        self.dirt = dirt
        self.files: dict[tuple[int, str], FileOut] = {}
        self.deleter = Deleter(seed, tl)
        self.counts: dict[str, dict[str, int]] = {}

    def _file(self, k: int, path: str) -> FileOut:
        fo = self.files.get((k, path))
        if fo is None:
            fo = FileOut(self.out / self.tl.batch_dates[k].isoformat() / path, BY_PATH[path])
            self.files[(k, path)] = fo
        return fo

    def _emit(self, k: int, path: str, row: dict, meta: dict | None, prev_present: bool) -> None:
        fo = self._file(k, path)
        if self.dirt is None:
            fo.write(row)
            return
        rows, entries = self.dirt.process(k, path, row, meta or {}, prev_present)
        numbers = [fo.write(r) for r in rows]
        for index, entry in entries:
            self.dirt.log(k, path, numbers[index], entry, numbers)

    def snapshot(self, path: str, states: list[dict | None], meta: dict | None = None) -> None:
        states = self.deleter.apply(path, states)
        prev = False
        for k, row in enumerate(states):
            if not self.tl.present(k, path):
                continue
            if row is not None:
                self._emit(k, path, row, meta, prev)
            prev = row is not None

    def delta(
        self, path: str, versions: list[tuple[datetime, dict]], meta: dict | None = None
    ) -> None:
        """Export an entity's versions (sorted by time) to the batches that saw a change."""
        prev_cut = None
        for k, cut in enumerate(self.tl.cutoffs):
            if not self.tl.present(k, path):
                continue
            lo = None if prev_cut is None else prev_cut - OVERLAP
            current = None
            changed = False
            for t, row in versions:
                if t >= cut:
                    break
                current = row
                if lo is None or t >= lo:
                    changed = True
            if changed and current is not None:
                self._emit(k, path, current, meta, False)
            prev_cut = cut

    def close(self) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {}
        for k, day in enumerate(self.tl.batch_dates):
            files = {}
            for spec in FILES:
                if not self.tl.present(k, spec.path):
                    continue
                rows, sha = self._file(k, spec.path).close()
                files[spec.path] = {"rows": rows, "sha256": sha}
                counts.setdefault(day.isoformat(), {})[spec.path] = rows
            if self.tl.has_manifest(k):
                manifest = {"export_date": day.isoformat(), "files": files}
                (self.out / day.isoformat() / "_manifest.json").write_text(
                    json.dumps(manifest, indent=2) + "\n", encoding="utf-8"
                )
        return counts
