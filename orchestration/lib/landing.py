"""The landing folder: its batch folders, the files in them and their fingerprints.

Every name in the landing folder is checked against the export contract:

- a batch folder is named by its export date, `YYYY-MM-DD`; a file of a batch is a contract
  file (`contract.FILES`, e.g. `crm/deals.csv`) or the manifest (`_manifest.json`);
- any other name is *unknown*: it is not read, and `scan_landing` returns it (with the
  reason) so the refresh can report it by name (`latest/`, `2026-11-23x/`, `crm/notes.txt`);
- a name that differs from a contract name only by case, spaces, `-` or `_` is *misnamed*:
  `crm/Activities.csv`, `crm/deal history.csv`, `CRM/deals.csv`, `Manifest.json`, and for
  folders `2026_11_23`, `20261123` or `2026-11-23 ` (a trailing space). It is surely meant as
  that contract name, and reading the batch without it would silently lose its records (or
  skip the manifest's checks), so it refuses its batch; the message says what to rename it
  to. A misnamed batch folder refuses the batch it would be (decided: refused rather than
  only reported, like a misnamed file).

A file of a domain folder that is not a contract file may be a vendor's native export
(Salesforce's `Opportunity.csv`, Stripe's `unified_payments.csv`): `adapters.detect` matches
it against the vendor layouts by its header, so it provides its contract file (or, looking
like a vendor export that matches no layout, refuses its batch). The landing's
`crmwh-layouts.toml` may force a domain's layout and set the time zone of vendor times
without an offset (`timezone`); it is read, not reported.

Symbolic links are followed: a batch folder, a sub-folder or a file may be a link. A link
whose target is missing is reported (a contract name: its batch is refused); a link back
to a folder above it is reported and not followed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .adapters.detect import CONFIG_NAMES, VendorPlan, plan_batch, read_config
from .contract import BY_PATH, FILES
from .errors import BatchRefused

log = logging.getLogger("crmwh")

MANIFEST = "_manifest.json"
KNOWN_FILES = frozenset(BY_PATH) | {MANIFEST}

_BATCH_NAME = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SEPARATORS = re.compile(r"[\s_\-]+")


def _squash(name: str) -> str:
    """The name without case, spaces, `-` and `_`: how misnamed files are recognised."""
    return _SEPARATORS.sub("", name).casefold()


_SQUASHED_CONTRACT = {_squash(name): name for name in sorted(KNOWN_FILES)}


def resembled_contract_name(rel: str) -> str | None:
    """The contract file name (or `_manifest.json`) that `rel` misspells by case, spacing,
    `-` or `_` (also with a leading `./`); None when `rel` is exact or resembles none."""
    if rel in KNOWN_FILES:
        return None
    normal = PurePosixPath(rel.replace("\\", "/")).as_posix()
    return _SQUASHED_CONTRACT.get(_squash(normal))


def resembled_batch_name(name: str) -> str | None:
    """The batch folder name (`YYYY-MM-DD`) that `name` misspells by spacing, `-` or `_`
    (`2026_11_23`, `20261123`, `2026-11-23 `); None when exact or resembling none."""
    digits = _squash(name)
    if _BATCH_NAME.match(name) or not re.fullmatch(r"\d{8}", digits):
        return None
    try:
        date = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None
    iso = date.isoformat()
    return iso if iso != name else None


@dataclass(frozen=True)
class UnknownName:
    """A name of the landing folder outside the contract: not read, reported."""

    name: str  # relative to the landing folder; a folder ends with "/": "latest/"
    reason: str  # one line: why it is not read and what to do

    def __str__(self) -> str:
        return f"{self.name}: {self.reason}"


@dataclass(frozen=True)
class _Entry:
    rel: str  # posix path relative to the batch folder
    path: Path
    kind: str  # "file", "broken" (link to nothing), "loop" (link to a folder above), "other"


def _walk(root: Path) -> list[_Entry]:
    """Every entry below `root`, symbolic links followed (files and folders), sorted."""
    entries: list[_Entry] = []

    def visit(folder: Path, prefix: str, ancestors: frozenset[tuple[int, int]]) -> None:
        with os.scandir(folder) as it:
            children = sorted(it, key=lambda e: e.name)
        for child in children:
            rel, path = prefix + child.name, Path(child.path)
            if child.is_dir():  # follows links
                st = path.stat()
                identity = (st.st_dev, st.st_ino)
                if identity in ancestors:
                    entries.append(_Entry(rel, path, "loop"))
                else:
                    visit(path, rel + "/", ancestors | {identity})
            elif child.is_file():  # follows links
                entries.append(_Entry(rel, path, "file"))
            elif child.is_symlink():
                entries.append(_Entry(rel, path, "broken"))
            else:
                entries.append(_Entry(rel, path, "other"))

    st = root.stat()
    visit(root, "", frozenset({(st.st_dev, st.st_ino)}))
    return sorted(entries, key=lambda e: e.rel)


_KIND_REASON = {
    "broken": "a symbolic link whose target is missing: not read",
    "loop": "a symbolic link to a folder above it: not followed",
    "other": "not a regular file: not read",
}


@dataclass
class Batch:
    date: dt.date
    path: Path
    # domain -> forced vendor (the landing's crmwh-layouts.toml), or why that file is refused
    layout_config: dict[str, str] = field(default_factory=dict)
    config_error: BatchRefused | None = None
    _plan: VendorPlan | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.path.name

    def _entries(self) -> list[_Entry]:
        return _walk(self.path)

    def vendor_plan(self) -> VendorPlan:
        """The vendor export files of this batch (read once: their headers)."""
        if self._plan is None:
            files = [e.rel for e in self._entries() if e.kind == "file"]
            self._plan = plan_batch(self.path, files, self.layout_config)
        return self._plan

    def files(self) -> list[str]:
        """Every regular file of the batch folder (links followed), relative, sorted."""
        return [e.rel for e in self._entries() if e.kind == "file"]

    def present_files(self) -> list[str]:
        """The contract files of this batch, in contract order.

        Raises BatchRefused when a name of the batch misspells a contract name (see
        `refusals`): which files the batch has is then not certain."""
        self.check_names()
        vendor = self.vendor_plan().rels
        return [f.path for f in FILES if (self.path / f.path).is_file() and f.path not in vendor]

    def unknown(self) -> list[UnknownName]:
        """The names of this batch outside the contract that do not refuse it, with reasons
        (names relative to the landing folder)."""
        unknown = []
        plan = self.vendor_plan()
        read_or_refused = plan.rels | plan.refused_rels
        for e in self._entries():
            if e.rel in KNOWN_FILES and e.kind == "file" or self._refusal(e) is not None:
                continue
            if e.rel in read_or_refused:
                continue
            reason = _KIND_REASON.get(e.kind, "not a file of the export contract: not read")
            unknown.append(UnknownName(f"{self.name}/{e.rel}", reason))
        return unknown

    def ignored_files(self) -> list[str]:
        """The names of this batch outside the contract that do not refuse it (relative to
        the batch folder): not read, to be reported."""
        return [u.name.removeprefix(f"{self.name}/") for u in self.unknown()]

    def _refusal(self, entry: _Entry) -> BatchRefused | None:
        name = f"{self.name}/{entry.rel}"
        plan = self.vendor_plan()
        if entry.kind == "file" and entry.rel in plan.rels | plan.refused_rels:
            return None  # a vendor's file (read), or refused by the detection
        if entry.rel in KNOWN_FILES:
            if entry.kind == "file":
                return None
            return BatchRefused(
                name,
                f"{_KIND_REASON[entry.kind].split(':')[0]}, in place of the contract's file: "
                "restore the file or re-export the batch",
            )
        resembled = resembled_contract_name(entry.rel)
        if resembled is None:
            return None
        return BatchRefused(
            name,
            f"the name differs from the contract's {resembled} only by case or spacing, "
            f"so the batch would be read without it: rename it to {resembled}",
            files=(resembled,) if resembled in BY_PATH else (),
        )

    def refusals(self) -> list[BatchRefused]:
        """One refusal per misnamed file (and per contract name that is a broken link), per
        vendor export that matches no layout or clashes with another source of its contract
        file, and the landing's unreadable crmwh-layouts file."""
        if self.config_error is not None:
            return [BatchRefused(self.name, f"the landing's {self.config_error}", files=())]
        misnamed = [r for e in self._entries() if (r := self._refusal(e)) is not None]
        return misnamed + self.vendor_plan().refusals

    def check_names(self) -> None:
        """Raise BatchRefused for the first misnamed file of the batch."""
        for refusal in self.refusals():
            raise refusal

    def fingerprint(self) -> str:
        """A digest of the batch's content: the relative path and the sha256 of every file
        (links followed, files streamed), and the names of the other entries.

        It changes when a file is added, removed, renamed or edited, whatever its size and
        mtime; it does not change when files are only touched or copied elsewhere."""
        digest = hashlib.sha256()
        for e in self._entries():
            if e.kind != "file":
                digest.update(f"{e.rel}\0{e.kind}\n".encode())
                continue
            try:
                with e.path.open("rb") as f:
                    content = hashlib.file_digest(f, "sha256").hexdigest()
            except OSError as error:
                raise BatchRefused(
                    f"{self.name}/{e.rel}",
                    f"cannot be read ({error.strerror}): fix its permissions or re-export it",
                ) from None
            digest.update(f"{e.rel}\0{content}\n".encode())
        return digest.hexdigest()


