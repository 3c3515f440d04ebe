"""Locks and processes (issue 8): one refresh at a time, busy or unwritable warehouses said in
one line, dbt dying with a killed refresh, and readers of the publication never disturbed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from orchestration import cli
from orchestration.lib.failures import PathNotUsable, WarehouseBusy
from orchestration.lib.locking import holds_lock, lock_path, read_holder, refresh_lock
from tests.serving_support import (
    Holder,
    Reader,
    alive,
    copy_warehouse,
    crmwh,
    manifest_of,
    start_crmwh,
    wait_for_dbt,
    wait_until,
)

pytestmark = pytest.mark.reliability


def one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


# --- the refresh lock --------------------------------------------------------------------


def test_a_second_holder_waits_names_the_first_and_gives_up_after_the_timeout(tmp_path):
    warehouse = tmp_path / "crm.duckdb"
    with Holder("lock", warehouse) as first:
        holder = read_holder(lock_path(warehouse))
        assert holder.pid == first.pid and holder.command == "crmwh refresh"
        told: list[str] = []
        started = time.monotonic()
        with pytest.raises(WarehouseBusy) as busy:
            with refresh_lock(warehouse, timeout=1.0, on_wait=told.append):
                pass
        assert time.monotonic() - started >= 1.0
    assert len(told) == 1
    assert told[0].startswith(f"waiting for the refresh started at {holder.started_at}")
    assert f"by pid {first.pid} (crmwh refresh)" in told[0]
    assert f"by pid {first.pid}" in str(busy.value) and "CRMWH_LOCK_TIMEOUT" in str(busy.value)


def test_the_lock_is_taken_when_the_first_holder_ends_even_by_kill_9(tmp_path):
    warehouse = tmp_path / "crm.duckdb"
    first = Holder("lock", warehouse)
    os.kill(first.pid, signal.SIGKILL)
    first.proc.wait()
    with refresh_lock(warehouse, timeout=5) as path:
        assert holds_lock(warehouse)
        assert read_holder(path).pid == os.getpid()
        with refresh_lock(warehouse, timeout=0):  # re-entrant in one process
            assert holds_lock(warehouse)
        assert holds_lock(warehouse)
    assert not holds_lock(warehouse)


def test_a_waiting_holder_gets_the_lock_when_the_first_releases_it(tmp_path):
    warehouse = tmp_path / "crm.duckdb"
    first = Holder("lock", warehouse)
    told: list[str] = []
    threading.Timer(0.5, first.release).start()
    with refresh_lock(warehouse, timeout=30, on_wait=told.append):
        assert read_holder(lock_path(warehouse)).pid == os.getpid()
    assert len(told) == 1


def test_dagster_runs_of_one_warehouse_do_not_overlap(tmp_path, monkeypatch):
    """A run launched by the daemon (here: executed directly, as its run worker does) takes
    the refresh lock in its warehouse resource; it waits, then fails naming the holder."""
    warehouse = tmp_path / "crm.duckdb"
    monkeypatch.setenv("CRMWH_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("CRMWH_LANDING", str(tmp_path / "landing"))
    monkeypatch.setenv("CRMWH_LOCK_TIMEOUT", "1")
    from orchestration.definitions import build_definitions

    job = build_definitions().resolve_job_def("daily_refresh")
    with Holder("lock", warehouse) as first:
        run = job.execute_in_process(raise_on_error=False)
    assert not run.success
    errors = "\n".join(
        str(e.event_specific_data.error)
        for e in run.all_events
        if getattr(e.event_specific_data, "error", None) is not None
    )
    assert f"another refresh of {warehouse} is running" in errors
    assert f"by pid {first.pid}" in errors
    assert not warehouse.exists()


# --- dbt dies with its parent (crmwh-dbt) --------------------------------------------------

WRAPPER = Path(sys.executable).with_name("crmwh-dbt")

PARENT = """
import os, subprocess, sys
env = {**os.environ, "CRMWH_DBT_PARENT_PID": str(os.getpid())}
child = subprocess.Popen([sys.argv[1], "30"], env=env)
print(child.pid, flush=True)
child.wait()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux")
def test_what_crmwh_dbt_starts_dies_with_its_parent():
    assert WRAPPER.exists(), "the crmwh-dbt console script is installed by `make install`"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(WRAPPER)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "CRMWH_DBT_EXECUTABLE": shutil.which("sleep")},
    )
    child = int(parent.stdout.readline())
    assert wait_until(lambda: "sleep" in Path(f"/proc/{child}/cmdline").read_text(), 10)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    assert wait_until(lambda: not alive(child), 2.0), "the child outlived its parent"


