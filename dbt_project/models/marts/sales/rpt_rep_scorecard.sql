{#
    The sales activity and performance report: one row per rep (role rep or manager, not
    deleted) × month, from the month of the first deal's creation to the as-of month,
    zeros included (docs/marts.md, rpt_rep_scorecard). Deleted deals are left out.
    - created deals count for the owner of the deal's first history row, won and lost
      deals for the owner at close, in the month of created_at / closed_at;
    - activities are done activities by occurred_at month;
    - "the month's end" is the last day of the month, or the as-of date for the as-of
      month: open deals, open pipeline and the 365-day window of the velocity inputs are
      taken there (the open deals from fct_pipeline_snapshot on that day);
    - pipeline coverage divides the open pipeline expected to close next month by the
      rep's monthly revenue targets of the goals overlapping next month.
#}
with

reps as (
    select * from {{ ref('dim_rep') }}
),

deals as (
    select * from {{ ref('fct_deals') }}
),

history as (
    select * from {{ ref('int_deal_history_ordered') }}
),

activities as (
    select * from {{ ref('fct_activities') }}
),

snapshot as (
    select * from {{ ref('fct_pipeline_snapshot') }}
),

revenue_targets as (
    select * from {{ ref('int_revenue_goal_targets_converted') }}
),

as_of as (
    select cast({{ as_of_date() }} as date) as as_of_date
),

live_deals as (
    select
        deals.*,
        {{ to_reporting_date('deals.created_at') }} as created_date,
        {{ to_reporting_date('deals.closed_at') }} as closed_date
    from deals
    where not deals.is_deleted
),

{# months from the first deal's creation to the as-of month #}
month_bounds as (
    select
        cast({{ dbt.date_trunc('month', 'min(live_deals.created_date)') }} as date) as first_month,
        cast({{ dbt.date_trunc('month', 'max(as_of.as_of_date)') }} as date) as last_month,
        max(as_of.as_of_date) as as_of_date
    from live_deals
    cross join as_of
),

month_offsets as (
    select generated_number - 1 as month_offset
    from ({{ dbt.generate_series(1200) }}) as series
),

months as (
    select
        cast({{ dbt.dateadd('month', 'month_offsets.month_offset', 'month_bounds.first_month') }} as date) as month_start,
        month_bounds.as_of_date
    from month_bounds
    cross join month_offsets
    where {{ dbt.dateadd('month', 'month_offsets.month_offset', 'month_bounds.first_month') }} <= month_bounds.last_month
),

months_bounded as (
    select
        month_start,
        cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as next_month_start,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 2, 'month_start')) }} as date) as next_month_end,
        case
            when as_of_date < cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) then as_of_date
            else cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'month_start')) }} as date)
        end as month_end_date,
        as_of_date,
        as_of_date < cast({{ dbt.dateadd('month', 1, 'month_start') }} as date) as is_as_of_month
    from months
),

rep_months as (
    select
        reps.rep_id,
        months_bounded.*
    from reps
    cross join months_bounded
    where reps.role in ('rep', 'manager')
        and not reps.is_deleted
),

first_owners as (
    select
        deal_id,
        owner_id as first_owner_id
    from history
    where history_sequence = 1
),

created_by_month as (
    select
        coalesce(first_owners.first_owner_id, live_deals.owner_id) as rep_id,
        cast({{ dbt.date_trunc('month', 'live_deals.created_date') }} as date) as month_start,
        count(*) as deals_created,
        sum(live_deals.amount_rc) as pipeline_created_rc
    from live_deals
    left join first_owners
        on live_deals.deal_id = first_owners.deal_id
    group by 1, 2
),

