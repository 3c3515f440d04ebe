"""`crmwh`: the command-line front door (generate sample exports, run the daily refresh)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

log = logging.getLogger("crmwh")


def _generate(args: argparse.Namespace) -> int:
    from .lib.generator import generate

    started = time.monotonic()
    summary = generate(
        Path(args.out),
        seed=args.seed,
        days=args.days,
        batches=args.batches,
        scale=args.scale,
        dirty=args.dirty,
    )
    print(summary)
    print(f"generated in {time.monotonic() - started:.1f} s")
    return 0


def _refresh(args: argparse.Namespace) -> int:
    if args.landing:
        os.environ["CRMWH_LANDING"] = str(Path(args.landing).resolve())
    if args.warehouse:
        os.environ["CRMWH_WAREHOUSE"] = str(Path(args.warehouse).resolve())
    from .lib.refresh import run_refresh

    result = run_refresh()
    print(result.describe())
    return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="crmwh", description=__doc__)
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
    gen.set_defaults(func=_generate)

    ref = commands.add_parser("refresh", help="run the daily refresh job in-process")
    ref.add_argument("--landing", help="landing folder (default $CRMWH_LANDING or seeds/exports)")
    ref.add_argument(
        "--warehouse", help="warehouse file (default $CRMWH_WAREHOUSE or warehouse/crm.duckdb)"
    )
    ref.set_defaults(func=_refresh)

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[crmwh] %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
