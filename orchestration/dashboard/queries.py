"""The dashboard's numbers: one short query per panel on the published marts.

Every query takes the as-of date (the latest loaded export day: the publication's
`as_of_date`, also the last day of the pipeline snapshot) as its only parameter, `$as_of`,
and returns columns as lists, ready for Plotly.
Rates are fractions 0..1; money is in the reporting currency (`_rc`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb

AS_OF = """
select coalesce(
    (select max(snapshot_date) from marts.fct_pipeline_snapshot),
    (select max(support_date) from marts.rpt_support_daily),
    current_date
)
"""

# name -> SQL, with the as-of date as the parameter `$as_of` where it needs one.
QUERIES: dict[str, str] = {
    "kpis": """
        with pipeline as (
            select count(*) as open_deals, sum(amount_rc) as open_pipeline_rc,
                   sum(weighted_amount_rc) as weighted_pipeline_rc
            from marts.fct_pipeline_snapshot where snapshot_date = $as_of
        ),
        won as (
            select count(*) as won_deals_mtd, coalesce(sum(amount_rc), 0) as won_rc_mtd
            from marts.fct_deals
            where status = 'won' and not is_deleted
              and closed_at >= date_trunc('month', $as_of)
              and closed_at < $as_of + interval 1 day
        ),
        closed as (
            select count(case when status = 'won' then 1 end)
                       / nullif(count(*), 0) as win_rate_90d
            from marts.fct_deals
            where status in ('won', 'lost') and not is_deleted
              and closed_at >= $as_of - interval 89 day
              and closed_at < $as_of + interval 1 day
        ),
        forecast as (
            select sum(weighted_rc) as forecast_weighted_rc_month
            from marts.rpt_revenue_forecast
            where forecast_month = date_trunc('month', $as_of)
        )
        select * from pipeline, won, closed, forecast
    """,
    "pipeline_today": """
        select coalesce(s.pipeline_name, p.pipeline_id, 'unknown') as pipeline,
               coalesce(s.stage_name, p.stage_id) as stage,
               count(*) as deals,
               sum(p.amount_rc) as amount_rc,
               sum(p.weighted_amount_rc) as weighted_rc
        from marts.fct_pipeline_snapshot as p
        left join marts.dim_stage as s on s.stage_id = p.stage_id
        where p.snapshot_date = $as_of
        group by all
        order by pipeline, min(s.stage_order), stage
    """,
    "pipeline_trend": """
        select snapshot_date,
               count(*) as open_deals,
               sum(amount_rc) as amount_rc,
               sum(weighted_amount_rc) as weighted_rc
        from marts.fct_pipeline_snapshot
        where snapshot_date > $as_of - interval 180 day and snapshot_date <= $as_of
        group by 1
        order by 1
    """,
    "conversion_by_source": """
        select c.source,
               sum(c.leads) as leads,
               sum(c.qualified) as qualified,
               sum(c.converted) as converted,
               sum(c.won) as won,
               sum(c.won) / nullif(sum(c.leads), 0) as close_rate,
               sum(c.won_revenue_rc) as won_revenue_rc
        from marts.rpt_conversion_by_source as c
        where c.cohort_month > $as_of - interval 12 month
        group by 1
        order by leads desc, c.source
    """,
    "stage_conversion": """
        select coalesce(s.pipeline_name, c.pipeline_id) as pipeline,
               coalesce(s.stage_name, c.stage_id) as stage,
               sum(c.deals_reached) as deals_reached,
               sum(c.deals_advanced) as deals_advanced,
               sum(c.deals_advanced) / nullif(sum(c.deals_reached), 0) as conversion_rate
        from marts.rpt_stage_conversion as c
        left join marts.dim_stage as s on s.stage_id = c.stage_id
        where c.cohort_month > $as_of - interval 12 month
        group by all
        order by pipeline, min(c.stage_order), stage
    """,
    "lost_reasons": """
        select coalesce(l.lost_reason_category, 'unspecified') as reason,
               sum(l.deals_lost) as deals_lost,
               sum(l.amount_lost_rc) as amount_lost_rc
        from marts.rpt_lost_reasons as l
        where l.lost_month > $as_of - interval 12 month
        group by 1
        order by deals_lost desc, reason
    """,
    "forecast": """
        select forecast_month,
               sum(open_deals) as open_deals,
               sum(pipeline_rc) as pipeline_rc,
               sum(weighted_rc) as weighted_rc,
               sum(historical_weighted_rc) as historical_weighted_rc
        from marts.rpt_revenue_forecast
        where forecast_month >= date_trunc('month', $as_of)
        group by 1
        order by 1
    """,
    "goal_pacing": """
        select coalesce(r.rep_name, g.user_id) as rep,
               g.metric || ' / ' || g.period_type as goal,
               sum(g.target) as target,
               sum(g.actual) as actual,
               sum(g.expected_to_date) as expected_to_date,
               sum(g.actual) / nullif(sum(g.target), 0) as attainment,
               sum(g.actual) / nullif(sum(g.expected_to_date), 0) as pace
        from marts.fct_goal_attainment as g
        left join marts.dim_rep as r on r.rep_id = g.user_id
        where g.expected_to_date is not null
        group by all
        order by rep, goal
    """,
    "customer_profitability": """
        select case
                   when p.account_id is null then '(not matched to an account)'
                   else coalesce(a.account_name, p.account_id)
               end as account,
               sum(p.net_revenue_rc) as net_revenue_rc,
               sum(p.gross_margin_rc) as gross_margin_rc,
               sum(p.support_cost_rc) as support_cost_rc,
               sum(p.gross_margin_rc) / nullif(sum(p.net_revenue_rc), 0) as gross_margin_pct
        from marts.fct_customer_profitability as p
        left join marts.dim_account as a on a.account_id = p.account_id
        where p.month_start > $as_of - interval 12 month
        group by all
        having sum(p.net_revenue_rc) <> 0
        order by net_revenue_rc desc, account
        limit 10
    """,
    "support_weekly": """
        select date_trunc('week', support_date)::date as week_start,
               sum(tickets_opened) as tickets_opened,
               sum(tickets_solved) as tickets_solved,
               sum(calls) as calls,
               sum(tickets_sla_met) / nullif(sum(tickets_sla_measured), 0) as sla_compliance
        from marts.rpt_support_daily
        where support_date >= date_trunc('week', $as_of) - interval 11 week
          and support_date <= $as_of
        group by 1
        order by 1
    """,
    "support_kpis": """
        select sum(tickets_opened) as tickets_opened,
               sum(tickets_solved) as tickets_solved,
               sum(tickets_solved_same_day) / nullif(sum(tickets_solved), 0)
                   as solved_same_day_rate,
               sum(tickets_sla_met) / nullif(sum(tickets_sla_measured), 0) as sla_compliance,
               sum(resolution_minutes) / nullif(sum(tickets_with_resolution), 0) / 60
                   as avg_resolution_hours,
               sum(handle_seconds) / nullif(sum(handled_calls), 0) / 60
                   as avg_handle_minutes,
               sum(support_cost_rc) / nullif(sum(interactions), 0) as cost_per_interaction_rc
        from marts.rpt_support_daily
        where support_date > $as_of - interval 30 day and support_date <= $as_of
    """,
}


@dataclass
class DashboardData:
    as_of: dt.date
    panels: dict[str, dict[str, list]] = field(default_factory=dict)

    def row(self, name: str) -> dict:
        """The single row of a one-row panel (kpis, support_kpis)."""
        return {column: values[0] if values else None for column, values in self[name].items()}

    def __getitem__(self, name: str) -> dict[str, list]:
        return self.panels[name]


def _columns(con: duckdb.DuckDBPyConnection, sql: str, as_of: dt.date) -> dict[str, list]:
    cursor = con.execute(sql, {"as_of": as_of} if "$as_of" in sql else None)
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


def load(con: duckdb.DuckDBPyConnection, as_of: dt.date | None = None) -> DashboardData:
    """Every panel's numbers from one connection (one consistent publication). `as_of`:
    the publication's as-of date (its manifest); by default the last snapshot day."""
    if as_of is None:
        as_of = con.execute(AS_OF).fetchall()[0][0]
    data = DashboardData(as_of=as_of)
    for name, sql in QUERIES.items():
        data.panels[name] = _columns(con, sql, as_of)
    return data