def test_crmwh_dbt_does_not_start_dbt_when_its_parent_is_already_gone():
    env = {**os.environ, "CRMWH_DBT_EXECUTABLE": shutil.which("echo")}
    ran = subprocess.run([WRAPPER, "started"], env=env, capture_output=True, text=True)
    assert ran.returncode == 0 and ran.stdout == "started\n"
    # the pid it expects as parent is not its parent: that one died before the prctl
    env["CRMWH_DBT_PARENT_PID"] = "1"
    ran = subprocess.run([WRAPPER, "started"], env=env, capture_output=True, text=True)
    assert ran.returncode == 128 + signal.SIGKILL and ran.stdout == ""


# --- one line for the errors a user can cause -------------------------------------------


def test_a_warehouse_held_by_another_process_is_one_line_naming_it(tmp_path):
    warehouse = tmp_path / "crm.duckdb"
    duckdb.connect(str(warehouse)).close()
    before = warehouse.read_bytes()
    with Holder("duckdb-write", warehouse) as notebook:
        done = crmwh("refresh", "--landing", str(tmp_path), "--warehouse", str(warehouse))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert f"the warehouse {warehouse} is open in another process (pid {notebook.pid}" in line
    assert "published copy" in line
    assert warehouse.read_bytes() == before


@pytest.mark.skipif(not Path("/sys").is_dir(), reason="needs a folder nobody can write")
def test_an_unwritable_warehouse_folder_is_one_line_naming_it(tmp_path):
    if os.geteuid() == 0:
        folder = Path("/sys")  # sysfs: not even root creates files there
    else:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o555)
    warehouse = folder / "crm.duckdb"
    done = crmwh("refresh", "--landing", str(tmp_path), "--warehouse", str(warehouse))
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert f"cannot write the warehouse folder {folder}" in line
    assert "--warehouse" in line and "rollback" not in line
    verbose = crmwh("refresh", "--verbose", "--warehouse", str(warehouse))
    assert "Traceback" in verbose.stderr and "PathNotUsable" in verbose.stderr


