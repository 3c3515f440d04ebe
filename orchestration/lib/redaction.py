"""Card numbers (PANs) in free text are redacted before anything is stored.

The rule of the export contract: a run of 13-19 digits, optionally in groups separated by
single spaces or dashes, not part of a longer run of digits and separators, first digit
2-6, passing the Luhn check, is replaced by `[REDACTED-PAN]`.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

REDACTED = "[REDACTED-PAN]"

# A maximal run of digits joined by single spaces or dashes. Maximal on both sides, so a
# run that is part of a longer run of digits and separators is judged as that longer run.
_RUN = re.compile(r"(?<![0-9])(?<![0-9][ -])[0-9](?:[ -]?[0-9])*(?![0-9])(?![ -][0-9])")
# Cheap pre-filter for whole columns: at least 13 digits joined by optional separators.
CANDIDATE = r"[0-9](?:[ -]?[0-9]){12}"


def luhn_valid(digits: str) -> bool:
    """The Luhn check of a string of ASCII digits (the one definition: the generator of
    synthetic exports uses it too)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def is_pan(run: str) -> bool:
    """Whether a run of digits and single separators is a card number by the contract."""
    digits = run.replace(" ", "").replace("-", "")
    return 13 <= len(digits) <= 19 and digits[0] in "23456" and luhn_valid(digits)


def redact(text: str) -> tuple[str, int]:
    """Return the text with every card number redacted, and how many were redacted."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if is_pan(match.group(0)):
            count += 1
            return REDACTED
        return match.group(0)

    return _RUN.sub(replace, text), count


def redact_column(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, int]:
    """Redact a string column; only values that could hold a card number go through Python."""
    maybe = pc.fill_null(pc.match_substring_regex(column, CANDIDATE), False)
    if not pc.any(maybe).as_py():
        return column, 0
    total = 0
    values = column.to_pylist()
    for i, flag in enumerate(maybe.to_pylist()):
        if flag:
            values[i], n = redact(values[i])
            total += n
    return pa.chunked_array([pa.array(values, type=pa.string())]), total
