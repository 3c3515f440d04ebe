"""The severity model and the rule kinds the suites are written in.

A suite (one per export file) is a list of rules. Each rule states one part of the export
contract (docs/exports.md) and carries

- a severity: what happens to a record that breaks it (refuse the batch, quarantine the
  record, flag it, or fix it and count the fix);
- the SQL condition that finds the breaking records in the raw table (the row-level
  quarantine is generated from it, see `expectations.sql`);
- where the rule can be said per row of the file alone, the Great Expectations
  expectation that declares the same rule, so that GX validates the batch and its
  failure count must equal the SQL count (a difference fails the audit: null handling and
  regex dialects differ between engines).

Patterns are written once and used by both engines with full-match semantics: DuckDB's
`regexp_full_match` (RE2) and GX's pandas regex (Python `re`, anchored here). They only
use the common subset of the two dialects (no lookaround, `[0-9]` rather than `\\d`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from .patterns import (  # noqa: F401 (the suites import them from here)
    BIGINT_DIGITS,
    BOOLEAN,
    DATE,
    DECIMAL,
    DECIMAL_TOO_LARGE,
    EMAIL_ADDRESS,
    EMAIL_NORMALISED,
    EPOCH_SECONDS,
    INTEGER,
    INTEGER_TOO_LARGE,
    ISO_TIMESTAMP,
    LAST4,
    NEGATIVE,
    NUMERIC_INTEGER_DIGITS,
    PAYMENTS_TIMESTAMP,
    PERCENT,
    PLAIN_DATE,
    POSITIVE_DECIMAL,
    POSITIVE_INTEGER,
    PROBABILITY,
    REDACTED,
    TIME,
    fold_pattern,
)


class Severity(StrEnum):
    REFUSE = "refuse"  # the whole batch is refused: nothing downstream runs
    QUARANTINE = "quarantine"  # the record goes to audit.quarantine, staging excludes it
    FLAG = "flag"  # the record is kept and marked
    FIX = "fix"  # the value is normalised (by staging) and the fix is counted
    DEDUPE = "dedupe"  # an identical copy of a record in the same file, removed and counted


class GxExpectation(NamedTuple):
    """A Great Expectations 1.x expectation, declared without importing GX (slow to import):
    the class name in `great_expectations.expectations` and its arguments.
    `expectations.gx` builds the expectation objects."""

    type: str  # e.g. "ExpectColumnValuesToMatchRegex"
    kwargs: Mapping[str, Any]

    @property
    def column(self) -> str | None:
        """The column a column-level expectation reads; None for a table-level one."""
        return self.kwargs.get("column")


@dataclass(frozen=True)
class Outcome:
    """One finding a rule can raise on a record: its name, severity and SQL condition."""

    name: str
    severity: Severity
    condition: str  # SQL on raw alias `r`, true when the record breaks the rule
    reason: str  # for a person reading audit.quarantine or the report


@dataclass(frozen=True)
class Rule:
    """One contract statement about one file. `outcomes` are mutually exclusive per
    record; `gx` is the GX expectation that declares the same rule, or None for rules that
    need other records or files (SQL only). When present, the records GX finds unexpected
    must be the records the outcomes' SQL conditions find."""

    name: str
    column: str | None
    outcomes: tuple[Outcome, ...]
    gx: GxExpectation | None = None
    description: str = ""

    @property
    def severities(self) -> set[Severity]:
        return {o.severity for o in self.outcomes}


class SetRuleKind(StrEnum):
    """How a set rule picks the records it catches among copies (expectations/sql.py)."""

    IDENTICAL_COPIES = "identical_copies"  # every copy of an identical record but the first
    SUPERSEDED_ID = "superseded_id"  # every copy of one id in a file but the winner
    FIRST_OF_PAIR = "first_of_pair"  # every record of a pair that may occur once but the first


@dataclass(frozen=True)
class SetRule:
    """A rule over the set of records of one file (duplicates, superseded copies of one id,
    a goal assigned twice): evaluated by the audit with window functions, on the records
    that no row-level quarantine rule has caught."""

    name: str
    kind: SetRuleKind
    severity: Severity
    reason: str
    partition: tuple[str, ...] = ()  # first_of_pair: the pair that may occur once
    order: tuple[str, ...] = ()  # first_of_pair: SQL order, the first record is kept