@dataclass
class LandingScan:
    """What the landing folder holds: its batches (oldest first), the names outside the
    contract to report, and the misnamed ones, each refusing its batch."""

    landing: Path
    batches: list[Batch] = field(default_factory=list)
    unknown: list[UnknownName] = field(default_factory=list)  # sorted by name
    refusals: list[BatchRefused] = field(default_factory=list)

    @property
    def unknown_names(self) -> list[str]:
        return [u.name for u in self.unknown]

    def refused_batches(self) -> dict[str, BatchRefused]:
        """Batch name (the date a misnamed folder stands for) -> its first refusal."""
        refused: dict[str, BatchRefused] = {}
        for refusal in self.refusals:
            first = refusal.file.split("/", 1)[0]
            refused.setdefault(resembled_batch_name(first) or first, refusal)
        return refused

    def check(self) -> None:
        """Raise the first refusal (misnamed folder or file), if any."""
        for refusal in self.refusals:
            raise refusal


def _scan_folders(landing: Path) -> LandingScan:
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    scan = LandingScan(landing)
    names = {p.name for p in landing.iterdir()}
    try:
        config, config_error = read_config(landing), None
    except BatchRefused as e:
        config, config_error = {}, e
    for p in sorted(landing.iterdir()):
        is_dir = p.is_dir()
        shown = f"{p.name}/" if is_dir else p.name
        if is_dir and _BATCH_NAME.match(p.name):
            try:
                scan.batches.append(Batch(dt.date.fromisoformat(p.name), p, config, config_error))
            except ValueError:
                scan.unknown.append(
                    UnknownName(shown, "not a valid date (YYYY-MM-DD): not read; rename it")
                )
            continue
        resembled = resembled_batch_name(p.name) if is_dir else None
        if resembled is not None:
            twin = f" (a folder {resembled} exists too: keep one)" if resembled in names else ""
            scan.refusals.append(
                BatchRefused(
                    shown,
                    f'the folder name "{p.name}" differs from the batch date {resembled} only '
                    f"by spacing or separators, so the batch would not be read: rename the "
                    f"folder to {resembled}{twin}",
                )
            )
        elif is_dir:
            scan.unknown.append(
                UnknownName(shown, "not a batch folder name (YYYY-MM-DD): not read")
            )
        elif p.name in CONFIG_NAMES and p.is_file():
            continue  # the layouts configuration: read above
        elif _BATCH_NAME.match(p.name):
            scan.unknown.append(
                UnknownName(shown, "named like a batch but not a folder (a broken link?): not read")
            )
        else:
            scan.unknown.append(UnknownName(shown, "not a batch folder: not read"))
    return scan


def scan_landing(landing: Path) -> LandingScan:
    """The batches of the landing folder (oldest export date first), every name outside the
    contract (folders of the landing folder, files of its batches) and the refusals of
    misnamed folders and files. Reads names only, no file content."""
    scan = _scan_folders(landing)
    for batch in scan.batches:
        scan.unknown += batch.unknown()
        scan.refusals += batch.refusals()
    scan.unknown.sort(key=lambda u: u.name)
    return scan


def discover_batches(landing: Path) -> list[Batch]:
    """Batch folders of the landing folder, oldest export date first (folder names only;
    `scan_landing` also returns the names outside the contract)."""
    scan = _scan_folders(landing)
    for unknown in scan.unknown:
        log.debug("ignoring %s", unknown)
    for refusal in scan.refusals:
        log.warning("misnamed batch folder: %s", refusal)
    return scan.batches
