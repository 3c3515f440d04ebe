"""What `crmwh refresh` prints: one line per phase and the summary, on a terminal (with a
progress bar) and piped (plain lines, no control characters); the detail in a log file
beside the warehouse, and live with --verbose (lib/console.py)."""

from __future__ import annotations

import errno
import fcntl
import io
import json
import logging
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from orchestration.lib.console import EVENT_LOGGER, LOGS_KEPT, RefreshConsole, prune_logs
from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from tests.serving_support import CRMWH, clean_env
from tests.support import copy_landing

MAX_LINES = 60


def dbt_nodes() -> tuple[int, int, int]:
    """(models and seeds, data tests, marts) of the dbt project, from the manifest `make
    install` prepares: what a full `dbt build` builds and runs, and what is published."""
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"].values()
    kinds = [n["resource_type"] for n in nodes]
    marts = [n for n in nodes if n["resource_type"] == "model" and n["path"].startswith("marts/")]
    return kinds.count("model") + kinds.count("seed"), kinds.count("test"), len(marts)


BUILT, TESTS, MARTS = dbt_nodes()
PHASE_LINES = (
    "load and audit: 3 batches loaded (6,153 records) in ",
    f"build plan: no earlier build of the marts: building {BUILT} of {BUILT} models",
    f"dbt build: {BUILT} of {BUILT} models built, {TESTS} of {TESTS} tests passed in ",
    f"publish: {MARTS} marts published in ",
)
# a model, seed or test of dbt (not the on-run-start and on-run-end hooks, macros/engine.sql:
# each prints its own "1 of 1")
DBT_NODE_LINE = re.compile(r"^.* stdout: \d+ of \d+ (?:OK|PASS) (?!hook:)", re.MULTILINE)
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # anything but \t and \n


def refresh_args(root: Path, *extra: str) -> list[str]:
    return [
        "refresh",
        "--landing",
        str(root / "landing"),
        "--warehouse",
        str(root / "crm.duckdb"),
        *extra,
    ]


def log_file_of(summary: str, root: Path) -> Path:
    named = re.findall(r"^  log: (.+)$", summary, re.MULTILINE)
    assert len(named) == 1, summary
    path = Path(named[0])
    assert path.parent == root / "logs" and path.is_file(), path
    return path


