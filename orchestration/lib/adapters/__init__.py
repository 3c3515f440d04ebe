"""Vendor export adapters (issue 14): a vendor's native export files read as the export
contract's files at ingestion, and written from them by the generator.

- `model`: the layouts as data (`Layout`, `VendorFile`, `Column`, `Constant`, `Missing`,
  `MissingFile`);
- `formats`: the named converters between a vendor's notation and the contract's;
- `layouts/`: one module per vendor defining `LAYOUT`, discovered here;
- `detect`: which vendor files of a batch provide which contract files (or refuse it);
- `reading`: vendor files -> contract tables; `writing`: contract files -> vendor files.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import re
from functools import cache

from ..contract import BY_PATH
from . import formats
from .model import (
    Column,
    Constant,
    FileNamePart,
    Layout,
    Missing,
    MissingFile,
    Sideloaded,
    VendorFile,
)

__all__ = [
    "Column",
    "Constant",
    "FileNamePart",
    "Layout",
    "Missing",
    "MissingFile",
    "Sideloaded",
    "VendorFile",
    "all_layouts",
    "layout",
    "layouts_of_domain",
]

DOMAINS = ("crm", "email", "payments", "support")


class LayoutError(ValueError):
    """A layout module breaks the rules of `model.py` (a programming error)."""


def check_layout(lay: Layout) -> None:
    """Raise LayoutError when `lay` breaks a rule the reader and generator rely on."""
    where = f"layout {lay.vendor}"
    if lay.domain not in DOMAINS:
        raise LayoutError(f"{where}: unknown domain {lay.domain!r}")
    targets: dict[str, list[VendorFile]] = {}
    for vf in lay.files:
        spec = BY_PATH.get(vf.target)
        name = f"{where} {vf.name}"
        if spec is None or spec.source != lay.domain:
            raise LayoutError(f"{name}: target {vf.target!r} is not a {lay.domain} contract file")
        if vf.format not in ("csv", "json", "jsonl"):
            raise LayoutError(f"{name}: format {vf.format!r}")
        if not vf.signature:
            raise LayoutError(f"{name}: an empty signature")
        if set(vf.columns) != set(spec.columns):
            extra = sorted(set(vf.columns) - set(spec.columns))
            absent = [c for c in spec.columns if c not in vf.columns]
            raise LayoutError(
                f"{name}: columns must be the target's; extra {extra}, absent {absent}"
            )
        for column, fld in vf.columns.items():
            if isinstance(fld, Column):
                _check_column(f"{name} {column}", fld)
            elif isinstance(fld, Sideloaded):
                if vf.format != "json" or not vf.records_path:
                    raise LayoutError(
                        f"{name} {column}: a Sideloaded value needs a JSON document whose "
                        "records are under records_path (the sideload is a list beside them)"
                    )
                if fld.records_path == vf.records_path or not fld.records_path:
                    raise LayoutError(f"{name} {column}: the sideload is the records' own list")
                if fld.otherwise is not None:
                    _check_column(f"{name} {column} otherwise", fld.otherwise)
            elif isinstance(fld, FileNamePart):
                if "*" not in vf.name:
                    raise LayoutError(f"{name} {column}: FileNamePart needs a * in the name")
            elif not isinstance(fld, Constant | Missing):
                raise LayoutError(
                    f"{name} {column}: not a Column, Constant, FileNamePart, Missing or Sideloaded"
                )
        for column in vf.when:
            if column not in spec.columns:
                raise LayoutError(f"{name}: `when` names {column!r}, not a column of the target")
        targets.setdefault(vf.target, []).append(vf)
    for target, files in targets.items():
        if len(files) > 1 and sum(1 for f in files if not f.when) > 1:
            raise LayoutError(
                f"{where}: several files provide {target}; all but one need `when` to split "
                "the generator's rows"
            )
    for mf in lay.missing:
        if mf.target not in BY_PATH or mf.target in targets:
            raise LayoutError(f"{where}: missing file {mf.target!r} is unknown or provided")


def _check_column(where: str, fld: Column) -> None:
    if fld.format is not None:
        try:
            conv = formats.get_converter(fld.format)
        except KeyError as e:
            raise LayoutError(f"{where}: {e.args[0]}") from None
        if conv.arity != len(fld.sources):
            raise LayoutError(
                f"{where}: converter {fld.format} reads {conv.arity} column(s), the source has "
                f"{len(fld.sources)}"
            )
    elif len(fld.sources) != 1:
        raise LayoutError(f"{where}: several source columns need a format")
    if len(set(fld.values.values())) != len(fld.values):
        raise LayoutError(f"{where}: the value map is not one-to-one")


@cache
def all_layouts() -> dict[str, Layout]:
    """vendor -> its layout, every module of `layouts/`, checked."""
    from . import layouts as package

    found: dict[str, Layout] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        lay = getattr(module, "LAYOUT", None)
        if not isinstance(lay, Layout):
            raise LayoutError(f"layouts/{info.name}.py defines no LAYOUT = Layout(...)")
        check_layout(lay)
        if lay.vendor in found:
            raise LayoutError(f"two layouts for vendor {lay.vendor!r}")
        found[lay.vendor] = lay
    return found


def layout(vendor: str) -> Layout:
    layouts = all_layouts()
    try:
        return layouts[vendor.strip().casefold()]
    except KeyError:
        raise KeyError(
            f"no layout for vendor {vendor!r} (known: {', '.join(sorted(layouts))})"
        ) from None


def layouts_of_domain(domain: str) -> list[Layout]:
    return [lay for lay in all_layouts().values() if lay.domain == domain]


def name_matches(vf: VendorFile, file_name: str) -> bool:
    """Whether a file name (no folder) is `vf`'s, case-insensitively (globs allowed)."""
    return fnmatch.fnmatchcase(file_name.casefold(), vf.name.casefold())


def name_part(vf: VendorFile, file_name: str) -> str | None:
    """What the first `*` of `vf.name` matched in `file_name` (None when it does not match);
    the case of the file name is kept."""
    pattern = re.escape(vf.name).replace(r"\*", "(.*?)", 1).replace(r"\*", ".*")
    pattern = pattern.replace(r"\?", ".")
    hit = re.fullmatch(pattern, file_name, flags=re.IGNORECASE)
    return hit.group(1) if hit and hit.groups() else None
