"""`crmwh-dbt`: start dbt so that it dies with the process that started it.

dagster-dbt runs dbt as a child process. When that parent is killed (kill -9, OOM), dbt
would go on writing to the warehouse for many seconds, holding its lock. This wrapper asks
Linux to send it SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG, which survives
exec) and then replaces itself with the real dbt (os.execv: same process, same pid).

The parent passes its pid in CRMWH_DBT_PARENT_PID; if the parent already died before the
prctl took effect, the wrapper exits instead of starting dbt (the race the prctl man page
warns about). Elsewhere than on Linux it simply starts dbt.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

PARENT_ENV = "CRMWH_DBT_PARENT_PID"
EXECUTABLE_ENV = "CRMWH_DBT_EXECUTABLE"
WRAPPER = "crmwh-dbt"
PR_SET_PDEATHSIG = 1


def die_with_parent() -> bool:
    """Ask for SIGKILL when the parent dies; False when the parent is already gone."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    expected = os.environ.get(PARENT_ENV, "")
    return not (expected.isdigit() and os.getppid() != int(expected))


def real_dbt() -> str:
    configured = os.environ.get(EXECUTABLE_ENV)
    if configured:
        return configured
    beside = Path(sys.executable).with_name("dbt")
    if beside.exists():
        return str(beside)
    found = shutil.which("dbt")
    if found is None:
        sys.exit(f"{WRAPPER}: no dbt executable found (set {EXECUTABLE_ENV})")
    return found


def main() -> None:
    if not die_with_parent():
        os._exit(128 + signal.SIGKILL)  # as if the death signal had arrived
    dbt = real_dbt()
    os.execv(dbt, [dbt, *sys.argv[1:]])


def wrapper_executable() -> str | None:
    """The installed `crmwh-dbt` console script beside the running Python, if any."""
    path = Path(sys.executable).with_name(WRAPPER)
    return str(path) if path.exists() else None


@contextlib.contextmanager
def as_parent() -> Iterator[None]:
    """Around a call that starts dbt: tell the wrapper which pid its parent must be."""
    previous = os.environ.get(PARENT_ENV)
    os.environ[PARENT_ENV] = str(os.getpid())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(PARENT_ENV, None)
        else:
            os.environ[PARENT_ENV] = previous


if __name__ == "__main__":
    main()
