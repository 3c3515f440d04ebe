{#
    Goal attainment: one row per (assignment, period type, period) from
    int_goal_periods_generated, with the period's actual (docs/marts.md):
    - won_revenue: Σ amount of deals currently won, not deleted, closed in the period,
      owner at close = the user, converted into the goal's currency at closed_at; only
      the goal's pipeline when set. won_deals: the count of the same deals.
    - activities: the user's done activities of the goal's type with an outcome in
      activity_outcomes (any when empty), in the period, by scope (leads: lead_id set;
      deals: deal_id set; all); with a pipeline set, an activity linked to a deal of
      another pipeline does not count.
    - new_leads: persons (fct_lead_funnel) currently owned by the user, created in the
      period.
    Pacing for the period containing the as-of date: expected_to_date (target prorated
    by elapsed days) and pace = actual ÷ expected_to_date.
#}
with

periods as (
    select * from {{ ref('int_goal_periods_generated') }}
),

goals as (
    select * from {{ ref('stg_crm__goals') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

persons as (
    select * from {{ ref('fct_lead_funnel') }}
),

periods_with_goal as (
    select
        periods.*,
        goals.metric,
        goals.pipeline_id,
        goals.currency as goal_currency,
        goals.activity_type,
        goals.activity_outcomes,
        goals.scope
    from periods
    inner join goals
        on periods.goal_id = goals.goal_id
),

won_deals as (
    select
        deal_id,
        owner_at_close_id,
        pipeline_id,
        amount,
        currency,
        {{ to_reporting_date('closed_at') }} as closed_date
    from deals
    where status = 'won'
        and not is_deleted
        and closed_at is not null
),

deal_actuals as (
    select
        periods_with_goal.assignment_id,
        periods_with_goal.period_type,
        periods_with_goal.period_start,
        count(*) as deals_won,
        sum({{ convert_currency('won_deals.amount', 'won_deals.currency', 'fx_goal', to_currency='periods_with_goal.goal_currency') }}) as revenue_won
    from periods_with_goal
    inner join won_deals
        on won_deals.owner_at_close_id = periods_with_goal.user_id
        and won_deals.closed_date between periods_with_goal.period_start and periods_with_goal.period_end
        and (periods_with_goal.pipeline_id is null or won_deals.pipeline_id = periods_with_goal.pipeline_id)
    {{ fx_joins('won_deals.currency', 'won_deals.closed_date', 'fx_goal', to_currency='periods_with_goal.goal_currency') }}
    where periods_with_goal.metric in ('won_revenue', 'won_deals')
    group by
        periods_with_goal.assignment_id,
        periods_with_goal.period_type,
        periods_with_goal.period_start
),

done_activities as (
    select
        activities.activity_id,
        activities.user_id,
        activities.activity_type,
        activities.outcome,
        activities.lead_id,
        activities.deal_id,
        activities.activity_date,
        deals.pipeline_id as deal_pipeline_id
    from activities
    left join deals
        on activities.deal_id = deals.deal_id
    where activities.status = 'done'
),

activity_actuals as (
    select
        periods_with_goal.assignment_id,
        periods_with_goal.period_type,
        periods_with_goal.period_start,
        count(*) as activities_done
    from periods_with_goal
    inner join done_activities
        on done_activities.user_id = periods_with_goal.user_id
        and done_activities.activity_date between periods_with_goal.period_start and periods_with_goal.period_end
        and done_activities.activity_type = periods_with_goal.activity_type
    where periods_with_goal.metric = 'activities'
        and (
            coalesce(periods_with_goal.activity_outcomes, '') = ''
            or '|' || periods_with_goal.activity_outcomes || '|' like '%|' || done_activities.outcome || '|%'
        )
        and (
            coalesce(periods_with_goal.scope, 'all') = 'all'
            or (periods_with_goal.scope = 'leads' and done_activities.lead_id is not null)
            or (periods_with_goal.scope = 'deals' and done_activities.deal_id is not null)
        )
        and (
            periods_with_goal.pipeline_id is null
            or done_activities.deal_pipeline_id is null
            or done_activities.deal_pipeline_id = periods_with_goal.pipeline_id
        )
    group by
        periods_with_goal.assignment_id,
        periods_with_goal.period_type,
        periods_with_goal.period_start
),

lead_actuals as (
    select
        periods_with_goal.assignment_id,
        periods_with_goal.period_type,
        periods_with_goal.period_start,
        count(*) as new_leads
    from periods_with_goal
    inner join persons
        on persons.owner_id = periods_with_goal.user_id
        and {{ to_reporting_date('persons.created_at') }} between periods_with_goal.period_start and periods_with_goal.period_end
    where periods_with_goal.metric = 'new_leads'
    group by
        periods_with_goal.assignment_id,
        periods_with_goal.period_type,
        periods_with_goal.period_start
),

actuals as (
    select
        periods_with_goal.*,
        cast(
            case periods_with_goal.metric
                when 'won_revenue' then coalesce(deal_actuals.revenue_won, 0)
                when 'won_deals' then coalesce(deal_actuals.deals_won, 0)
                when 'activities' then coalesce(activity_actuals.activities_done, 0)
                when 'new_leads' then coalesce(lead_actuals.new_leads, 0)
            end
            as {{ type_double() }}
        ) as actual
    from periods_with_goal
    left join deal_actuals
        on periods_with_goal.assignment_id = deal_actuals.assignment_id
        and periods_with_goal.period_type = deal_actuals.period_type
        and periods_with_goal.period_start = deal_actuals.period_start
    left join activity_actuals
        on periods_with_goal.assignment_id = activity_actuals.assignment_id
        and periods_with_goal.period_type = activity_actuals.period_type
        and periods_with_goal.period_start = activity_actuals.period_start
    left join lead_actuals
        on periods_with_goal.assignment_id = lead_actuals.assignment_id
        and periods_with_goal.period_type = lead_actuals.period_type
        and periods_with_goal.period_start = lead_actuals.period_start
),

final as (
    select
        assignment_id,
        goal_id,
        user_id,
        metric,
        pipeline_id,
        goal_currency as currency,
        period_type,
        period_start,
        period_end,
        cast(target as {{ type_double() }}) as target,
        actual,
        cast(case when target > 0 then actual / target end as {{ type_double() }}) as attainment,
        actual >= target as is_met,
        expected_to_date,
        cast(case when expected_to_date > 0 then actual / expected_to_date end as {{ type_double() }}) as pace
    from actuals
)

select * from final
