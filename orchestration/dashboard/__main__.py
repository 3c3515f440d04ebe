"""`python -m orchestration.dashboard [dashboard|docs] ...`: the same sub-commands as
`crmwh dashboard` and `crmwh docs`, without going through orchestration/cli.py."""

from __future__ import annotations

import argparse
import logging
import sys

from .cli import add_commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestration.dashboard")
    add_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[crmwh] %(message)s", stream=sys.stderr)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
