"""Verification of a batch's `_manifest.json` (row counts and checksums of listed files).

The manifest is `{"export_date": "YYYY-MM-DD", "files": {"crm/deals.csv": {"rows": 417,
"sha256": "<64 hex>"}, ...}}`. Every entry names a file of the export contract by its path
in the batch folder, that resolves inside the batch folder (no `..`, no absolute path, no
symbolic link leading out); `rows` and `sha256` are optional. Anything else refuses the
batch with a one-line message naming the manifest and the entry.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath

from .contract import BY_PATH
from .errors import BatchRefused, contract_files_named
from .landing import MANIFEST, resembled_contract_name

__all__ = ["MANIFEST", "read_manifest", "verify_file"]

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
_FIX = "fix the manifest or re-export the batch"


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "boolean", str: "string", list: "array", int: "number", float: "number"}.get(
        type(value), type(value).__name__
    )


def _entry_problem(batch_dir: Path, file: str, entry: object) -> str | None:
    """What is wrong with one entry of `files`, as a message; None when it is fine."""
    posix = file.replace("\\", "/")
    if posix.startswith("/") or re.match(r"^[A-Za-z]:", posix):
        return (
            "an absolute path; the manifest lists the files of its batch by their path in "
            f"the batch folder (such as crm/deals.csv): {_FIX}"
        )
    if ".." in PurePosixPath(posix).parts:
        return f"a path outside the batch folder (through ..): {_FIX}"
    if file not in BY_PATH:
        resembled = resembled_contract_name(file)
        hint = f" (did you mean {resembled}?)" if resembled and resembled in BY_PATH else ""
        return f"not a file of the export contract{hint}: {_FIX}"
    if not isinstance(entry, dict):
        return (
            'the entry must be an object such as {"rows": 12, "sha256": "<64 hex digits>"}, '
            f"not {_json_type(entry)}: {_FIX}"
        )
    rows = entry.get("rows")
    if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool) or rows < 0):
        return f'"rows" must be a non-negative integer, not {json.dumps(rows)}: {_FIX}'
    sha = entry.get("sha256")
    if sha is not None and not (isinstance(sha, str) and _SHA256.match(sha)):
        shown = json.dumps(sha)
        shown = shown if len(shown) <= 24 else shown[:20] + "..."
        return f'"sha256" must be 64 hexadecimal digits, not {shown}: {_FIX}'
    path = batch_dir / file
    if path.exists():
        real, root = path.resolve(), batch_dir.resolve()
        if not real.is_relative_to(root):
            return (
                f"resolves outside the batch folder through a symbolic link (to {real}); "
                "the manifest may list only files inside its batch: copy the file into the "
                "batch or fix the manifest"
            )
    return None


def read_manifest(batch_dir: Path) -> dict[str, dict] | None:
    """The manifest's file entries (contract path -> {"rows", "sha256"}), or None when the
    batch has no manifest. Raises BatchRefused when the manifest is malformed, lists a path
    outside the batch or the contract, or lists a file that is missing."""
    path = batch_dir / MANIFEST
    if not path.exists() and not path.is_symlink():
        return None
    name = f"{batch_dir.name}/{MANIFEST}"
    if not path.is_file():
        raise BatchRefused(name, f"the manifest is not a readable file: {_FIX}")
    try:
        manifest = json.loads(
            path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys
        )
    except _DuplicateKey as e:
        raise BatchRefused(name, f'the manifest lists "{e}" twice: {_FIX}') from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BatchRefused(name, f"the manifest is not valid UTF-8 JSON ({e}): {_FIX}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BatchRefused(name, f'the manifest has no "files" object: {_FIX}')
    export_date = manifest.get("export_date")
    if export_date is not None and export_date != batch_dir.name:
        raise BatchRefused(
            name,
            f"export_date {export_date} differs from the batch folder {batch_dir.name}: "
            "move the batch to the folder of its date or fix the manifest",
        )
    files: dict[str, dict] = manifest["files"]
    for file, entry in files.items():
        problem = _entry_problem(batch_dir, file, entry)
        if problem is not None:
            raise BatchRefused(
                name,
                f'entry "{file}": {problem}',
                files=contract_files_named(f"{batch_dir.name}/{file}"),
            )
    for file in files:
        if not (batch_dir / file).is_file():
            raise BatchRefused(
                f"{batch_dir.name}/{file}",
                "listed in the manifest but missing: truncated export; re-export the batch",
            )
    return files


def verify_file(entry: dict, name: str, records: int, sha256: str) -> None:
    """Refuse the batch when a listed file's record count or checksum differs."""
    expected_rows = entry.get("rows")
    if expected_rows is not None and int(expected_rows) != records:
        raise BatchRefused(
            name,
            f"the manifest says {expected_rows} records, the file holds {records}: "
            "truncated or corrupted export; re-export the batch",
        )
    expected_sha = entry.get("sha256")
    if expected_sha is not None and expected_sha.lower() != sha256:
        raise BatchRefused(
            name, "sha256 differs from the manifest: corrupted export; re-export the batch"
        )
