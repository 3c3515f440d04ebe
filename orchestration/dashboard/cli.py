"""`crmwh dashboard` and `crmwh docs`: the sub-commands, for orchestration/cli.py to add.

    from .dashboard.cli import add_commands as add_bi_commands
    add_bi_commands(commands, parents=[verbose])   # commands = parser.add_subparsers(...)

Heavy imports (Dash, dbt) happen only when a command runs. Paths given as options are
relative to the current directory.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _path(value: str | None) -> Path | None:
    return Path(value).expanduser().resolve() if value else None


def _dashboard(args: argparse.Namespace) -> int:
    from .app import serve
    from .published import NoPublication

    try:
        serve(_path(args.publish_dir), host=args.host, port=args.port)
    except NoPublication as error:
        print(f"crmwh dashboard: {error}", file=sys.stderr)
        return 1
    return 0


def _docs(args: argparse.Namespace) -> int:
    from .docs_site import DocsBuildError, build_docs_site

    try:
        site = build_docs_site(out_dir=_path(args.out), publish_dir=_path(args.publish_dir))
    except DocsBuildError as error:
        print(f"crmwh docs: {error}", file=sys.stderr)
        return 1
    print(site.describe())
    return 0


def add_commands(
    commands: argparse._SubParsersAction, parents: list[argparse.ArgumentParser] = ()
) -> None:
    """Add `dashboard` and `docs` to the crmwh sub-command parsers."""
    publish_help = (
        "publication folder (default $CRMWH_PUBLISH_DIR or published/ beside the warehouse)"
    )

    dashboard = commands.add_parser(
        "dashboard",
        parents=list(parents),
        help="serve the reference sales dashboard on the published marts",
    )
    dashboard.add_argument("--publish-dir", help=publish_help)
    dashboard.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (0.0.0.0: the whole network)"
    )
    dashboard.add_argument("--port", type=int, default=8050)
    dashboard.set_defaults(func=_dashboard)

    docs = commands.add_parser(
        "docs",
        parents=list(parents),
        help="build dbt's documentation site (one self-contained HTML file) offline",
    )
    docs.add_argument("--out", help="output folder (default docs/ beside the warehouse)")
    docs.add_argument("--publish-dir", help=publish_help)
    docs.set_defaults(func=_docs)
