"""The landing mirror: a local copy of a landing that lives in an object store.

When `CRMWH_LANDING` is an object-store URL (`s3://bucket/exports`, lib/storage.py), the
loader still reads a local folder (lib/landing.py walks it, follows links and hashes every
file): `landing-mirror/` beside the warehouse file (`settings.landing_dir()`). The refresh,
the new-batch sensor and the load each bring it up to date first (`sync_landing`): the
objects that are new or changed since the last sync are downloaded, the files no longer in
the store removed, the others left as they are, so a second sync downloads nothing.

An object is unchanged when its size and version (its ETag, else its modification time)
are those recorded when it was downloaded, in `.landing-mirror.json` beside the mirror:
not inside it, where every name is read or reported as outside the export contract. A
download is written under a hidden name in its folder and renamed, so the mirror never
holds a half-written file; the sync holds the refresh lock (lib/locking.py), so no loader
reads the mirror while it changes.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from . import settings
from .failures import UserError
from .locking import refresh_lock
from .storage import Location, hidden_temporary, is_url

log = logging.getLogger("crmwh")

# the keys of an object's version in fsspec's listings, by preference: S3's ETag, GCS's and
# Azure's etag or md5Hash, else a modification time
_VERSION_KEYS = ("ETag", "etag", "md5Hash", "LastModified", "last_modified", "updated", "mtime")

Version = tuple[int, str]  # an object's size and its ETag (or modification time)


class LandingNotUsable(UserError):
    """The landing URL does not exist, cannot be read (bucket, prefix, endpoint, rights)
    or holds an object whose name cannot be a file of the mirror."""


@dataclass(frozen=True)
class MirrorReport:
    """What one sync did: files (relative to the landing) downloaded and removed."""

    source: str
    mirror: Path
    downloaded: list[str]
    removed: list[str]
    unchanged: int
    seconds: float

    def describe(self) -> str:
        return (
            f"landing mirror of {self.source} in {self.mirror}: "
            f"{len(self.downloaded)} file(s) downloaded, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged in {self.seconds:.1f} s"
        )


def shown_landing() -> str:
    """The landing as people know it: its URL and where it is mirrored, or its folder."""
    location = settings.landing_location()
    if is_url(location):
        return f"{location} (mirrored in {settings.landing_dir()})"
    return location


def manifest_path(mirror: Path) -> Path:
    """Where the sync records the version of every file of the mirror."""
    return mirror.with_name(f".{mirror.name}.json")


def sync_landing(*, lock_timeout: float | None = None) -> MirrorReport | None:
    """Bring the mirror of an object-store landing up to date; None when the landing is a
    local folder (read in place). Holds the refresh lock of the warehouse, waiting up to
    `lock_timeout` seconds (default CRMWH_LOCK_TIMEOUT) for a running refresh.

    Raises LandingNotUsable (a UserError, one line naming the URL) when the landing does
    not exist or the store cannot be read, WarehouseBusy when the wait times out."""
    source = settings.landing_location()
    if not is_url(source):
        return None
    timeout = settings.lock_timeout() if lock_timeout is None else lock_timeout
    with refresh_lock(settings.warehouse_path(), timeout=timeout):
        report = _sync(Location.of(source), settings.landing_dir())
    log.info(report.describe())
    return report


def _sync(source: Location, mirror: Path) -> MirrorReport:
    started = time.monotonic()
    remote = _list_store(source)
    mirror.mkdir(parents=True, exist_ok=True)
    manifest = manifest_path(mirror)
    recorded = _read_manifest(manifest, source.root)
    local = _local_files(mirror)
    wanted = [
        rel
        for rel, version in remote.items()
        if recorded.get(rel) != version or local.get(rel) != version[0]
    ]
    removed = sorted(set(local) - set(remote))
    for rel in removed:
        (mirror / rel).unlink()
    _prune_empty_folders(mirror)
    _download(source, mirror, wanted)
    _write_manifest(manifest, source.root, remote)
    return MirrorReport(
        source=source.root,
        mirror=mirror,
        downloaded=wanted,
        removed=removed,
        unchanged=len(remote) - len(wanted),
        seconds=time.monotonic() - started,
    )


def _list_store(source: Location) -> dict[str, Version]:
    """Every object below the landing URL: its name relative to it -> its version."""
    root = source.store_path
    try:
        source.fs.invalidate_cache(root)  # listed afresh: the exports change between syncs
        found = source.fs.find(root, detail=True)
        if not found and not source.fs.isdir(root):
            raise FileNotFoundError(root)
    except FileNotFoundError:
        raise LandingNotUsable(
            f"the landing {source.root} does not exist (no bucket, folder or object there): "
            "check CRMWH_LANDING"
        ) from None
    except Exception as e:  # each store's client raises its own errors (botocore's for S3)
        raise _not_reachable(source, e) from None
    objects = {}
    for name, info in found.items():
        rel = name.removeprefix(root.rstrip("/") + "/")
        # a folder marker (an empty object named `folder/`, which S3 tools write) is no file
        if info.get("type") == "file" and rel != name and rel and not rel.endswith("/"):
            objects[_checked(rel, source)] = (int(info.get("size") or 0), _version(info))
    return dict(sorted(objects.items()))


def _not_reachable(source: Location, error: Exception) -> LandingNotUsable:
    reason = " ".join(str(error).split()) or type(error).__name__
    return LandingNotUsable(
        f"cannot read the landing {source.root}: {reason}; check CRMWH_LANDING, the store's "
        "endpoint and credentials (AWS_*, FSSPEC_S3_ENDPOINT_URL for S3)"
    )


def _version(info: dict) -> str:
    return next((str(info[key]) for key in _VERSION_KEYS if info.get(key)), "")


def _checked(rel: str, source: Location) -> str:
    """`rel` when it names a file below the mirror folder (no `..`, `.` or empty part)."""
    parts = PurePosixPath(rel).parts
    if rel.startswith("/") or "//" in rel or any(part in ("..", ".") for part in parts):
        raise LandingNotUsable(
            f"the landing {source.root} holds an object named {rel!r}, which cannot be "
            "copied into a folder: rename or remove it"
        )
    return rel


def _read_manifest(manifest: Path, source: str) -> dict[str, Version]:
    """The versions recorded by the last sync of the same URL (none when another URL or
    the file is missing or unreadable: everything is then downloaded again)."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        if data["source"] != source:
            return {}
        return {rel: (int(size), str(version)) for rel, (size, version) in data["files"].items()}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}


