{#
    The reverse funnel: what it takes to reach each revenue goal. One row per won_revenue
    goal assignment × period type (month, quarter, year). Inputs over the 365 days
    before the as-of date (as-of − 364 … as-of) for the user: won and lost deals by
    owner at close and closed_at (not deleted), persons by current owner and created_at.
    When the user closed fewer than 5 deals in the window, the company's values are used.
#}
with

targets as (
    select * from {{ ref('int_revenue_goal_targets_converted') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

persons as (
    select * from {{ ref('fct_lead_funnel') }}
),

as_of as (
    select
        cast({{ as_of_date() }} as date) as as_of_date,
        cast({{ dbt.dateadd('day', -364, as_of_date()) }} as date) as window_start
),

period_types as (
    select
        'month' as period_type,
        365.25 / 12 as period_days
    union all
    select
        'quarter',
        365.25 / 4
    union all
    select
        'year',
        365.25
),

closed_in_window as (
    select
        deals.owner_at_close_id as user_id,
        deals.status,
        deals.amount_rc
    from deals
    cross join as_of
    where not deals.is_deleted
        and deals.status in ('won', 'lost')
        and {{ to_reporting_date('deals.closed_at') }} between as_of.window_start and as_of.as_of_date
),

persons_in_window as (
    select
        persons.owner_id as user_id,
        persons.is_won
    from persons
    cross join as_of
    where {{ to_reporting_date('persons.created_at') }} between as_of.window_start and as_of.as_of_date
),

deal_inputs_by_user as (
    select
        user_id,
        count(*) as deals_closed,
        avg(case when status = 'won' then amount_rc end) as avg_won_deal_rc,
        cast(sum(case when status = 'won' then 1 else 0 end) as {{ type_double() }}) / count(*) as deal_win_rate
    from closed_in_window
    group by user_id
),

deal_inputs_company as (
    select
        avg(case when status = 'won' then amount_rc end) as avg_won_deal_rc,
        cast(sum(case when status = 'won' then 1 else 0 end) as {{ type_double() }}) / nullif(count(*), 0) as deal_win_rate
    from closed_in_window
),

lead_inputs_by_user as (
    select
        user_id,
        cast(sum(case when is_won then 1 else 0 end) as {{ type_double() }}) / count(*) as lead_to_won_rate
    from persons_in_window
    group by user_id
),

lead_inputs_company as (
    select cast(sum(case when is_won then 1 else 0 end) as {{ type_double() }}) / nullif(count(*), 0) as lead_to_won_rate
    from persons_in_window
),

inputs as (
    select
        targets.assignment_id,
        coalesce(deal_inputs_by_user.deals_closed, 0) >= 5 as uses_own_history,
        case
            when coalesce(deal_inputs_by_user.deals_closed, 0) >= 5 then deal_inputs_by_user.avg_won_deal_rc
            else deal_inputs_company.avg_won_deal_rc
        end as avg_won_deal_rc,
        case
            when coalesce(deal_inputs_by_user.deals_closed, 0) >= 5 then coalesce(lead_inputs_by_user.lead_to_won_rate, 0)
            else lead_inputs_company.lead_to_won_rate
        end as lead_to_won_rate,
        case
            when coalesce(deal_inputs_by_user.deals_closed, 0) >= 5 then deal_inputs_by_user.deal_win_rate
            else deal_inputs_company.deal_win_rate
        end as deal_win_rate
    from targets
    cross join deal_inputs_company
    cross join lead_inputs_company
    left join deal_inputs_by_user
        on targets.user_id = deal_inputs_by_user.user_id
    left join lead_inputs_by_user
        on targets.user_id = lead_inputs_by_user.user_id
),

plans as (
    select
        targets.assignment_id,
        targets.goal_id,
        targets.user_id,
        period_types.period_type,
        targets.target_per_day_rc * period_types.period_days as revenue_target_rc,
        inputs.avg_won_deal_rc,
        inputs.lead_to_won_rate,
        inputs.deal_win_rate,
        inputs.uses_own_history
    from targets
    cross join period_types
    inner join inputs
        on targets.assignment_id = inputs.assignment_id
),

final as (
    select
        assignment_id,
        goal_id,
        user_id,
        period_type,
        cast(revenue_target_rc as {{ type_double() }}) as revenue_target_rc,
        cast(avg_won_deal_rc as {{ type_double() }}) as avg_won_deal_rc,
        cast(lead_to_won_rate as {{ type_double() }}) as lead_to_won_rate,
        cast(deal_win_rate as {{ type_double() }}) as deal_win_rate,
        cast(revenue_target_rc / nullif(avg_won_deal_rc, 0) as {{ type_double() }}) as deals_needed,
        cast(revenue_target_rc / nullif(avg_won_deal_rc, 0) / nullif(lead_to_won_rate, 0) as {{ type_double() }}) as leads_needed,
        cast(revenue_target_rc / nullif(deal_win_rate, 0) as {{ type_double() }}) as pipeline_needed_rc,
        uses_own_history
    from plans
)

select * from final
