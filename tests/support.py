"""Helpers for the tests: copies of landing folders and a refresh through the real stack."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from orchestration.lib.refresh import RefreshResult, run_refresh
from orchestration.lib.settings import PROJECT_ROOT

GOLDEN = PROJECT_ROOT / "tests" / "fixtures" / "golden"


def copy_landing(source: Path, target: Path, *extra_batches: Path) -> Path:
    """A writable copy of a landing folder, with extra batch folders copied in."""
    shutil.copytree(source, target)
    for extra in extra_batches:
        for batch in extra.iterdir():
            shutil.copytree(batch, target / batch.name)
    return target


def refresh(landing: Path, warehouse: Path, *, full_refresh: bool = False) -> RefreshResult:
    """Run the daily refresh job in-process on this landing folder and warehouse file."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CRMWH_LANDING", str(landing))
        mp.setenv("CRMWH_WAREHOUSE", str(warehouse))
        return run_refresh(full_refresh=full_refresh)


def break_every_status(path: Path, statuses: tuple[str, ...]) -> bytes:
    """Replace every listed status of a CSV export with `bogus` (an unknown value that the
    audit quarantines: over the threshold, the batch is refused); return the original bytes
    so that the test can put them back."""
    original = path.read_bytes()
    text = path.read_text(encoding="utf-8-sig")
    for status in statuses:
        text = text.replace(f",{status},", ",bogus,")
    path.write_text(text, encoding="utf-8")
    return original


def unlist_from_manifest(batch: Path, file: str) -> bytes | None:
    """Take `file` out of the batch's manifest (when it has one) so that the file may be
    edited: a present file the manifest does not list is loaded as it is. Returns the
    manifest's original bytes, to put back, or None when the batch has no manifest."""
    manifest = batch / "_manifest.json"
    if not manifest.exists():
        return None
    original = manifest.read_bytes()
    data = json.loads(original)
    data["files"].pop(file, None)
    manifest.write_text(json.dumps(data))
    return original
