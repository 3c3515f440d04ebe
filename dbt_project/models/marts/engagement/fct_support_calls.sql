{#
    One row per support call. `abandoned` keeps the contract's name; `handle_seconds` is
    the talk time of answered calls (the export has no hold or wrap-up time), null for
    abandoned calls so that averages run over handled calls only.
#}
with

calls as (
    select * from {{ ref('stg_support__calls') }}
),

final as (
    select
        call_id,
        ticket_id,
        agent_id,
        direction,
        wait_seconds,
        talk_seconds,
        case when not coalesce(is_abandoned, false) then talk_seconds end as handle_seconds,
        is_abandoned as abandoned,
        is_callback,
        {{ to_reporting_date('started_at') }} as call_date,
        started_at
    from calls
)

select * from final
