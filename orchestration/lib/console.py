"""What `crmwh refresh` shows while it runs, and the log file that keeps everything else.

The console shows one line per phase of the run (load and audit, dbt build, publish) with
its counts and time; on a terminal, a progress bar while the phase runs (plain lines, no
control characters, when stdout is not a terminal: CI, pipes). The summary follows (the
CLI prints it). The detail goes to a log file beside the warehouse,
`<warehouse folder>/logs/refresh-<UTC time>-<pid>.log` (the newest LOGS_KEPT are kept):
Dagster's event log, dbt's output (dagster-dbt echoes it to stdout, which is the log while
the refresh runs), Great Expectations', alembic's and other libraries' logs, warnings.
`--verbose` shows that detail live as well.

Progress arrives two ways: the loader's progress messages (lib/loading.py, forwarded by the
ingestion asset to the `crmwh` logger) are read by their wording; other steps call
`report_progress` (a no-op when nothing listens, e.g. in a run the Dagster UI launched).
Phases start and end with the Dagster step events of the run's event logger
(`EVENT_LOGGER`, which lib/refresh.py installs as the run's Dagster logger).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
import os
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

LOGS_DIR = "logs"
LOGS_KEPT = 30
EVENT_LOGGER = "dagster_run"  # the run's Dagster event log, as Python log records
STREAM_LOGGERS = ("stdout", "stderr")  # what was printed while the refresh ran
FILE_ONLY = "crmwh_file_only"  # `extra={FILE_ONLY: True}`: for the log file only

ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]")
FILE_FORMAT = "%(asctime)s.%(msecs)03d %(levelname)-7s %(name)s: %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"

# --- progress reported by the steps ----------------------------------------------------

_listeners: list[Callable[[str, Mapping[str, int | None]], None]] = []


def report_progress(phase: str, **counts: int | None) -> None:
    """A step's progress (`report_progress("dbt", models=3, models_total=77, ...)`), for
    whoever shows it; nothing happens when nobody listens."""
    for listener in tuple(_listeners):
        listener(phase, counts)


@contextlib.contextmanager
def listening(listener: Callable[[str, Mapping[str, int | None]], None]) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


# --- the log file ------------------------------------------------------------------------


def is_detail(record: logging.LogRecord) -> bool:
    """INFO and up, and the whole Dagster event log (its step events are DEBUG). A record
    that Dagster took into the event log (a step's `get_dagster_logger()`) is there once."""
    if record.name == EVENT_LOGGER:
        return True
    return record.levelno >= logging.INFO and not hasattr(record, "dagster_meta")


def new_log_path(warehouse: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return warehouse.parent / LOGS_DIR / f"refresh-{stamp}-{os.getpid()}.log"


def prune_logs(folder: Path, keep: int = LOGS_KEPT) -> None:
    """Keep the newest `keep` refresh logs of `folder`."""
    logs = []
    for path in folder.glob("refresh-*.log"):
        with contextlib.suppress(OSError):
            logs.append((path.stat().st_mtime, path.name, path))
    for _, _, old in sorted(logs, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            old.unlink()


class _LineStream(io.TextIOBase):
    """Stands in for sys.stdout or sys.stderr while the refresh runs: each printed line
    becomes a log record of the logger `name` (colour codes removed). No file descriptor,
    so that nothing writes around it to the terminal."""

    def __init__(self, name: str, fallback: TextIO) -> None:
        super().__init__()
        self._logger = logging.getLogger(name)
        self._fallback = fallback
        self._buffer = ""
        self._lock = threading.RLock()
        self._inside = threading.local()

    @property
    def encoding(self) -> str:
        return "utf-8"

    @property
    def errors(self) -> str:
        return "replace"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise io.UnsupportedOperation("fileno")

    def write(self, text: str) -> int:
        if getattr(self._inside, "active", False):  # a handler printing: don't loop
            return self._fallback.write(text)
        with self._lock:
            self._buffer += text
            *lines, self._buffer = self._buffer.split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def flush(self) -> None:
        pass

    def drain(self) -> None:
        with self._lock:
            rest, self._buffer = self._buffer, ""
        if rest.strip():
            self._emit(rest)

    def _emit(self, line: str) -> None:
        line = ANSI.sub("", line).rstrip()
        if not line:
            return
        self._inside.active = True
        try:
            self._logger.info(line)
        finally:
            self._inside.active = False


# --- phases --------------------------------------------------------------------------------

PHASES = {"raw_exports": "load and audit", "dbt_models": "dbt build", "published__marts": "publish"}
RUN_ENDS = ("PIPELINE_SUCCESS", "PIPELINE_FAILURE", "PIPELINE_CANCELED")  # Dagster's run events

_READING = re.compile(r"^reading batch (\S+) \(\d+ files\)$")
_LOADED = re.compile(r"^loaded batch (\S+): (\d+) records$")
_REFUSED = re.compile(r"^refused batch (\S+): ")
_SKIPPED = re.compile(r"^(\d+) batch\(es\) already loaded and unchanged$")
_IGNORED = re.compile(r"^not in the export contract, ignored: ")
_AUDITED = re.compile(r"^audit of batches ")
_PUBLISHED = re.compile(r"^published (\d+) marts as ")
_PLANNED = re.compile(r"^build plan: ")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def _of(done: int, total: int | None) -> str:
    return f"{done:,}" if total is None else f"{done:,} of {total:,}"


@dataclass
class Phase:
    step: str
    title: str
    started: float = field(default_factory=time.time)
    ended: float | None = None
    outcome: str = "running"  # running, succeeded, failed, skipped
    # load and audit
    read: list[str] = field(default_factory=list)
    loaded: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    skipped: int = 0
    ignored: int = 0
    records: int = 0
    # dbt build
    models: int = 0
    models_total: int | None = None
    tests: int = 0
    tests_total: int | None = None
    tests_failed: int = 0
    # publish
    marts: int | None = None

    def completed_and_total(self) -> tuple[int, int | None]:
        if self.step == "raw_exports":
            decided = len(self.loaded) + len([b for b in self.refused if b in self.read])
            return decided, len(self.read) or None
        if self.step == "dbt_models":
            total = None
            if self.models_total is not None and self.tests_total is not None:
                total = self.models_total + self.tests_total
            return self.models + self.tests, total
        return 0, None

    def live_counts(self) -> str:
        """Beside the progress bar of the running phase."""
        if self.step == "raw_exports":
            completed, total = self.completed_and_total()
            return f"{completed} of {total or 0} batches, {_plural(self.records, 'record')}"
        if self.step == "dbt_models":
            return (
                f"{_of(self.models, self.models_total)} models, "
                f"{_of(self.tests, self.tests_total)} tests"
            )
        return ""

    def counts(self) -> str:
        """What the phase did, in words."""
        if self.step == "raw_exports":
            if not self.read and not self.refused:
                parts = ["no new batch"]
            else:
                parts = [
                    f"{_plural(len(self.loaded), 'batch', 'batches')} loaded "
                    f"({_plural(self.records, 'record')})"
                ]
            if self.skipped:
                parts.append(f"{self.skipped} unchanged")
            if self.refused:
                parts.append(f"{len(self.refused)} refused")
            if self.ignored:
                parts.append(f"{_plural(self.ignored, 'name')} outside the contract ignored")
            return ", ".join(parts)
        if self.step == "dbt_models":
            passed = self.tests - self.tests_failed
            text = (
                f"{_of(self.models, self.models_total)} models built, "
                f"{_of(passed, self.tests_total)} tests passed"
            )
            if self.tests_failed:
                text += f", {self.tests_failed:,} failed"
            return text
        if self.step == "published__marts":
            return "nothing published" if self.marts is None else f"{self.marts} marts published"
        return ""

    def line(self) -> str:
        if self.outcome == "skipped":
            return f"{self.title}: not run (an earlier step failed)"
        seconds = (self.ended or time.time()) - self.started
        state = " FAILED" if self.outcome == "failed" else ""
        return f"{self.title}{state}: {self.counts()} in {seconds:.1f} s"


# --- what the console shows -----------------------------------------------------------------


class _Display:
    """Plain lines: one per phase when it ends; messages on stderr."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out, self.err = out, err

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def phase_started(self, phase: Phase) -> None: ...

    def phase_changed(self, phase: Phase) -> None: ...

    def phase_ended(self, phase: Phase) -> None:
        print(phase.line(), file=self.out, flush=True)

    def message(self, text: str) -> None:
        print(text, file=self.err, flush=True)

    def phase_ended_note(self, text: str) -> None:
        """A line between the phases (the build plan)."""
        print(text, file=self.out, flush=True)


class _TerminalDisplay(_Display):
    """A rich progress bar for the running phase; a line for each phase that ended."""

    MARKS = {"succeeded": "[green]✓[/]", "failed": "[red]✗[/]", "skipped": "[dim]–[/]"}

    def __init__(self, console, out: TextIO, err: TextIO) -> None:
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        super().__init__(out, err)
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            redirect_stdout=False,  # the console redirects them to the log itself
            redirect_stderr=False,
        )
        self.tasks: dict[str, int] = {}
        self.starting: int | None = None

    def start(self) -> None:
        self.progress.start()
        self.starting = self.progress.add_task("starting", total=None, counts="")

    def stop(self) -> None:
        self.progress.stop()

    def _drop_starting(self) -> None:
        if self.starting is not None:
            self.progress.remove_task(self.starting)
            self.starting = None

    def phase_started(self, phase: Phase) -> None:
        self._drop_starting()
        completed, total = phase.completed_and_total()
        self.tasks[phase.step] = self.progress.add_task(
            phase.title, total=total, completed=completed, counts=phase.live_counts()
        )

    def phase_changed(self, phase: Phase) -> None:
        task = self.tasks.get(phase.step)
        if task is not None:
            completed, total = phase.completed_and_total()
            self.progress.update(task, total=total, completed=completed, counts=phase.live_counts())

    def phase_ended(self, phase: Phase) -> None:
        self._drop_starting()
        task = self.tasks.pop(phase.step, None)
        if task is not None:
            self.progress.remove_task(task)
        from rich.markup import escape

        mark = self.MARKS.get(phase.outcome, " ")
        self.progress.console.print(f"{mark} {escape(phase.line())}", highlight=False)

    def message(self, text: str) -> None:
        from rich.text import Text

        self.progress.console.print(Text(text), highlight=False)

    def phase_ended_note(self, text: str) -> None:
        self.message(f"  {text}")


class _ConsoleHandler(logging.Handler):
    """Every log record of the refresh passes here: phases and progress for the display;
    in verbose mode, the detail itself; else only what the user must see."""

    def __init__(self, console: RefreshConsole) -> None:
        super().__init__()
        self.console = console
        self.detail = logging.Formatter(FILE_FORMAT, DATE_FORMAT)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._emit(record)
        except Exception:
            self.handleError(record)

    def _emit(self, record: logging.LogRecord) -> None:
        console = self.console
        name = record.name
        if getattr(record, FILE_ONLY, False) or not is_detail(record):
            return
        if name == EVENT_LOGGER:
            console.dagster_event(record)
        elif name == "crmwh" or name.startswith("crmwh."):
            shown = record.levelno >= logging.INFO and not console.progress_message(record)
            if shown and not console.verbose:
                first = (record.getMessage().splitlines() or [""])[0]
                console.display.message(f"[crmwh] {first}")
        elif record.levelno >= logging.ERROR and not console.verbose and name not in STREAM_LOGGERS:
            first = (record.getMessage().splitlines() or [""])[0]
            console.display.message(f"[{name}] {record.levelname}: {first}")
        if console.verbose:
            if name == "stdout":
                print(record.getMessage(), file=console.out, flush=True)
            elif name == "stderr":
                print(record.getMessage(), file=console.err, flush=True)
            else:
                print(self.detail.format(record), file=console.err, flush=True)


class RefreshConsole:
    """Around `run_refresh`: the log file, the progress display, and sys.stdout/sys.stderr
    and the logging configuration of the process redirected to them until it ends."""

    def __init__(
        self,
        warehouse: Path,
        verbose: bool = False,
        out: TextIO | None = None,
        err: TextIO | None = None,
    ) -> None:
        self.warehouse = warehouse
        self.verbose = verbose
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.log_path: Path | None = None
        self.phases: dict[str, Phase] = {}
        self.display: _Display = _Display(self.out, self.err)
        self._saved: dict = {}
        self._file_handler: logging.Handler | None = None
        self._streams: list[_LineStream] = []
        self._listening: contextlib.AbstractContextManager | None = None

    # context ------------------------------------------------------------------------------

    def __enter__(self) -> RefreshConsole:
        self._open_log()
        if not self.verbose and self.out.isatty():  # not rich's guess: FORCE_COLOR forces it
            from rich.console import Console

            rich_console = Console(file=self.out)
            if rich_console.is_terminal and not rich_console.is_dumb_terminal:
                self.display = _TerminalDisplay(rich_console, self.out, self.err)
        root = logging.getLogger()
        self._saved = {
            "handlers": root.handlers[:],
            "level": root.level,
            "stdout": sys.stdout,
            "stderr": sys.stderr,
        }
        for handler in self._saved["handlers"]:
            root.removeHandler(handler)
        if self._file_handler is not None:
            root.addHandler(self._file_handler)
        root.addHandler(_ConsoleHandler(self))
        root.setLevel(logging.INFO)
        # Warnings to the log, also when a library captured them before (GX does): start
        # from Python's own showwarning, restore what was there on exit.
        self._saved["showwarning"] = warnings.showwarning
        logging.captureWarnings(False)
        logging.captureWarnings(True)
        self._streams = [_LineStream("stdout", self.out), _LineStream("stderr", self.err)]
        sys.stdout, sys.stderr = self._streams
        self._listening = listening(self.progress_report)
        self._listening.__enter__()
        self.display.start()
        self.file_note(f"crmwh refresh (pid {os.getpid()}): {' '.join(sys.argv)}")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            for stream in self._streams:
                stream.drain()
            if exc is not None:
                self.file_note(
                    f"ended by {exc_type.__name__}: {exc}",
                    level=logging.ERROR,
                    exc_info=(exc_type, exc, tb),
                )
        finally:
            self.display.stop()
            if self._listening is not None:
                self._listening.__exit__(None, None, None)
            sys.stdout, sys.stderr = self._saved["stdout"], self._saved["stderr"]
            logging.captureWarnings(False)
            warnings.showwarning = self._saved["showwarning"]
            root = logging.getLogger()
            for handler in root.handlers[:]:
                root.removeHandler(handler)
            for handler in self._saved["handlers"]:
                root.addHandler(handler)
            root.setLevel(self._saved["level"])
            if self._file_handler is not None:
                self._file_handler.close()

    def _open_log(self) -> None:
        path = new_log_path(self.warehouse)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError:
            return  # the refresh itself says what is wrong with the folder
        handler.setFormatter(logging.Formatter(FILE_FORMAT, DATE_FORMAT))
        handler.addFilter(is_detail)
        self._file_handler, self.log_path = handler, path
        prune_logs(path.parent)

    def file_note(self, message: str, level: int = logging.INFO, **kwargs) -> None:
        """A line for the log file only."""
        logging.getLogger("crmwh.console").log(level, message, extra={FILE_ONLY: True}, **kwargs)

    # events ----------------------------------------------------------------------------

    def dagster_event(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        event = meta.get("dagster_event")
        if event is None:
            return
        kind = event.event_type_value
        # what a failed step kept from running (a load that succeeded is followed by the
        # build it calls for, which may be none: the build plan's line says so)
        if kind in RUN_ENDS and kind != "PIPELINE_SUCCESS" and self.phases:
            for step in PHASES:
                if step not in self.phases:
                    phase = self._start(step, record.created)
                    phase.outcome = "skipped"
                    self.display.phase_ended(phase)
            return
        step = getattr(event, "step_key", None)
        if step not in PHASES:
            return
        if kind == "STEP_START":
            phase = self.phases.get(step)
            if phase is None:
                self._start(step, record.created)
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            phase = self.phases.get(step) or self._start(step, record.created)
            phase.ended = record.created
            phase.outcome = {
                "STEP_SUCCESS": "succeeded",
                "STEP_FAILURE": "failed",
                "STEP_SKIPPED": "skipped",
            }[kind]
            self.display.phase_ended(phase)

    def _start(self, step: str, at: float | None = None) -> Phase:
        phase = Phase(step, PHASES[step], started=at or time.time())
        self.phases[step] = phase
        self.display.phase_started(phase)
        return phase

    def _running(self, step: str) -> Phase:
        phase = self.phases.get(step)
        return phase if phase is not None else self._start(step)

    def progress_message(self, record: logging.LogRecord) -> bool:
        """A loader or publication progress message: counted, not shown (True)."""
        message = record.getMessage()
        if record.levelno != logging.INFO:
            return False
        if match := _READING.match(message):
            phase = self._running("raw_exports")
            phase.read.append(match[1])
        elif match := _LOADED.match(message):
            phase = self._running("raw_exports")
            phase.loaded.append(match[1])
            phase.records += int(match[2])
        elif match := _REFUSED.match(message):
            phase = self._running("raw_exports")
            phase.refused.append(match[1])
        elif match := _SKIPPED.match(message):
            phase = self._running("raw_exports")
            phase.skipped = int(match[1])
        elif _IGNORED.match(message):
            phase = self._running("raw_exports")
            phase.ignored += 1
        elif _AUDITED.match(message):
            phase = self._running("raw_exports")
        elif match := _PUBLISHED.match(message):
            phase = self._running("published__marts")
            phase.marts = int(match[1])
        elif _PLANNED.match(message):
            self.display.phase_ended_note(message)
            return True
        else:
            return False
        self.display.phase_changed(phase)
        return True

    def progress_report(self, kind: str, counts: Mapping[str, int | None]) -> None:
        if kind != "dbt":
            return
        phase = self._running("dbt_models")
        for name, value in counts.items():
            if hasattr(phase, name):
                setattr(phase, name, value)
        self.display.phase_changed(phase)