def _write_manifest(manifest: Path, source: str, files: dict[str, Version]) -> None:
    text = json.dumps({"source": source, "files": files})
    Location.of(manifest.parent).write_text(text, manifest.name)


def _local_files(mirror: Path) -> dict[str, int]:
    """Every file of the mirror (links not followed): its name relative to it -> its size."""
    files = {}
    for folder, _, names in os.walk(mirror):
        for name in names:
            path = Path(folder, name)
            files[path.relative_to(mirror).as_posix()] = path.lstat().st_size
    return files


def _prune_empty_folders(mirror: Path) -> None:
    """Remove the folders left empty by the removals (the mirror folder itself stays)."""
    for folder, _, _ in os.walk(mirror, topdown=False):
        if Path(folder) != mirror and not any(Path(folder).iterdir()):
            Path(folder).rmdir()


def _download(source: Location, mirror: Path, rels: list[str]) -> None:
    """Download the objects `rels` into the mirror, each to a hidden name in its folder
    renamed once every download has succeeded (fsspec downloads them concurrently)."""
    if not rels:
        return
    root = source.store_path
    targets = [mirror / rel for rel in rels]
    temporaries = [hidden_temporary(target) for target in targets]
    try:
        try:
            source.fs.get([f"{root}/{rel}" for rel in rels], [str(t) for t in temporaries])
        except Exception as e:  # as in _list_store: each store's client has its own errors
            raise _not_reachable(source, e) from None
        for temporary, target in zip(temporaries, targets, strict=True):
            os.replace(temporary, target)
    finally:
        for temporary in temporaries:
            temporary.unlink(missing_ok=True)
