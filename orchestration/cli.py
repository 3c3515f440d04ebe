"""`crmwh`: the command-line front door (generate sample exports, run the daily refresh,
list and restore the publications of the marts)."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import time
import traceback
from pathlib import Path

log = logging.getLogger("crmwh")


def _apply_paths(args: argparse.Namespace) -> None:
    from .lib.storage import is_url

    for option, variable in (
        ("landing", "CRMWH_LANDING"),
        ("warehouse", "CRMWH_WAREHOUSE"),
        ("publish_dir", "CRMWH_PUBLISH_DIR"),
    ):
        value = getattr(args, option, None)
        if value:  # the landing may be an object-store URL (lib/storage.py): kept as given
            keep = option == "landing" and is_url(value)
            os.environ[variable] = value if keep else str(Path(value).resolve())


def _interrupt(signum: int, frame) -> None:
    """SIGTERM and SIGHUP end `crmwh refresh` the way Ctrl-C does. While the Dagster run
    executes, Dagster itself maps SIGTERM to its interrupt: it is raised inside the running
    step (dbt is stopped, a loader transaction rolled back), the run is marked failed and
    the refresh lock released. Outside the run (start-up, waiting for the lock), this
    handler hands the signal to the SIGINT handler (Dagster's while a run executes, where
    SIGHUP would otherwise not be mapped; else Python's, which raises KeyboardInterrupt).
    Either way one line says what happened."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:
        raise KeyboardInterrupt(signal.Signals(signum).name)


class _SignalLog:
    """Which signals arrived, whichever Python handler was installed then (Dagster replaces
    ours during a run): the C-level handler writes each signal number to a wakeup pipe."""

    def __init__(self) -> None:
        self._read, self._write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            self._previous = signal.set_wakeup_fd(self._write, warn_on_full_buffer=False)
        except ValueError:  # not the main thread: no signals to log
            self._previous = None

    def received(self) -> list[str]:
        try:
            data = os.read(self._read, 1024)
        except BlockingIOError:
            data = b""
        names = []
        for number in data:
            with contextlib.suppress(ValueError):
                names.append(signal.Signals(number).name)
        return names

    def close(self) -> None:
        if self._previous is not None:
            signal.set_wakeup_fd(self._previous)
        os.close(self._read)
        os.close(self._write)


def _generate(args: argparse.Namespace) -> int:
    from synthetic_exports import generate

    started = time.monotonic()
    try:
        summary = generate(
            Path(args.out),
            seed=args.seed,
            days=args.days,
            batches=args.batches,
            scale=args.scale,
            dirty=args.dirty,
            layouts=tuple(v.strip() for v in (args.layout or "").split(",") if v.strip()),
            timezone=args.timezone,
        )
    except ValueError as e:
        print(f"crmwh generate: {e}", file=sys.stderr)
        return 2
    print(summary)
    print(f"generated in {time.monotonic() - started:.1f} s")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    """One line per phase with a progress bar, then the summary; the detail goes to the log
    file beside the warehouse (lib/console.py), and live to the console with --verbose."""
    _apply_paths(args)
    from .lib import settings
    from .lib.console import EVENT_LOGGER, RefreshConsole
    from .lib.refresh import run_refresh

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    signals = _SignalLog()
    started = time.monotonic()
    console = RefreshConsole(settings.warehouse_path(), verbose=args.verbose)
    try:
        with console:
            result = run_refresh(
                on_wait=log.info,
                command="crmwh refresh",
                verbose=args.verbose,
                event_logger=EVENT_LOGGER,
                full_refresh=args.full_refresh,
            )
            result.log_file = str(console.log_path) if console.log_path else None
            console.file_note(result.describe())
    except KeyboardInterrupt:
        name = (signals.received() or ["SIGINT"])[-1]
        print(
            f"refresh INTERRUPTED by {name} after {time.monotonic() - started:.1f} s, "
            "before its run started: nothing was changed"
        )
        return 128 + signal.Signals[name].value
    finally:
        received = signals.received()
        signals.close()
    if result.interrupted_by:
        name = received[-1] if received else "SIGINT"
        result.interrupted_by = name
        if result.log_file:
            print(f"crmwh refresh: the log of the run is {result.log_file}", file=sys.stderr)
        print(result.describe_interruption())
        return 128 + signal.Signals[name].value
    print(result.describe())
    return 0 if result.success else 1


def _publications(args: argparse.Namespace) -> int:
    _apply_paths(args)
    from .lib import settings
    from .lib.publish import CURRENT, list_publications, restore

    publish_dir = settings.publish_dir()
    if args.restore:
        restored = restore(publish_dir, args.restore)
        if not args.json:
            print(
                f"restored: {publish_dir / CURRENT} -> run {restored.run_id} "
                f"as of {restored.as_of_date} (until the next green refresh publishes)"
            )
    publications = list_publications(publish_dir)
    current = next((p for p in publications if p.is_current), None)
    if args.json:
        body = None
        if current is not None:
            body = {
                "run_id": current.run_id,
                "as_of_date": current.as_of_date,
                "duckdb": str(publish_dir / CURRENT / current.duckdb.name),
                "parquet": str(publish_dir / CURRENT / current.parquet.name),
                "manifest": str(publish_dir / CURRENT / current.manifest_path.name),
                "folder": str(current.folder),
            }
        document = {"current": body, "publications": [p.to_json() for p in publications]}
        print(json.dumps(document, indent=2))
        return 0
    if args.restore:
        return 0
    if not publications:
        print(f"no publications in {publish_dir} yet (a green `crmwh refresh` makes one)")
        return 0
    print(f"publications in {publish_dir} (* = current, read by BI tools as {CURRENT}/):")
    for p in publications:
        mark = "*" if p.is_current else " "
        print(
            f"{mark} {p.run_id}  as of {p.as_of_date}  published {p.published_at}  "
            f"{len(p.manifest.get('marts', {}))} marts, {p.rows} rows"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crmwh", description=__doc__)
    parser.add_argument(
        "--verbose", action="store_true", help="print the Python traceback of an error"
    )
    # --verbose also after the command; SUPPRESS keeps `crmwh --verbose refresh` working
    verbose = argparse.ArgumentParser(add_help=False)
    verbose.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser(
        "generate", help="write synthetic daily exports (the contract of exports.md)"
    )
    gen.add_argument("--out", required=True, help="landing folder to write the batches into")
    gen.add_argument("--seed", type=int, default=7)
    gen.add_argument("--days", type=int, default=540, help="days of company history")
    gen.add_argument("--batches", type=int, default=3, help="daily export batches")
    gen.add_argument("--scale", type=float, default=1.0, help="1 = about 10 reps over 18 months")
    gen.add_argument(
        "--dirty", action="store_true", help="inject the contract's dirt, with a dirt log"
    )
    gen.add_argument(
        "--layout",
        help="comma-separated vendors whose export files replace the neutral files of their "
        "domain (e.g. salesforce,stripe,zendesk,mailchimp); see README 'Vendor exports'",
    )
    gen.add_argument(
        "--timezone",
        default="UTC",
        help="with --layout: the zone the vendors' times without an offset are written in "
        "(e.g. Europe/Berlin; named in the landing's crmwh-layouts.toml)",
    )
    gen.set_defaults(func=_generate)

    ref = commands.add_parser(
        "refresh", parents=[verbose], help="run the daily refresh job in-process"
    )
    ref.add_argument(
        "--landing",
        help="landing folder or object-store URL (default $CRMWH_LANDING or seeds/exports)",
    )
    ref.add_argument(
        "--warehouse", help="warehouse file (default $CRMWH_WAREHOUSE or warehouse/crm.duckdb)"
    )
    ref.add_argument(
        "--publish-dir",
        help="where the marts are published (default $CRMWH_PUBLISH_DIR or published/ "
        "beside the warehouse)",
    )
    ref.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild every model from scratch (incremental ones too) and run every data "
        "test, whatever changed",
    )
    ref.set_defaults(func=_refresh)

    pub = commands.add_parser(
        "publications",
        parents=[verbose],
        help="list the publications of the marts (current marked), or restore one",
    )
    pub.add_argument("--restore", metavar="RUN_ID", help="make this publication current")
    pub.add_argument("--json", action="store_true", help="print them as JSON")
    pub.add_argument("--warehouse", help="warehouse file (its folder holds published/ by default)")
    pub.add_argument("--publish-dir", help="publish folder (default $CRMWH_PUBLISH_DIR)")
    pub.set_defaults(func=_publications)

    from .dashboard.cli import add_commands as add_bi_commands

    add_bi_commands(commands, parents=[verbose])

    args = parser.parse_args(argv)
    # crmwh's own progress at INFO; other loggers (alembic, dagster-dbt, GX) only errors, or
    # warnings and up with --verbose
    logging.basicConfig(level=logging.INFO, format="[crmwh] %(message)s", stream=sys.stderr)
    threshold = logging.WARNING if args.verbose else logging.ERROR
    for handler in logging.getLogger().handlers:
        handler.addFilter(
            lambda record: record.name.split(".")[0] == "crmwh" or record.levelno >= threshold
        )
    return _run_command(args)


def _run_command(args: argparse.Namespace) -> int:
    """Errors a user can cause are one line; others one line too, unless --verbose."""
    from .lib.failures import UserError

    try:
        return args.func(args)
    except UserError as e:
        if args.verbose:
            traceback.print_exc()
        print(f"crmwh {args.command}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if args.verbose:
            traceback.print_exc()
        print(f"crmwh {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as e:
        if args.verbose:
            traceback.print_exc()
        first = (str(e).strip().splitlines() or [""])[0]
        print(
            f"crmwh {args.command}: unexpected error: {type(e).__name__}: {first}"
            + ("" if args.verbose else " (run with --verbose for the traceback)"),
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
