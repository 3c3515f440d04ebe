"""The README's table of vendor exports (section "Vendor exports"), generated from the
layouts: vendor x file x what is read x what is missing. One home: the Layout data.

    python -m orchestration.lib.adapters.readme --write   # rewrite the table in README.md
    python -m orchestration.lib.adapters.readme --check   # exit 1 when it is out of date

tests/test_adapters.py fails when the README's table differs from what this module writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import all_layouts, formats
from .model import Column, Constant, FileNamePart, Layout, Missing, Sideloaded

README = Path(__file__).resolve().parents[3] / "README.md"
BEGIN = "<!-- vendor-table:begin (python -m orchestration.lib.adapters.readme --write) -->"
END = "<!-- vendor-table:end -->"
DOMAIN_ORDER = ("crm", "email", "payments", "support")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _affects(affects: tuple[str, ...]) -> str:
    return f" (affects {', '.join(a.lstrip('~') for a in affects)})" if affects else ""


def _rows(lay: Layout) -> list[str]:
    rows = []
    for vf in lay.files:
        optional = {
            s
            for f in vf.columns.values()
            if isinstance(f, Column) and f.optional
            for s in f.sources
        }
        read = sorted(
            {s for f in vf.columns.values() if isinstance(f, Column) for s in f.sources},
            key=str.casefold,
        )
        notes = []
        for column, fld in vf.columns.items():
            if isinstance(fld, Constant):
                notes.append(f"`{column}` = {fld.value or 'empty'}")
            elif isinstance(fld, FileNamePart):
                notes.append(f"`{column}` from the file name")
            elif isinstance(fld, Sideloaded):
                other = ""
                if fld.otherwise is not None:
                    other = ", else " + ", ".join(f"`{s}`" for s in fld.otherwise.sources)
                notes.append(f"`{column}` from the sideloaded `{fld.label}`{other}")
            elif (
                isinstance(fld, Column) and fld.format and formats.get_converter(fld.format).derived
            ):
                notes.append(f"`{column}` made from {', '.join(f'`{s}`' for s in fld.sources)}")
        provides = f"`{vf.target}` from " + ", ".join(
            f"`{c}`" + (" (if present)" if c in optional else "") for c in read
        )
        if notes:
            provides += "; " + "; ".join(notes)
        missing = [
            f"`{column}`: {fld.reason}{_affects(fld.affects)}"
            for column, fld in vf.columns.items()
            if isinstance(fld, Missing)
        ]
        rows.append(
            f"| {lay.vendor} | `{vf.name}` ({vf.format}) | {_cell(provides)} | "
            f"{_cell('; '.join(missing)) or '—'} |"
        )
    for m in lay.missing:
        supply = " **Supply it in the neutral layout.**" if m.supply else ""
        rows.append(
            f"| {lay.vendor} | — | — | `{m.target}` not provided: "
            f"{_cell(m.reason + _affects(m.affects))}{supply} |"
        )
    return rows


def table() -> str:
    """The generated table (between the markers)."""
    layouts = sorted(
        all_layouts().values(), key=lambda lay: (DOMAIN_ORDER.index(lay.domain), lay.vendor)
    )
    lines = [
        BEGIN,
        "| Vendor | File (pattern, format) | What is read | What is missing |",
        "|---|---|---|---|",
    ]
    for lay in layouts:
        lines += _rows(lay)
    lines += [
        "",
        "Vendors' field documentation: "
        + ", ".join(f"[{lay.vendor}]({lay.docs_url})" for lay in layouts)
        + ".",
        END,
    ]
    return "\n".join(lines)


def rewritten(readme: str) -> str:
    """`readme` with its table replaced by the generated one (ValueError without markers)."""
    start, end = readme.find(BEGIN), readme.find(END)
    if start < 0 or end < start:
        raise ValueError(f"README.md has no {BEGIN!r} ... {END!r} markers")
    return readme[:start] + table() + readme[end + len(END) :]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.lib.adapters.readme",
        description="Generate the README's table of vendor exports from the layouts.",
    )
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="rewrite the table in README.md")
    action.add_argument("--check", action="store_true", help="exit 1 when it is out of date")
    args = parser.parse_args(argv)
    current = README.read_text(encoding="utf-8")
    fresh = rewritten(current)
    if args.write:
        if fresh != current:
            README.write_text(fresh, encoding="utf-8")
        return 0
    if fresh != current:
        print(
            "README.md: the vendor exports table is out of date; run "
            "python -m orchestration.lib.adapters.readme --write",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
