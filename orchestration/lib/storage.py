"""Locations outside the warehouse file: a local folder or an object-store URL.

The landing (`CRMWH_LANDING`) and the lake (`CRMWH_LAKE`) may each be a folder or a URL
such as `s3://bucket/exports`, `gs://...` or `abfs://...`, read and written through
fsspec (`s3fs` is installed; Google Cloud Storage needs `gcsfs`, Azure `adlfs`). Their
credentials and endpoints come from the usual environment of each store (for S3:
`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, and
`FSSPEC_S3_ENDPOINT_URL` for an S3-compatible store), never from a file of the project.

A file is put in place whole: on a local disk written under a hidden name in its folder
and renamed; on an object store uploaded in one request (an object is visible only once
complete). Names starting with `.` or `_` are never read as data (Spark skips them too).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # fsspec is imported when a location is first read or written, not at
    import fsspec  # start-up (settings imports this module)

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def is_url(location: str | Path) -> bool:
    """`s3://bucket/x`, `file:///tmp/x`: a URL; `/tmp/x`, `lake`, `C:\\x`: a path."""
    return isinstance(location, str) and bool(_URL.match(location))


@dataclass(frozen=True)
class Location:
    """A folder, local or in an object store, addressed by names relative to it."""

    root: str  # a local absolute path or a URL, without a trailing slash

    @classmethod
    def of(cls, location: str | Path) -> Location:
        text = str(location)
        return cls(text.rstrip("/") if is_url(text) else str(Path(text)))

    @property
    def is_local(self) -> bool:
        return not is_url(self.root) or self.root.startswith("file://")

    @property
    def local_path(self) -> Path:
        """The folder on this machine (only for a local location)."""
        if not self.is_local:
            raise ValueError(f"{self.root} is not on this machine")
        return Path(self.root.removeprefix("file://"))

    @cached_property
    def fs(self) -> fsspec.AbstractFileSystem:
        import fsspec

        if self.is_local:
            return fsspec.filesystem("file")
        return fsspec.core.url_to_fs(self.root)[0]

    @property
    def store_path(self) -> str:
        """The root as its filesystem names it, without the protocol (`bucket/exports`)."""
        import fsspec

        return fsspec.core.strip_protocol(self.root).rstrip("/")

    def url(self, *parts: str) -> str:
        """What Spark and fsspec are given for `parts` under this location."""
        return "/".join([self.root, *parts])

    def _key(self, *parts: str) -> str:
        return str(self.local_path.joinpath(*parts)) if self.is_local else self.url(*parts)

    def exists(self, *parts: str) -> bool:
        return self.fs.exists(self._key(*parts))

    def read_text(self, *parts: str) -> str:
        with self.fs.open(self._key(*parts), "r", encoding="utf-8") as handle:
            return handle.read()

    def write_text(self, text: str, *parts: str) -> None:
        with staged(self, *parts) as temporary:
            temporary.write_text(text, encoding="utf-8")

    def files(self, *parts: str) -> list[str]:
        """The names of the data files directly in a folder (hidden ones left out)."""
        return self._entries("file", *parts)

    def folders(self, *parts: str) -> list[str]:
        """The names of the folders directly in a folder (hidden ones left out)."""
        return self._entries("directory", *parts)

    def _entries(self, kind: str, *parts: str) -> list[str]:
        """Listed afresh every time (another process, Spark, writes here too); a folder
        marker (an empty object named `folder/`, which S3 tools and Hadoop's S3A write) is
        not a file."""
        key = self._key(*parts)
        self.fs.invalidate_cache(key)
        if not self.fs.isdir(key):
            return []
        names = [
            entry["name"].rstrip("/").rsplit("/", 1)[-1]
            for entry in self.fs.ls(key, detail=True)
            if entry["type"] == kind and not (kind == "file" and entry["name"].endswith("/"))
        ]
        return sorted(name for name in names if name and not name.startswith((".", "_")))

    def remove(self, *parts: str) -> None:
        self.fs.rm(self._key(*parts))

    def download(self, folder: str, target: Path) -> None:
        """Copy a folder's data files to a local folder (which is emptied first)."""
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in self.files(folder):
            self.fs.get(self._key(folder, name), str(target / name))


def hidden_temporary(target: Path) -> Path:
    """Where `target` is written before it is renamed into place: a hidden name beside it."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


@contextmanager
def staged(location: Location, *parts: str) -> Iterator[Path]:
    """A local file to write; on success it is put in place at `parts` under `location`
    whole (renamed on a local disk, uploaded in one request to an object store)."""
    if location.is_local:
        target = location.local_path.joinpath(*parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = hidden_temporary(target)
        try:
            yield temporary
            os.replace(temporary, target)
        finally:
            temporary.unlink(missing_ok=True)
        return
    with tempfile.TemporaryDirectory(prefix="crmwh-") as folder:
        temporary = Path(folder) / parts[-1]
        yield temporary
        location.fs.put_file(str(temporary), location.url(*parts))
