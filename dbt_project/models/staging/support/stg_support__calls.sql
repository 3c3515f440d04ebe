with resolved as (
    select * from {{ ref('base_support__calls') }}
),

final as (
    select
        call_id,
        {{ clean_text('ticket_id') }} as ticket_id,
        {{ clean_text('agent_id') }} as agent_id,
        {{ normalise_enum('direction', category_values('call_directions')) }} as direction,
        {{ clean_text('phone') }} as phone,
        {{ parse_integer('wait_seconds') }} as wait_seconds,
        {{ parse_integer('talk_seconds') }} as talk_seconds,
        {{ parse_boolean('abandoned') }} as is_abandoned,
        {{ parse_boolean('is_callback') }} as is_callback,
        {{ parse_iso_timestamp('started_at') }} as started_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
