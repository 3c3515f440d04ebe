with resolved as (
    select * from {{ ref('base_email__events') }}
),

final as (
    select
        event_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ normalise_email('email') }} as email,
        {{ email_hash('email') }} as email_hash,
        {{ normalise_enum('event', category_values('email_events')) }} as event,
        {{ clean_text('url') }} as url,
        {{ normalise_enum('bounce_type', category_values('bounce_types')) }} as bounce_type,
        {{ flags_column([email_check('email')]) }} as flags,
        {{ parse_epoch(adapter.quote('timestamp')) }} as occurred_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
