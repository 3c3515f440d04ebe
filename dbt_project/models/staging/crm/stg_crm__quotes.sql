with resolved as (
    select * from {{ ref('base_crm__quotes') }}
),

final as (
    select
        quote_id,
        {{ clean_text('deal_id') }} as deal_id,
        {{ normalise_enum('status', category_values('quote_statuses')) }} as status,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_decimal('total_amount') }} as total_amount,
        {{ deletion_columns() }},
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('sent_at') }} as sent_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
