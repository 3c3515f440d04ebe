{#
    One row per support ticket, its latest version (staging resolves the delta by
    `updated_at`). The account is the requester's, matched by `map_support_requester`
    (null when unmatched). The support cost comes from int_support_ticket_costs.
#}
with

tickets as (
    select * from {{ ref('stg_support__tickets') }}
),

ticket_costs as (
    select * from {{ ref('int_support_ticket_costs') }}
),

requesters as (
    select * from {{ ref('map_support_requester') }}
),

tickets_enriched as (
    select
        tickets.ticket_id,
        requesters.account_id,
        tickets.email_hash,
        tickets.assignee_id,
        tickets.channel,
        tickets.priority,
        tickets.status,
        tickets.ticket_type,
        tickets.satisfaction,
        tickets.first_reply_minutes,
        tickets.full_resolution_minutes,
        tickets.agent_work_minutes,
        tickets.reopens,
        tickets.replies,
        tickets.sla_first_reply_target_minutes,
        ticket_costs.calls,
        ticket_costs.call_talk_seconds,
        ticket_costs.support_minutes,
        ticket_costs.support_cost_rc,
        tickets.has_complaint_tag,
        tickets.created_at,
        tickets.solved_at
    from tickets
    left join requesters
        on tickets.email_hash = requesters.email_hash
    left join ticket_costs
        on tickets.ticket_id = ticket_costs.ticket_id
),

final as (
    select
        ticket_id,
        account_id,
        email_hash,
        assignee_id,
        channel,
        priority,
        status,
        ticket_type as {{ adapter.quote('type') }},
        satisfaction,
        first_reply_minutes,
        full_resolution_minutes as resolution_minutes,
        agent_work_minutes,
        reopens,
        replies,
        sla_first_reply_target_minutes,
        calls,
        call_talk_seconds,
        support_minutes,
        support_cost_rc,
        case
            when first_reply_minutes is not null and sla_first_reply_target_minutes is not null
                then first_reply_minutes <= sla_first_reply_target_minutes
        end as sla_met,
        coalesce(
            solved_at is not null
            and {{ to_reporting_date('solved_at') }} = {{ to_reporting_date('created_at') }},
            false
        ) as solved_same_day,
        coalesce(ticket_type = 'complaint' or has_complaint_tag, false) as is_complaint,
        solved_at is not null as is_solved,
        {{ to_reporting_date('created_at') }} as created_date,
        created_at,
        solved_at
    from tickets_enriched
)

select * from final
