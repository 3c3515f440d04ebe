"""The semantic layer (docs/semantic-layer.md; docs/marts.md, "The semantic layer (v1.3)").

Fast tier: the dbt semantic models and MetricFlow metrics parse and pass MetricFlow's
semantic validation (what `mf validate-configs` checks before it reaches the warehouse).

Slow tier: on the golden example refreshed through the real stack, every metric equals the
mart's own figure when grouped by the mart's grain (one test per metric). MetricFlow runs
in-process: its engine compiles each query to SQL (the SQL `mf query` runs), and DuckDB
runs it on the refreshed warehouse. One query per (grain, semantic model) serves several
metrics, so the module costs one `dbt parse` and a few dozen small queries.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.settings import PROJECT_ROOT

# MetricFlow imports sqlglot's deprecated Rust tokenizer
pytestmark = pytest.mark.filterwarnings("ignore:sqlglotrs is deprecated:DeprecationWarning")

DBT_PROJECT = PROJECT_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def parse_semantic_manifest(warehouse: Path | str, target: Path) -> Path:
    """`dbt parse` into a private target folder (never the shared dbt_project/target):
    returns its semantic_manifest.json. The warehouse path only names the DuckDB catalog
    that the relations carry (its file stem); parsing does not open it."""
    env = {
        **os.environ,
        "CRMWH_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    subprocess.run(
        [
            str(DBT),
            "parse",
            "--project-dir",
            str(DBT_PROJECT),
            "--profiles-dir",
            str(DBT_PROJECT),
            "--target-path",
            str(target),
            "--log-path",
            str(target / "logs"),
            "--quiet",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    manifest = target / "semantic_manifest.json"
    assert manifest.is_file(), "dbt parse wrote no semantic manifest"
    return manifest


def load_semantic_manifest(path: Path):
    from metricflow_semantics.model.dbt_manifest_parser import (
        parse_manifest_from_dbt_generated_manifest,
    )

    return parse_manifest_from_dbt_generated_manifest(manifest_json_string=path.read_text())


# --- fast tier -------------------------------------------------------------------------


def test_semantic_models_and_metrics_validate(tmp_path: Path) -> None:
    from metricflow_semantic_interfaces.validations.semantic_manifest_validator import (
        SemanticManifestValidator,
    )

    manifest = load_semantic_manifest(parse_semantic_manifest(tmp_path / "crm.duckdb", tmp_path))
    result = SemanticManifestValidator().validate_semantic_manifest(manifest)
    assert not result.errors, [issue.as_readable_str() for issue in result.errors]
    assert not result.warnings, [issue.as_readable_str() for issue in result.warnings]
    metrics = {metric.name for metric in manifest.metrics}
    missing = sorted(set(REQUIRED_METRICS) - metrics)
    assert not missing, f"metrics of the semantic layer not defined: {missing}"


# --- slow tier: the metrics against the marts -----------------------------------------


class _CompileOnlyClient:
    """What MetricFlow's engine needs of a SQL client to compile a query for DuckDB (the
    test runs the SQL itself)."""

    def __init__(self) -> None:
        from metricflow.protocols.sql_client import SqlEngine
        from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer

        self.sql_engine_type = SqlEngine.DUCKDB
        self.sql_plan_renderer = DuckDbSqlPlanRenderer()

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"

    def query(self, *args, **kwargs):  # pragma: no cover - never called
        raise NotImplementedError

    execute = dry_run = query

    def close(self) -> None:
        pass


class SemanticLayer:
    def __init__(self, manifest: Path, warehouse: Path) -> None:
        from metricflow.engine.metricflow_engine import MetricFlowEngine
        from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup

        self.engine = MetricFlowEngine(
            SemanticManifestLookup(load_semantic_manifest(manifest)), _CompileOnlyClient()
        )
        self.warehouse = warehouse
        self._cache: dict[tuple, dict[tuple, dict[str, object]]] = {}

    def sql(self, metrics: tuple[str, ...], group_by: tuple[str, ...]) -> str:
        from metricflow.engine.metricflow_engine import MetricFlowQueryRequest

        request = MetricFlowQueryRequest.create(metric_names=metrics, group_by_names=group_by)
        return self.engine.explain(request).sql_statement.sql

    def query(self, metrics: tuple[str, ...], group_by: tuple[str, ...]):
        """{group-by values: {metric: value}}, one compiled query for all the metrics."""
        key = (metrics, group_by)
        if key not in self._cache:
            sql = self.sql(metrics, group_by)
            with duckdb.connect(str(self.warehouse), read_only=True) as con:
                cursor = con.execute(sql)
                names = [d[0] for d in cursor.description]
                rows = cursor.fetchall()
            out: dict[tuple, dict[str, object]] = {}
            for row in rows:
                record = dict(zip(names, row, strict=True))
                keys = tuple(_norm(record[name]) for name in group_by)
                out[keys] = {m: record[m] for m in metrics}
            self._cache[key] = out
        return self._cache[key]


def _norm(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is None:
        return None
    return str(value)


@dataclass(frozen=True)
class Case:
    """A metric against a mart: `mart_sql` returns the mart's grain (key columns, in the
    order of `group_by`) and the mart's figure as the last column.

    Every row of the mart must match the metric's row of the same key; metric rows that the
    mart lacks must be 0 or null, unless their first key never appears in the mart (outside
    its scope, e.g. the deals of an admin for the scorecard of reps and managers)."""

    metric: str
    group_by: tuple[str, ...]
    mart_sql: str
    # the figure of a key the metric query does not return (a quiet month, a rep without
    # deals): 0 for counts and sums that the mart fills with zeros, else null
    missing: float | None = None
    # "first": metric rows whose first key the mart lacks are outside its scope; "key": only
    # the mart's own keys are compared (a mart that holds one slice of the metric)
    scope: str = "first"


SCORECARD = "select rep_id, cast(month_start as date), {col} from marts.rpt_rep_scorecard"
REP_MONTH = ("rep", "metric_time__month")
DEAL_METRICS = (
    "won_deals",
    "lost_deals",
    "won_revenue",
    "win_rate_count",
    "win_rate_amount",
    "average_won_deal",
    "sales_cycle_days",
)
ACTIVITY_METRICS = ("activities_done", "calls", "meetings", "emails")


def _deals_by_month(expr: str) -> str:
    return (
        "select cast(date_trunc('month', closed_at) as date), "
        f"{expr} from marts.fct_deals where closed_at is not null group by 1"
    )


CASES: list[Case] = [
    # rpt_rep_scorecard: (rep, month); the rep of a closed deal is its owner at close
    Case("won_deals", REP_MONTH, SCORECARD.format(col="deals_won"), missing=0),
    Case("lost_deals", REP_MONTH, SCORECARD.format(col="deals_lost"), missing=0),
    Case(
        "won_revenue",
        REP_MONTH,
        SCORECARD.format(col="won_revenue_rc"),
        missing=0,
    ),
    Case("win_rate_count", REP_MONTH, SCORECARD.format(col="win_rate_count")),
    Case("win_rate_amount", REP_MONTH, SCORECARD.format(col="win_rate_amount")),
    Case("average_won_deal", REP_MONTH, SCORECARD.format(col="avg_won_deal_rc")),
    Case("sales_cycle_days", REP_MONTH, SCORECARD.format(col="avg_sales_cycle_days")),
    Case("activities_done", REP_MONTH, SCORECARD.format(col="activities_done"), missing=0),
    Case("calls", REP_MONTH, SCORECARD.format(col="calls"), missing=0),
    # the scorecard's next-week column: only on the as-of month's row
    Case(
        "activities_scheduled",
        ("rep", "metric_time__week"),
        "select scorecard.rep_id, cast(date_trunc('week', as_of.as_of_date) + interval 7 day "
        "as date), scorecard.activities_scheduled_next_week from marts.rpt_rep_scorecard "
        "as scorecard cross join intermediate.int_as_of_date as as_of "
        "where scorecard.activities_scheduled_next_week is not null",
        missing=0,
        scope="key",
    ),
    Case("meetings", REP_MONTH, SCORECARD.format(col="meetings"), missing=0),
    Case("emails", REP_MONTH, SCORECARD.format(col="emails"), missing=0),
    # rpt_conversion_by_source: (source, cohort month)
    *(
        Case(
            metric,
            ("lead_source", "metric_time__month"),
            f"select source, cohort_month, {col} from marts.rpt_conversion_by_source",
            missing=0 if metric == "leads" else None,
        )
        for metric, col in (
            ("leads", "leads"),
            ("close_rate", "close_rate"),
            ("qualification_rate", "qualification_rate"),
            ("conversion_rate", "conversion_rate"),
        )
    ),
    # rpt_lost_reasons: (lost month, reason category, owner at close, source), summed over
    # the stage at loss (not a column of fct_deals)
    Case(
        "amount_lost",
        ("metric_time__month", "lost_reason", "rep", "lead_source"),
        "select lost_month, lost_reason_category, owner_id, source, sum(amount_lost_rc) "
        "from marts.rpt_lost_reasons group by 1, 2, 3, 4",
        missing=0,
    ),
    # fct_deals (month of closed_at): the marts' own per-deal flags, aggregated
    Case(
        "net_new_revenue",
        ("metric_time__month",),
        _deals_by_month("sum(case when is_net_new then amount_rc end)"),
    ),
    Case(
        "new_customers",
        ("metric_time__month",),
        _deals_by_month("count(distinct case when is_net_new then account_id end)"),
        missing=0,
    ),
    Case(
        "upsell_rate",
        ("metric_time__month",),
        _deals_by_month(
            "sum(case when is_upsell and not is_deleted then 1 else 0 end) / nullif(sum("
            "case when status = 'won' and not is_deleted then 1 else 0 end), 0)"
        ),
    ),
    Case(
        "cross_sell_rate",
        ("metric_time__month",),
        _deals_by_month(
            "sum(case when status = 'won' and deal_type = 'cross_sell' and not is_deleted "
            "then 1 else 0 end) / nullif(sum("
            "case when status = 'won' and not is_deleted then 1 else 0 end), 0)"
        ),
    ),
    Case(
        "renewal_rate",
        ("metric_time__month",),
        _deals_by_month(
            "sum(case when status = 'won' and deal_type = 'renewal' and not is_deleted "
            "then 1 else 0 end) / nullif(sum(case when status in ('won', 'lost') "
            "and deal_type = 'renewal' and not is_deleted then 1 else 0 end), 0)"
        ),
    ),
    Case(
        "returning_customers",
        ("metric_time__month",),
        _deals_by_month("count(distinct case when is_repeat_win then account_id end)"),
        missing=0,
    ),
    # fct_deals: one row per deal (quotes by their deal)
    *(
        Case(
            metric,
            ("deal",),
            f"select deal_id, {metric} from marts.fct_deals",
            missing=0,
        )
        for metric in ("quotes_sent", "quotes_accepted")
    ),
    # fct_lead_funnel: one row per person
    Case(
        "lead_to_first_contact_hours",
        ("lead",),
        "select lead_id, hours_to_first_contact from marts.fct_lead_funnel",
    ),
    # rpt_stage_conversion: (pipeline, stage, cohort month); a stage belongs to one pipeline
    Case(
        "stage_conversion_rate",
        ("stage", "metric_time__month"),
        "select stage_id, cohort_month, conversion_rate from marts.rpt_stage_conversion",
    ),
    # fct_deal_line_items: loss by product (the lines of lost deals)
    Case(
        "lost_line_amount",
        ("product",),
        "select product_id, sum(case when deal_status = 'lost' then line_amount_rc end) "
        "from marts.fct_deal_line_items group by 1",
    ),
    # fct_pipeline_snapshot: (day, pipeline)
    *(
        Case(
            metric,
            ("metric_time__day", "deal_day__pipeline_id"),
            f"select snapshot_date, pipeline_id, {col} from marts.fct_pipeline_snapshot "
            "group by 1, 2",
        )
        for metric, col in (
            ("open_pipeline", "sum(amount_rc)"),
            ("weighted_pipeline", "sum(weighted_amount_rc)"),
            ("open_deals", "count(*)"),
        )
    ),
    # fct_stage_durations: one row per visit
    Case(
        "stage_duration_days",
        ("stage_visit",),
        "select deal_id || '|' || cast(visit_sequence as varchar), duration_days "
        "from marts.fct_stage_durations",
    ),
    # fct_goal_attainment: (assignment, period type, period)
    *(
        Case(
            metric,
            ("goal_period",),
            "select assignment_id || '|' || period_type || '|' || cast(period_start as varchar), "
            f"{col} from marts.fct_goal_attainment",
        )
        for metric, col in (
            ("goal_target", "target"),
            ("goal_actual", "actual"),
            ("goal_attainment", "attainment"),
        )
    ),
    # fct_customer_profitability: (account or the null row, month); the metrics sum its
    # input facts (invoices, lines, refunds, charges, tickets) so they also slice by day
    *(
        Case(
            metric,
            ("account", "metric_time__month"),
            f"select account_id, month_start, {col} from marts.fct_customer_profitability",
            missing=0,
        )
        for metric, col in (
            ("invoiced_revenue", "invoiced_revenue_rc"),
            ("net_revenue", "net_revenue_rc"),
            ("gross_margin", "gross_margin_rc"),
            ("refunds", "refunds_rc"),
        )
    ),
    # rpt_support_daily: one row per day
    Case(
        "support_tickets",
        ("metric_time__day",),
        "select date_day, tickets_opened from marts.rpt_support_daily",
        missing=0,
    ),
    Case(
        "satisfaction_rate",
        ("metric_time__day",),
        "select date_day, satisfaction_rate from marts.rpt_support_daily",
    ),
    Case(
        "sla_compliance",
        ("metric_time__day",),
        "select date_day, sla_compliance from marts.rpt_support_daily",
    ),
    # rpt_campaign_performance: one row per campaign
    Case(
        "campaign_responses",
        ("campaign",),
        "select campaign_id, responses from marts.rpt_campaign_performance",
        missing=0,
    ),
]

REQUIRED_METRICS = [case.metric for case in CASES]


def _close(expected: object, actual: object, rel: float = 1e-9) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    e, a = float(expected), float(actual)
    if math.isnan(e) or math.isnan(a):
        return math.isnan(e) and math.isnan(a)
    return math.isclose(e, a, rel_tol=rel, abs_tol=1e-6)


@pytest.fixture(scope="module")
def semantic_layer(clean_refreshed, tmp_path_factory: pytest.TempPathFactory) -> SemanticLayer:
    warehouse, _ = clean_refreshed
    manifest = parse_semantic_manifest(warehouse, tmp_path_factory.mktemp("semantic"))
    return SemanticLayer(manifest, warehouse)


def _mart_rows(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def _metrics_of_grain(case: Case) -> tuple[str, ...]:
    """The metrics that share this case's grain and semantic model, queried together."""
    for group in (DEAL_METRICS, ACTIVITY_METRICS):
        if case.metric in group and case.group_by == REP_MONTH:
            return group
    return (case.metric,)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[case.metric for case in CASES])
