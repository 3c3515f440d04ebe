"""Great Expectations on the raw records of the audited batches (pandas frames built
through Arrow), set up once per run.

`great_expectations` takes seconds to import: it is imported when the first batch is
validated, so that loading the Dagster code location does not pay for it.

Per export file, GX validates two suites (expectations/gx.py): the column-level
expectations on the audited records, sent with only the columns they read plus the
record's batch date and record number, which GX returns for every unexpected record
(`unexpected_index_column_names`); and the table-level expectations on the raw table's
columns (no records: once per run, the columns do not change within it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from expectations import Suite
from expectations import sql as suite_sql

from .results import Record

log = logging.getLogger("crmwh")

BATCH_DATE = "_batch_date"
RECORD_NUMBER = "_record_number"
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [BATCH_DATE, RECORD_NUMBER],
    "exclude_unexpected_values": True,  # the records, not their values
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}


@dataclass
class GxRuleResult:
    rule: str
    expectation: str
    success: bool
    unexpected_count: int | None  # None: a table-level expectation
    element_count: int | None
    records: frozenset[Record] | None = None  # the unexpected records (column-level)
    error: str | None = None


@dataclass
class _Validation:
    records: Any  # gx.ValidationDefinition of the column-level suite, or None
    table: Any  # gx.ValidationDefinition of the table-level suite, or None
    columns: tuple[str, ...]  # the columns the column-level expectations read
    table_results: list[GxRuleResult] | None = None


class GxValidator:
    """One ephemeral GX context for a run of the audit; per export file its suites and
    validation definitions, built the first time a batch of the file is validated and
    reused for every other batch of the run."""

    def __init__(self) -> None:
        self._context = None
        self._validations: dict[str, _Validation] = {}

    def validate(self, con, suite: Suite) -> list[GxRuleResult]:
        """Validate the audited records of `suite`'s file (temp table `audit_targets`): one
        result per rule that has a GX expectation. An engine error is returned as a result
        with `error` set (GX reports it as success=False with exception_info)."""
        validation = self._validation(suite)
        out: list[GxRuleResult] = []
        if validation.records is not None:
            frame = _records_frame(con, suite, validation.columns)
            result = validation.records.run(
                batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT
            )
            out += [_rule_result(r) for r in result.results]
        if validation.table is not None:
            if validation.table_results is None:  # the raw table's columns: once per run
                frame = con.sql(f"select * from {suite_sql.raw_table(suite)} limit 0").df()
                result = validation.table.run(
                    batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT
                )
                validation.table_results = [_rule_result(r) for r in result.results]
            out += validation.table_results
        return out

    def _validation(self, suite: Suite) -> _Validation:
        if suite.path in self._validations:
            return self._validations[suite.path]
        import great_expectations as gx

        from expectations.gx import expectation_suites

        context = self._gx_context()
        suites = expectation_suites(suite)
        source = context.data_sources.add_or_update_pandas(f"raw_{suite.name}")
        asset = source.add_dataframe_asset(suite.name)
        batch = asset.add_batch_definition_whole_dataframe("audited batches")
        definitions = []
        for gx_suite in (suites.records, suites.table):
            if not gx_suite.expectations:
                definitions.append(None)
                continue
            gx_suite = context.suites.add_or_update(gx_suite)
            definitions.append(
                context.validation_definitions.add_or_update(
                    gx.ValidationDefinition(name=gx_suite.name, data=batch, suite=gx_suite)
                )
            )
        validation = _Validation(definitions[0], definitions[1], suites.columns)
        self._validations[suite.path] = validation
        return validation

    def _gx_context(self):
        if self._context is None:
            self._context = new_context()
        return self._context


def _records_frame(con, suite: Suite, columns: tuple[str, ...]):
    """The audited records of one file as a pandas frame, through Arrow (DuckDB's .df() is
    slow and memory-hungry): the columns GX reads, the batch date and the record number."""
    table = suite_sql.raw_table(suite)
    selected = ", ".join([*(f'"{c}"' for c in columns), BATCH_DATE, RECORD_NUMBER])
    arrow = con.sql(
        f"select {selected} from {table} as r "
        f"where {suite_sql.audited_batches(suite, alias='r')} "
        f"order by {BATCH_DATE}, {RECORD_NUMBER}"
    ).to_arrow_table()
    return arrow.combine_chunks().to_pandas()


def _records(result: dict) -> frozenset[Record] | None:
    """The unexpected records of a column-level result (COMPLETE, values excluded: one
    dict of lists, or no dict when nothing is unexpected)."""
    if "unexpected_count" not in result:
        return None
    records: set[Record] = set()
    for index in result.get("unexpected_index_list") or []:
        days, numbers = index[BATCH_DATE], index[RECORD_NUMBER]
        records.update((str(d)[:10], int(n)) for d, n in zip(days, numbers, strict=True))
    return frozenset(records)


def _rule_result(r) -> GxRuleResult:
    config = r.expectation_config
    info = r.exception_info or {}
    raised = info.get("raised_exception") if isinstance(info, dict) else None
    if raised is None and isinstance(info, dict):  # keyed by expectation id in some versions
        raised = any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())
    error = None
    if raised:
        error = str(info.get("exception_message") or info)[:500]
    res = r.result or {}
    return GxRuleResult(
        rule=config.meta["rule"],
        expectation=config.type,
        success=bool(r.success),
        unexpected_count=res.get("unexpected_count"),
        element_count=res.get("element_count"),
        records=None if error else _records(res),
        error=error,
    )


def new_context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context
