{#
    One row per won_revenue goal assignment (kept after the audit, not deleted): the
    goal's target_1 per day (÷ 1, 7, 365.25/12, 365.25/4 or 365.25 days for period_1
    day, week, month, quarter, year), in the goal's currency and converted into the
    reporting currency at the as-of date, and the monthly target (× 365.25/12 days).
    The reverse funnel (rpt_revenue_plan) and pipeline coverage (rpt_rep_scorecard)
    read it.
#}
with

goals as (
    select * from {{ ref('stg_crm__goals') }}
),

assignments as (
    select * from {{ ref('stg_crm__goal_assignments') }}
),

as_of as (
    select cast({{ as_of_date() }} as date) as as_of_date
),

revenue_goals as (
    select
        goal_id,
        currency,
        starts_on,
        ends_on,
        cast(target_1 as {{ type_double() }})
        / case period_1
            when 'day' then 1
            when 'week' then 7
            when 'month' then 365.25 / 12
            when 'quarter' then 365.25 / 4
            when 'year' then 365.25
        end as target_per_day
    from goals
    where not is_deleted
        and metric = 'won_revenue'
),

final as (
    select
        assignments.assignment_id,
        revenue_goals.goal_id,
        assignments.user_id,
        revenue_goals.currency,
        revenue_goals.starts_on,
        revenue_goals.ends_on,
        cast(revenue_goals.target_per_day as {{ type_double() }}) as target_per_day,
        cast(
            {{ convert_currency('revenue_goals.target_per_day', 'revenue_goals.currency', 'fx') }}
            as {{ type_double() }}
        ) as target_per_day_rc,
        cast(
            {{ convert_currency('revenue_goals.target_per_day', 'revenue_goals.currency', 'fx') }} * 365.25 / 12
            as {{ type_double() }}
        ) as monthly_target_rc
    from revenue_goals
    inner join assignments
        on revenue_goals.goal_id = assignments.goal_id
    cross join as_of
    {{ fx_joins('revenue_goals.currency', 'as_of.as_of_date', 'fx') }}
    where not assignments.is_deleted
)

select * from final
