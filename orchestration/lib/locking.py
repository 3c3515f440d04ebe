"""One refresh at a time per warehouse, and the checks that a refresh can write where it must.

A refresh (of `crmwh refresh`, or a run launched by the Dagster daemon) holds an advisory
lock on `<warehouse>.lock`, a file beside the warehouse (`fcntl.flock`, exclusive). The
holder writes who it is into the file (pid, start time, command), so that a refresh that
finds the lock taken can say whom it waits for. The kernel releases the lock when its
holder ends, however it ends (kill -9 included): there is no stale lock to clean up.

The lock is re-entrant within a process: `crmwh refresh` takes it before the Dagster run
(to wait with a message on the console), and the run's warehouse resource takes it again
for the whole run (which is what serialises runs launched by the daemon).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .failures import PathNotUsable, WarehouseBusy

POLL_SECONDS = 0.2

_held: dict[str, list] = {}  # lock file -> [fd, depth], for the locks this process holds
_held_guard = threading.Lock()


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


@dataclass(frozen=True)
class Holder:
    pid: int
    started_at: str
    command: str
    host: str = ""

    def describe(self) -> str:
        where = f" on {self.host}" if self.host and self.host != socket.gethostname() else ""
        return f"started at {self.started_at} by pid {self.pid}{where} ({self.command})"


def read_holder(path: Path) -> Holder | None:
    """Who holds (or last held) the lock file, from what it wrote there."""
    try:
        data = json.loads(path.read_text() or "null")
        return Holder(
            int(data["pid"]), str(data["started_at"]), str(data["command"]), data.get("host", "")
        )
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _command() -> str:
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return " ".join([name, *sys.argv[1:2]]) or name


def _open_lock_file(path: Path) -> int:
    ensure_writable_dir(path.parent, "the folder")
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        raise PathNotUsable(
            f"cannot create the lock file {path}: {e.strerror}; make its folder writable"
        ) from None


def _holder_of(path: Path) -> Holder | None:
    for _ in range(10):  # the holder writes its name right after taking the lock
        holder = read_holder(path)
        if holder is not None:
            return holder
        time.sleep(0.05)
    return None


@contextlib.contextmanager
def file_lock(
    path: Path,
    *,
    timeout: float,
    busy: Callable[[str], Exception],
    on_wait: Callable[[str], None] | None = None,
    command: str | None = None,
) -> Iterator[Path]:
    """Hold an exclusive flock on `path`, re-entrant within this process. Another holder
    is waited for up to `timeout` seconds (`on_wait` is told once whom we wait for, as
    "started at ... by pid ... (command)"), then `busy(that description)` is raised."""
    path = path.absolute()
    key = os.path.realpath(path)
    with _held_guard:
        entry = _held.get(key)
        if entry is not None:
            entry[1] += 1
    if entry is not None:
        try:
            yield path
        finally:
            with _held_guard:
                entry[1] -= 1
        return

    fd = _open_lock_file(path)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as e:
                if e.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                    raise
            holder = _holder_of(path)
            running = holder.describe() if holder else "held by another process"
            if time.monotonic() >= deadline:
                raise busy(running)
            if not told and on_wait is not None:
                on_wait(running)
                told = True
            time.sleep(POLL_SECONDS)
        info = {
            "pid": os.getpid(),
            "started_at": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %z"),
            "command": command or _command(),
            "host": socket.gethostname(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        with _held_guard:
            _held[key] = [fd, 1]
        try:
            yield path
        finally:
            with _held_guard:
                del _held[key]
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock


def refresh_lock(
    warehouse: Path,
    *,
    timeout: float,
    on_wait: Callable[[str], None] | None = None,
    command: str | None = None,
) -> contextlib.AbstractContextManager[Path]:
    """Hold the refresh lock of `warehouse` (see the module docstring); wait up to `timeout`
    seconds for a running refresh, then raise WarehouseBusy naming it."""

    def busy(running: str) -> Exception:
        return WarehouseBusy(
            f"another refresh of {warehouse} is running: the one {running}; gave up waiting "
            f"after {timeout:.0f} s (CRMWH_LOCK_TIMEOUT); run again when it has finished"
        )

    def waiting(running: str) -> None:
        if on_wait is not None:
            on_wait(f"waiting for the refresh {running} to finish (up to {timeout:.0f} s)")

    return file_lock(
        lock_path(warehouse), timeout=timeout, busy=busy, on_wait=waiting, command=command
    )


def holds_lock(warehouse: Path) -> bool:
    """Whether this process holds the refresh lock of `warehouse`."""
    with _held_guard:
        return os.path.realpath(lock_path(warehouse.absolute())) in _held


def ensure_writable_dir(
    folder: Path, what: str, hint: str = "make it writable or choose another folder"
) -> None:
    """Create `folder` if needed and check that files can be created in it; raises a
    one-line PathNotUsable naming the folder, the reason and `hint`."""
    for parent in [folder, *folder.parents]:
        if parent.exists():
            if not parent.is_dir():
                raise PathNotUsable(f"cannot write {what} {folder}: {parent} is a file; {hint}")
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".crmwh-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        reason = e.strerror or str(e)
        raise PathNotUsable(f"cannot write {what} {folder}: {reason}; {hint}") from None


_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


def explain_duckdb_error(message: str, path: Path | str) -> str | None:
    """One line for the DuckDB errors a user can cause on the warehouse file, or None."""
    match = _LOCK_HOLDER.search(message)
    if match:
        from . import settings

        published = settings.publish_dir() / "current" / "crm.duckdb"
        return (
            f"the warehouse {path} is open in another process "
            f"(pid {match['pid']}, {match['program']}): close it and run again "
            f"(BI tools and notebooks should read the published copy {published})"
        )
    if "not a valid DuckDB database file" in message:
        return f"{path} is not a DuckDB database file: point --warehouse at another file"
    if "Permission denied" in message or "Read-only file system" in message:
        return f"cannot write the warehouse {path}: permission denied; fix its permissions"
    return None


def check_warehouse_free(path: Path) -> None:
    """Open the warehouse file for writing and close it again: raises a one-line
    WarehouseBusy or PathNotUsable when another process holds it or it cannot be written."""
    import duckdb

    if not path.exists():
        return
    try:
        duckdb.connect(str(path)).close()
    except duckdb.Error as e:
        line = explain_duckdb_error(str(e), path)
        if line is None:
            raise
        cls = WarehouseBusy if _LOCK_HOLDER.search(str(e)) else PathNotUsable
        raise cls(line) from None
