"""What an audit run concludes: per rule, per file and per batch (refusals), as data for
audit.check_results, the report, and the checks of the Dagster assets."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from expectations import Severity

from ..errors import BatchRefused, Refusal, as_error

DEFAULT_THRESHOLD = 0.20  # share of a file's records that may be quarantined
DEFAULT_MIN_RECORDS = 10  # files with fewer records are not held to the threshold

# A record of an export file: (batch date YYYY-MM-DD, record number in the file).
Record = tuple[str, int]


class RuleOutcome(StrEnum):
    """What the audit concluded about one rule (or one outcome of it) on one batch's file."""

    PASSED = "passed"
    QUARANTINED = "quarantined"
    FLAGGED = "flagged"
    FIXED = "fixed"
    DEDUPLICATED = "deduplicated"
    REFUSED = "refused"
    MISMATCH = "mismatch"  # the SQL audit and GX disagree: the batch is refused
    ERROR = "error"  # GX could not evaluate the rule: the batch is refused

    @classmethod
    def of(cls, severity: Severity) -> RuleOutcome:
        """The outcome of a rule of this severity that found records."""
        return _OF_SEVERITY[severity]


_OF_SEVERITY = {
    Severity.QUARANTINE: RuleOutcome.QUARANTINED,
    Severity.FLAG: RuleOutcome.FLAGGED,
    Severity.FIX: RuleOutcome.FIXED,
    Severity.DEDUPE: RuleOutcome.DEDUPLICATED,
    Severity.REFUSE: RuleOutcome.REFUSED,
}
BLOCKING = frozenset({RuleOutcome.REFUSED, RuleOutcome.MISMATCH, RuleOutcome.ERROR})

COUNTS = (
    "records_read",
    "records_loaded",
    "records_quarantined",
    "duplicates_removed",
    "records_fixed",
    "records_flagged",
)


@dataclass
class FileResult:
    """The counts of one file of one batch (a row of audit.file_loads)."""

    batch_date: str
    source_file: str
    records_read: int
    records_loaded: int
    records_quarantined: int
    duplicates_removed: int
    records_fixed: int
    records_flagged: int

    @property
    def adds_up(self) -> bool:
        """records_read = records_loaded + records_quarantined + duplicates_removed."""
        return self.records_read == (
            self.records_loaded + self.records_quarantined + self.duplicates_removed
        )


@dataclass
class RuleResult:
    """One rule on one batch's file: SQL's and GX's failures and the outcome(s)."""

    source_file: str
    rule: str
    severities: tuple[Severity, ...]  # one per outcome the rule can raise
    column: str | None
    expectation: str | None
    records_checked: int
    failures_sql: int
    failures_gx: int | None
    outcomes: tuple[RuleOutcome, ...]  # (PASSED,), or one per outcome that found records
    details: str | None = None
    batch: str = ""

    @property
    def severity(self) -> str:
        """As audit.check_results stores it: `quarantine`, or `fix/flag` for two outcomes."""
        return "/".join(self.severities)

    @property
    def outcome(self) -> str:
        """As audit.check_results stores it: `passed`, `quarantined`, `fixed/flagged`."""
        return "/".join(self.outcomes)

    @property
    def passed(self) -> bool:
        return self.outcomes == (RuleOutcome.PASSED,)

    @property
    def blocking(self) -> bool:
        return any(o in BLOCKING for o in self.outcomes)


@dataclass
class Redecision:
    """A file of an accepted batch decided again because a file it reads changed."""

    batch: str
    source_file: str
    quarantined_before: int
    quarantined_after: int
    flagged_before: int
    flagged_after: int


@dataclass(frozen=True)
class VendorBatch:
    """How a batch's vendor export files were read (lib/adapters): domain -> the layout that
    provided it, contract file -> [(vendor file, first record number, last)] in record
    order, and the zone its times without an offset were read in."""

    layouts: dict[str, str]
    files: dict[str, list[tuple[str, int, int]]]
    timezone: str


@dataclass
class AuditResult:
    """Everything one run of the audit concluded. `refusals` is the one record of the
    batches refused in the run (before their records were read, or by the audit)."""

    run_id: str
    batches: list[str] = field(default_factory=list)  # audited (or refused) in this run
    refusals: list[Refusal] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    rules: list[RuleResult] = field(default_factory=list)
    redecided: list[Redecision] = field(default_factory=list)
    unknown_names: list[str] = field(default_factory=list)  # names outside the contract
    vendor_batches: dict[str, VendorBatch] = field(
        default_factory=dict
    )  # batches in vendor layouts
    samples: dict[tuple[str, str], list[dict]] = field(default_factory=dict)
    seconds_sql: float = 0.0
    seconds_gx: float = 0.0
    seconds_total: float = 0.0
    report: Path | None = None
    threshold: float = DEFAULT_THRESHOLD
    min_records: int = DEFAULT_MIN_RECORDS

    @property
    def refused(self) -> dict[str, list[str]]:
        """Refused batch -> its reasons, in the order they were refused."""
        refused: dict[str, list[str]] = {}
        for r in self.refusals:
            refused.setdefault(r.batch, []).append(r.reason)
        return refused

    def errors(self) -> dict[str, BatchRefused]:
        """Refused batch -> the one error that stands for it (see errors.as_error)."""
        by_batch: dict[str, list[Refusal]] = {}
        for r in self.refusals:
            by_batch.setdefault(r.batch, []).append(r)
        return {batch: as_error(batch, refusals) for batch, refusals in by_batch.items()}

    def refusals_of(self, path: str) -> list[Refusal]:
        """The refusals that concern contract file `path`."""
        return [r for r in self.refusals if r.concerns(path)]

    @property
    def blocking(self) -> list[str]:
        return [r.reason for r in self.refusals]

    @property
    def passed(self) -> bool:
        return not self.refusals

    def file_totals(self) -> dict[str, dict[str, int]]:
        """Counts per file over the accepted batches of this run."""
        refused = {r.batch for r in self.refusals}
        totals: dict[str, dict[str, int]] = {}
        for f in self.files:
            if f.batch_date in refused:
                continue
            t = totals.setdefault(f.source_file, dict.fromkeys(COUNTS, 0))
            for name in COUNTS:
                t[name] += getattr(f, name)
        return totals