@dataclass(frozen=True)
class Suite:
    """The expectation suite of one export file."""

    path: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    rules: tuple[Rule, ...]
    set_rules: tuple[SetRule, ...] = ()
    updated_at: str | None = None

    @property
    def name(self) -> str:
        return self.path.replace("/", ".").rsplit(".", 1)[0]

    def outcomes(self) -> list[tuple[Rule, Outcome]]:
        return [(rule, o) for rule in self.rules for o in rule.outcomes]

    @property
    def references(self) -> frozenset[str]:
        """The raw tables its rules read besides its own file (cross-file rules: an fx rate,
        a deal, a charge). When one of them changes, this file's records are decided again
        (the result depends on the set of batches, not on their arrival order)."""
        return frozenset(
            table
            for _, outcome in self.outcomes()
            for table in re.findall(r"\braw\.(\w+)", outcome.condition)
        )


def _q(column: str, alias: str = "r") -> str:
    return f'{alias}."{column}"'


def _sql_match(column: str, pattern: str, case_insensitive: bool = False) -> str:
    options = ", 'i'" if case_insensitive else ""
    return f"regexp_full_match({_q(column)}, '{pattern}'{options})"


def _gx_regex(pattern: str, case_insensitive: bool = False) -> str:
    return ("(?i)" if case_insensitive else "") + f"^(?:{pattern})$"


# -- rule constructors -----------------------------------------------------------------------


def columns_present(columns: tuple[str, ...]) -> Rule:
    """Every contract column is in the file (the loader refuses a batch before loading;
    the suite states it too, so the report lists it)."""
    return Rule(
        "columns_present",
        None,
        (Outcome("columns_present", Severity.REFUSE, "false", "a listed column is missing"),),
        GxExpectation(
            "ExpectTableColumnsToMatchSet", {"column_set": list(columns), "exact_match": False}
        ),
        "the file has every column of the contract",
    )


def key_present(column: str) -> Rule:
    return Rule(
        f"{column}_present",
        column,
        (
            Outcome(
                f"{column}_missing",
                Severity.QUARANTINE,
                f"{_q(column)} is null",
                f"key {column} is empty: the record cannot be identified",
            ),
        ),
        GxExpectation("ExpectColumnValuesToNotBeNull", {"column": column}),
        f"key {column} is never empty",
    )


def required(column: str) -> Rule:
    return Rule(
        f"{column}_present",
        column,
        (
            Outcome(
                f"{column}_missing",
                Severity.QUARANTINE,
                f"{_q(column)} is null",
                f"required value {column} is empty",
            ),
        ),
        GxExpectation("ExpectColumnValuesToNotBeNull", {"column": column}),
        f"required {column} is never empty",
    )


def matches(
    column: str,
    pattern: str,
    finding: str,
    reason: str,
    severity: Severity = Severity.QUARANTINE,
    case_insensitive: bool = False,
) -> Rule:
    """Every non-empty value of `column` full-matches `pattern`."""
    return Rule(
        f"{column}_{finding}",
        column,
        (
            Outcome(
                f"{column}_{finding}",
                severity,
                f"{_q(column)} is not null and not {_sql_match(column, pattern, case_insensitive)}",
                reason.format(column=column),
            ),
        ),
        GxExpectation(
            "ExpectColumnValuesToMatchRegex",
            {"column": column, "regex": _gx_regex(pattern, case_insensitive)},
        ),
        reason.format(column=column),
    )


def not_matches(
    column: str, pattern: str, finding: str, reason: str, severity: Severity = Severity.QUARANTINE
) -> Rule:
    """No value of `column` full-matches `pattern`."""
    return Rule(
        f"{column}_{finding}",
        column,
        (
            Outcome(
                f"{column}_{finding}",
                severity,
                f"{_q(column)} is not null and {_sql_match(column, pattern)}",
                reason.format(column=column),
            ),
        ),
        GxExpectation(
            "ExpectColumnValuesToNotMatchRegex", {"column": column, "regex": _gx_regex(pattern)}
        ),
        reason.format(column=column),
    )


def plausible(column: str, as_date: str) -> Rule:
    """A date inside the plausible window: on or after `since` and at most `years_ahead`
    years after the batch's export date (placeholders such as `1900-01-01` or `0001-01-01`
    are quarantined). The window is a setting (orchestration/lib/settings.py), read by the
    audit into the one-row table `audit_window(since, until_years)`; `as_date` is the SQL
    that reads the value as a date (null when it is not well-formed: the format rule
    catches those). SQL only: the bound depends on the batch, not on the record alone."""
    value = as_date.format(value=f"trim({_q(column)})")
    condition = (
        f"{value} < (select since from audit_window) or {value} > "
        "r._batch_date + to_years((select years_ahead from audit_window))"
    )
    return sql_rule(
        f"{column}_implausible",
        Severity.QUARANTINE,
        condition,
        f"{column} is outside the plausible window (before CRMWH_PLAUSIBLE_SINCE, default "
        "1970-01-01, or more than CRMWH_PLAUSIBLE_YEARS_AHEAD, default 10, years after the "
        "export date): a placeholder date",
        column,
    )


