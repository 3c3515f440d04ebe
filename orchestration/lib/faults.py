"""Crash points: named places where a test can kill the refresh (`kill -9`, no clean-up).

`CRMWH_CRASH_AT=<point>` makes the process SIGKILL itself when it reaches that point (the
reliability tests use it to prove that a refresh killed anywhere leaves a warehouse and a
publication from which the next refresh recovers; tests/test_kill.py). Unset, as in every
real run, a crash point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

POINTS = (
    "load:parsed",  # a pending batch read and verified, nothing of it written yet
    "load:written",  # a batch written in its open transaction, not audited yet
    "audit:decided",  # the audit passed a batch, its transaction not committed yet
    "load:committed",  # the first batch committed, more batches to go
    "audit:recorded",  # check results committed, the run goes on to dbt
    "dbt:early",  # dbt has built a few nodes
    "dbt:late",  # dbt has built most nodes
    "publish:written",  # the new version's folder half written (its first mart)
    "publish:before-swap",  # the version folder is complete, `current` not moved yet
    "publish:swapped",  # `current` moved, old versions not pruned yet
)


def crash_point(name: str) -> None:
    """Kill this process here when `CRMWH_CRASH_AT` names this point."""
    assert name in POINTS, name
    if os.environ.get("CRMWH_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
