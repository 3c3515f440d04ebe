"""The suites as Great Expectations 1.x objects (imports GX: only where GX runs).

Each export file has two expectation suites: `records`, the column-level expectations that
GX validates on the audited records (only the columns they read are sent), and `table`, the
table-level ones (the file has every column of the contract), validated on the raw table's
columns without its records.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestration.lib.spark_session import guard_spark_connect_import

guard_spark_connect_import()  # before GX: see there

import great_expectations as gx  # noqa: E402

from .rules import Rule, Suite  # noqa: E402


@dataclass(frozen=True)
class GxSuites:
    """The GX expectation suites of one export file."""

    records: gx.ExpectationSuite  # column-level expectations, on the audited records
    table: gx.ExpectationSuite  # table-level expectations, on the raw table's columns
    columns: tuple[str, ...]  # the columns the record-level expectations read


def expectation(rule: Rule) -> gx.expectations.Expectation:
    """The GX expectation object of a rule that has one; `meta.rule` names the rule."""
    assert rule.gx is not None, rule.name
    cls = getattr(gx.expectations, rule.gx.type)
    return cls(
        **rule.gx.kwargs,
        meta={"rule": rule.name, "severity": "/".join(o.severity for o in rule.outcomes)},
        description=rule.description or None,
    )


def expectation_suites(suite: Suite) -> GxSuites:
    records = gx.ExpectationSuite(name=f"{suite.name}.records")
    table = gx.ExpectationSuite(name=f"{suite.name}.table")
    columns: list[str] = []
    for rule in suite.rules:
        if rule.gx is None:
            continue
        column = rule.gx.column
        if column is None:
            table.add_expectation(expectation(rule))
        else:
            records.add_expectation(expectation(rule))
            if column not in columns:
                columns.append(column)
    ordered = tuple(c for c in suite.columns if c in columns)
    return GxSuites(records, table, ordered)
