"""Refusals: the error a file that breaks the contract raises, and the record of every
batch refused in a run, with the files it concerns as data."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .contract import BY_PATH


class BatchRefused(Exception):
    """A file breaks the export contract: its whole batch is refused, nothing is loaded.

    `file` is how the message names it (`2026-11-24/crm/deals.csv`, a folder `2026_11_24/`,
    the landing folder); `files` the contract files it concerns (`crm/deals.csv`), by default
    the contract file `file` names, if any."""

    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        column: str | None = None,
        byte_offset: int | None = None,
        files: tuple[str, ...] | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        self.byte_offset = byte_offset
        self.message = message
        self.files = contract_files_named(file) if files is None else tuple(files)
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"line {self.line}")
        if self.column is not None:
            where.append(f"column {self.column}")
        if self.byte_offset is not None:
            where.append(f"byte offset {self.byte_offset}")
        return f"{', '.join(where)}: {self.message}"


def contract_files_named(name: str) -> tuple[str, ...]:
    """The contract file a name such as `2026-11-24/crm/deals.csv` stands for: `("crm/deals.csv",)`;
    `()` for any other name (a manifest, a folder, the landing folder)."""
    rel = name.split("/", 1)[1] if "/" in name else ""
    return (rel,) if rel in BY_PATH else ()


class RefusalKind(StrEnum):
    """Why a batch was refused."""

    CONTRACT = "contract"  # a file or name breaks the export contract: nothing was read
    RULE = "rule"  # a refuse-severity rule failed
    MISMATCH = "mismatch"  # the SQL audit and Great Expectations disagree
    GX_ERROR = "gx_error"  # Great Expectations could not evaluate a rule
    THRESHOLD = "threshold"  # a file's quarantine rate is over the threshold


@dataclass(frozen=True)
class Refusal:
    """One reason a batch was refused. `files` are the contract files it concerns
    (`crm/deals.csv`); empty when it concerns the batch as a whole (a misnamed folder, a
    malformed manifest). A contract refusal keeps the error as raised (file, line, column)."""

    batch: str
    kind: RefusalKind
    files: tuple[str, ...]
    message: str
    error: BatchRefused | None = None

    @classmethod
    def of_contract(cls, batch: str, error: BatchRefused) -> Refusal:
        return cls(batch, RefusalKind.CONTRACT, error.files, error.message, error)

    @property
    def by_audit(self) -> bool:
        return self.kind is not RefusalKind.CONTRACT

    @property
    def reason(self) -> str:
        """One line for people: the error as raised, or `batch <date>: <decision>`."""
        if self.error is not None:
            return str(self.error)
        return f"batch {self.batch}: {self.message}"

    def concerns(self, path: str) -> bool:
        """Whether this refusal concerns contract file `path`."""
        return not self.files or path in self.files


def as_error(batch: str, refusals: list[Refusal]) -> BatchRefused:
    """The one error that stands for a refused batch: a contract refusal's error as raised,
    else every reason of the audit in one message."""
    for refusal in refusals:
        if refusal.error is not None:
            return refusal.error
    files = tuple(dict.fromkeys(f for r in refusals for f in r.files))
    return BatchRefused(
        batch,
        "refused by the audit: " + "; ".join(r.message for r in refusals),
        files=() if any(not r.files for r in refusals) else files,
    )
