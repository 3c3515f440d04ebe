"""Great Expectations on the raw records of the audited batches, set up once per run: on
pandas frames, or with `CRMWH_ENGINE=spark` on Spark DataFrames of the process's local
Spark session (lib/spark_session.py), both built from the same Arrow table read from the
warehouse. The expectations and the result handling are the same on both engines.

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
from dataclasses import dataclass, replace
from typing import Any

from expectations import Suite
from expectations import sql as suite_sql

from ..settings import engine
from ..spark_session import guard_spark_connect_import
from .results import Record

guard_spark_connect_import()  # before GX is imported (below, lazily): see there

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
# On Spark, the first pass: whether each expectation holds (see _validate_on_spark)
HOLDS_FORMAT = {"result_format": "BOOLEAN_ONLY"}


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
    reused for every other batch of the run. `on_spark` (default: `CRMWH_ENGINE=spark`)
    validates Spark DataFrames instead of pandas frames."""

    def __init__(self, *, on_spark: bool | None = None) -> None:
        self.on_spark = engine() == "spark" if on_spark is None else on_spark
        self._context = None
        self._validations: dict[str, _Validation] = {}

    def validate(self, con, suite: Suite) -> list[GxRuleResult]:
        """Validate the audited records of `suite`'s file (temp table `audit_targets`): one
        result per rule that has a GX expectation. An engine error is returned as a result
        with `error` set (GX reports it as success=False with exception_info)."""
        validation = self._validation(suite)
        out: list[GxRuleResult] = []
        if validation.records is not None:
            records = _records_arrow(con, suite, validation.columns)
            if self.on_spark:
                out += _validate_on_spark(validation.records, suite, records)
            else:
                frame = records.to_pandas()
                del records
                result = validation.records.run(
                    batch_parameters={"dataframe": frame}, result_format=RESULT_FORMAT
                )
                out += [_rule_result(r) for r in result.results]
        if validation.table is not None:
            if validation.table_results is None:  # the raw table's columns: once per run
                columns = con.sql(f"select * from {suite_sql.raw_table(suite)} limit 0")
                if self.on_spark:
                    frame = spark_session().createDataFrame(columns.to_arrow_table())
                else:
                    frame = columns.df()
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
        if self.on_spark:
            spark_session()  # GX's data source takes the active session: ours
            # persist=False: GX would persist every batch's frame and never release it
            # (and caching does not pay at the audit's sizes: _validate_on_spark)
            source = context.data_sources.add_or_update_spark(f"raw_{suite.name}", persist=False)
        else:
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


def _records_arrow(con, suite: Suite, columns: tuple[str, ...]):
    """The audited records of one file as an Arrow table (DuckDB's .df() is slow and
    memory-hungry), for a pandas frame or a Spark DataFrame: the columns GX reads, the
    batch date and the record number."""
    table = suite_sql.raw_table(suite)
    selected = ", ".join([*(f'"{c}"' for c in columns), BATCH_DATE, RECORD_NUMBER])
    arrow = con.sql(
        f"select {selected} from {table} as r "
        f"where {suite_sql.audited_batches(suite, alias='r')} "
        f"order by {BATCH_DATE}, {RECORD_NUMBER}"
    ).to_arrow_table()
    return arrow.combine_chunks()


def spark_session():
    """The process's local Spark session (imported here: pyspark is slow to import)."""
    from ..spark_session import session

    return session()


def _validate_on_spark(validation, suite: Suite, arrow) -> list[GxRuleResult]:
    """Validate the audited records (an Arrow table: pyspark 4 makes a Spark DataFrame of
    it directly, without pandas) on Spark, in two passes over one GX batch.

    GX resolves each metric of each expectation in a Spark query of its own, some 50 to
    150 ms locally whatever the size of the batch: with the COMPLETE result format, the
    counts (an aggregation per column), the unexpected values (collected even when they
    are excluded from the result) and the unexpected records (a query to test for any,
    another to collect them). In one pass that made the golden example's 3 batches take
    230 s against 24 s on pandas. So the first pass asks only whether each expectation
    holds (BOOLEAN_ONLY: the aggregations alone), and the second one, with the COMPLETE
    format, validates the expectations that do not hold, in a suite of their own built
    again from their rules: their counts and records. An expectation that holds found no
    unexpected record: its result is the first pass's, with a count of 0 and no record
    (one with `mostly`, which may hold with unexpected records, would go to the second
    pass too; the suites have none). The counts and records are those of GX on pandas on
    the golden example (tests/test_audit_spark.py) and at scale 1.

    The DataFrame is not cached: at the audit's sizes the queries cost their fixed
    overhead, and a cached frame is not faster (measured)."""
    import great_expectations as gx

    from expectations.gx import expectation

    rules = {rule.name: rule for rule in suite.rules}
    batch = validation.data.get_batch(
        batch_parameters={"dataframe": spark_session().createDataFrame(arrow)}
    )
    held = batch.validate(validation.suite, result_format=HOLDS_FORMAT).results
    results: dict[str, GxRuleResult] = {}
    again = []
    for r in held:
        result = _rule_result(r)
        rule = rules[result.rule]
        if result.error is None and result.success and "mostly" not in rule.gx.kwargs:
            result = replace(result, unexpected_count=0, records=frozenset())
        elif result.error is None:
            again.append(expectation(rule))
        results[result.rule] = result
    if again:
        failed = gx.ExpectationSuite(name=f"{validation.suite.name}.unexpected", expectations=again)
        for r in batch.validate(failed, result_format=RESULT_FORMAT).results:
            result = _rule_result(r)
            results[result.rule] = result
    return list(results.values())


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
