"""The landing folder: its batch folders, the files in them and their fingerprints."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path

from .contract import BY_PATH, FILES

log = logging.getLogger("crmwh")

_BATCH_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class Batch:
    date: dt.date
    path: Path

    @property
    def name(self) -> str:
        return self.path.name

    def present_files(self) -> list[str]:
        return [f.path for f in FILES if (self.path / f.path).is_file()]

    def ignored_files(self) -> list[str]:
        known = set(BY_PATH) | {"_manifest.json"}
        return sorted(
            str(p.relative_to(self.path))
            for p in self.path.rglob("*")
            if p.is_file() and str(p.relative_to(self.path)) not in known
        )

    def fingerprint(self) -> str:
        """Changes when any file of the batch is added, removed, resized or rewritten."""
        digest = hashlib.sha256()
        for p in sorted(self.path.rglob("*")):
            if p.is_file():
                st = p.stat()
                digest.update(
                    f"{p.relative_to(self.path)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode()
                )
        return digest.hexdigest()


def discover_batches(landing: Path) -> list[Batch]:
    """Batch folders of the landing folder, oldest export date first."""
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    batches = []
    for p in sorted(landing.iterdir()):
        if p.is_dir() and _BATCH_NAME.match(p.name):
            try:
                batches.append(Batch(dt.date.fromisoformat(p.name), p))
            except ValueError:
                log.warning("ignoring folder %s: not a valid export date", p.name)
    return batches
