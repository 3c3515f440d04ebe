"""Benchmark: generate a company at a scale, then time a full refresh, a daily (incremental)
refresh of one new batch, and DuckDB alone reading the same files.

    .venv/bin/python benchmarks/refresh_benchmark.py --scale 10 [--batches 3] [--workdir DIR]

Each step runs as its own process (as a user would run it), measured for wall time and
peak resident memory. Nothing here runs in `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(label: str, command: list[str], env: dict[str, str] | None = None) -> dict:
    """Run a command in a child process; wall time and the child's peak RSS."""
    started = time.monotonic()
    proc = subprocess.run(
        command, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"{label} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run each step once, in order.
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{label:<42} {seconds:8.1f} s   peak RSS so far {peak_mb:7.0f} MB", flush=True)
    steps = [line.strip() for line in proc.stdout.splitlines() if "time per step:" in line]
    if steps:
        print(f"{'':<4}{steps[0]}", flush=True)
    return {
        "step": label,
        "seconds": round(seconds, 2),
        "peak_rss_mb_so_far": round(peak_mb),
        "refresh_steps": steps[0] if steps else None,
    }


DUCKDB_ALONE = """
import sys, time, duckdb
from pathlib import Path

import duckdb
landing = Path(sys.argv[1])
con = duckdb.connect()
for batch in sorted(p for p in landing.iterdir() if p.is_dir()):
    for f in sorted(batch.rglob('*')):
        if f.suffix == '.csv':
            con.execute(f"create or replace table t as "
                        f"select * from read_csv('{f}', all_varchar=true)")
        elif f.suffix == '.jsonl':
            con.execute(f"create or replace table t as "
                        f"select * from read_json('{f}', format='newline_delimited')")
"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="kept when given; a temp dir otherwise"
    )
    args = parser.parse_args()

    work = args.workdir or Path(tempfile.mkdtemp(prefix="crmwh-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    landing, held_back, warehouse = work / "landing", work / "held_back", work / "crm.duckdb"
    for path in (landing, held_back):
        shutil.rmtree(path, ignore_errors=True)
    warehouse.unlink(missing_ok=True)
    crmwh = str(BIN / "crmwh")
    env = {"CRMWH_LANDING": str(landing), "CRMWH_WAREHOUSE": str(warehouse)}
    print(f"scale {args.scale}, {args.batches} batches, in {work}")

    results = [
        run(
            "generate (dirty)",
            [
                crmwh,
                "generate",
                "--out",
                str(landing),
                "--scale",
                str(args.scale),
                "--batches",
                str(args.batches),
                "--seed",
                str(args.seed),
                "--dirty",
            ],
        )
    ]
    size_mb = sum(p.stat().st_size for p in landing.rglob("*") if p.is_file()) / 1e6
    print(f"landing folder: {size_mb:.1f} MB")
    results.append(
        run("duckdb alone reads every file", [sys.executable, "-c", DUCKDB_ALONE, str(landing)])
    )

    last = sorted(landing.iterdir())[-1]
    held_back.mkdir()
    shutil.move(str(last), held_back / last.name)
    results.append(run(f"full refresh of {args.batches - 1} batches", [crmwh, "refresh"], env))
    shutil.move(str(held_back / last.name), landing / last.name)
    results.append(run(f"daily refresh: one new batch ({last.name})", [crmwh, "refresh"], env))
    results.append(run("refresh with nothing new", [crmwh, "refresh"], env))

    con = duckdb.connect(str(warehouse), read_only=True)
    marts = {
        name: con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
        for (name,) in con.execute(
            "select table_name from information_schema.tables "
            "where table_schema = 'marts' order by 1"
        ).fetchall()
    }
    con.close()
    report = {
        "scale": args.scale,
        "batches": args.batches,
        "landing_mb": round(size_mb, 1),
        "warehouse_mb": round(warehouse.stat().st_size / 1e6, 1),
        "mart_rows": marts,
        "steps": results,
    }
    (work / "benchmark.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    if args.workdir is None:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