_AS_DATE = "try_cast(substr({value}, 1, 10) as date)"
_EPOCH_AS_DATE = "cast(to_timestamp(try_cast({value} as bigint)) as date)"


def iso_timestamp(column: str) -> list[Rule]:
    return [
        matches(
            column,
            ISO_TIMESTAMP,
            "bad_timestamp",
            "{column} is not an ISO 8601 timestamp with offset, or is an impossible date",
        ),
        plausible(column, _AS_DATE),
    ]


def payments_timestamp(column: str) -> list[Rule]:
    return [
        matches(
            column,
            PAYMENTS_TIMESTAMP,
            "bad_timestamp",
            "{column} is not `YYYY-MM-DD HH:MM:SS`, or is an impossible date",
        ),
        plausible(column, _AS_DATE),
    ]


def date(column: str) -> list[Rule]:
    return [
        matches(
            column, PLAIN_DATE, "bad_date", "{column} is not a date `YYYY-MM-DD`, or is impossible"
        ),
        plausible(column, _AS_DATE),
    ]


def epoch(column: str) -> list[Rule]:
    return [
        matches(column, EPOCH_SECONDS, "bad_timestamp", "{column} is not Unix epoch seconds"),
        plausible(column, _EPOCH_AS_DATE),
    ]


def decimal(column: str) -> list[Rule]:
    """A decimal with `.` (`1.234,56` and text are quarantined) that is not negative."""
    return [
        matches(
            column,
            DECIMAL,
            "not_decimal",
            "{column} is not a decimal number with `.` as separator (comma or text)",
        ),
        not_matches(column, NEGATIVE, "negative", "{column} is negative"),
        not_matches(
            column,
            DECIMAL_TOO_LARGE,
            "too_large",
            "{column} has more than " + str(NUMERIC_INTEGER_DIGITS) + " digits before the "
            "point: too large for the warehouse",
        ),
    ]


def integer(column: str, negative_allowed: bool = False) -> list[Rule]:
    rules = [
        matches(column, INTEGER, "not_integer", "{column} is not an integer"),
        not_matches(
            column,
            INTEGER_TOO_LARGE,
            "too_large",
            "{column} has more than " + str(BIGINT_DIGITS) + " digits: too large for the warehouse",
        ),
    ]
    if not negative_allowed:
        rules.append(not_matches(column, NEGATIVE, "negative", "{column} is negative"))
    return rules


def boolean(column: str) -> Rule:
    return matches(
        column, BOOLEAN, "not_boolean", "{column} is not true/false", case_insensitive=True
    )


def enum(column: str, values: tuple[str, ...]) -> Rule:
    """A status or type column that drives logic: an unknown value is quarantined. Case and
    surrounding spaces are tolerated, as staging's normalise_enum does."""
    listed = "|".join(values)
    return matches(
        column,
        f" *(?:{listed}) *",
        "unknown_value",
        "{column} is not one of " + ", ".join(values),
        case_insensitive=True,
    )


def category(column: str, values: tuple[str, ...]) -> Rule:
    """A category column: a variant spelling is fixed (mapped to its canonical value, by
    staging's normalise_category), an unknown value is kept as `other` and flagged."""
    accepted = tuple(values) + ("other",)
    exact = f"{_q(column)} in ({', '.join(repr(v) for v in accepted)})"
    folded = _sql_match(column, fold_pattern(accepted), case_insensitive=True)
    return Rule(
        f"{column}_canonical",
        column,
        (
            Outcome(
                f"{column}_variant",
                Severity.FIX,
                f"{_q(column)} is not null and not {exact} and {folded}",
                f"{column} spelled differently from its canonical value: normalised",
            ),
            Outcome(
                f"{column}_unknown",
                Severity.FLAG,
                f"{_q(column)} is not null and not {folded}",
                f"{column} is not a known category: kept as `other` and flagged",
            ),
        ),
        GxExpectation(
            "ExpectColumnValuesToBeInSet", {"column": column, "value_set": list(accepted)}
        ),
        f"{column} is one of " + ", ".join(values),
    )