def test_an_unexpected_error_is_one_line_unless_verbose(monkeypatch, capsys):
    def boom(args):
        raise RuntimeError("something broke\nsecond line")

    monkeypatch.setattr(cli, "_publications", boom)
    monkeypatch.setattr(cli.logging, "basicConfig", lambda **kw: None)
    assert cli.main(["publications"]) == 1
    err = capsys.readouterr().err
    assert one_line(err) == (
        "crmwh publications: unexpected error: RuntimeError: something broke "
        "(run with --verbose for the traceback)"
    )
    assert cli.main(["--verbose", "publications"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().endswith("RuntimeError: something broke")


def test_a_bad_path_error_is_a_user_error():
    from orchestration.lib.locking import ensure_writable_dir

    with pytest.raises(PathNotUsable, match="is a file"):
        ensure_writable_dir(Path("/etc/passwd/x"), "the warehouse folder")


# --- real refreshes ------------------------------------------------------------------------


@pytest.fixture
def refreshed_copy(clean_refreshed, tmp_path) -> tuple[Path, Path, str]:
    """A copy of the refreshed golden warehouse and its publication: (warehouse, landing,
    run id of the current publication)."""
    source, result = clean_refreshed
    assert result.success, result.error
    return copy_warehouse(source, tmp_path / "wh"), Path(result.landing), result.run_id


def refresh_args(warehouse: Path, landing: Path) -> list[str]:
    """A refresh of an up-to-date warehouse that still runs dbt (a plain one would find
    nothing to do and stop before taking the lock for long)."""
    return ["refresh", "--landing", str(landing), "--warehouse", str(warehouse), "--full-refresh"]


def assert_publication_reads_as_its_manifest(current: Path) -> dict:
    manifest = manifest_of(current)
    con = duckdb.connect(str(current / "crm.duckdb"), read_only=True)
    try:
        for name, entry in manifest["marts"].items():
            rows = con.execute(f"select count(*) from marts.{name}").fetchall()[0][0]
            assert rows == entry["rows"], name
    finally:
        con.close()
    return manifest


@pytest.mark.slow
def test_two_refreshes_at_once_the_second_waits_then_gives_up_naming_the_first(
    refreshed_copy, tmp_path
):
    warehouse, landing, _ = refreshed_copy
    first = start_crmwh(*refresh_args(warehouse, landing), out=tmp_path / "first")
    try:
        assert wait_until(lambda: read_holder(lock_path(warehouse)) is not None, 60)
        started = time.monotonic()
        second = crmwh(*refresh_args(warehouse, landing), CRMWH_LOCK_TIMEOUT="3")
        waited = time.monotonic() - started
        assert first.poll() is None, "the first refresh should still run"
    finally:
        status = first.wait(timeout=600)
    assert second.returncode == 1 and waited >= 3
    lines = [line for line in second.stderr.splitlines() if line.strip()]
    assert "Traceback" not in second.stderr
    assert lines[0].startswith("[crmwh] waiting for the refresh started at ")
    assert f"by pid {first.pid} (crmwh refresh)" in lines[0]
    assert len(lines) == 2 and f"by pid {first.pid}" in lines[1]
    assert lines[1].startswith(f"crmwh refresh: another refresh of {warehouse} is running")
    out = (tmp_path / "first.stdout").read_text()
    assert status == 0, out[-2000:]
    assert "refresh succeeded" in out and "publication: published run" in out


@pytest.mark.slow
def test_kill_9_during_dbt_kills_dbt_leaves_the_publication_and_a_refresh_can_follow(
    refreshed_copy, tmp_path
):
    warehouse, landing, published_run = refreshed_copy
    current = warehouse.parent / "published" / "current"
    proc = start_crmwh(*refresh_args(warehouse, landing), out=tmp_path / "killed")
    dbt = wait_for_dbt(proc)
    time.sleep(2)  # dbt is building models
    os.kill(proc.pid, signal.SIGKILL)
    killed_at = time.monotonic()
    proc.wait()
    assert wait_until(lambda: not any(alive(pid) for pid in dbt), 2.0), "dbt outlived crmwh"
    assert time.monotonic() - killed_at < 2.0

    # readers still see the previous complete publication
    assert os.readlink(current) == f"versions/{published_run}"
    manifest = assert_publication_reads_as_its_manifest(current)

    # a reader holding the publication open neither blocks the next refresh nor is broken
    reader = Reader(current / "crm.duckdb")
    try:
        deals = reader.count("fct_deals")
        assert deals == manifest["marts"]["fct_deals"]["rows"]
        again = crmwh(*refresh_args(warehouse, landing))
        assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
        assert "refresh succeeded" in again.stdout
        assert "publication: published run " in again.stdout
        assert os.readlink(current) != f"versions/{published_run}"
        assert reader.count("fct_deals") == deals  # still reading its version
        assert reader.count("dim_rep") == manifest["marts"]["dim_rep"]["rows"]
    finally:
        reader.close()
    assert_publication_reads_as_its_manifest(current)


@pytest.mark.slow
def test_sigterm_during_dbt_ends_the_refresh_cleanly_in_one_line(refreshed_copy, tmp_path):
    warehouse, landing, published_run = refreshed_copy
    proc = start_crmwh(*refresh_args(warehouse, landing), out=tmp_path / "term")
    dbt = wait_for_dbt(proc)
    time.sleep(1)
    proc.send_signal(signal.SIGTERM)
    status = proc.wait(timeout=60)
    assert wait_until(lambda: not any(alive(pid) for pid in dbt), 2.0), "dbt outlived crmwh"
    assert status == 128 + signal.SIGTERM
    out = (tmp_path / "term.stdout").read_text().strip().splitlines()
    err = (tmp_path / "term.stderr").read_text()
    assert out[-1].startswith("refresh INTERRUPTED by SIGTERM after ")
    assert f"publication is unchanged: current is run {published_run}" in out[-1]
    assert "Traceback" not in err
    with refresh_lock(warehouse, timeout=0):  # released
        pass
    current = warehouse.parent / "published" / "current"
    assert os.readlink(current) == f"versions/{published_run}"