closed_by_month as (
    select
        owner_at_close_id as rep_id,
        cast({{ dbt.date_trunc('month', 'closed_date') }} as date) as month_start,
        sum(case when status = 'won' then 1 else 0 end) as deals_won,
        sum(case when status = 'lost' then 1 else 0 end) as deals_lost,
        sum(case when status = 'won' then amount_rc end) as won_revenue_rc,
        sum(amount_rc) as closed_amount_rc,
        avg(case when status = 'won' then amount_rc end) as avg_won_deal_rc,
        avg(case when status = 'won' then sales_cycle_days end) as avg_sales_cycle_days
    from live_deals
    where status in ('won', 'lost')
    group by 1, 2
),

activities_by_month as (
    select
        user_id as rep_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start,
        sum(case when activity_type = 'call' then 1 else 0 end) as calls,
        sum(case when activity_type in ('meeting', 'video_call', 'demo') then 1 else 0 end) as meetings,
        sum(case when activity_type = 'email' then 1 else 0 end) as emails,
        count(*) as activities_done,
        sum(case when activity_type = 'call' and deal_id is not null then 1 else 0 end) as deal_calls,
        count(distinct case when activity_type = 'call' then deal_id end) as deals_called
    from activities
    where status = 'done'
    group by 1, 2
),

scheduled_next_week as (
    select
        activities.user_id as rep_id,
        count(*) as activities_scheduled
    from activities
    cross join as_of
    where activities.status = 'scheduled'
        and activities.activity_date
        between cast({{ dbt.dateadd('day', 7, dbt.date_trunc('week', 'as_of.as_of_date')) }} as date)
        and cast({{ dbt.dateadd('day', 13, dbt.date_trunc('week', 'as_of.as_of_date')) }} as date)
    group by 1
),

