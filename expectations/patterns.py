"""The contract's value formats, written once (docs/exports.md, "Encodings and formats").

The audit's rules (expectations/rules.py) match raw values against these patterns, and
staging's parsers use the same patterns: `dbt_project/macros/generated/contract_formats.sql`
is generated from this module (`python -m orchestration.lib.dbt_contract --write`; a test
fails when it is out of date).

Patterns use full-match semantics and only the common subset of RE2 (DuckDB), Python `re`
(GX on pandas) and Java (Spark): no lookaround, `[0-9]` rather than `\\d`.
"""

from __future__ import annotations

# -- patterns (full match, both engines) ----------------------------------------------------

_D = "[0-9]"
# A real calendar date YYYY-MM-DD (leap years included): 2026-02-30 does not match.
DATE = (
    f"(?:{_D}{{4}}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]{_D}|3[01])"
    f"|(?:0[469]|11)-(?:0[1-9]|[12]{_D}|30)|02-(?:0[1-9]|1{_D}|2[0-8]))"
    f"|(?:{_D}{{2}}(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29)"
)
TIME = f"(?:[01]{_D}|2[0-3]):[0-5]{_D}:[0-5]{_D}"
ISO_TIMESTAMP = f" *{DATE}T{TIME}(?:\\.{_D}{{1,9}})?(?:Z|[+-](?:[01]{_D}|2[0-3]):[0-5]{_D}) *"
PAYMENTS_TIMESTAMP = f" *{DATE} {TIME} *"
PLAIN_DATE = f" *{DATE} *"
EPOCH_SECONDS = f" *{_D}{{1,12}} *"
DECIMAL = f" *-?{_D}+(?:\\.{_D}+)? *"
INTEGER = f" *-?{_D}+ *"
# The widest numbers staging can hold: dbt's type_numeric() is numeric(28,6) (22 digits
# before the point) and type_bigint() holds any 18-digit integer. A longer number would
# become NULL in staging: the record is quarantined instead.
NUMERIC_INTEGER_DIGITS = 22
BIGINT_DIGITS = 18
DECIMAL_TOO_LARGE = f" *-?0*[1-9]{_D}{{{NUMERIC_INTEGER_DIGITS},}}(?:\\.{_D}*)? *"
INTEGER_TOO_LARGE = f" *-?0*[1-9]{_D}{{{BIGINT_DIGITS},}} *"
NEGATIVE = " *-.*"
BOOLEAN = " *(?:true|false) *"  # case-insensitive
POSITIVE_INTEGER = f" *0*[1-9]{_D}* *"
POSITIVE_DECIMAL = f" *(?:{_D}*[1-9]{_D}*(?:\\.{_D}+)?|{_D}+\\.{_D}*[1-9]{_D}*) *"
PROBABILITY = f" *(?:0(?:\\.{_D}+)?|1(?:\\.0+)?) *"
PERCENT = f" *(?:100(?:\\.0+)?|{_D}{{1,2}}(?:\\.{_D}+)?) *"
LAST4 = f"{_D}{{4}}"
# What staging accepts as an address after trim + lower (macros/parsing.sql normalise_email).
EMAIL_ADDRESS = "[^@\\s]+@[^@\\s]+\\.[^@\\s.]+"
# Already normalised: an address with no upper-case letter and no surrounding space.
EMAIL_NORMALISED = "[^@\\sA-ZÀ-ÖØ-Þ]+@[^@\\sA-ZÀ-ÖØ-Þ]+\\.[^@\\s.A-ZÀ-ÖØ-Þ]+"
REDACTED = "[REDACTED-PAN]"


# -- the category fold ----------------------------------------------------------------------
# Two spellings of a category are the same value when they are equal with case and these
# characters ignored: `Paid Ads`, `paid-ads` and `PAID_ADS` are `paid_ads`.
FOLD_IGNORED = (" ", "-", "_")


def folded(value: str) -> str:
    return "".join(c for c in value.lower() if c not in FOLD_IGNORED)


def fold_pattern(values: tuple[str, ...]) -> str:
    """Matches any spelling of `values` with case, spaces, `-` and `_` ignored."""
    sep = "[ _-]*"
    alternatives = [sep + sep.join(folded(v)) + sep for v in values]
    return "(?:" + "|".join(alternatives) + ")"
