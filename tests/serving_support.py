"""Helpers for the publication and concurrency tests: small working warehouses, `crmwh` as a
subprocess, its process tree, and processes that hold files open."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from orchestration.lib.publish import SCHEMA, table_checksum
from orchestration.lib.settings import PROJECT_ROOT

CRMWH = Path(sys.executable).with_name("crmwh")
PYTHON = sys.executable


def make_working_warehouse(
    path: Path, marts: dict[str, str], as_of: str | None = "2026-11-23"
) -> Path:
    """A warehouse with schema marts (name -> `select ...` giving its rows; a name ending in
    `_v` becomes a view) and audit.batch_loads up to `as_of`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists audit")
        con.execute(
            "create table if not exists audit.batch_loads (batch_date date, fingerprint varchar, "
            "files integer, loaded_at timestamp)"
        )
        if as_of:
            con.execute(
                "insert into audit.batch_loads values (?::date - 2, 'a', 1, now()), "
                "(?::date, 'b', 1, now())",
                [as_of, as_of],
            )
        for name, query in marts.items():
            kind = "view" if name.endswith("_v") else "table"
            con.execute(f"create or replace {kind} marts.{name} as {query}")
    finally:
        con.close()
    return path


def checksums(database: Path, catalog: str | None = None) -> dict[str, tuple[int, str]]:
    """Rows and checksum of every table of schema marts, read-only."""
    con = duckdb.connect(str(database), read_only=True)
    try:
        catalog = catalog or con.execute("select current_database()").fetchall()[0][0]
        names = [
            n
            for (n,) in con.execute(
                "select table_name from information_schema.tables "
                "where table_catalog = ? and table_schema = ? order by 1",
                [catalog, SCHEMA],
            ).fetchall()
        ]
        return {n: table_checksum(con, catalog, SCHEMA, n) for n in names}
    finally:
        con.close()


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def storage_version_number(database: Path) -> int:
    """The version number in a DuckDB file's header (64 = the storage of DuckDB 1.0/1.1)."""
    header = database.read_bytes()[:24]
    assert header[8:12] == b"DUCK", f"{database} is not a DuckDB file"
    return int.from_bytes(header[12:20], "little")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRMWH_", "DAGSTER_HOME"))}
    env.update(extra)
    return env


def crmwh(*args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(CRMWH), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=PROJECT_ROOT,
        env=clean_env(**env),
    )


def start_crmwh(*args: str, out: Path, **env: str) -> subprocess.Popen:
    """`crmwh` in the background; stdout and stderr go to `out`.stdout / `out`.stderr."""
    return subprocess.Popen(
        [str(CRMWH), *args],
        stdout=out.with_suffix(".stdout").open("w"),
        stderr=out.with_suffix(".stderr").open("w"),
        cwd=PROJECT_ROOT,
        env=clean_env(**env),
    )


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the live child processes of `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state, ppid = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:2]
            if int(ppid) == pid and state != "Z":
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(entry.name), cmdline))
        except (OSError, ValueError):
            continue
    return found


def alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie waiting for its reaper counts as dead)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def wait_for_dbt(proc: subprocess.Popen, timeout: float = 240) -> list[int]:
    """Wait until `proc` runs `dbt build` as a child; returns the dbt pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"crmwh ended (status {proc.returncode}) before dbt ran"
        dbt = [pid for pid, cmd in children(proc.pid) if "dbt" in cmd and " build " in cmd]
        if dbt:
            return dbt
        time.sleep(0.1)
    raise AssertionError("dbt did not start")


def wait_until(condition, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def copy_warehouse(source: Path, target_dir: Path) -> Path:
    """A copy of a refreshed warehouse with its publications (symlinks kept)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, target_dir / source.name)
    published = source.parent / "published"
    if published.is_dir():
        shutil.copytree(published, target_dir / "published", symlinks=True)
    return target_dir / source.name


READER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
for line in sys.stdin:
    table = line.strip()
    if not table:
        break
    rows = con.execute(f"select count(*) from marts.{table}").fetchall()[0][0]
    print(rows, flush=True)
"""


class Reader:
    """A process that holds a DuckDB file open read-only and counts rows on request."""

    def __init__(self, database: Path) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-c", READER, str(database)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def count(self, table: str) -> int:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(table + "\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


HOLDER = """
import sys, time
from pathlib import Path
what, path = sys.argv[1], sys.argv[2]
if what == "lock":
    from orchestration.lib.locking import refresh_lock
    with refresh_lock(Path(path), timeout=0, command="crmwh refresh"):
        print("holding", flush=True)
        sys.stdin.readline()
else:
    import duckdb
    con = duckdb.connect(path, read_only=(what == "duckdb-read"))
    print("holding", flush=True)
    sys.stdin.readline()
"""


class Holder:
    """A process that holds the refresh lock (`lock`) or the DuckDB file (`duckdb-write`,
    `duckdb-read`) of a warehouse until `release()`."""

    def __init__(self, what: str, path: Path) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-c", HOLDER, what, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
        )
        assert self.proc.stdout.readline().strip() == "holding"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def release(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
            self.proc.wait(timeout=10)

    def __enter__(self) -> Holder:
        return self

    def __exit__(self, *exc) -> None:
        self.release()
