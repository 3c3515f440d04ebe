"""Parity of two builds of the dbt project: the DuckDB warehouse file against Spark's tables.

The same project built on DuckDB and on Spark must give the same tables (issue 13): the same
row count and the same rows, keys exact, money within 0.01 and rates within 1e-6. Spark's
managed tables are Parquet folders, `<spark_tables_dir>/<schema>.db/<table>/`, which DuckDB
reads directly: no Spark session is needed to compare.

`compare_marts` compares every table of the given schemas of the DuckDB file (views are left
out: Spark keeps no data for them) with its Parquet folder and returns the differences, each
naming the table, the column and an example key. Rows are matched on the table's key (given,
else the shortest prefix of its columns that is unique and without NULL on both sides, at
most four columns), and the other columns compared value by value; a table without such a
key is compared as a multiset of rows (its exact columns, then its numbers in order). Values
are normalised before comparing: timestamps as naive UTC (Spark's Parquet timestamps are
instants), every non-integer number as a double (Spark divides into decimals where DuckDB
gives doubles).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

# Tolerances: rates and shares (name matches RATE_COLUMN) within 1e-6, other non-integer
# numbers (money, durations) within 0.01. EPSILON absorbs the binary noise of the bound.
MONEY_TOLERANCE = 0.01
RATE_TOLERANCE = 1e-6
EPSILON = 1e-9
RATE_COLUMN = re.compile(
    r"(rate|share|probability|ratio|pct|percent|compliance|accuracy|weight)", re.IGNORECASE
)
MAX_KEY_COLUMNS = 4
MAX_FETCHED = 10_000

_INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}


@dataclass(frozen=True)
class Difference:
    """One disagreement: `column` is None for a whole-table or whole-row difference."""

    table: str
    column: str | None
    key: str | None
    detail: str

    def __str__(self) -> str:
        where = self.table + (f".{self.column}" if self.column else "")
        at = f" (e.g. key {self.key})" if self.key else ""
        return f"{where}: {self.detail}{at}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _is_fractional(data_type: str) -> bool:
    upper = data_type.upper()
    return upper.startswith(("DOUBLE", "FLOAT", "REAL", "DECIMAL", "NUMERIC"))


def _is_integer(data_type: str) -> bool:
    return data_type.upper() in _INTEGER_TYPES


def _tolerance(column: str) -> float:
    return RATE_TOLERANCE if RATE_COLUMN.search(column) else MONEY_TOLERANCE


def _normalised(column: str, data_type: str, fractional: bool) -> str:
    """An expression of `column` comparable across the engines."""
    quoted = _quote(column)
    upper = data_type.upper()
    if fractional:
        return f"cast({quoted} as double)"
    if _is_integer(data_type):
        return f"cast({quoted} as bigint)"
    if upper.startswith("TIMESTAMP"):
        # TIMESTAMP WITH TIME ZONE (Spark's instants) becomes naive UTC: TimeZone is UTC
        return f"cast({quoted} as timestamp)"
    return quoted


class _Side:
    """One table on one engine, as a relation of the comparison connection."""

    def __init__(self, connection, relation: str):
        self.relation = relation
        described = connection.execute(f"describe select * from {relation}").fetchall()
        self.types = {row[0].lower(): row[1] for row in described}
        self.names = {row[0].lower(): row[0] for row in described}


def _spark_files(spark_tables_dir: Path, schema: str, table: str) -> list[Path] | None:
    folder = spark_tables_dir / f"{schema}.db" / table
    if not folder.is_dir():
        return None
    return sorted(
        path for path in folder.rglob("*.parquet") if not path.name.startswith((".", "_"))
    )


def _duckdb_tables(connection, schema: str) -> list[str]:
    rows = connection.execute(
        "select table_name from information_schema.tables"
        " where table_catalog = 'warehouse' and table_schema = ? and table_type = 'BASE TABLE'"
        " order by table_name",
        [schema],
    ).fetchall()
    return [row[0] for row in rows]


def _find_key(connection, duck: _Side, spark: _Side, columns: list[str]) -> list[str] | None:
    candidates = [c for c in columns if not _is_fractional(duck.types[c])]
    for size in range(1, min(MAX_KEY_COLUMNS, len(candidates)) + 1):
        key = candidates[:size]
        if all(_is_unique_key(connection, side, key) for side in (duck, spark)):
            return key
    return None


def _is_unique_key(connection, side: _Side, key: list[str]) -> bool:
    listed = ", ".join(_quote(side.names[c]) for c in key)
    not_null = " and ".join(f"{_quote(side.names[c])} is not null" for c in key)
    total, distinct, complete = connection.execute(
        f"select count(*), (select count(*) from (select distinct {listed} from {side.relation})),"
        f" count(*) filter (where {not_null}) from {side.relation}"
    ).fetchone()
    return total == distinct == complete


def _side_query(side: _Side, columns: list[str], fractional: set[str], order: str | None) -> str:
    parts = [
        f"{_normalised(side.names[c], side.types[c], c in fractional)} as {_quote(c)}"
        for c in columns
    ]
    if order is not None:
        parts.append(f"row_number() over (partition by {order}) as __row")
    parts.append("true as __present")
    return f"select {', '.join(parts)} from {side.relation}"


def _compare_table(
    connection,
    table: str,
    duck: _Side,
    spark: _Side,
    key: list[str] | None,
    ignored: frozenset[str] = frozenset(),
) -> list[Difference]:
    differences: list[Difference] = []
    duck_columns = [c for c in duck.types if c not in ignored]
    only_duck = [c for c in duck_columns if c not in spark.types]
    only_spark = [c for c in spark.types if c not in duck.types and c not in ignored]
    for column in only_duck:
        differences.append(Difference(table, column, None, "column missing on Spark"))
    for column in only_spark:
        differences.append(Difference(table, column, None, "column missing on DuckDB"))
    columns = [c for c in duck_columns if c in spark.types]

    duck_rows = connection.execute(f"select count(*) from {duck.relation}").fetchone()[0]
    spark_rows = connection.execute(f"select count(*) from {spark.relation}").fetchone()[0]
    if duck_rows != spark_rows:
        differences.append(
            Difference(table, None, None, f"{duck_rows} rows on DuckDB, {spark_rows} on Spark")
        )
    if not columns:
        return differences

    fractional = {
        c for c in columns if _is_fractional(duck.types[c]) or _is_fractional(spark.types[c])
    }
    if key is None:
        key = _find_key(connection, duck, spark, columns)
    if key is not None:
        match = list(key)
        duck_sql = _side_query(duck, columns, fractional, None)
        spark_sql = _side_query(spark, columns, fractional, None)
    else:
        # multiset of rows: exact columns, then the numbers in order, numbered in each group
        match = [c for c in columns if c not in fractional]
        if not match:
            return differences
        numbers = ", ".join(f"{_quote(c)} nulls last" for c in sorted(fractional))
        order = ", ".join(_quote(c) for c in match)
        if numbers:
            order += f" order by {numbers}"
        duck_sql = _side_query(duck, columns, fractional, order)
        spark_sql = _side_query(spark, columns, fractional, order)
        match = [*match, "__row"]

    join = " and ".join(f"d.{_quote(c)} is not distinct from s.{_quote(c)}" for c in match)
    checks = []
    compared = [c for c in columns if c not in match]
    for column in compared:
        d, s = f"d.{_quote(column)}", f"s.{_quote(column)}"
        if column in fractional:
            bound = _tolerance(column) + EPSILON
            checks.append(
                f"(({d} is null) <> ({s} is null) or abs({d} - {s}) > {bound})"
                f" and not coalesce(isnan({d}) and isnan({s}), false)"
            )
        else:
            checks.append(f"{d} is distinct from {s}")
    key_text = (
        " || ' | ' || ".join(
            f"coalesce(cast(coalesce(d.{_quote(c)}, s.{_quote(c)}) as varchar), 'NULL')"
            for c in match
            if c != "__row"
        )
        or "''"
    )
    flags = "".join(
        f", coalesce({check}, false) as __differs_{i}" for i, check in enumerate(checks)
    )
    values = "".join(
        f", cast(d.{_quote(c)} as varchar) as __duck_{i}"
        f", cast(s.{_quote(c)} as varchar) as __spark_{i}"
        for i, c in enumerate(compared)
    )
    any_flag = " or ".join(f"coalesce({check}, false)" for check in checks) or "false"
    rows = connection.execute(
        f"""
        with d as ({duck_sql}), s as ({spark_sql})
        select
            {key_text} as __key,
            d.__present is null as __only_spark,
            s.__present is null as __only_duck
            {flags}{values}
        from d full outer join s on {join}
        where d.__present is null or s.__present is null or {any_flag}
        limit {MAX_FETCHED}
        """
    ).fetchall()

    found: dict[tuple[str | None, str], list] = {}
    for row in rows:
        row_key, only_spark_row, only_duck_row = row[0], row[1], row[2]
        if only_duck_row or only_spark_row:
            side = "DuckDB" if only_duck_row else "Spark"
            found.setdefault((None, f"row only on {side}"), []).append(row_key)
            continue
        for i, column in enumerate(compared):
            if row[3 + i]:
                duck_value = row[3 + len(compared) + 2 * i]
                spark_value = row[4 + len(compared) + 2 * i]
                found.setdefault((column, "values differ"), []).append(
                    f"{row_key}: DuckDB {duck_value}, Spark {spark_value}"
                )
    match_text = ", ".join(c for c in match if c != "__row")
    if "__row" in match:
        match_text += "; no key: rows in order of their numbers"
    for (column, what), examples in found.items():
        count = f"{len(examples)}{'+' if len(rows) >= MAX_FETCHED else ''}"
        detail = f"{what} in {count} row(s), matched on ({match_text})"
        differences.append(Difference(table, column, str(examples[0]), detail))
    return differences


def compare_marts(
    duckdb_path: str | Path,
    spark_tables_dir: str | Path,
    schemas: tuple[str, ...] | list[str] = ("marts",),
    keys: dict[str, list[str]] | None = None,
    ignore: dict[str, set[str]] | None = None,
) -> list[Difference]:
    """The differences between the DuckDB build's tables of `schemas` and Spark's.

    `keys` optionally names the key columns of a table (`"marts.fct_deals": ["deal_id"]`);
    otherwise a key is inferred. `ignore` names columns that are not data
    (`"marts.fct_pipeline_snapshot": {"loaded_through_at"}`: when the warehouse loaded its
    batches). An empty list means the builds agree.
    """
    spark_tables_dir = Path(spark_tables_dir)
    keys = {name.lower(): [c.lower() for c in columns] for name, columns in (keys or {}).items()}
    differences: list[Difference] = []
    connection = duckdb.connect()
    try:
        connection.execute("set TimeZone = 'UTC'")
        connection.execute(f"attach {_literal(str(duckdb_path))} as warehouse (read_only)")
        for schema in schemas:
            tables = _duckdb_tables(connection, schema)
            spark_folders = (
                {p.name for p in (spark_tables_dir / f"{schema}.db").iterdir() if p.is_dir()}
                if (spark_tables_dir / f"{schema}.db").is_dir()
                else set()
            )
            for folder in sorted(spark_folders - set(tables)):
                differences.append(
                    Difference(f"{schema}.{folder}", None, None, "table missing on DuckDB")
                )
            for table in tables:
                name = f"{schema}.{table}"
                files = _spark_files(spark_tables_dir, schema, table)
                if files is None:
                    differences.append(Difference(name, None, None, "table missing on Spark"))
                    continue
                duck = _Side(connection, f"warehouse.{_quote(schema)}.{_quote(table)}")
                if not files:
                    rows = connection.execute(f"select count(*) from {duck.relation}").fetchone()
                    if rows[0]:
                        differences.append(
                            Difference(name, None, None, f"{rows[0]} rows on DuckDB, 0 on Spark")
                        )
                    continue
                listed = ", ".join(_literal(str(path)) for path in files)
                spark = _Side(connection, f"read_parquet([{listed}])")
                ignored = frozenset(c.lower() for c in (ignore or {}).get(name, ()))
                differences.extend(
                    _compare_table(connection, name, duck, spark, keys.get(name), ignored)
                )
    finally:
        connection.close()
    return differences


if __name__ == "__main__":  # pragma: no cover - a manual check
    import sys

    found = compare_marts(sys.argv[1], sys.argv[2], tuple(sys.argv[3:]) or ("marts",))
    for difference in found:
        print(difference)
    print(f"{len(found)} difference(s)")
    sys.exit(1 if found else 0)