def test_metric_equals_the_marts_figure(semantic_layer: SemanticLayer, case: Case) -> None:
    metrics = _metrics_of_grain(case)
    result = semantic_layer.query(metrics, case.group_by)
    expected = {
        tuple(_norm(v) for v in row[:-1]): row[-1]
        for row in _mart_rows(semantic_layer.warehouse, case.mart_sql)
    }
    assert expected, f"the mart behind {case.metric} is empty on the golden example"
    wrong = []
    for key, value in expected.items():
        got = result[key][case.metric] if key in result else case.missing
        if value is None and case.missing == 0 and got == 0:
            continue
        if not _close(value, got):
            wrong.append((key, value, got))
    in_scope = {key[0] for key in expected}
    for key, values in result.items():
        if key in expected or key[0] not in in_scope or case.scope == "key":
            continue
        got = values[case.metric]
        if got is not None and not (isinstance(got, float) and math.isnan(got)) and got != 0:
            wrong.append((key, None, got))
    assert not wrong, (
        f"{case.metric} by {case.group_by}: {len(wrong)} of {len(expected)} groups differ "
        f"from the mart (key, mart, metric): {wrong[:10]}"
    )


# --- slow tier: the dimensions and grains of marts.md, and the documented examples -----

GRAINS = ("day", "week", "month", "quarter", "year")


