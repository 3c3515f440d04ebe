"""The published marts opened the way BI tools open them, on the golden clean example
(one refresh and one publication per session):

- SQLAlchemy 2.0 + duckdb-engine (Superset, Metabase's Python-side peers, notebooks),
  read-only: schemas, tables, columns (as the dbt contracts declare them), a query;
- a DuckDB 1.x client (older ODBC/JDBC drivers, Evidence, other teams' pinned duckdb): a
  throw-away venv with duckdb 1.4 built with the project's uv, cached under the pytest
  cache (`.pytest_cache/d/duckdb-1.4-venv`), needs only the package registry;
- pyarrow and Polars on the Parquet files (Power BI, Tableau, notebooks).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
import yaml

from orchestration.lib.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from tests.dashboard_support import golden_publication

pytestmark = pytest.mark.slow

OLD_DUCKDB = "duckdb==1.4.*"
UV = PROJECT_ROOT / ".tools" / "bin" / "uv"

# The same question asked of every client: today's open pipeline by stage.
PIPELINE_TODAY = """
    select stage_id, count(*) as deals, round(sum(amount_rc), 2) as amount_rc
    from marts.fct_pipeline_snapshot
    where snapshot_date = (select max(snapshot_date) from marts.fct_pipeline_snapshot)
    group by 1 order by 1
"""


@pytest.fixture(scope="module")
def current(clean_refreshed) -> Path:
    """`<publish dir>/current` of the golden clean example."""
    warehouse, result = clean_refreshed
    assert result.success, result.error
    return golden_publication(warehouse) / "current"


@pytest.fixture(scope="module")
def manifest(current) -> dict:
    return json.loads((current / "manifest.json").read_text())


@pytest.fixture(scope="module")
def contracts() -> dict[str, list[tuple[str, str]]]:
    """mart -> [(column, declared data_type)] from the marts' `_*__models.yml`."""
    found = {}
    for path in sorted((DBT_PROJECT_DIR / "models" / "marts").rglob("_*__models.yml")):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            found[model["name"]] = [(c["name"], c["data_type"]) for c in model["columns"]]
    return found


@pytest.fixture(scope="module")
def expected_pipeline(current) -> list[tuple]:
    con = duckdb.connect(str(current / "crm.duckdb"), read_only=True)
    try:
        return con.execute(PIPELINE_TODAY).fetchall()
    finally:
        con.close()


def test_the_publication_holds_every_mart(current, manifest, contracts):
    assert (current / "crm.duckdb").is_file()
    assert set(manifest["marts"]) == set(contracts), "every contracted mart, nothing else"
    for name in contracts:
        assert (current / "parquet" / f"{name}.parquet").is_file(), name


def test_sqlalchemy_duckdb_engine_reads_the_published_file(
    current, manifest, contracts, expected_pipeline
):
    """The Superset path: a SQLAlchemy 2.0 engine, duckdb-engine 0.17, read-only."""
    import sqlalchemy as sa

    url = f"duckdb:///{current / 'crm.duckdb'}"
    engine = sa.create_engine(url, connect_args={"read_only": True})
    try:
        inspector = sa.inspect(engine)
        schemas = inspector.get_schema_names()
        assert any(s.split(".")[-1] == "marts" for s in schemas), schemas
        assert sorted(inspector.get_table_names(schema="marts")) == sorted(contracts)
        for name, declared in contracts.items():
            columns = inspector.get_columns(name, schema="marts")
            assert [c["name"] for c in columns] == [c for c, _ in declared], name
        types = {c["name"]: c["type"] for c in inspector.get_columns("fct_deals", schema="marts")}
        assert isinstance(types["amount"], sa.Numeric) and types["amount"].scale == 6
        assert isinstance(types["closed_at"], sa.DateTime)
        assert isinstance(types["expected_close_date"], sa.Date)
        assert isinstance(types["is_deleted"], sa.Boolean)

        with engine.connect() as con:
            rows = [tuple(r) for r in con.execute(sa.text(PIPELINE_TODAY)).fetchall()]
            assert rows == expected_pipeline and rows
            counted = con.execute(sa.text("select count(*) from marts.fct_deals")).scalar()
            assert counted == manifest["marts"]["fct_deals"]["rows"]
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                con.execute(sa.text("create table marts.scratch as select 1 as x"))
    finally:
        engine.dispose()

    # The URL form (what a BI tool's connection form takes) is read-only too.
    engine = sa.create_engine(f"{url}?access_mode=read_only")
    try:
        with engine.connect() as con:
            assert con.execute(sa.text("select current_setting('access_mode')")).scalar() == (
                "read_only"
            )
    finally:
        engine.dispose()


