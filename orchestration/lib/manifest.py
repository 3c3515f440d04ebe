"""Verification of a batch's `_manifest.json` (row counts and checksums of listed files)."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import BatchRefused

MANIFEST = "_manifest.json"


def read_manifest(batch_dir: Path) -> dict[str, dict] | None:
    """The manifest's file entries, or None when the batch has no manifest."""
    path = batch_dir / MANIFEST
    if not path.exists():
        return None
    name = f"{batch_dir.name}/{MANIFEST}"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise BatchRefused(name, f"the manifest is not valid UTF-8 JSON: {e}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BatchRefused(name, 'the manifest has no "files" object')
    export_date = manifest.get("export_date")
    if export_date is not None and export_date != batch_dir.name:
        raise BatchRefused(
            name, f"export_date {export_date} differs from the batch folder {batch_dir.name}"
        )
    for file in manifest["files"]:
        if not (batch_dir / file).is_file():
            raise BatchRefused(
                f"{batch_dir.name}/{file}", "listed in the manifest but missing: truncated export"
            )
    return manifest["files"]


def verify_file(entry: dict, name: str, records: int, sha256: str) -> None:
    """Refuse the batch when a listed file's record count or checksum differs."""
    expected_rows = entry.get("rows")
    if expected_rows is not None and int(expected_rows) != records:
        raise BatchRefused(
            name,
            f"the manifest says {expected_rows} records, the file holds {records}: "
            "truncated or corrupted export",
        )
    expected_sha = entry.get("sha256")
    if expected_sha is not None and expected_sha.lower() != sha256:
        raise BatchRefused(name, "sha256 differs from the manifest: corrupted export")
