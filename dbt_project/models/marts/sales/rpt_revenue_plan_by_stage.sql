{#
    The reverse funnel stage by stage (docs/marts.md v1.3): for every row of
    rpt_revenue_plan (won_revenue assignment × month, quarter, year) and every open stage
    of the pipelines in use (pipelines with a deal that is not deleted; only the goal's
    pipeline when it has one), how many deals must reach the stage to win the deals
    needed: deals_needed ÷ stage_to_won_rate.
    stage_to_won_rate: among the deals that reached the stage (fct_deal_stage_reached)
    and closed (won or lost) in the 365 days before the as-of date (as-of − 364 … as-of),
    the share now won; over the user's deals (owner at close) when the user closed at
    least 5 such deals at this stage, else over the company's.
#}
with

plans as (
    select * from {{ ref('rpt_revenue_plan') }}
),

goals as (
    select * from {{ ref('dim_goal') }}
),

stages as (
    select * from {{ ref('dim_stage') }}
),

stages_reached as (
    select * from {{ ref('fct_deal_stage_reached') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

as_of as (
    select
        cast({{ as_of_date() }} as date) as as_of_date,
        cast({{ dbt.dateadd('day', -364, as_of_date()) }} as date) as window_start
),

pipelines_in_use as (
    select distinct pipeline_id
    from deals
    where not is_deleted
),

open_stages as (
    select
        stages.pipeline_id,
        stages.stage_id,
        stages.stage_order
    from stages
    inner join pipelines_in_use
        on stages.pipeline_id = pipelines_in_use.pipeline_id
    where stages.stage_type = 'open'
),

{# deals that reached a stage and closed in the window, with their owner at close #}
reached_and_closed as (
    select
        stages_reached.stage_id,
        stages_reached.owner_at_close_id as user_id,
        deals.status
    from stages_reached
    inner join deals
        on stages_reached.deal_id = deals.deal_id
    cross join as_of
    where not deals.is_deleted
        and deals.status in ('won', 'lost')
        and {{ to_reporting_date('deals.closed_at') }} between as_of.window_start and as_of.as_of_date
),

rates_by_user as (
    select
        stage_id,
        user_id,
        count(*) as deals_closed,
        cast(sum(case when status = 'won' then 1 else 0 end) as {{ type_double() }}) / count(*) as stage_to_won_rate
    from reached_and_closed
    group by stage_id, user_id
),

rates_company as (
    select
        stage_id,
        cast(sum(case when status = 'won' then 1 else 0 end) as {{ type_double() }}) / count(*) as stage_to_won_rate
    from reached_and_closed
    group by stage_id
),

plan_stages as (
    select
        plans.assignment_id,
        plans.goal_id,
        plans.user_id,
        open_stages.pipeline_id,
        open_stages.stage_id,
        plans.period_type,
        open_stages.stage_order,
        plans.deals_needed,
        coalesce(rates_by_user.deals_closed, 0) >= 5 as uses_own_history,
        case
            when coalesce(rates_by_user.deals_closed, 0) >= 5 then rates_by_user.stage_to_won_rate
            else rates_company.stage_to_won_rate
        end as stage_to_won_rate
    from plans
    inner join goals
        on plans.goal_id = goals.goal_id
    inner join open_stages
        on goals.pipeline_id is null
        or goals.pipeline_id = open_stages.pipeline_id
    left join rates_by_user
        on open_stages.stage_id = rates_by_user.stage_id
        and plans.user_id = rates_by_user.user_id
    left join rates_company
        on open_stages.stage_id = rates_company.stage_id
),

final as (
    select
        assignment_id,
        goal_id,
        user_id,
        pipeline_id,
        stage_id,
        period_type,
        cast(stage_order as {{ dbt.type_bigint() }}) as stage_order,
        cast(deals_needed as {{ type_double() }}) as deals_needed,
        cast(stage_to_won_rate as {{ type_double() }}) as stage_to_won_rate,
        cast(deals_needed / nullif(stage_to_won_rate, 0) as {{ type_double() }}) as deals_needed_at_stage,
        uses_own_history
    from plan_stages
)

select * from final
