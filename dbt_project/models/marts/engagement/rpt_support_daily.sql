{#
    Support KPIs per business day, as additive counts and sums (roll up to weeks and
    months by summing) plus the day's ratios:
    - tickets by the day they were created: cases opened, solved the same day, SLA
      measured / met, support cost (agent minutes + linked call time at the hourly rate);
    - tickets by the day they were solved: cases handled, resolution minutes (all and
      complaints);
    - calls by the day they started: calls, abandoned calls, callbacks, handle time.
    Cost per interaction = support cost ÷ (tickets opened + calls).
#}
with

tickets as (
    select * from {{ ref('fct_support_tickets') }}
),

calls as (
    select * from {{ ref('fct_support_calls') }}
),

by_created as (
    select
        created_date as support_date,
        count(*) as tickets_opened,
        sum(case when solved_same_day then 1 else 0 end) as tickets_solved_same_day,
        sum(case when sla_met is not null then 1 else 0 end) as tickets_sla_measured,
        sum(case when sla_met then 1 else 0 end) as tickets_sla_met,
        sum(case when is_complaint then 1 else 0 end) as complaints_opened,
        sum(support_cost_rc) as support_cost_rc
    from tickets
    group by created_date
),

by_solved as (
    select
        {{ to_reporting_date('solved_at') }} as support_date,
        count(*) as tickets_solved,
        sum(resolution_minutes) as resolution_minutes,
        sum(case when resolution_minutes is not null then 1 else 0 end) as tickets_with_resolution,
        sum(case when is_complaint then 1 else 0 end) as complaints_solved,
        sum(case when is_complaint then resolution_minutes end) as complaint_resolution_minutes,
        sum(case when is_complaint and resolution_minutes is not null then 1 else 0 end) as complaints_with_resolution
    from tickets
    where solved_at is not null
    group by 1
),

by_call as (
    select
        call_date as support_date,
        count(*) as calls,
        sum(case when abandoned then 1 else 0 end) as abandoned_calls,
        sum(case when is_callback then 1 else 0 end) as callbacks,
        sum(case when direction = 'inbound' then 1 else 0 end) as inbound_calls,
        sum(handle_seconds) as handle_seconds,
        sum(case when handle_seconds is not null then 1 else 0 end) as handled_calls
    from calls
    group by call_date
),

days as (
    select support_date from by_created
    union
    select support_date from by_solved
    union
    select support_date from by_call
),

final as (
    select
        days.support_date,
        cast(coalesce(by_created.tickets_opened, 0) as bigint) as tickets_opened,
        cast(coalesce(by_solved.tickets_solved, 0) as bigint) as tickets_solved,
        cast(coalesce(by_created.tickets_solved_same_day, 0) as bigint) as tickets_solved_same_day,
        cast(coalesce(by_created.tickets_sla_measured, 0) as bigint) as tickets_sla_measured,
        cast(coalesce(by_created.tickets_sla_met, 0) as bigint) as tickets_sla_met,
        cast(coalesce(by_created.complaints_opened, 0) as bigint) as complaints_opened,
        cast(coalesce(by_solved.complaints_solved, 0) as bigint) as complaints_solved,
        cast(coalesce(by_solved.resolution_minutes, 0) as bigint) as resolution_minutes,
        cast(coalesce(by_solved.tickets_with_resolution, 0) as bigint) as tickets_with_resolution,
        cast(coalesce(by_solved.complaint_resolution_minutes, 0) as bigint) as complaint_resolution_minutes,
        cast(coalesce(by_solved.complaints_with_resolution, 0) as bigint) as complaints_with_resolution,
        cast(coalesce(by_call.calls, 0) as bigint) as calls,
        cast(coalesce(by_call.inbound_calls, 0) as bigint) as inbound_calls,
        cast(coalesce(by_call.abandoned_calls, 0) as bigint) as abandoned_calls,
        cast(coalesce(by_call.callbacks, 0) as bigint) as callbacks,
        cast(coalesce(by_call.handle_seconds, 0) as bigint) as handle_seconds,
        cast(coalesce(by_call.handled_calls, 0) as bigint) as handled_calls,
        cast(coalesce(by_created.support_cost_rc, 0) as double precision) as support_cost_rc,
        cast(coalesce(by_created.tickets_opened, 0) + coalesce(by_call.calls, 0) as bigint) as interactions,
        cast(by_created.tickets_sla_met as double precision) / nullif(by_created.tickets_sla_measured, 0) as sla_compliance,
        cast(by_solved.resolution_minutes as double precision) / nullif(by_solved.tickets_with_resolution, 0) as avg_resolution_minutes,
        cast(by_solved.complaint_resolution_minutes as double precision) / nullif(by_solved.complaints_with_resolution, 0) as avg_complaint_resolution_minutes,
        cast(by_call.handle_seconds as double precision) / nullif(by_call.handled_calls, 0) as avg_handle_seconds,
        cast(
            coalesce(by_created.support_cost_rc, 0)
            / nullif(coalesce(by_created.tickets_opened, 0) + coalesce(by_call.calls, 0), 0)
            as double precision
        ) as cost_per_interaction_rc
    from days
    left join by_created
        on days.support_date = by_created.support_date
    left join by_solved
        on days.support_date = by_solved.support_date
    left join by_call
        on days.support_date = by_call.support_date
    where days.support_date is not null
)

select * from final
