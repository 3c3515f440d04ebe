"""A BI reader of the publication, as a process of its own: `python tests/publication_reader.py
PUBLISH_DIR OUT.json`.

Every 0.2 s it resolves `current`, reads the version's manifest, opens its `crm.duckdb`
read-only and counts every mart, comparing with the manifest (a publication is complete
when they agree). It also keeps the first version it opened open for its whole life, reading
it again on every poll (a reader that holds the file open must keep working). On SIGTERM it
writes what it saw to OUT.json: polls, errors, versions seen.
"""

from __future__ import annotations

import json
import signal
import sys
import time
from pathlib import Path

import duckdb


def _counts(con, names) -> dict[str, int]:
    return {n: con.execute(f'select count(*) from marts."{n}"').fetchall()[0][0] for n in names}


def main() -> None:
    publish_dir, out = Path(sys.argv[1]), Path(sys.argv[2])
    seen = {"polls": 0, "complete": 0, "errors": [], "versions": [], "held_reads": 0}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    held = None  # (connection, manifest) of the first version opened, kept open
    while not stop:
        seen["polls"] += 1
        try:
            current = (publish_dir / "current").resolve(strict=True)
        except OSError:
            current = None  # nothing published yet
        if current is not None:
            try:
                manifest = json.loads((current / "manifest.json").read_text())
                con = duckdb.connect(str(current / "crm.duckdb"), read_only=True)
                try:
                    rows = _counts(con, manifest["marts"])
                finally:
                    con.close()
                expected = {n: m["rows"] for n, m in manifest["marts"].items()}
                if rows != expected:
                    seen["errors"].append(f"{current.name}: counts differ from its manifest")
                else:
                    seen["complete"] += 1
                if manifest["run_id"] not in seen["versions"]:
                    seen["versions"].append(manifest["run_id"])
                if held is None:
                    held = (duckdb.connect(str(current / "crm.duckdb"), read_only=True), expected)
                if _counts(held[0], held[1]) != held[1]:
                    seen["errors"].append("the version held open changed")
                seen["held_reads"] += 1
            except Exception as e:  # noqa: BLE001 - every failure is what the test counts
                seen["errors"].append(f"{type(e).__name__}: {e}")
        time.sleep(0.2)
    out.write_text(json.dumps(seen))


if __name__ == "__main__":
    main()