@pytest.mark.slow
@pytest.mark.parametrize("grain", GRAINS)
def test_every_metric_at_every_grain(semantic_layer: SemanticLayer, grain: str) -> None:
    """All the metrics in one query by metric_time at this grain: it compiles and runs,
    and a sum over the grain's buckets equals the total (nothing lost between grains)."""
    metrics = tuple(REQUIRED_METRICS)
    rows = semantic_layer.query(metrics, (f"metric_time__{grain}",))
    assert rows, f"no rows by metric_time__{grain}"
    totals = semantic_layer.query(("won_revenue", "leads", "activities_done"), ())
    (total,) = totals.values()
    for metric in ("won_revenue", "leads", "activities_done"):
        by_grain = sum(float(r[metric] or 0) for r in rows.values())
        assert _close(total[metric], by_grain), (metric, grain, total[metric], by_grain)


# (metrics, group-by) of every dimension marts.md names, one query each
DIMENSION_QUERIES = [
    (("close_rate", "won_revenue", "activities_done"), ("rep__rep_name", "rep__team")),
    (("won_revenue", "stage_conversion_rate"), ("account__segment", "account__industry")),
    (("net_revenue", "support_tickets"), ("account__country",)),
    (("close_rate", "won_revenue", "leads"), ("lead_source__source", "lead_source__channel_group")),
    (("sales_cycle_days", "won_deals"), ("deal__deal_type",)),
    (("open_pipeline", "stage_conversion_rate"), ("stage__pipeline_name", "stage__stage_name")),
    (("lost_line_amount", "lost_deals_with_product"), ("product__product_name", "product__family")),
    (("lost_deals", "amount_lost"), ("lost_reason__lost_reason_category",)),
    (("campaign_responses", "leads"), ("campaign__campaign_name",)),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("metrics", "group_by"), DIMENSION_QUERIES, ids=[q[1][-1] for q in DIMENSION_QUERIES]
)
def test_metrics_slice_by_the_dimensions(
    semantic_layer: SemanticLayer, metrics: tuple[str, ...], group_by: tuple[str, ...]
) -> None:
    rows = semantic_layer.query(metrics, (*group_by, "metric_time__week"))
    assert rows, f"{metrics} by {group_by}: no rows"
    named = [key for key in rows if all(value is not None for value in key[:-1])]
    assert named, f"{metrics} by {group_by}: every row has a null dimension value"