{# the rep's deals closed in the 365 days before the month's end #}
velocity_inputs as (
    select
        rep_months.rep_id,
        rep_months.month_start,
        cast(sum(case when live_deals.status = 'won' then 1 else 0 end) as {{ type_double() }})
        / nullif(count(live_deals.deal_id), 0) as win_rate_count,
        avg(case when live_deals.status = 'won' then live_deals.amount_rc end) as avg_won_deal_rc,
        avg(case when live_deals.status = 'won' then live_deals.sales_cycle_days end) as avg_sales_cycle_days
    from rep_months
    inner join live_deals
        on live_deals.owner_at_close_id = rep_months.rep_id
        and live_deals.status in ('won', 'lost')
        and live_deals.closed_date
        between cast({{ dbt.dateadd('day', -364, 'rep_months.month_end_date') }} as date)
        and rep_months.month_end_date
    group by 1, 2
),

open_at_month_end as (
    select
        rep_months.rep_id,
        rep_months.month_start,
        count(*) as open_deals,
        sum(
            case
                when snapshot.expected_close_date between rep_months.next_month_start and rep_months.next_month_end
                    then snapshot.amount_rc
            end
        ) as open_pipeline_rc
    from rep_months
    inner join snapshot
        on snapshot.owner_id = rep_months.rep_id
        and snapshot.snapshot_date = rep_months.month_end_date
    group by 1, 2
),

next_month_targets as (
    select
        rep_months.rep_id,
        rep_months.month_start,
        sum(revenue_targets.monthly_target_rc) as next_month_target_rc
    from rep_months
    inner join revenue_targets
        on revenue_targets.user_id = rep_months.rep_id
        and revenue_targets.starts_on <= rep_months.next_month_end
        and (revenue_targets.ends_on is null or revenue_targets.ends_on >= rep_months.next_month_start)
    group by 1, 2
),

joined as (
    select
        rep_months.rep_id,
        rep_months.month_start,
        rep_months.is_as_of_month,
        coalesce(created_by_month.deals_created, 0) as deals_created,
        coalesce(created_by_month.pipeline_created_rc, 0) as pipeline_created_rc,
        coalesce(closed_by_month.deals_won, 0) as deals_won,
        coalesce(closed_by_month.won_revenue_rc, 0) as won_revenue_rc,
        coalesce(closed_by_month.deals_lost, 0) as deals_lost,
        closed_by_month.closed_amount_rc,
        closed_by_month.avg_won_deal_rc,
        closed_by_month.avg_sales_cycle_days,
        coalesce(activities_by_month.calls, 0) as calls,
        coalesce(activities_by_month.meetings, 0) as meetings,
        coalesce(activities_by_month.emails, 0) as emails,
        coalesce(activities_by_month.activities_done, 0) as activities_done,
        activities_by_month.deal_calls,
        activities_by_month.deals_called,
        scheduled_next_week.activities_scheduled,
        coalesce(open_at_month_end.open_deals, 0) as open_deals,
        coalesce(open_at_month_end.open_pipeline_rc, 0) as open_pipeline_rc,
        velocity_inputs.win_rate_count as window_win_rate_count,
        velocity_inputs.avg_won_deal_rc as window_avg_won_deal_rc,
        velocity_inputs.avg_sales_cycle_days as window_avg_sales_cycle_days,
        next_month_targets.next_month_target_rc
    from rep_months
    left join created_by_month
        on rep_months.rep_id = created_by_month.rep_id
        and rep_months.month_start = created_by_month.month_start
    left join closed_by_month
        on rep_months.rep_id = closed_by_month.rep_id
        and rep_months.month_start = closed_by_month.month_start
    left join activities_by_month
        on rep_months.rep_id = activities_by_month.rep_id
        and rep_months.month_start = activities_by_month.month_start
    left join scheduled_next_week
        on rep_months.rep_id = scheduled_next_week.rep_id
    left join velocity_inputs
        on rep_months.rep_id = velocity_inputs.rep_id
        and rep_months.month_start = velocity_inputs.month_start
    left join open_at_month_end
        on rep_months.rep_id = open_at_month_end.rep_id
        and rep_months.month_start = open_at_month_end.month_start
    left join next_month_targets
        on rep_months.rep_id = next_month_targets.rep_id
        and rep_months.month_start = next_month_targets.month_start
),

final as (
    select
        rep_id,
        month_start,
        cast(deals_created as bigint) as deals_created,
        cast(pipeline_created_rc as {{ type_double() }}) as pipeline_created_rc,
        cast(deals_won as bigint) as deals_won,
        cast(won_revenue_rc as {{ type_double() }}) as won_revenue_rc,
        cast(deals_lost as bigint) as deals_lost,
        cast(deals_won as {{ type_double() }}) / nullif(deals_won + deals_lost, 0) as win_rate_count,
        cast(won_revenue_rc / nullif(closed_amount_rc, 0) as {{ type_double() }}) as win_rate_amount,
        cast(avg_won_deal_rc as {{ type_double() }}) as avg_won_deal_rc,
        cast(avg_sales_cycle_days as {{ type_double() }}) as avg_sales_cycle_days,
        cast(calls as bigint) as calls,
        cast(meetings as bigint) as meetings,
        cast(emails as bigint) as emails,
        cast(activities_done as bigint) as activities_done,
        cast(case when is_as_of_month then coalesce(activities_scheduled, 0) end as bigint) as activities_scheduled_next_week,
        cast(deal_calls as {{ type_double() }}) / nullif(deals_called, 0) as calls_per_opportunity,
        cast(
            case
                when window_avg_sales_cycle_days > 0
                    then open_deals * window_win_rate_count * window_avg_won_deal_rc / window_avg_sales_cycle_days
            end
            as {{ type_double() }}
        ) as sales_velocity_rc_per_day,
        cast(open_deals as bigint) as open_deals,
        cast(open_pipeline_rc as {{ type_double() }}) as open_pipeline_rc,
        cast(next_month_target_rc as {{ type_double() }}) as next_month_target_rc,
        cast(open_pipeline_rc / nullif(next_month_target_rc, 0) as {{ type_double() }}) as pipeline_coverage
    from joined
)

select * from final
