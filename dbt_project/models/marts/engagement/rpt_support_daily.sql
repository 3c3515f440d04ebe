{#
    Support KPIs per calendar day (docs/marts.md v1.3): one row for every day from the
    first ticket or call to the as-of date, zeros on quiet days (so a daily average is a
    plain average), as additive counts and sums (sum them for weeks and months) plus the
    day's ratios (null when their divisor is 0).
    - Tickets by the day they were created: opened, solved the same day, complaints, SLA.
    - Tickets by the day they were solved: solved (cases handled), resolution times,
      satisfaction (the rating is of the solved ticket), agent minutes.
    - Calls by the day they started: calls, answered, abandoned, callbacks, handle time,
      talk time.
    The day's support cost = (agent minutes of the tickets solved that day + talk time of
    the day's calls) at `support_cost_per_hour`; cost per interaction = that cost ÷
    (tickets opened + calls).
    `support_date`, `tickets_solved_same_day`, `tickets_sla_measured`, `tickets_sla_met`
    and `abandoned_calls` are the earlier names of `date_day`, `solved_same_day`,
    `sla_measured`, `sla_met` and `calls_abandoned`, kept for their readers (the dashboard).
#}
with

tickets as (
    select * from {{ ref('fct_support_tickets') }}
),

calls as (
    select * from {{ ref('fct_support_calls') }}
),

first_days as (
    select min(created_date) as first_day from tickets
    union all
    select min(call_date) from calls
),

bounds as (
    select
        min(first_day) as first_day,
        cast({{ as_of_date() }} as date) as last_day
    from first_days
),

days as (
    {{ day_spine('bounds', 'first_day', 'last_day', 'date_day') }}
),

by_created as (
    select
        created_date as date_day,
        count(*) as tickets_opened,
        sum(case when solved_same_day then 1 else 0 end) as solved_same_day,
        sum(case when sla_met is not null then 1 else 0 end) as sla_measured,
        sum(case when sla_met then 1 else 0 end) as sla_met,
        sum(case when is_complaint then 1 else 0 end) as complaints_opened
    from tickets
    group by created_date
),

by_solved as (
    select
        {{ to_reporting_date('solved_at') }} as date_day,
        count(*) as tickets_solved,
        sum(resolution_minutes) as resolution_minutes,
        sum(case when resolution_minutes is not null then 1 else 0 end) as tickets_with_resolution,
        sum(case when is_complaint then 1 else 0 end) as complaints_solved,
        sum(case when is_complaint then resolution_minutes end) as complaint_resolution_minutes,
        sum(case when is_complaint and resolution_minutes is not null then 1 else 0 end) as complaints_with_resolution,
        sum(case when satisfaction = 'good' then 1 else 0 end) as satisfaction_good,
        sum(case when satisfaction = 'bad' then 1 else 0 end) as satisfaction_bad,
        sum(coalesce(agent_work_minutes, 0)) as agent_work_minutes
    from tickets
    where solved_at is not null
    group by 1
),

by_call as (
    select
        call_date as date_day,
        count(*) as calls,
        sum(case when not coalesce(abandoned, false) then 1 else 0 end) as calls_answered,
        sum(case when abandoned then 1 else 0 end) as calls_abandoned,
        sum(case when is_callback then 1 else 0 end) as callbacks,
        sum(case when direction = 'inbound' then 1 else 0 end) as inbound_calls,
        sum(handle_seconds) as handle_seconds,
        sum(case when handle_seconds is not null then 1 else 0 end) as handled_calls,
        sum(coalesce(talk_seconds, 0)) as talk_seconds
    from calls
    group by call_date
),

daily_counts as (
    select
        days.date_day,
        cast(coalesce(by_created.tickets_opened, 0) as {{ dbt.type_bigint() }}) as tickets_opened,
        cast(coalesce(by_solved.tickets_solved, 0) as {{ dbt.type_bigint() }}) as tickets_solved,
        cast(coalesce(by_created.solved_same_day, 0) as {{ dbt.type_bigint() }}) as solved_same_day,
        cast(coalesce(by_created.sla_met, 0) as {{ dbt.type_bigint() }}) as sla_met,
        cast(coalesce(by_created.sla_measured, 0) as {{ dbt.type_bigint() }}) as sla_measured,
        cast(coalesce(by_call.calls, 0) as {{ dbt.type_bigint() }}) as calls,
        cast(coalesce(by_call.calls_answered, 0) as {{ dbt.type_bigint() }}) as calls_answered,
        cast(coalesce(by_call.calls_abandoned, 0) as {{ dbt.type_bigint() }}) as calls_abandoned,
        cast(coalesce(by_call.callbacks, 0) as {{ dbt.type_bigint() }}) as callbacks,
        cast(coalesce(by_call.inbound_calls, 0) as {{ dbt.type_bigint() }}) as inbound_calls,
        cast(coalesce(by_call.handle_seconds, 0) as {{ dbt.type_bigint() }}) as handle_seconds,
        cast(coalesce(by_call.handled_calls, 0) as {{ dbt.type_bigint() }}) as handled_calls,
        cast(coalesce(by_call.talk_seconds, 0) as {{ dbt.type_bigint() }}) as talk_seconds,
        cast(coalesce(by_created.complaints_opened, 0) as {{ dbt.type_bigint() }}) as complaints_opened,
        cast(coalesce(by_solved.complaints_solved, 0) as {{ dbt.type_bigint() }}) as complaints_solved,
        cast(coalesce(by_solved.resolution_minutes, 0) as {{ dbt.type_bigint() }}) as resolution_minutes,
        cast(coalesce(by_solved.tickets_with_resolution, 0) as {{ dbt.type_bigint() }}) as tickets_with_resolution,
        cast(coalesce(by_solved.complaint_resolution_minutes, 0) as {{ dbt.type_bigint() }}) as complaint_resolution_minutes,
        cast(coalesce(by_solved.complaints_with_resolution, 0) as {{ dbt.type_bigint() }}) as complaints_with_resolution,
        cast(coalesce(by_solved.satisfaction_good, 0) as {{ dbt.type_bigint() }}) as satisfaction_good,
        cast(coalesce(by_solved.satisfaction_bad, 0) as {{ dbt.type_bigint() }}) as satisfaction_bad,
        cast(coalesce(by_solved.agent_work_minutes, 0) as {{ dbt.type_bigint() }}) as agent_work_minutes
    from days
    left join by_created
        on days.date_day = by_created.date_day
    left join by_solved
        on days.date_day = by_solved.date_day
    left join by_call
        on days.date_day = by_call.date_day
),

daily_costs as (
    select
        *,
        tickets_opened + calls as interactions,
        cast(
            (agent_work_minutes + cast(talk_seconds as {{ type_double() }}) / 60) / 60.0 * {{ var('support_cost_per_hour') }}
            as {{ type_double() }}
        ) as support_cost_rc
    from daily_counts
),

final as (
    select
        date_day,
        tickets_opened,
        tickets_solved,
        solved_same_day,
        sla_met,
        sla_measured,
        cast(sla_met as {{ type_double() }}) / nullif(sla_measured, 0) as sla_compliance,
        calls,
        calls_answered,
        calls_abandoned,
        callbacks,
        cast(handle_seconds as {{ type_double() }}) / nullif(handled_calls, 0) as avg_handle_seconds,
        complaints_opened,
        cast(resolution_minutes as {{ type_double() }}) / nullif(tickets_with_resolution, 0) as avg_resolution_minutes,
        cast(complaint_resolution_minutes as {{ type_double() }})
        / nullif(complaints_with_resolution, 0) as avg_complaint_resolution_minutes,
        satisfaction_good,
        satisfaction_bad,
        cast(satisfaction_good as {{ type_double() }})
        / nullif(satisfaction_good + satisfaction_bad, 0) as satisfaction_rate,
        support_cost_rc / nullif(interactions, 0) as cost_per_interaction_rc,
        complaints_solved,
        resolution_minutes,
        tickets_with_resolution,
        complaint_resolution_minutes,
        complaints_with_resolution,
        inbound_calls,
        handle_seconds,
        handled_calls,
        talk_seconds,
        agent_work_minutes,
        interactions,
        support_cost_rc,
        date_day as support_date,
        solved_same_day as tickets_solved_same_day,
        sla_measured as tickets_sla_measured,
        sla_met as tickets_sla_met,
        calls_abandoned as abandoned_calls
    from daily_costs
)

select * from final
