with resolved as (
    select * from {{ ref('base_crm__deals') }}
),

final as (
    select
        deal_id,
        {{ clean_text('account_id') }} as account_id,
        {{ clean_text('contact_id') }} as contact_id,
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('pipeline_id') }} as pipeline_id,
        {{ clean_text('stage_id') }} as stage_id,
        {{ clean_text('owner_id') }} as owner_id,
        {{ clean_text('name') }} as deal_name,
        {{ normalise_category('deal_type', category_values('deal_types')) }} as deal_type,
        {{ normalise_category('source', category_values('lead_sources')) }} as source,
        {{ normalise_enum('status', category_values('deal_statuses')) }} as status,
        {{ clean_text('lost_reason') }} as lost_reason,
        {{ flags_column([category_check('deal_type', category_values('deal_types')), category_check('source', category_values('lead_sources'))]) }} as flags,
        {{ normalise_currency('currency') }} as currency,
        {{ parse_decimal('amount') }} as amount,
        {{ deletion_columns() }},
        {{ parse_date('expected_close_date') }} as expected_close_date,
        {{ parse_iso_timestamp('created_at') }} as created_at,
        {{ parse_iso_timestamp('closed_at') }} as closed_at,
        {{ parse_iso_timestamp('updated_at') }} as updated_at,
        {{ lineage_columns() }}
    from resolved
)

select * from final