def _old_duckdb_python(cache: pytest.Cache) -> Path:
    """A venv with duckdb 1.4, built once and kept in the pytest cache."""
    folder = cache.mkdir("duckdb-1.4-venv")
    python = folder / "bin" / "python"
    done = folder / ".complete"
    if done.is_file() and python.exists():
        return python
    assert UV.exists(), f"{UV} is missing: run `make install`"
    shutil.rmtree(folder)
    subprocess.run(
        [str(UV), "venv", "--quiet", "--python", sys.executable, str(folder)],
        check=True,
        timeout=300,
    )
    subprocess.run(
        [str(UV), "pip", "install", "--quiet", "--python", str(python), OLD_DUCKDB],
        check=True,
        timeout=600,
    )
    done.write_text(OLD_DUCKDB + "\n")
    return python


OLD_CLIENT = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = con.execute(
    "select table_name from information_schema.tables where table_schema = 'marts' order by 1"
).fetchall()
counts = {t: con.execute(f'select count(*) from marts."{t}"').fetchall()[0][0] for (t,) in tables}
pipeline = con.execute(sys.argv[2]).fetchall()
print(json.dumps({"version": duckdb.__version__, "counts": counts, "pipeline": pipeline}))
"""


def test_a_duckdb_1x_client_opens_the_published_file(request, current, manifest, expected_pipeline):
    python = _old_duckdb_python(request.config.cache)
    run = subprocess.run(
        [str(python), "-c", OLD_CLIENT, str(current / "crm.duckdb"), PIPELINE_TODAY],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["version"].startswith("1.4."), answer["version"]
    assert answer["counts"] == {name: m["rows"] for name, m in manifest["marts"].items()}
    assert [tuple(r) for r in answer["pipeline"]] == expected_pipeline


def test_pyarrow_reads_every_parquet_file_with_its_types(current, manifest, contracts):
    for name, declared in contracts.items():
        table = pq.read_table(current / "parquet" / f"{name}.parquet")
        assert table.num_rows == manifest["marts"][name]["rows"], name
        assert table.column_names == [c for c, _ in declared], name
    deals = pq.read_table(current / "parquet" / "fct_deals.parquet")
    assert str(deals.schema.field("amount").type) == "decimal128(28, 6)"
    assert str(deals.schema.field("expected_close_date").type) == "date32[day]"
    assert str(deals.schema.field("is_deleted").type) == "bool"
    amounts = [a for a in deals.column("amount").to_pylist() if a is not None]
    assert amounts and all(isinstance(a, decimal.Decimal) for a in amounts)


def test_polars_reads_the_parquet_files(current, manifest, expected_pipeline):
    import polars as pl

    for name, mart in manifest["marts"].items():
        frame = pl.scan_parquet(current / "parquet" / f"{name}.parquet")
        assert frame.select(pl.len()).collect().item() == mart["rows"], name

    snapshot = pl.read_parquet(current / "parquet" / "fct_pipeline_snapshot.parquet")
    assert snapshot.schema["snapshot_date"] == pl.Date
    today = snapshot.filter(pl.col("snapshot_date") == snapshot["snapshot_date"].max())
    by_stage = (
        today.group_by("stage_id")
        .agg(pl.len().alias("deals"), pl.col("amount_rc").sum().round(2).alias("amount_rc"))
        .sort("stage_id")
    )
    got = [(s, n, a) for s, n, a in by_stage.iter_rows()]
    assert [(s, n) for s, n, _ in got] == [(s, n) for s, n, _ in expected_pipeline]
    for (_, _, a), (_, _, b) in zip(got, expected_pipeline, strict=True):
        assert a == pytest.approx(b, abs=0.011)
    assert isinstance(today["snapshot_date"][0], dt.date)
