with resolved as (
    select * from {{ ref('base_email__campaigns') }}
),

final as (
    select
        campaign_id,
        {{ clean_text('list_id') }} as list_id,
        {{ clean_text('name') }} as campaign_name,
        {{ clean_text('subject') }} as subject,
        {{ normalise_enum('status', category_values('campaign_statuses')) }} as status,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_decimal('cost') }} as cost,
        {{ deletion_columns() }},
        {{ parse_iso_timestamp('sent_at') }} as sent_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