def run_on_a_terminal(args: list[str], columns: int = 120) -> tuple[int, str]:
    """`crmwh` with stdout and stderr on a pseudo-terminal: (exit status, what it wrote)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [str(CRMWH), *args],
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
        cwd=PROJECT_ROOT,
        env=clean_env(TERM="xterm-256color", COLUMNS=str(columns)),
    )
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 600
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                data = os.read(master, 65536)
            except OSError as e:  # EIO: the child closed the terminal
                if e.errno != errno.EIO:
                    raise
                break
            if not data:
                break
            chunks.append(data)
        status = proc.wait(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    return status, b"".join(chunks).decode("utf-8", errors="replace")


def screen_lines(transcript: str) -> list[str]:
    """The lines a terminal keeps of a transcript: what follows the last carriage return of
    each line, without escape sequences."""
    text = transcript.replace("\r\n", "\n")
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
    lines = [line.rsplit("\r", 1)[-1] for line in plain.split("\n")]
    return [line.rstrip() for line in lines if line.strip()]


# --- the console on its own ----------------------------------------------------------------


def test_only_the_newest_logs_are_kept(tmp_path):
    for n in range(LOGS_KEPT + 5):
        path = tmp_path / f"refresh-{n:03d}.log"
        path.write_text("")
        os.utime(path, (1_000_000 + n, 1_000_000 + n))
    (tmp_path / "other.txt").write_text("")
    prune_logs(tmp_path)
    kept = sorted(p.name for p in tmp_path.glob("refresh-*.log"))
    assert kept == [f"refresh-{n:03d}.log" for n in range(5, LOGS_KEPT + 5)]
    assert (tmp_path / "other.txt").exists()


def dagster_event(kind: str, step: str | None = None) -> None:
    event = SimpleNamespace(event_type_value=kind, step_key=step)
    logging.getLogger(EVENT_LOGGER).info(
        f"daily_refresh - {kind}", extra={"dagster_meta": {"dagster_event": event}}
    )


def test_the_console_shows_phases_and_sends_the_detail_to_the_log_file(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    stdout, handlers = sys.stdout, logging.getLogger().handlers[:]
    crmwh = logging.getLogger("crmwh")
    with RefreshConsole(tmp_path / "crm.duckdb", out=out, err=err) as console:
        crmwh.info("waiting for the refresh started at 06:00 by pid 42 (crmwh refresh) to finish")
        dagster_event("STEP_START", "raw_exports")
        crmwh.info("reading batch 2026-11-20 (24 files)")
        crmwh.info("reading batch 2026-11-21 (3 files)")
        crmwh.info("loaded batch 2026-11-20: 1200 records")
        crmwh.info("refused batch 2026-11-21: refused by the audit: too many quarantined")
        print("1 of 437 OK created sql table model staging.stg_crm__accounts ... [OK in 0.2s]")
        logging.getLogger("great_expectations").info("Skipping registering function")
        warnings.warn("a library warning", UserWarning, stacklevel=1)
        dagster_event("STEP_FAILURE", "raw_exports")
        dagster_event("PIPELINE_FAILURE")
    assert sys.stdout is stdout and logging.getLogger().handlers == handlers
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(
        "load and audit FAILED: 1 batch loaded (1,200 records), 1 refused in "
    )
    assert lines[1:] == [
        "dbt build: not run (an earlier step failed)",
        "publish: not run (an earlier step failed)",
    ]
    assert err.getvalue() == (
        "[crmwh] waiting for the refresh started at 06:00 by pid 42 (crmwh refresh) to finish\n"
    )
    log = console.log_path.read_text()
    assert console.log_path.parent == tmp_path / "logs"
    assert "stdout: 1 of 437 OK created sql table model staging.stg_crm__accounts" in log
    assert "great_expectations: Skipping registering function" in log
    assert "py.warnings" in log and "a library warning" in log
    assert "crmwh: loaded batch 2026-11-20: 1200 records" in log
    assert f"{EVENT_LOGGER}: daily_refresh - STEP_START" in log


def test_verbose_shows_the_detail_live(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    with RefreshConsole(tmp_path / "crm.duckdb", verbose=True, out=out, err=err):
        print("1 of 437 OK created sql table model staging.stg_crm__accounts")
        logging.getLogger("great_expectations").info("Skipping registering function")
    assert out.getvalue() == "1 of 437 OK created sql table model staging.stg_crm__accounts\n"
    assert "great_expectations: Skipping registering function" in err.getvalue()


# --- crmwh refresh end to end --------------------------------------------------------------


@pytest.mark.slow
def test_a_refresh_prints_a_line_per_phase_and_the_summary_and_logs_the_detail(tmp_path, golden):
    copy_landing(golden / "clean" / "landing", tmp_path / "landing")

    piped = subprocess.run(
        [str(CRMWH), *refresh_args(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
        env=clean_env(),
    )
    assert piped.returncode == 0, piped.stdout[-3000:] + piped.stderr[-3000:]
    lines = (piped.stdout + piped.stderr).splitlines()
    assert len(lines) <= MAX_LINES, piped.stdout + piped.stderr
    assert not CONTROL.search(piped.stdout + piped.stderr)
    assert piped.stderr == ""
    out = piped.stdout.splitlines()
    for line, start in zip(out[:4], PHASE_LINES, strict=True):
        assert line.startswith(start) and (line.endswith(" s") or "plan" in start), line
    assert out[4].startswith("refresh succeeded in ")
    log = log_file_of(piped.stdout, tmp_path).read_text()
    assert len(DBT_NODE_LINE.findall(log)) == BUILT + TESTS  # every model, seed and test of dbt
    assert "STEP_START" in log and "great_expectations" in log  # Dagster's events, GX
    assert "refresh succeeded in " in log  # the summary too

    # on a terminal: a progress bar, the same lines (the second refresh finds nothing new:
    # a full refresh builds everything again)
    status, transcript = run_on_a_terminal(refresh_args(tmp_path, "--full-refresh"))
    assert status == 0, transcript[-3000:]
    assert "\x1b[" in transcript  # drawn, then cleared
    assert transcript.count("\n") <= MAX_LINES, transcript
    shown = screen_lines(transcript)
    assert len(shown) <= MAX_LINES, shown
    assert shown[0].startswith("✓ load and audit: no new batch, 3 unchanged in "), shown
    assert (
        shown[1]
        == f"  build plan: a full refresh was asked for: building {BUILT} of {BUILT} models"
    )
    assert shown[2].startswith(f"✓ {PHASE_LINES[2]}"), shown
    assert shown[3].startswith(f"✓ {PHASE_LINES[3]}"), shown
    assert shown[4].startswith("refresh succeeded in "), shown
    second = log_file_of("\n".join(shown), tmp_path)
    assert len(DBT_NODE_LINE.findall(second.read_text())) == BUILT + TESTS


@pytest.mark.slow
def test_a_verbose_refresh_prints_the_detail_too(tmp_path, golden):
    copy_landing(golden / "clean" / "landing", tmp_path / "landing")
    done = subprocess.run(
        [str(CRMWH), *refresh_args(tmp_path, "--verbose")],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PROJECT_ROOT,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert not CONTROL.search(done.stdout + done.stderr)
    node_lines = re.findall(r"^\d+ of \d+ (?:OK|PASS) (?!hook:)", done.stdout, re.MULTILINE)
    assert len(node_lines) == BUILT + TESTS  # dbt's output, live
    assert "STEP_START" in done.stderr and "great_expectations" in done.stderr
    assert "crmwh: loaded batch 2026-11-20: " in done.stderr
    assert len((done.stdout + done.stderr).splitlines()) > 10 * MAX_LINES
    assert done.stdout.splitlines()[0].startswith(PHASE_LINES[0])
    log = log_file_of(done.stdout, tmp_path).read_text()
    assert len(DBT_NODE_LINE.findall(log)) == BUILT + TESTS
