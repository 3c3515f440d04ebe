"""Accept or refuse a batch: a refuse-severity failure, SQL and GX disagreeing, a GX engine
error, or a file's quarantine rate over the threshold refuses it (its transaction rolls
back: raw, the audit tables, the marts and the publication stay as they were)."""

from __future__ import annotations

import os

from ..errors import Refusal, RefusalKind
from .results import DEFAULT_MIN_RECORDS, DEFAULT_THRESHOLD, FileResult, RuleOutcome, RuleResult


def quarantine_threshold() -> float:
    """Share of a file's records that may be quarantined before its batch is refused
    (`CRMWH_QUARANTINE_THRESHOLD`, a fraction, default 0.20)."""
    return float(os.environ.get("CRMWH_QUARANTINE_THRESHOLD") or DEFAULT_THRESHOLD)


def threshold_min_records() -> int:
    """Files with fewer records are not held to the threshold (one bad record in a file
    of five is not a broken export): `CRMWH_QUARANTINE_MIN_RECORDS`, default 10."""
    return int(os.environ.get("CRMWH_QUARANTINE_MIN_RECORDS") or DEFAULT_MIN_RECORDS)


def over_threshold(f: FileResult, threshold: float, min_records: int) -> bool:
    return f.records_read >= min_records and f.records_quarantined > threshold * f.records_read


def decide(
    batch: str,
    rules: list[RuleResult],
    files: list[FileResult],
    threshold: float,
    min_records: int,
) -> list[Refusal]:
    """The refusals of batch `batch` (none: accept it)."""
    refusals = []
    for r in rules:
        if RuleOutcome.MISMATCH in r.outcomes:
            refusals.append(
                Refusal(
                    batch,
                    RefusalKind.MISMATCH,
                    (r.source_file,),
                    f"{r.source_file}: rule {r.rule}: the SQL audit and GX disagree ({r.details})",
                )
            )
        elif RuleOutcome.ERROR in r.outcomes:
            refusals.append(
                Refusal(
                    batch,
                    RefusalKind.GX_ERROR,
                    (r.source_file,),
                    f"{r.source_file}: rule {r.rule}: {r.details}",
                )
            )
        elif RuleOutcome.REFUSED in r.outcomes:
            refusals.append(
                Refusal(
                    batch,
                    RefusalKind.RULE,
                    (r.source_file,),
                    f"{r.source_file}: refused by rule {r.rule}",
                )
            )
    for f in files:
        if over_threshold(f, threshold, min_records):
            refusals.append(
                Refusal(
                    batch,
                    RefusalKind.THRESHOLD,
                    (f.source_file,),
                    f"{f.source_file}: {f.records_quarantined} of "
                    f"{f.records_read} records quarantined "
                    f"({f.records_quarantined / f.records_read:.0%}, threshold {threshold:.0%})",
                )
            )
    return refusals
