{#
    The support cost of each ticket (latest version): the agent time spent on it,
    `agent_work_minutes` plus the talk time of the calls linked to it, at the configured
    cost per agent hour (var `support_cost_per_hour`, in the reporting currency).
    Calls without a ticket, or with a ticket id that is not in the tickets export, carry
    no cost here (docs/marts.md, fct_customer_profitability).
#}
with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

calls as (
    select * from {{ ref('stg_support__calls') }}
),

calls_per_ticket as (
    select
        ticket_id,
        count(*) as calls,
        cast(coalesce(sum(talk_seconds), 0) as bigint) as call_talk_seconds
    from calls
    where ticket_id is not null
    group by ticket_id
),

ticket_minutes as (
    select
        tickets.ticket_id,
        tickets.email_hash,
        coalesce(calls_per_ticket.calls, 0) as calls,
        coalesce(calls_per_ticket.call_talk_seconds, 0) as call_talk_seconds,
        coalesce(tickets.agent_work_minutes, 0)
        + cast(coalesce(calls_per_ticket.call_talk_seconds, 0) as {{ type_double() }}) / 60 as support_minutes,
        tickets.created_at
    from tickets
    left join calls_per_ticket
        on tickets.ticket_id = calls_per_ticket.ticket_id
),

final as (
    select
        ticket_id,
        email_hash,
        calls,
        call_talk_seconds,
        cast(support_minutes as {{ type_double() }}) as support_minutes,
        cast(
            support_minutes / 60.0 * {{ var('support_cost_per_hour') }} as {{ type_double() }}
        ) as support_cost_rc,
        {{ to_reporting_date('created_at') }} as created_date,
        created_at
    from ticket_minutes
)

select * from final
