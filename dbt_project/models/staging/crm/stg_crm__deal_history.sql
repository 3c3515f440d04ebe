with resolved as (
    select * from {{ ref('base_crm__deal_history') }}
),

final as (
    select
        history_id,
        {{ clean_text('deal_id') }} as deal_id,
        {{ clean_text('stage_id') }} as stage_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_decimal('amount') }} as amount,
        {{ parse_date('expected_close_date') }} as expected_close_date,
        {{ parse_iso_timestamp('changed_at') }} as changed_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
