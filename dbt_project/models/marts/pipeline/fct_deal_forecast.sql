{#
    One row per deal open at the as-of time, with the forecast rules of
    rpt_revenue_forecast: the forecast month (expected close month; overdue deals and deals
    without an expected close date in the as-of month), the account's segment, and the
    amount at the as-of date weighted by the stage probability and by the stage's
    historical win share (won / closed among closed deals with a visit to that stage
    starting in the 365 days before the as-of date; the probability when there is none).
    rpt_revenue_forecast and rpt_revenue_forecast_by_product aggregate it.
#}
with

deals as (
    select * from {{ ref('fct_deals') }}
),

accounts as (
    select * from {{ ref('dim_account') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

visits as (
    select * from {{ ref('fct_stage_durations') }}
),

as_of as (
    select {{ as_of_date() }} as as_of_date
),

recent_stage_outcomes as (
    select
        visits.stage_id,
        count(distinct case when deals.status = 'won' then deals.deal_id end) as won_deals,
        count(distinct deals.deal_id) as closed_deals
    from visits
    inner join deals
        on visits.deal_id = deals.deal_id
    cross join as_of
    where deals.status in ('won', 'lost')
        and not deals.is_deleted
        and {{ to_reporting_date('visits.entered_at') }} between {{ dbt.dateadd('day', -364, 'as_of.as_of_date') }} and as_of.as_of_date
    group by visits.stage_id
),

stage_weights as (
    select
        stages.stage_id,
        stages.probability,
        coalesce(
            cast(recent_stage_outcomes.won_deals as {{ type_double() }}) / nullif(recent_stage_outcomes.closed_deals, 0),
            stages.probability
        ) as historical_win_share
    from stages
    left join recent_stage_outcomes
        on stages.stage_id = recent_stage_outcomes.stage_id
),

open_deals as (
    select
        cast({{ dbt.date_trunc('month', 'case when deals.expected_close_date is null or deals.expected_close_date < as_of.as_of_date then as_of.as_of_date else deals.expected_close_date end') }} as date) as forecast_month,
        deals.pipeline_id,
        deals.owner_id,
        coalesce(accounts.segment, 'unknown') as segment,
        deals.source,
        deals.deal_id,
        deals.amount_rc,
        deals.amount_rc * stage_weights.probability as weighted_rc,
        deals.amount_rc * stage_weights.historical_win_share as historical_weighted_rc
    from deals
    cross join as_of
    left join accounts
        on deals.account_id = accounts.account_id
    left join stage_weights
        on deals.stage_id = stage_weights.stage_id
    where deals.status = 'open'
        and not deals.is_deleted
)

select * from open_deals