# The three example queries of docs/semantic-layer.md (as `mf query` runs them).
EXAMPLES = {
    "weekly activities per rep": (
        ("activities_done", "calls", "meetings", "emails"),
        ("metric_time__week", "rep__rep_name"),
    ),
    "stage conversion by segment": (
        ("stage_deals_reached", "stage_deals_advanced", "stage_conversion_rate"),
        ("stage__pipeline_name", "stage__stage_order", "stage__stage_name", "account__segment"),
    ),
    "loss by product": (
        ("lost_line_amount", "lost_deals_with_product"),
        ("product__family", "product__product_name"),
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("example", list(EXAMPLES))
def test_documented_examples_run(semantic_layer: SemanticLayer, example: str) -> None:
    metrics, group_by = EXAMPLES[example]
    assert semantic_layer.query(metrics, group_by), f"{example}: no rows"
    doc = (PROJECT_ROOT / "docs" / "semantic-layer.md").read_text()
    line = f"--metrics {','.join(metrics)} --group-by {','.join(group_by)}"
    assert line in doc, f"docs/semantic-layer.md does not show the example {example!r}: {line}"


@pytest.mark.slow
def test_mf_cli_queries_the_warehouse(
    clean_refreshed, semantic_layer: SemanticLayer, tmp_path: Path
) -> None:
    """`mf query` as docs/semantic-layer.md runs it (from the dbt project, with its
    profiles.yml and CRMWH_WAREHOUSE), on a copy of the project so that its target/ and
    logs/ stay private; the figures equal the in-process engine's."""
    warehouse, _ = clean_refreshed
    project = tmp_path / "dbt_project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml", "packages.yml"):
        shutil.copy2(DBT_PROJECT / name, project / name)
    for name in ("models", "macros", "seeds", "tests", "analyses"):
        if (DBT_PROJECT / name).is_dir():
            shutil.copytree(DBT_PROJECT / name, project / name)
    env = {
        **os.environ,
        "CRMWH_WAREHOUSE": str(warehouse),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop("DBT_PROJECT_DIR", None)
    subprocess.run([str(DBT), "parse", "--quiet"], cwd=project, env=env, check=True)
    out = tmp_path / "out.csv"
    metrics = ("won_revenue", "close_rate")
    done = subprocess.run(
        [
            str(DBT.parent / "mf"),
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            "metric_time__quarter",
            "--csv",
            str(out),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0 and out.is_file(), done.stdout + done.stderr
    with out.open(newline="") as f:
        cli = {_norm(row["metric_time__quarter"][:10] or None): row for row in csv.DictReader(f)}
    engine = semantic_layer.query(metrics, ("metric_time__quarter",))
    assert set(cli) == {key[0] for key in engine}
    for (quarter,), values in engine.items():
        for metric in metrics:
            got = cli[quarter][metric]
            assert _close(values[metric], float(got) if got else None), (quarter, metric)