def email(column: str) -> Rule:
    """An e-mail: spaces or capitals are fixed (trim + lower), a non-address is flagged
    (staging nulls it)."""
    normalised = f"lower(trim({_q(column)}))"
    address = f"regexp_full_match({normalised}, '{EMAIL_ADDRESS}')"
    return Rule(
        f"{column}_normalised",
        column,
        (
            Outcome(
                f"{column}_unnormalised",
                Severity.FIX,
                f"{_q(column)} is not null and {address} and {_q(column)} <> {normalised}",
                f"{column} has spaces or capitals: trimmed and lower-cased",
            ),
            Outcome(
                f"{column}_invalid",
                Severity.FLAG,
                f"{_q(column)} is not null and not {address}",
                f"{column} is not an e-mail address: nulled and flagged",
            ),
        ),
        GxExpectation(
            "ExpectColumnValuesToMatchRegex",
            {"column": column, "regex": _gx_regex(EMAIL_NORMALISED)},
        ),
        f"{column} is a trimmed, lower-case e-mail address",
    )


def sql_rule(
    name: str,
    severity: Severity,
    condition: str,
    reason: str,
    column: str | None = None,
) -> Rule:
    """A rule that needs other columns, records or files: SQL only."""
    return Rule(name, column, (Outcome(name, severity, condition, reason),), None, reason)


def known_currency(column: str = "currency") -> Rule:
    """EUR or a currency with a rate in reference/fx_rates.csv (of this or an earlier batch)."""
    code = f"upper(trim({_q(column)}))"
    condition = (
        f"{_q(column)} is not null and {code} <> 'EUR' and not exists ("
        "select 1 from raw.reference__fx_rates as fx "
        f"where upper(trim(fx.currency)) = {code} and fx._batch_date <= r._batch_date)"
    )
    return sql_rule(
        f"{column}_unknown_currency",
        Severity.QUARANTINE,
        condition,
        f"{column} is not EUR and has no rate in reference/fx_rates.csv",
        column,
    )


def reference(column: str, table: str, target: str, what: str) -> Rule:
    """A reference to a record that does not exist (in this or an earlier batch): kept,
    linked to the "unknown" member in the marts, flagged."""
    condition = (
        f"{_q(column)} is not null and not exists (select 1 from raw.{table} as ref "
        f'where ref."{target}" = {_q(column)} and ref._batch_date <= r._batch_date)'
    )
    return sql_rule(
        f"{column}_missing_reference",
        Severity.FLAG,
        condition,
        f"{column} refers to {what} that does not exist: linked to the unknown member",
        column,
    )


def timestamp_order(earlier: str, later: str) -> Rule:
    condition = f"try_cast({_q(later)} as timestamptz) < try_cast({_q(earlier)} as timestamptz)"
    return sql_rule(
        f"{later}_before_{earlier}",
        Severity.QUARANTINE,
        condition,
        f"{later} is before {earlier}",
        later,
    )


IDENTICAL_COPIES = SetRule(
    "duplicate_record",
    SetRuleKind.IDENTICAL_COPIES,
    Severity.DEDUPE,
    "the same record repeated identically in the file: the copy is removed",
)
SUPERSEDED_ID = SetRule(
    "superseded_duplicate_id",
    SetRuleKind.SUPERSEDED_ID,
    Severity.QUARANTINE,
    "superseded duplicate id: the same id appears again in the file with other content "
    "and a greater updated_at (or later in the file)",
)


def suite(
    path: str,
    columns: tuple[str, ...],
    key: tuple[str, ...],
    rules: list[Rule | list[Rule]],
    updated_at: str | None = None,
    set_rules: tuple[SetRule, ...] = (),
) -> Suite:
    flat: list[Rule] = [columns_present(columns)] + [key_present(k) for k in key]
    for rule in rules:
        flat.extend(rule if isinstance(rule, list) else [rule])
    redacted = " or ".join(f"contains({_q(c)}, '{REDACTED}')" for c in columns)
    flat.append(
        sql_rule(
            "card_number_redacted",
            Severity.FIX,
            redacted,
            "a card number in a text value was redacted before loading",
        )
    )
    names = [o.name for r in flat for o in r.outcomes]
    assert len(names) == len(set(names)), f"{path}: duplicate rule names {names}"
    return Suite(
        path,
        columns,
        key,
        tuple(flat),
        (IDENTICAL_COPIES, SUPERSEDED_ID, *set_rules),
        updated_at,
    )


__all__ = [
    "GxExpectation",
    "Outcome",
    "Rule",
    "SetRule",
    "SetRuleKind",
    "Severity",
    "Suite",
    "field",
]
